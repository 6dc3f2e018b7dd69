"""Reads for privacy: what others may see of a member, and everything a member may take away."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kiji.audit.models import AuditEntry
from kiji.members.choices import Visibility
from kiji.members.models import ArticleRead, Profile
from kiji.members.selectors import profile_for

EXPORT_FORMAT_VERSION = 1
# Basic info (基本情報) shown beside comments and to followed members, with its visibility switch;
# the display name has none: it is always shown once the member has consented.
BASIC_FIELDS: tuple[tuple[str, str | None], ...] = (
    ("display_name", None),
    ("real_name", "real_name_visibility"),
    ("company", "company_visibility"),
    ("job_title", "job_title_visibility"),
    ("picture", "picture_visibility"),
)


@dataclass(frozen=True, slots=True)
class BasicInfoRow:
    """One basic-info field as the consent page explains it."""

    name: str
    label: str
    value: str
    is_image: bool
    public: bool

    @property
    def shown(self) -> bool:
        return self.public and bool(self.value)


@dataclass(frozen=True, slots=True)
class DisclosedProfile:
    """What another person may see of a member: nothing but a neutral label without consent."""

    display_name: str
    real_name: str = ""
    company: str = ""
    job_title: str = ""
    picture_url: str = ""
    consented: bool = False


def basic_info_rows(profile: Profile) -> list[BasicInfoRow]:
    rows = []
    for name, visibility in BASIC_FIELDS:
        raw = getattr(profile, name)
        is_image = name == "picture"
        value = (raw.url if raw else "") if is_image else str(raw or "")
        public = visibility is None or getattr(profile, visibility) == Visibility.PUBLIC
        rows.append(BasicInfoRow(name, _label(name), value, is_image, public))
    return rows


def _label(name: str) -> str:
    field = Profile._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def disclosed_profile(profile: Profile | None) -> DisclosedProfile:
    """The basic info others may see: each field as its visibility allows, and only after consent.

    Comments, follows and notifications render a member through this, never the Profile itself.
    """
    if profile is None or profile.disclosure_consent_at is None:
        return DisclosedProfile(display_name=_("非公開の会員"))

    def public(field: str) -> bool:
        return bool(getattr(profile, f"{field}_visibility") == Visibility.PUBLIC)

    return DisclosedProfile(
        display_name=profile.display_name,
        real_name=profile.real_name if public("real_name") else "",
        company=profile.company if public("company") else "",
        job_title=profile.job_title if public("job_title") else "",
        picture_url=profile.picture.url if profile.picture and public("picture") else "",
        consented=True,
    )


def privacy_audit_entries(user: Any) -> QuerySet[AuditEntry]:
    """The member's own privacy actions (consent, withdrawal, export), newest first."""
    return AuditEntry.objects.filter(
        actor=user,
        action__startswith="privacy.",
        target_type=user._meta.label_lower,
        target_id=str(user.pk),
    )


def member_export(user: Any, *, absolute_url: Callable[[str], str] = str) -> dict[str, Any]:
    """Every personal field of this member and nothing of anyone else, ready for JSON.

    Other apps add their part through `<app>.privacy.export_member_data(user)`; an app that has
    no such module yet is skipped.
    """
    data: dict[str, Any] = {
        "format": "kiji-member-export",
        "version": EXPORT_FORMAT_VERSION,
        "generated_at": timezone.now(),
        "user": _user_part(user),
        "profile": _profile_part(profile_for(user), absolute_url),
        "article_reads": _reads_part(user),
        "signed_in_devices": _sessions_part(user),
        "two_factor_authenticators": _authenticators_part(user),
        "privacy_actions": [
            {"action": e.action, "at": e.created_at} for e in privacy_audit_entries(user).order_by("pk")
        ],
    }
    for key, provide in _export_providers():
        data[key] = provide(user)
    return data


def _user_part(user: Any) -> dict[str, Any]:
    from allauth.account.models import EmailAddress

    return {
        "id": user.pk,
        "username": user.get_username(),
        "email": user.email,
        "first_name": getattr(user, "first_name", ""),
        "last_name": getattr(user, "last_name", ""),
        "date_joined": getattr(user, "date_joined", None),
        "last_login": user.last_login,
        "email_addresses": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=user).order_by("-primary", "email")
        ],
    }


def _profile_part(profile: Profile | None, absolute_url: Callable[[str], str]) -> dict[str, Any] | None:
    if profile is None:
        return None
    part: dict[str, Any] = {}
    for field in Profile._meta.concrete_fields:
        if field.name in ("id", "user"):
            continue
        value = getattr(profile, field.attname)
        if field.name == "picture":
            value = absolute_url(profile.picture.url) if profile.picture else ""
        part[field.name] = value
        if field.choices and value:
            part[f"{field.name}_label"] = str(getattr(profile, f"get_{field.name}_display")())
    return part


def _reads_part(user: Any) -> list[dict[str, Any]]:
    reads = (
        ArticleRead.objects.filter(user=user)
        .order_by("month", "first_read_at")
        .values("month", "first_read_at", "article__slug", "article__title")
    )
    return [
        {
            "month": f"{r['month']:%Y-%m}",
            "article_slug": r["article__slug"],
            "article_title": r["article__title"],
            "first_read_at": r["first_read_at"],
        }
        for r in reads
    ]


def _sessions_part(user: Any) -> list[dict[str, Any]]:
    from allauth.usersessions.models import UserSession

    return list(
        UserSession.objects.filter(user=user)
        .order_by("created_at")
        .values("ip", "user_agent", "created_at", "last_seen_at")
    )


def _authenticators_part(user: Any) -> list[dict[str, Any]]:
    # Kinds and dates only: the secrets themselves never leave the server.
    from allauth.mfa.models import Authenticator

    return list(
        Authenticator.objects.filter(user=user)
        .order_by("created_at")
        .values("type", "created_at", "last_used_at")
    )


def _export_providers() -> list[tuple[str, Callable[[Any], Any]]]:
    """`(section, export_member_data)` for every Kiji app that ships a `privacy` module."""
    providers = []
    for config in apps.get_app_configs():
        if not config.name.startswith("kiji.") or config.name == "kiji.privacy":
            continue
        module_name = f"{config.name}.privacy"
        if importlib.util.find_spec(module_name) is None:
            continue
        provide = getattr(importlib.import_module(module_name), "export_member_data", None)
        if callable(provide):
            providers.append((config.label, provide))
    return providers
