"""Kiji settings: one module, driven by the environment (see README.md for the variables)."""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KIJI_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    # Development and demo: a random key kept on this machine, never in the repository.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("KIJI_TESTING", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
# Behind TLS in production; `make run` and the test suite serve plain HTTP on loopback.
HTTPS = env_bool("KIJI_HTTPS", True)

INSTALLED_APPS = [
    "kiji.core",
    "kiji.images",
    "kiji.articles",
    "kiji.members",
    "kiji.library",
    "kiji.premium",
    "kiji.audit",
    "kiji.privacy",
    "kiji.comments",
    "kiji.social",
    "kiji.search",
    "kiji.discovery",
    "kiji.assistant",
    "kiji.demo",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_tasks_db",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Anonymous page cache first: a hit skips sessions, auth and rendering entirely.
    "kiji.core.pagecache.AnonymousPageCacheMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kiji.core.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kiji.members.middleware.StaffMustUseMFAMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "kiji.core.middleware.AdminContentSecurityPolicyMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kiji" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "kiji.core.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'kiji.sqlite3'}"), conn_max_age=600
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if "postgresql" in DATABASES["default"]["ENGINE"]:
    # Wagtail's search index uses PostgreSQL's GIN indexes, which need this app's lookups.
    INSTALLED_APPS.append("django.contrib.postgres")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kiji-default"},
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "kiji-pages",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
    "renditions": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "kiji-renditions",
        "OPTIONS": {"MAX_ENTRIES": 20000},
    },
}
# Anonymous full-page cache: seconds a page lives; 0 turns it off (the uncached benchmark does).
PAGE_CACHE_SECONDS = int(os.environ.get("KIJI_PAGE_CACHE_SECONDS", "600"))
# Reader-independent fragments of article pages; 0 renders everything on every request (bench).
FRAGMENT_CACHE_SECONDS = int(os.environ.get("KIJI_FRAGMENT_CACHE_SECONDS", "3600"))
# Content changes bump this file, so every worker process drops its cached pages at once.
PAGE_CACHE_GENERATION_FILE = VAR_DIR / "page-cache-generation"

TASKS = {
    "default": {
        "BACKEND": (
            "django.tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend"
        ),
    }
}

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/members/me/"

# Accounts (django-allauth): e-mail only, verified before first use; no account enumeration.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Kiji] "
ACCOUNT_ADAPTER = "kiji.members.adapters.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "kiji.members.forms.SignupForm"
# Staff need a second factor before they reach the admin; only a local demo may switch it off.
KIJI_STAFF_MFA_REQUIRED = env_bool("KIJI_STAFF_MFA_REQUIRED", True)
# allauth's own defaults are the floor; these are at least as strict.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
    "request_login_code": "20/m/ip,3/m/key",
    "change_phone": "1/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not HTTPS  # passkeys on http://127.0.0.1 during development
MFA_TOTP_ISSUER = "Kiji"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "kiji" / "locale"]
LANGUAGE_COOKIE_NAME = "kiji_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "kiji" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("KIJI_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 3600

# Security: cookies, headers and the Content-Security-Policy.
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = HTTPS and env_bool("KIJI_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("KIJI_BEHIND_PROXY", False) else None
)
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# The Wagtail admin still relies on inline scripts and styles; it gets its own, looser policy.
ADMIN_CSP = {
    **SECURE_CSP,
    "script-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "frame-ancestors": [CSP.SELF],
}

# Mail: the console in development; SMTP when KIJI_SMTP_HOST is set. Tests use locmem.
if os.environ.get("KIJI_SMTP_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["KIJI_SMTP_HOST"],
                "port": int(os.environ.get("KIJI_SMTP_PORT", "587")),
                "username": os.environ.get("KIJI_SMTP_USER", ""),
                "password": os.environ.get("KIJI_SMTP_PASSWORD", ""),
                "use_tls": env_bool("KIJI_SMTP_TLS", True),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Kiji <noreply@kiji.localhost>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"django.tasks": {"level": os.environ.get("TASKS_LOG_LEVEL", "WARNING")}},
}

# Wagtail
WAGTAIL_SITE_NAME = "Kiji"
WAGTAILADMIN_BASE_URL = os.environ.get("KIJI_BASE_URL", "http://127.0.0.1:8000")
WAGTAILIMAGES_IMAGE_MODEL = "images.KijiImage"
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
TAGGIT_CASE_INSENSITIVE = True
# The admin talks to this server only: no avatar service, no release check.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False

KIJI_SITE_NAME = "Kiji"
KIJI_SITE_TAGLINE = _("ビジネスの明日を読む")
# Members-only articles: how many body blocks of the first page stay visible above the wall.
KIJI_WALL_VISIBLE_BLOCKS = 2
# 人気のタグ counts articles published in this many recent days.
KIJI_POPULAR_TAGS_DAYS = 90
# 人気 (popular tags and articles): distinct readers over this many recent days (Asia/Tokyo).
KIJI_POPULAR_DAYS = int(os.environ.get("KIJI_POPULAR_DAYS", "7"))
KIJI_PAGE_SIZE = 12

# 「Kiji に聞く」: "extractive" (offline, the default) or "openai" (any OpenAI-compatible
# chat-completions server: vLLM, llama.cpp, Ollama or a hosted API, at KIJI_ASSISTANT_BASE_URL).
KIJI_ASSISTANT_ENGINE = os.environ.get("KIJI_ASSISTANT_ENGINE", "extractive")
KIJI_ASSISTANT_BASE_URL = os.environ.get("KIJI_ASSISTANT_BASE_URL", "")  # e.g. http://127.0.0.1:8080/v1
KIJI_ASSISTANT_MODEL = os.environ.get("KIJI_ASSISTANT_MODEL", "")
KIJI_ASSISTANT_API_KEY = os.environ.get("KIJI_ASSISTANT_API_KEY", "")
# Seconds: to connect, and for the whole answer; past them the extractive answer is shown.
KIJI_ASSISTANT_CONNECT_TIMEOUT = float(os.environ.get("KIJI_ASSISTANT_CONNECT_TIMEOUT", "5"))
KIJI_ASSISTANT_TIMEOUT = float(os.environ.get("KIJI_ASSISTANT_TIMEOUT", "30"))
KIJI_ASSISTANT_MAX_TOKENS = int(os.environ.get("KIJI_ASSISTANT_MAX_TOKENS", "800"))
# Yen per million tokens, for the cost recorded with each answer's usage.
KIJI_ASSISTANT_PRICE_INPUT_YEN = os.environ.get("KIJI_ASSISTANT_PRICE_INPUT_YEN", "0")
KIJI_ASSISTANT_PRICE_OUTPUT_YEN = os.environ.get("KIJI_ASSISTANT_PRICE_OUTPUT_YEN", "0")
# 「Kiji に聞く」: questions a day (Asia/Tokyo) per premium plan code; other plans get the default.
KIJI_ASSISTANT_DAILY_QUESTIONS: dict[str, int] = {}
KIJI_ASSISTANT_DAILY_QUESTIONS_DEFAULT = int(os.environ.get("KIJI_ASSISTANT_DAILY_QUESTIONS", "50"))
