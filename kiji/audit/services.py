from __future__ import annotations

from typing import Any

from django.db import models

from kiji.audit.models import AuditEntry


def record(actor: Any, action: str, *, target: models.Model | None = None, **detail: Any) -> AuditEntry:
    """Append one audit entry. `detail` must hold no personal data (ids and codes only)."""
    label = ""
    if actor is not None and getattr(actor, "is_authenticated", False):
        label = f"user:{actor.pk}" + (" (staff)" if getattr(actor, "is_staff", False) else "")
    return AuditEntry.objects.create(
        actor=actor if label else None,
        actor_label=label or "system",
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        detail=detail,
    )
