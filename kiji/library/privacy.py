"""What the library holds about a member, for the privacy export (開示請求)."""

from __future__ import annotations

from typing import Any

from kiji.library.models import Favorite, TagFollow


def export_member_data(user: Any) -> dict[str, Any]:
    """Every favourite and followed tag of this member, unpublished articles included."""
    favorites = Favorite.objects.filter(user=user).select_related("article").order_by("created_at", "pk")
    follows = TagFollow.objects.filter(user=user).select_related("tag").order_by("created_at", "pk")
    return {
        "favorites": [
            {
                "article_slug": favorite.article.slug,
                "article_title": favorite.article.title,
                "saved_at": favorite.created_at.isoformat(),
            }
            for favorite in favorites
        ],
        "followed_tags": [
            {
                "tag_slug": follow.tag.slug,
                "tag_name": follow.tag.name,
                "followed_at": follow.created_at.isoformat(),
            }
            for follow in follows
        ],
    }
