"""Creating notifications: the one place that decides whether a member hears of something.

Nothing reaches a member who turned that kind off, nothing is ever caused by a member they
blocked, and nobody is notified of their own doing. Likes of one comment gather into one unread
notification (「Aさん他12人がいいねしました」). E-mails leave through the task worker after commit.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from kiji.social.models import DEFAULT_CHANNELS, Block, Channel, Kind, Notification, NotificationPreference


def channel_for(user_id: int, kind: str) -> str:
    chosen = (
        NotificationPreference.objects.filter(user_id=user_id, kind=kind)
        .values_list("channel", flat=True)
        .first()
    )
    return chosen or DEFAULT_CHANNELS.get(kind, Channel.SITE)


def blocks(recipient_id: int, actor_id: int) -> bool:
    """Whether the recipient blocked the actor (their doings never reach the recipient)."""
    return Block.objects.filter(blocker_id=recipient_id, blocked_id=actor_id).exists()


def display_name(user: Any) -> str:
    from kiji.members.selectors import profile_for
    from kiji.privacy.selectors import disclosed_profile

    return disclosed_profile(profile_for(user) if user is not None else None).display_name


def notify(
    recipient: Any,
    kind: str,
    *,
    actor: Any = None,
    title: str = "",
    detail: str = "",
    url: str = "",
    key: str = "",
) -> Notification | None:
    """Record one notification (or fold it into the unread one with the same key)."""
    if recipient is None or not getattr(recipient, "is_active", True):
        return None
    if actor is not None and actor.pk == recipient.pk:
        return None
    if actor is not None and blocks(recipient.pk, actor.pk):
        return None
    channel = channel_for(recipient.pk, kind)
    if channel == Channel.OFF:
        return None
    name = display_name(actor) if actor is not None else ""
    now = timezone.now()
    fields = {
        "actor": actor,
        "actor_name": name[:80],
        "title": title[:255],
        "detail": detail[:255],
        "url": url[:500],
    }
    with transaction.atomic():
        existing = (
            Notification.objects.select_for_update().filter(recipient=recipient, group_key=key).first()
            if key
            else None
        )
        if existing is not None:
            if kind != Kind.LIKE:
                return None  # e.g. an article that already reached this member through another follow
            unread = existing.read_at is None
            Notification.objects.filter(pk=existing.pk).update(
                **fields,
                others=F("others") + 1 if unread else 0,
                read_at=None,
                updated_at=now,
                emailed_at=None,
            )
            existing.refresh_from_db()
            return existing
        try:
            with transaction.atomic():
                made = Notification.objects.create(
                    recipient=recipient, kind=kind, group_key=key, created_at=now, updated_at=now, **fields
                )
        except IntegrityError:  # the same key arrived at the same moment
            return None
    if channel == Channel.EMAIL:
        from kiji.social.tasks import send_notification_email

        transaction.on_commit(lambda: send_notification_email.enqueue(made.pk))
    return made


def unlike(recipient_id: int, comment_id: int, unliker_id: int) -> None:
    """A like taken back before the notification was read: one fewer in the batch, or none."""
    from kiji.comments.models import CommentLike

    row = Notification.objects.filter(
        recipient_id=recipient_id, group_key=f"like:{comment_id}", read_at__isnull=True
    ).first()
    if row is None:
        return
    if not row.others:
        row.delete()
        return
    if row.actor_id == unliker_id:
        latest = (
            CommentLike.objects.filter(comment_id=comment_id)
            .exclude(user_id=unliker_id)
            .exclude(user__blocks_received__blocker_id=recipient_id)
            .select_related("user")
            .order_by("-created_at")
            .first()
        )
        if latest is not None:
            row.actor = latest.user
            row.actor_name = display_name(latest.user)[:80]
    row.others -= 1
    row.save(update_fields=["actor", "actor_name", "others"])
