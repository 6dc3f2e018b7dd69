"""The member's reading history in their data export (開示請求).

Only the member's own reads; the co-reading table is an anonymous aggregate and holds nothing
that identifies a member, so it is not part of anyone's export.
"""

from __future__ import annotations

from typing import Any

from kiji.discovery.models import ReadEvent


def export_member_data(user: Any) -> dict[str, Any]:
    reads = (
        ReadEvent.objects.filter(user=user)
        .order_by("read_at", "pk")
        .values("day", "read_at", "article__slug", "article__title")
    )
    return {
        "reading_history": [
            {
                "day": row["day"].isoformat(),
                "read_at": row["read_at"].isoformat(),
                "article_slug": row["article__slug"],
                "article_title": row["article__title"],
            }
            for row in reads
        ]
    }
