from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kiji.comments.rules import ReportReason
from kiji.comments.selectors import comment_settings


class CommentForm(forms.Form):
    """The post box (あなたの投稿); the services validate again, these only shape the input."""

    body = forms.CharField(
        label=_("コメント"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("コメントを入力してください。")},
        strip=False,
    )
    # One form render, one comment: a resent form finds the comment its first submit made.
    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = comment_settings().max_length
        self.fields["body"].widget.attrs.update({"maxlength": str(limit), "data-limit": str(limit)})
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4().hex)


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("通報の理由"),
        choices=ReportReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("通報の理由を選んでください。")},
    )
    details = forms.CharField(
        label=_("問題の詳細"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": "1000"}),
        help_text=_("「その他」の場合は必須です。1,000文字まで。"),
    )


class AppealForm(forms.Form):
    text = forms.CharField(
        label=_("申し立ての内容"),
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": "2000"}),
        error_messages={"required": _("申し立ての内容を入力してください。")},
        help_text=_("制限が誤りだと考える理由をお書きください(10〜2,000文字)。"),
    )
