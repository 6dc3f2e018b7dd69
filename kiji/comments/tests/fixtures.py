"""Personas and factories for the community layer.

`commenter(...)`: a member who has consented to show their basic info, old enough not to count as
new; `moderator`: staff with the moderate_comments permission; `comment_factory(...)`: a comment
written straight to the database (services are tested separately); `configure(**fields)`: change
the operator's comment settings for one test.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db.models import F
from django.utils import timezone

from kiji.comments import text
from kiji.comments.models import ArticleCommentCount, Comment, CommentSettings

_seq = itertools.count(1)


@pytest.fixture
def configure(db: None) -> Callable[..., CommentSettings]:
    def change(**fields: Any) -> CommentSettings:
        config = CommentSettings.load()
        for name, value in fields.items():
            setattr(config, name, value)
        config.save()
        return config

    return change


@pytest.fixture
def open_comments(configure: Callable[..., CommentSettings]) -> CommentSettings:
    """No pre-moderation and no pacing: tests that are about something else post freely."""
    return configure(premoderate_first_comments=0, min_interval_seconds=0, new_member_interval_seconds=0)


@pytest.fixture
def commenter(member_factory: Callable[..., Any]) -> Callable[..., Any]:
    def make(
        level: str = "registered",
        *,
        consent: bool = True,
        days_old: int = 60,
        display_name: str | None = None,
    ) -> Any:
        user = member_factory(level, display_name=display_name)
        user.date_joined = timezone.now() - timedelta(days=days_old)
        user.save(update_fields=["date_joined"])
        if consent:
            user.profile.disclosure_consent_at = timezone.now()
            user.profile.save(update_fields=["disclosure_consent_at"])
        return user

    return make


@pytest.fixture
def moderator(django_user_model: Any) -> Any:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    user = django_user_model.objects.create_user(
        f"moderator{next(_seq)}", f"moderator{next(_seq)}@example.com", "moderator-password-1", is_staff=True
    )
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="comments", codename="moderate_comments"),
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
    )
    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def comment_factory(db: None) -> Callable[..., Comment]:
    def make(article: Any, author: Any, body: str | None = None, **fields: Any) -> Comment:
        body = body or f"テストのコメント{next(_seq)}です。"
        comment = Comment.objects.create(
            article=article, author=author, body=body, body_html=text.render(body), **fields
        )
        if comment.status == Comment.Status.PUBLISHED:
            stats, _created = ArticleCommentCount.objects.get_or_create(article=article)
            stats.count += 1
            stats.version += 1
            stats.save()
            if comment.parent_id:
                Comment.objects.filter(pk=comment.parent_id).update(reply_count=F("reply_count") + 1)
        return comment

    return make
