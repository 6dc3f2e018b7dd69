"""Forms of the moderation tools: the queue's filters and one form per moderation action.

Every action form carries a one-time token (kiji.audit.forms.ConfirmForm), so a second submit of
the same form is a no-op. The services validate again; these forms only shape the input.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kiji.audit.forms import ConfirmForm
from kiji.comments.models import Comment
from kiji.comments.moderation_selectors import Order, Tab
from kiji.comments.rules import Feature, ReportReason

NOTE_HELP = _("監査ログに記録されます(会員には表示されません)。会員の個人情報は書かないでください。")
DAYS_MAX = 3650


def _reason_field(label: Any = None) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label or _("理由"),
        choices=[("", _("選んでください")), *ReportReason.choices],
        error_messages={"required": _("理由を選んでください。")},
    )


def _note_field() -> forms.CharField:
    return forms.CharField(label=_("メモ(任意)"), max_length=500, required=False, help_text=NOTE_HELP)


def _message_field(help_text: Any) -> forms.CharField:
    return forms.CharField(
        label=_("会員へのメッセージ(任意)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=help_text,
    )


class QueueFilterForm(forms.Form):
    tab = forms.ChoiceField(choices=Tab.choices, required=False, widget=forms.HiddenInput)
    q = forms.CharField(
        label=_("本文で検索"),
        max_length=100,
        required=False,
        widget=forms.SearchInput(attrs={"placeholder": _("例: 宣伝")}),
    )
    article = forms.CharField(
        label=_("記事のタイトル"),
        max_length=100,
        required=False,
        widget=forms.SearchInput(attrs={"placeholder": _("タイトル")}),
    )
    hold_reason = forms.ChoiceField(
        label=_("保留の理由"),
        choices=[("", _("すべて")), *[c for c in Comment.HoldReason.choices if c[0]]],
        required=False,
    )
    report_reason = forms.ChoiceField(
        label=_("通報の理由"), choices=[("", _("すべて")), *ReportReason.choices], required=False
    )
    order = forms.ChoiceField(
        label=_("並び順"), choices=[("", _("タブの既定")), *Order.choices], required=False
    )

    def __init__(self, *args: Any, tab: str = Tab.REPORTED, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if tab == Tab.APPEALS:  # appeals have no hold reason and one order (the longest-waiting first)
            del self.fields["hold_reason"]
            del self.fields["order"]
            self.fields["q"].label = _("申し立ての内容で検索")
            self.fields["report_reason"].label = _("制限の理由")


class ActionForm(ConfirmForm):
    """A moderation action's form; `submit_token` makes a second submit a no-op."""

    # CommentError codes of the services that belong to one field of the form.
    FIELD_FOR_CODE: dict[str, str] = {}

    def field_for(self, code: str) -> str | None:
        name = self.FIELD_FOR_CODE.get(code)
        return name if name in self.fields else None


class ApproveForm(ActionForm):
    note = _note_field()


class HideForm(ActionForm):
    reason = _reason_field()
    note = _note_field()


class RemoveForm(HideForm):
    pass


class WarnForm(ActionForm):
    reason = _reason_field(_("注意の理由"))
    message = _message_field(_("「コミュニティの利用状況」で会員に表示されます。"))


class RestrictForm(ActionForm):
    FIELD_FOR_CODE = {"features": "features", "reason": "reason", "days": "days"}

    # Not required here: the service refuses an empty choice with its own message.
    features = forms.MultipleChoiceField(
        label=_("制限する機能"), choices=Feature.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    reason = _reason_field(_("制限の理由"))
    days = forms.IntegerField(
        label=_("期間(日)"),
        min_value=1,
        max_value=DAYS_MAX,
        required=False,
        initial=7,
        error_messages={
            "min_value": _("期間は1〜3650日で指定してください。"),
            "max_value": _("期間は1〜3650日で指定してください。"),
            "invalid": _("期間は日数(数字)で入力してください。"),
        },
    )
    indefinite = forms.BooleanField(
        label=_("無期限(解除するまで)"), required=False, help_text=_("選ぶと期間の日数は使われません。")
    )
    message = _message_field(_("制限の通知とともに会員に表示されます。"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("indefinite") and data.get("days") is None and "days" not in self.errors:
            self.add_error("days", _("期間を日数で入力するか、「無期限」を選んでください。"))
        return data

    @property
    def duration(self) -> int | None:
        data = self.cleaned_data
        return None if data.get("indefinite") else data.get("days")


class LiftForm(ActionForm):
    note = forms.CharField(
        label=_("解除のメモ(任意)"),
        max_length=500,
        required=False,
        help_text=_("申し立てが審査中なら、会員への回答になります。監査ログにも記録されます。"),
    )


class AcceptAppealForm(ActionForm):
    note = forms.CharField(
        label=_("会員への回答(任意)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("申し立てを認めると、機能制限はすぐに解除されます。"),
    )


class RejectAppealForm(ActionForm):
    FIELD_FOR_CODE = {"response": "response"}

    response = forms.CharField(
        label=_("会員への回答"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("会員への回答を入力してください。")},
        help_text=_("認めない理由を、会員に分かる言葉でお書きください。機能制限は続きます。"),
    )
