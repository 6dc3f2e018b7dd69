"""Fixed-window rate limits in the cache for the site's own writes (allauth limits accounts).

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
    """Count one hit; False when the limit for this window is already used up."""
    cache = caches["default"]
    window = int(time.time() // limit.seconds)
    name = f"ratelimit:{scope}:{key}:{window}"
    if cache.add(name, 1, limit.seconds + 1):
        return True
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.add(name, 1, limit.seconds + 1)
        return True
    return count <= limit.count


def too_many_requests(request: HttpRequest, limit: Limit) -> HttpResponse:
    response = render(request, "429.html", {"retry_after": limit.seconds}, status=429)
    response["Retry-After"] = str(limit.seconds)
    return response
