"""おすすめ for the member: an htmx fragment for the home page and a page of its own.

Both are personal: never in the anonymous page cache, and marked private for every other cache.
Members the ladder does not yet allow see what unlocks the feature instead.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kiji.core import access
from kiji.core.access import Action
from kiji.core.htmx import is_htmx
from kiji.discovery.recommend import recommend_for

FRAGMENT_LIMIT = 6
PAGE_LIMIT = 20


@never_cache
@require_GET
def recommended(request: HttpRequest) -> HttpResponse:
    """The home page's おすすめ section (htmx); a plain visit goes to the full page."""
    if not is_htmx(request):
        return HttpResponseRedirect(reverse("discovery:for_you"))
    decision = access.decide(request.user, Action.SEE_RECOMMENDATIONS)
    items = recommend_for(request.user, limit=FRAGMENT_LIMIT) if decision else []
    context = {"decision": decision, "items": items}
    return render(request, "discovery/_recommended.html", context)


@never_cache
@require_GET
def for_you(request: HttpRequest) -> HttpResponse:
    """あなたへのおすすめ: the full list, and the no-JavaScript way to it."""
    decision = access.decide(request.user, Action.SEE_RECOMMENDATIONS)
    items = recommend_for(request.user, limit=PAGE_LIMIT) if decision else []
    return render(request, "discovery/for_you.html", {"decision": decision, "items": items})
