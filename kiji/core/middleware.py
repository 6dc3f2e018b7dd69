from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils import translation

ADMIN_PREFIXES = ("/admin/", "/django-admin/")


class LocaleMiddleware:
    """Japanese unless the visitor chose English (cookie); no Accept-Language guessing, so the
    anonymous page cache can key on the cookie alone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.languages = dict(settings.LANGUAGES)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in self.languages:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class AdminContentSecurityPolicyMiddleware:
    """Gives the Wagtail admin its looser policy; the public site keeps the strict one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.path.startswith(ADMIN_PREFIXES):
            response._csp_config = settings.ADMIN_CSP  # type: ignore[attr-defined]
        return response
