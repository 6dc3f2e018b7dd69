"""Whole-page cache for anonymous visitors.

Only responses that a view marks with `cache_for_anonymous()` are stored, only for requests that
carry no session cookie, and never responses that set a cookie. Any content change bumps a shared
generation (a file's mtime), so every worker process stops serving its old pages at once.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import patch_vary_headers

CACHEABLE_ATTR = "kiji_page_cacheable"
# Search results differ by reader (the access ladder), so they are never shared either.
NEVER_CACHED_PREFIXES = ("/admin/", "/django-admin/", "/healthz", "/static/", "/media/", "/search/")


def cache_for_anonymous(response: HttpResponseBase) -> HttpResponseBase:
    setattr(response, CACHEABLE_ATTR, True)
    return response


def generation() -> int:
    try:
        return os.stat(settings.PAGE_CACHE_GENERATION_FILE).st_mtime_ns
    except FileNotFoundError:
        return 0


def invalidate() -> None:
    """Drop every cached page in every process (called on content changes)."""
    path = Path(settings.PAGE_CACHE_GENERATION_FILE)
    previous = generation()
    now = max(time.time_ns(), previous + 1)
    path.touch(exist_ok=True)
    os.utime(path, ns=(now, now))


def _language(request: HttpRequest) -> str:
    lang = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return lang if lang in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _eligible(request: HttpRequest) -> bool:
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and not request.path.startswith(NEVER_CACHED_PREFIXES)
    )


def _key(request: HttpRequest) -> str:
    # Hashed: a long (Japanese, percent-encoded) URL would exceed the 250 characters a cache key
    # may have.
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return f"page:{generation()}:{_language(request)}:{path}"


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.cache = caches["pages"]

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not _eligible(request):
            return self.get_response(request)
        key = _key(request)
        cached = self.cache.get(key)
        if cached is not None:
            status, headers, content = cached
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response.headers[name] = value
            response.headers["X-Page-Cache"] = "hit"
            return response
        result = self.get_response(request)
        patch_vary_headers(result, ("Cookie",))
        if self._storable(request, result):
            assert isinstance(result, HttpResponse)  # noqa: S101  (checked by _storable)
            headers = list(result.headers.items())
            self.cache.set(key, (result.status_code, headers, result.content), settings.PAGE_CACHE_SECONDS)
            result.headers["X-Page-Cache"] = "miss"
        return result

    @staticmethod
    def _storable(request: HttpRequest, response: HttpResponseBase) -> bool:
        user = getattr(request, "user", None)
        return (
            getattr(response, CACHEABLE_ATTR, False)
            and response.status_code == 200
            and isinstance(response, HttpResponse)
            and not response.cookies
            and not (user is not None and user.is_authenticated)
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
        )
