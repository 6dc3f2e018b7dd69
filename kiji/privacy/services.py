"""Writes for the member's privacy: consent, export record, and account deletion."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from kiji.audit import services as audit
from kiji.core import access
from kiji.members import services as member_services
from kiji.members.models import Profile

# Content a member wrote outlives them, without their name: an app that stores such content
# appends a callable here (e.g. comments: blank the author, keep the text as 「退会した会員」).
# Each is called as `anonymise(user)` inside the deletion transaction, before the user row goes.
ANONYMISERS: list[Callable[[Any], None]] = []

_DB_SESSION_ENGINES = ("django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db")


@transaction.atomic
def give_consent(user: Any) -> Profile:
    """The member agrees that their basic info may be shown to others (recorded once)."""
    had_consented = Profile.objects.filter(user=user, disclosure_consent_at__isnull=False).exists()
    profile = member_services.give_disclosure_consent(user)
    _remember(user, profile)
    if not had_consented:
        audit.record(user, "privacy.consent_given", target=user)
    return profile


@transaction.atomic
def withdraw_disclosure_consent(user: Any) -> Profile | None:
    """From now on the member's basic info is hidden from others; a second call changes nothing."""
    profile = Profile.objects.select_for_update().filter(user=user).first()
    if profile is None or profile.disclosure_consent_at is None:
        return profile
    profile.disclosure_consent_at = None
    profile.save(update_fields=["disclosure_consent_at", "updated_at"])
    _remember(user, profile)
    audit.record(user, "privacy.consent_withdrawn", target=user)
    return profile


@transaction.atomic
def record_export(user: Any) -> None:
    audit.record(user, "privacy.exported", target=user)


@transaction.atomic
def delete_account(user: Any, *, by: Any) -> None:
    """Delete the member and everything that is theirs; what they wrote is anonymised.

    The audit entry keeps only the account id. The picture file goes after commit, so a rollback
    never leaves a profile pointing at a missing file.
    """
    # The actor link is nulled with the account; "user:<id>" stays as the only trace.
    audit.record(by, "member.deleted", target=user, by=_who(by, user))
    end_all_sessions(user)
    for anonymise in ANONYMISERS:
        anonymise(user)
    picture = _picture_name(user)
    user.delete()
    if picture:
        storage = Profile._meta.get_field("picture").storage
        transaction.on_commit(lambda: storage.delete(picture))


def end_all_sessions(user: Any) -> int:
    """Sign the member out everywhere; returns how many sessions ended."""
    from allauth.usersessions.models import UserSession

    keys = set(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    if settings.SESSION_ENGINE in _DB_SESSION_ENGINES:
        # Sessions opened without allauth's login (e.g. the admin's "log in as") are not tracked
        # by UserSession; only decoding finds them. One pass, rare operation.
        keys |= _db_session_keys_of(user)
        Session.objects.filter(session_key__in=keys).delete()
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        store = import_module(settings.SESSION_ENGINE).SessionStore
        for key in keys:
            store(session_key=key).delete()
    return len(keys)


def _db_session_keys_of(user: Any) -> set[str]:
    wanted = str(user.pk)
    live = Session.objects.filter(expire_date__gt=timezone.now()).only("session_key", "session_data")
    return {
        session.session_key
        for session in live.iterator(chunk_size=2000)
        if str(session.get_decoded().get(SESSION_KEY)) == wanted
    }


def _remember(user: Any, profile: Profile) -> None:
    """Keep the request's user in step, so later checks in the same request see the change."""
    Profile.user.field.remote_field.set_cached_value(user, profile)
    access.forget_status(user)


def _picture_name(user: Any) -> str:
    name = Profile.objects.filter(user=user).values_list("picture", flat=True).first()
    return str(name or "")


def _who(by: Any, user: Any) -> str:
    if by is None:
        return "system"
    if by.pk == user.pk:
        return "self"
    return "staff" if getattr(by, "is_staff", False) else "other"
