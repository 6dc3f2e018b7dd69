"""Notification e-mails: one at once for the kinds a member wants by mail, and a daily digest.

Sent by the task worker; `emailed_at` marks what went, so a retried task sends nothing twice.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from kiji.social.messages import sentence
from kiji.social.models import DEFAULT_CHANNELS, Channel, Kind, Notification, NotificationPreference

DIGEST_WINDOW = timedelta(days=1)


def _absolute(url: str) -> str:
    return f"{settings.WAGTAILADMIN_BASE_URL}{url}" if url.startswith("/") else url


def _send(user: Any, template: str, context: dict[str, Any]) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"social/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"social/email/{template}_body.txt", context)
    send_mail(subject, body, None, [user.email])


def send_immediate(notification_id: int) -> bool:
    claimed = Notification.objects.filter(
        pk=notification_id, emailed_at__isnull=True, read_at__isnull=True
    ).update(emailed_at=timezone.now())
    if not claimed:
        return False
    n = Notification.objects.select_related("recipient").get(pk=notification_id)
    if not n.recipient.email or not n.recipient.is_active:
        return False
    _send(n.recipient, "notification", {"notification": n, "sentence": sentence(n), "url": _absolute(n.url)})
    return True


def _members_wanting(kind: str, channel: str) -> Q:
    """Recipients whose channel for `kind` is `channel` (their own choice or the default)."""
    chosen = NotificationPreference.objects.filter(kind=kind, channel=channel).values("user_id")
    if DEFAULT_CHANNELS.get(kind) == channel:
        others = NotificationPreference.objects.filter(kind=kind).exclude(channel=channel).values("user_id")
        return Q(kind=kind) & ~Q(recipient_id__in=others)
    return Q(kind=kind, recipient_id__in=chosen)


def queue_article_emails(key: str) -> int:
    """After a fan-out: enqueue immediate e-mails for members who want new articles by mail."""
    from kiji.social.tasks import send_notification_email

    wanted = Q(pk__in=[])
    for kind in (Kind.AUTHOR_ARTICLE, Kind.SERIES_ARTICLE, Kind.TAG_ARTICLE):
        wanted |= _members_wanting(kind, Channel.EMAIL)
    ids = list(
        Notification.objects.filter(wanted, group_key=key, emailed_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    for pk in ids:
        send_notification_email.enqueue(pk)
    return len(ids)


def send_digests(now: Any = None) -> int:
    """One e-mail per member with the unread digest-kind notifications of the last day."""
    now = now or timezone.now()
    wanted = Q(pk__in=[])
    for kind in Kind.values:
        wanted |= _members_wanting(kind, Channel.DIGEST)
    pending = (
        Notification.objects.filter(
            wanted, emailed_at__isnull=True, read_at__isnull=True, created_at__gte=now - DIGEST_WINDOW
        )
        .select_related("recipient")
        .order_by("recipient_id", "-created_at")
    )
    by_member: dict[int, list[Notification]] = {}
    for n in pending:
        by_member.setdefault(n.recipient_id, []).append(n)
    sent = 0
    for items in by_member.values():
        user = items[0].recipient
        if not user.email or not user.is_active:
            continue
        claimed = Notification.objects.filter(pk__in=[n.pk for n in items], emailed_at__isnull=True).update(
            emailed_at=now
        )
        if not claimed:
            continue
        entries = [{"sentence": sentence(n), "url": _absolute(n.url)} for n in items]
        _send(
            user,
            "digest",
            {"entries": entries, "count": len(entries), "center": _absolute("/notifications/")},
        )
        sent += 1
    return sent
