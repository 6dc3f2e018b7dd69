from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.static import serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from kiji.articles.sitemaps import SITEMAPS
from kiji.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("robots.txt", core_views.robots_txt, name="robots"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("lang/<str:language>/", core_views.switch_language, name="switch_language"),
    # Staff sign in through allauth, so the second factor is always asked for.
    path("admin/login/", core_views.admin_login_redirect),
    path("django-admin/login/", core_views.admin_login_redirect),
    path("accounts/", include("allauth.urls")),
    path("members/", include("kiji.members.urls")),
    path("library/", include("kiji.library.urls")),
    path("premium/", include("kiji.premium.urls")),
    path("audit/", include("kiji.audit.urls")),
    path("privacy/", include("kiji.privacy.urls")),
    path("comments/", include("kiji.comments.urls")),
    path("social/", include("kiji.social.urls")),
    path("notifications/", include("kiji.social.notification_urls")),
    path("search/", include("kiji.search.urls")),
    path("discover/", include("kiji.discovery.urls")),
    path("ask/", include("kiji.assistant.urls")),
    path("admin/", include(wagtailadmin_urls)),
    path("django-admin/", admin.site.urls),
    path("documents/", include(wagtaildocs_urls)),
    path("", include("kiji.articles.urls")),
]

# Uploaded images; a CDN or nginx serves them in larger deployments (see README).
urlpatterns.append(path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}))


urlpatterns.append(path("", include(wagtail_urls)))

handler404 = "kiji.core.views.page_not_found"
handler500 = "kiji.core.views.server_error"
handler429 = "kiji.core.views.rate_limited"
