"""Reads for the staff pages: member search and rows, one member's record, the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kiji.audit.models import AuditEntry
from kiji.core import access
from kiji.core.access import Level
from kiji.members.models import ArticleRead, Profile
from kiji.members.selectors import member_settings, profile_for, this_month
from kiji.premium.models import Subscription
from kiji.premium.selectors import active_subscription

LEVEL_LABELS: dict[Level, Promise] = {
    Level.ANONYMOUS: _("未登録"),
    Level.REGISTERED: _("登録会員(詳細情報未入力)"),
    Level.COMPLETE: _("会員(詳細情報入力済み)"),
    Level.PREMIUM: _("プレミアム会員"),
    Level.STAFF: _("スタッフ"),
}


@dataclass(frozen=True, slots=True)
class MemberRow:
    user: Any
    profile: Profile | None
    level: Level
    reads: int
    # The monthly limit of members-only reads; None when the member's level has no limit.
    quota: int | None
    subscription: Subscription | None

    @property
    def level_label(self) -> Promise:
        return LEVEL_LABELS[self.level]

    @property
    def quota_used_up(self) -> bool:
        return self.quota is not None and self.reads >= self.quota


@dataclass(frozen=True, slots=True)
class MemberRecord:
    """Everything the member detail page shows."""

    row: MemberRow
    missing_details: list[str]  # labels of the required details not yet filled in
    subscriptions: list[Subscription]
    entries: list[AuditEntry] = field(default_factory=list)


def members_matching(query: str = "") -> QuerySet[Any]:
    """Members newest first, narrowed by e-mail, display name or company when a query is given."""
    users = get_user_model().objects.order_by("-date_joined", "-pk")
    for word in query.split():  # every word must match somewhere: 「山田 商事」 finds 山田 at 商事
        users = users.filter(
            Q(email__icontains=word)
            | Q(profile__display_name__icontains=word)
            | Q(profile__company__icontains=word)
        )
    return users


def _active_subscriptions(user_ids: Iterable[int]) -> dict[int, Subscription]:
    # The bulk form of kiji.premium.selectors.active_subscription.
    found = Subscription.objects.filter(
        user_id__in=list(user_ids), status=Subscription.Status.ACTIVE, current_period_end__gt=timezone.now()
    ).select_related("plan")
    return {subscription.user_id: subscription for subscription in found}


def _level(user: Any, profile: Profile | None, premium: bool, required: tuple[str, ...]) -> Level:
    # The ladder's own rule, fed with data loaded in bulk instead of per member.
    return access.level_from(
        is_staff=bool(user.is_staff),
        premium=premium,
        has_profile=profile is not None,
        missing=profile.missing_details(required) if profile is not None else list(required),
    )


def member_rows(queryset: QuerySet[Any]) -> list[MemberRow]:
    """Rows for a page of members in three queries (settings are cached), however many members."""
    users = list(queryset.select_related("profile"))
    if not users:
        return []
    config = member_settings()
    ids = [user.pk for user in users]
    subscriptions = _active_subscriptions(ids)
    reads = dict(
        ArticleRead.objects.filter(user_id__in=ids, month=this_month())
        .values("user_id")
        .annotate(count=Count("pk"))
        .values_list("user_id", "count")
        .order_by()
    )
    rows = []
    for user in users:
        profile = profile_for(user)
        level = _level(user, profile, user.pk in subscriptions, config.required_details)
        rows.append(
            MemberRow(
                user=user,
                profile=profile,
                level=level,
                reads=reads.get(user.pk, 0),
                quota=config.monthly_free_reads if level is Level.REGISTERED else None,
                subscription=subscriptions.get(user.pk),
            )
        )
    return rows


def member_record(user: Any, *, entries: int = 20) -> MemberRecord:
    status = access.status_of(user)
    row = MemberRow(
        user=user,
        profile=status.profile,
        level=status.level,
        reads=len(status.read_ids()),
        quota=status.monthly_reads if status.level is Level.REGISTERED else None,
        subscription=active_subscription(user),
    )
    return MemberRecord(
        row=row,
        missing_details=[_field_label(name) for name in status.missing_details],
        subscriptions=list(
            Subscription.objects.filter(user=user).select_related("plan").order_by("-created_at")
        ),
        entries=list(entries_about(user)[:entries]) if entries else [],
    )


def _field_label(name: str) -> str:
    return str(getattr(Profile._meta.get_field(name), "verbose_name", name))


def entries_about(target: Any) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        target_type=target._meta.label_lower, target_id=str(target.pk)
    ).select_related("actor")


# The audit log


def audit_entries(
    *, action: str = "", since: date | None = None, until: date | None = None
) -> QuerySet[AuditEntry]:
    """Newest first; `since` and `until` are whole days in the site's time zone, both included."""
    entries = AuditEntry.objects.select_related("actor").order_by("-created_at", "-pk")
    if action:
        entries = entries.filter(action=action)
    if since is not None:
        entries = entries.filter(created_at__gte=_start_of(since))
    if until is not None:
        entries = entries.filter(created_at__lt=_start_of(until + timedelta(days=1)))
    return entries


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_actions() -> list[str]:
    return list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())


@dataclass(frozen=True, slots=True)
class TargetLink:
    label: str
    url: str = ""


def target_links(
    entries: Iterable[AuditEntry], *, link_members: bool = True
) -> dict[tuple[str, str], TargetLink]:
    """Readable names and admin links for entries' targets: one query per kind (members, pages)."""
    from wagtail.models import Page

    wanted: dict[str, set[str]] = {}
    for entry in entries:
        if entry.target_type and entry.target_id:
            wanted.setdefault(entry.target_type, set()).add(entry.target_id)
    user_model = get_user_model()
    links: dict[tuple[str, str], TargetLink] = {}
    page_types: dict[int, list[str]] = {}
    for target_type, ids in wanted.items():
        try:
            model = apps.get_model(target_type)
        except (LookupError, ValueError):
            continue
        if model is user_model:
            for user in user_model.objects.filter(pk__in=_int_ids(ids)).select_related("profile"):
                profile = profile_for(user)
                label = profile.display_name if profile else user.get_username()
                url = reverse("member_admin:detail", args=[user.pk]) if link_members else ""
                links[(target_type, str(user.pk))] = TargetLink(label, url)
        elif target_type in _COMMENT_TARGETS:
            for pk in _int_ids(ids):
                label = f"{model._meta.verbose_name} #{pk}"
                links[(target_type, str(pk))] = TargetLink(
                    label, reverse(_COMMENT_TARGETS[target_type], args=[pk])
                )
        elif issubclass(model, Page):
            for pk in _int_ids(ids):
                page_types.setdefault(pk, []).append(target_type)
    if page_types:
        for pk, title in Page.objects.filter(pk__in=list(page_types)).values_list("pk", "title"):
            for target_type in page_types[pk]:
                links[(target_type, str(pk))] = TargetLink(
                    title, reverse("wagtailadmin_pages:edit", args=[pk])
                )
    return links


# Moderation records open in the moderation tool (no query: the id is the label).
_COMMENT_TARGETS = {
    "comments.comment": "comment_moderation:comment",
    "comments.restriction": "comment_moderation:restriction",
}


def _int_ids(ids: Iterable[str]) -> list[int]:
    return [int(pk) for pk in ids if pk.isdigit()]
