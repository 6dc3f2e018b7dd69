from __future__ import annotations

from datetime import date
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from kiji.core import pagecache
from kiji.members.models import ArticleRead, MemberSettings, Profile


def this_month() -> date:
    return timezone.localdate().replace(day=1)


SETTINGS_CACHE_KEY = "member-settings"


def member_settings() -> MemberSettings:
    """The operator's settings, read on every member request: cached until they are saved."""
    key = f"{SETTINGS_CACHE_KEY}:{pagecache.generation()}"  # moves when any process saves them
    settings: MemberSettings | None = cache.get(key)
    if settings is None:
        settings = MemberSettings.load()
        # The first load creates the row, which moves the generation: store under the new one.
        cache.set(f"{SETTINGS_CACHE_KEY}:{pagecache.generation()}", settings, 3600)
    return settings


def profile_for(user: Any) -> Profile | None:
    try:
        profile: Profile = user.profile
    except Profile.DoesNotExist:
        return None
    return profile


def article_ids_read_this_month(user: Any) -> set[int]:
    return set(ArticleRead.objects.filter(user=user, month=this_month()).values_list("article_id", flat=True))
