"""Comment moderation (「コメント管理」) in the Wagtail admin, and its permission for groups."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Permission
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet

from kiji.comments import moderation as views
from kiji.core import access
from kiji.core.access import Action


def can_moderate(user: Any) -> bool:
    return bool(access.decide(user, Action.MODERATE_COMMENTS))


class ModerationMenuItem(MenuItem):
    """Shown only to moderators; the views ask the access ladder again on every request."""

    def is_shown(self, request: HttpRequest) -> bool:
        return can_moderate(request.user)


class CommentModerationViewSet(ViewSet):
    name = "comment_moderation"
    url_prefix = "comments"
    icon = "comment"
    menu_label = _("コメント管理")
    menu_name = "comment-moderation"
    menu_order = 590
    add_to_admin_menu = True
    menu_item_class = ModerationMenuItem

    def get_urlpatterns(self) -> list[URLPattern]:
        actions = [
            path(f"<int:comment_id>/{name}/", views.comment_action, {"action": name}, name=name)
            for name in views.COMMENT_ACTIONS
        ]
        return [
            path("", views.queue, name="index"),
            path("<int:comment_id>/", views.comment_detail, name="comment"),
            *actions,
            path("members/<int:user_id>/", views.member_history, name="member"),
            path("restrictions/<int:restriction_id>/", views.restriction_detail, name="restriction"),
            path("restrictions/<int:restriction_id>/lift/", views.lift, name="lift"),
            path("appeals/<int:appeal_id>/accept/", views.accept_appeal, name="accept_appeal"),
            path("appeals/<int:appeal_id>/reject/", views.reject_appeal, name="reject_appeal"),
        ]


def register_moderation() -> ViewSet:
    return CommentModerationViewSet()


def moderation_permissions() -> QuerySet[Permission]:
    """Lets the Groups screen grant 「コメントをモデレートできる」."""
    return Permission.objects.filter(content_type__app_label="comments", codename="moderate_comments")


hooks.register("register_admin_viewset", register_moderation)
hooks.register("register_permissions", moderation_permissions)
