"""Publishing and unpublishing pages go into the audit log, whoever or whatever did it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.dispatch import receiver
from django.utils import timezone
from wagtail.signals import page_published, page_unpublished

from kiji.audit.services import record


@receiver(page_published, dispatch_uid="audit-page-published")
def _page_published(sender: Any, instance: Any, revision: Any = None, **kwargs: Any) -> None:
    # The revision's author is who pressed Publish (or scheduled it); "system" when there is none.
    actor = getattr(revision, "user", None) if revision is not None else None
    revision_id = getattr(revision, "pk", None)
    if instance.live:
        record(actor, "page.published", target=instance, revision_id=revision_id)
    else:  # Wagtail sends the signal for a first publication set for later, too
        go_live_at = instance.go_live_at.isoformat() if instance.go_live_at else None
        record(
            actor, "page.publish_scheduled", target=instance, revision_id=revision_id, go_live_at=go_live_at
        )


@receiver(page_unpublished, dispatch_uid="audit-page-unpublished")
def _page_unpublished(sender: Any, instance: Any, **kwargs: Any) -> None:
    record(_unpublished_by(instance), "page.unpublished", target=instance)


def _unpublished_by(page: Any) -> Any:
    """Wagtail's signal carries no user, but its own log entry, written just before, does."""
    from wagtail.models import PageLogEntry

    entry = (
        PageLogEntry.objects.filter(
            page_id=page.pk, action="wagtail.unpublish", timestamp__gte=timezone.now() - timedelta(minutes=1)
        )
        .select_related("user")
        .order_by("-timestamp", "-pk")
        .first()
    )
    return entry.user if entry is not None else None
