"""Forms for the staff pages: plain GET filters and the confirmations of member actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kiji.audit.models import action_label
from kiji.premium.models import Plan


class MemberSearchForm(forms.Form):
    q = forms.CharField(
        label=_("メールアドレス・表示名・会社名で検索"),
        max_length=100,
        required=False,
        widget=forms.SearchInput(attrs={"placeholder": _("例: yamada@example.com、山田、株式会社")}),
    )


class ConfirmForm(forms.Form):
    """A confirmation page's form; its one-time token makes a second submit of the page a no-op."""

    submit_token = forms.RegexField(
        regex=r"^[0-9a-f]{32}$",
        widget=forms.HiddenInput,
        error_messages={
            "required": _("確認画面の情報が不足しています。画面を開き直してもう一度お試しください。"),
            "invalid": _("確認画面の情報が不足しています。画面を開き直してもう一度お試しください。"),
        },
    )

    def hidden_errors(self) -> list[str]:
        return [str(error) for field in self.hidden_fields() for error in field.errors]


class GrantPremiumForm(ConfirmForm):
    plan = forms.ModelChoiceField(
        label=_("プラン"),
        queryset=Plan.objects.filter(active=True),
        empty_label=None,
        error_messages={
            "invalid_choice": _("選んだプランは提供を終了しています。別のプランを選んでください。")
        },
    )
    months = forms.IntegerField(
        label=_("期間(月)"),
        min_value=1,
        max_value=36,
        initial=1,
        help_text=_("1〜36か月。"),
        error_messages={
            "min_value": _("期間は1か月以上にしてください。"),
            "max_value": _("期間は36か月以内にしてください。"),
        },
    )

    def __init__(self, *args: Any, current_plan: Plan | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if current_plan is not None:  # a grant lengthens the running subscription on its own plan
            field = self.fields["plan"]
            field.queryset = Plan.objects.filter(pk=current_plan.pk)  # type: ignore[attr-defined]
            field.initial = current_plan.pk
            field.widget = forms.HiddenInput()


class RevokePremiumForm(ConfirmForm):
    # Codes, not free text: the reason goes into the audit log, which holds no personal data.
    REASONS = (
        ("member_request", _("会員からの依頼")),
        ("granted_by_mistake", _("誤って付与した")),
        ("refund", _("返金")),
        ("terms_violation", _("利用規約違反")),
        ("other", _("その他")),
    )
    reason = forms.ChoiceField(
        label=_("取り消しの理由"),
        choices=REASONS,
        widget=forms.RadioSelect,
        error_messages={"required": _("取り消しの理由を選んでください。")},
    )
    note = forms.CharField(
        label=_("メモ(任意)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("契約の記録にだけ残り、監査ログには載りません。"),
    )

    def reason_text(self) -> str:
        """What kiji.premium keeps on the subscription: the reason's label, then the note."""
        label = str(dict(self.REASONS)[self.cleaned_data["reason"]])
        note = self.cleaned_data["note"].strip()
        return f"{label}: {note}" if note else label


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("操作"), required=False)
    since = forms.DateField(
        label=_("開始日"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    until = forms.DateField(
        label=_("終了日"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, actions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(action, f"{action_label(action)} ({action})") for action in actions]
        self.fields["action"].choices = [("", _("すべての操作")), *choices]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("開始日は終了日より前の日付にしてください。"))
        return data
