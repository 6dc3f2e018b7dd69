"""Notification e-mails: one at once for the kinds a member wants by mail, and a daily digest.

Sent by the task worker; `emailed_at` marks what went, so a retried task or a second run of the
digest sends nothing twice. Both check again at sending time: the member's current choice, and
blocks made since the notification was recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from kiji.social.messages import excerpt_of, sentence, title_of
from kiji.social.models import DEFAULT_CHANNELS, Block, Channel, Kind, Notification, NotificationPreference

# Unread, unmailed notifications of this age are still news for the digest: a day, and a margin
# for a daily run that starts a little late or was missed once.
DIGEST_WINDOW = timedelta(days=2)
# Entries listed in one digest; the rest are counted and wait in the notification center.
DIGEST_MAX = 50
MEMBER_CHUNK = 500


def _absolute(url: str) -> str:
    return (
        f"{settings.WAGTAILADMIN_BASE_URL}{url}" if url.startswith("/") and not url.startswith("//") else ""
    )


def _links() -> dict[str, str]:
    return {
        "center": _absolute(reverse("notifications:center")),
        "settings_url": _absolute(reverse("notifications:settings")),
    }


def _send(user: Any, template: str, context: dict[str, Any]) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        context = {**_links(), **context}
        subject = render_to_string(f"social/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"social/email/{template}_body.txt", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])


def _actor_blocked() -> Exists:
    """The recipient blocks the notification's actor (it is then neither shown nor mailed)."""
    return Exists(Block.objects.filter(blocker_id=OuterRef("recipient_id"), blocked_id=OuterRef("actor_id")))


def send_immediate(notification_id: int) -> bool:
    from kiji.social.notifications import channel_for

    n = (
        Notification.objects.select_related("recipient")
        .filter(pk=notification_id, emailed_at__isnull=True, read_at__isnull=True)
        .alias(blocked=_actor_blocked())
        .filter(blocked=False)
        .first()
    )
    if n is None or not n.recipient.email or not n.recipient.is_active:
        return False
    if channel_for(n.recipient_id, n.kind) != Channel.EMAIL:
        return False  # the member changed their mind since
    claimed = Notification.objects.filter(pk=n.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
    if not claimed:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        text = sentence(n)
        context = {
            "notification": n,
            "sentence": text,
            "title": title_of(n),
            "excerpt": excerpt_of(n),
            "url": _absolute(n.url),
        }
    _send(n.recipient, "notification", context)
    return True


def _members_wanting(kind: str, channel: str) -> Q:
    """Notifications of `kind` whose recipients' channel for it is `channel` (chosen or default)."""
    if DEFAULT_CHANNELS.get(kind) == channel:
        others = NotificationPreference.objects.filter(kind=kind).exclude(channel=channel).values("user_id")
        return Q(kind=kind) & ~Q(recipient_id__in=others)
    chosen = NotificationPreference.objects.filter(kind=kind, channel=channel).values("user_id")
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


def digest_pending(now: Any = None) -> QuerySet[Notification]:
    """Every notification the next digest would tell of (unread, unmailed, recent, wanted daily)."""
    now = now or timezone.now()
    wanted = Q(pk__in=[])
    for kind in Kind.values:
        wanted |= _members_wanting(kind, Channel.DIGEST)
    return (
        Notification.objects.filter(
            wanted, emailed_at__isnull=True, read_at__isnull=True, updated_at__gte=now - DIGEST_WINDOW
        )
        .alias(blocked=_actor_blocked())
        .filter(blocked=False)
    )


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), MEMBER_CHUNK):
        yield ids[start : start + MEMBER_CHUNK]


def send_digests(now: Any = None) -> int:
    """One e-mail per member with their unread digest-kind notifications; returns how many went."""
    now = now or timezone.now()
    pending = digest_pending(now)
    member_ids = sorted(set(pending.values_list("recipient_id", flat=True).distinct()))
    sent = 0
    for chunk in _chunks(member_ids):
        members = get_user_model().objects.filter(pk__in=chunk, is_active=True).exclude(email="")
        for user in members:
            mine = pending.filter(recipient_id=user.pk)
            items = list(mine.order_by("-updated_at", "-pk")[:DIGEST_MAX])
            if not items:
                continue
            # Claim everything pending for this member at once: a second run finds nothing.
            claimed = mine.filter(pk__in=[n.pk for n in items]).update(emailed_at=now)
            if not claimed:
                continue
            rest = mine.update(emailed_at=now)  # those beyond the listed ones, counted in the e-mail
            with translation.override(settings.LANGUAGE_CODE):
                entries = [
                    {"sentence": sentence(n), "title": title_of(n), "url": _absolute(n.url)} for n in items
                ]
            _send(user, "digest", {"entries": entries, "count": len(entries) + rest, "more": rest})
            sent += 1
    return sent
