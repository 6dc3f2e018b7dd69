"""Sliding-window rate limits in the cache for the site's own writes (allauth limits accounts).

Shared across processes once the cache is Redis (issue 8).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `count` hits per `seconds` for one key."""

    count: int
    seconds: int


def client_ip(request: HttpRequest) -> str:
    if settings.SECURE_PROXY_SSL_HEADER and (forwarded := request.META.get("HTTP_X_FORWARDED_FOR")):
        return str(forwarded).split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


def hit(scope: str, key: str, limit: Limit) -> bool:
    """Count one hit; False when the last `limit.seconds` already hold `limit.count` hits.

    A sliding-window counter: this window's count plus the previous window's, weighted by how
    much of it still lies within the last `seconds`. A plain fixed window would let twice the
    limit through around a window boundary (and make limits flaky to test).
    """
    cache = caches["default"]
    window, into = divmod(time.time(), limit.seconds)
    current = f"ratelimit:{scope}:{key}:{int(window)}"
    ttl = 2 * limit.seconds + 1
    if cache.add(current, 1, ttl):
        count = 1
    else:
        try:
            count = cache.incr(current)
        except ValueError:  # expired between add and incr
            cache.add(current, 1, ttl)
            count = 1
    before = int(cache.get(f"ratelimit:{scope}:{key}:{int(window) - 1}", 0))
    return bool(count + before * (1 - into / limit.seconds) <= limit.count)


def too_many_requests(request: HttpRequest, limit: Limit) -> HttpResponse:
    response = render(request, "429.html", {"retry_after": limit.seconds}, status=429)
    response["Retry-After"] = str(limit.seconds)
    return response
