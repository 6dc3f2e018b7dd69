"""Writes for members: profiles, consent, counted reads."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from kiji.core import access
from kiji.members.models import ArticleRead, Profile
from kiji.members.selectors import this_month


@transaction.atomic
def create_profile(user: Any, *, display_name: str) -> Profile:
    profile, _ = Profile.objects.get_or_create(user=user, defaults={"display_name": display_name.strip()})
    return profile


@transaction.atomic
def update_profile(user: Any, *, form: Any) -> Profile:
    """Save a profile form (basic info or details); the member may move up the ladder."""
    profile: Profile = form.save()
    access.forget_status(user)
    return profile


@transaction.atomic
def give_disclosure_consent(user: Any) -> Profile:
    profile = Profile.objects.select_for_update().get(user=user)
    if profile.disclosure_consent_at is None:
        profile.disclosure_consent_at = timezone.now()
        profile.save(update_fields=["disclosure_consent_at", "updated_at"])
    return profile


def record_read(user: Any, *, article_id: int) -> None:
    """Count a members-only article against this month's quota; a second count is a no-op."""
    try:
        with transaction.atomic():
            ArticleRead.objects.get_or_create(user=user, month=this_month(), article_id=article_id)
    except IntegrityError:  # a concurrent request counted it first
        pass
    status = access.status_of(user)
    if status._read_ids is not None:
        status._read_ids.add(article_id)
