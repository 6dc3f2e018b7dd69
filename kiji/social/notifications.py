"""Creating and reading notifications: the one place that decides whether a member hears of something.

Nothing reaches a member who turned that kind off, nothing is ever caused by a member they
blocked, and nobody is notified of their own doing. Likes of one comment gather into one unread
notification (「Aさん他12人がいいねしました」); once it is read, the next like starts a fresh batch.
E-mails leave through the task worker after commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from kiji.social.models import DEFAULT_CHANNELS, Block, Channel, Kind, Notification, NotificationPreference

# Kinds caused by another member: their name is copied, and blocks silence them.
ACTOR_KINDS = frozenset({Kind.REPLY, Kind.LIKE, Kind.FOLLOWER})


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
    """Record one notification (or fold a like into the batch with the same key).

    Returns the notification, or None when nothing was recorded.
    """
    if recipient is None or not getattr(recipient, "is_active", True):
        return None
    if actor is not None and actor.pk == recipient.pk:
        return None
    if actor is not None and blocks(recipient.pk, actor.pk):
        return None
    channel = channel_for(recipient.pk, kind)
    if channel == Channel.OFF:
        return None
    fields: dict[str, Any] = {
        "actor": actor,
        "actor_name": (display_name(actor) if actor is not None else "")[:80],
        "title": title[:255],
        "detail": detail[:255],
        "url": url[:500],
    }
    # Two tries: a create that loses a race on the key folds into the winner's row the second time.
    made: Notification | None = None
    mail = False
    for _attempt in range(2):
        try:
            made, mail = _record(recipient, kind, key, channel, fields)
        except IntegrityError:
            continue
        break
    if made is not None and mail:
        from kiji.social.tasks import send_notification_email

        pk = made.pk
        transaction.on_commit(lambda: send_notification_email.enqueue(pk))
    return made


def _record(
    recipient: Any, kind: str, key: str, channel: str, fields: dict[str, Any]
) -> tuple[Notification | None, bool]:
    """(the notification, whether an immediate e-mail is due), in one savepoint."""
    now = timezone.now()
    with transaction.atomic():
        existing = (
            Notification.objects.select_for_update().filter(recipient=recipient, group_key=key).first()
            if key
            else None
        )
        if existing is None:
            made = Notification.objects.create(
                recipient=recipient, kind=kind, group_key=key, created_at=now, updated_at=now, **fields
            )
            return made, channel == Channel.EMAIL
        if kind != Kind.LIKE or existing.kind != Kind.LIKE:
            return None, False  # e.g. an article that already reached this member through another follow
        fresh = existing.read_at is not None  # the last batch was read: this like starts a new one
        # An unread batch already mailed at once is not mailed again for every further like; the
        # daily digest, though, tells of the grown batch the next day.
        emailed_at = None if fresh or channel == Channel.DIGEST else existing.emailed_at
        changes: dict[str, Any] = {
            **fields,
            "others": 0 if fresh else F("others") + 1,
            "read_at": None,
            "updated_at": now,
            "emailed_at": emailed_at,
        }
        if fresh:
            changes["created_at"] = now
        Notification.objects.filter(pk=existing.pk).update(**changes)
        existing.refresh_from_db()
        return existing, channel == Channel.EMAIL and emailed_at is None


def unlike(recipient_id: int, comment_id: int, unliker_id: int) -> None:
    """A like taken back before the batch was read: one fewer in the batch, or no notification."""
    from kiji.comments.models import CommentLike

    with transaction.atomic():
        row = (
            Notification.objects.select_for_update()
            .filter(recipient_id=recipient_id, group_key=f"like:{comment_id}", read_at__isnull=True)
            .first()
        )
        if row is None:
            return
        if row.actor_id != unliker_id and not row.others:
            return  # that like belonged to a batch already read
        # The likes still standing that could be in the batch (never the recipient's blocked ones).
        standing = (
            CommentLike.objects.filter(comment_id=comment_id)
            .exclude(user_id__in=(unliker_id, recipient_id))
            .exclude(user__blocks_received__blocker_id=recipient_id)
        )
        remaining = standing.count()
        if not row.others or not remaining:
            row.delete()
            return
        if row.actor_id == unliker_id:
            latest = standing.select_related("user").order_by("-created_at").first()
            if latest is not None:
                row.actor = latest.user
                row.actor_name = display_name(latest.user)[:80]
        row.others = min(row.others - 1, remaining - 1)
        row.save(update_fields=["actor", "actor_name", "others"])


# The center's writes -------------------------------------------------------------------------------


def mark_read(user: Any, notification_id: int) -> bool:
    """Mark one of the member's notifications read; False if it was read already (or not theirs)."""
    return bool(
        Notification.objects.filter(pk=notification_id, recipient=user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    )


def mark_all_read(user: Any, *, until: datetime | None = None) -> int:
    """Mark every unread notification read, up to `until` (what the member saw): a like that
    arrived after the page was drawn stays unread."""
    now = timezone.now()
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if until is not None and until < now:
        unread = unread.filter(updated_at__lte=until)
    return unread.update(read_at=now)


def preferences_of(user: Any) -> dict[str, str]:
    """The member's channel for every kind: their choice, or the default."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "channel"))
    return {kind: chosen.get(kind) or DEFAULT_CHANNELS.get(kind, Channel.SITE) for kind in Kind.values}


@transaction.atomic
def save_preferences(user: Any, choices: Mapping[str, str]) -> None:
    """Store the member's choices; a choice equal to the default is stored as no row at all."""
    valid = {
        kind: channel
        for kind, channel in choices.items()
        if kind in Kind.values and channel in Channel.values
    }
    defaults = [
        kind for kind, channel in valid.items() if DEFAULT_CHANNELS.get(kind, Channel.SITE) == channel
    ]
    own = [
        NotificationPreference(user=user, kind=kind, channel=channel)
        for kind, channel in valid.items()
        if kind not in defaults
    ]
    if defaults:
        NotificationPreference.objects.filter(user=user, kind__in=defaults).delete()
    if own:
        NotificationPreference.objects.bulk_create(
            own, update_conflicts=True, unique_fields=["user", "kind"], update_fields=["channel"]
        )
