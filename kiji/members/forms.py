from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kiji.members.models import Profile


class SignupForm(forms.Form):
    """allauth's sign-up form gets the one required basic field: the display name."""

    display_name = forms.CharField(
        label=_("表示名"),
        max_length=40,
        help_text=_("コメントやフォローの際に他の会員に表示されます。あとから変更できます。"),
    )

    def signup(self, request: HttpRequest, user: Any) -> None:
        from kiji.members.services import create_profile

        create_profile(user, display_name=self.cleaned_data["display_name"])


class BasicInfoForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Profile
        fields: ClassVar = [
            "display_name",
            "real_name",
            "real_name_visibility",
            "company",
            "company_visibility",
            "job_title",
            "job_title_visibility",
            "picture",
            "picture_visibility",
        ]
        widgets: ClassVar = dict.fromkeys(
            ("real_name_visibility", "company_visibility", "job_title_visibility", "picture_visibility"),
            forms.RadioSelect,
        )

    def clean_picture(self) -> Any:
        picture = self.cleaned_data.get("picture")
        if picture and getattr(picture, "size", 0) > 2 * 1024 * 1024:
            raise forms.ValidationError(_("画像は2MB以下にしてください。"))
        return picture


class DetailsForm(forms.ModelForm):  # type: ignore[type-arg]
    """詳細情報; which fields are required is the operator's choice (会員設定)."""

    class Meta:
        model = Profile
        fields: ClassVar = ["industry", "job_function", "company_size", "prefecture", "age_band"]

    def __init__(self, *args: Any, required: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, form_field in self.fields.items():
            form_field.required = name in required
            if isinstance(form_field, forms.ChoiceField):
                model_field = Profile._meta.get_field(name)
                options = list(getattr(model_field, "choices", None) or [])
                form_field.choices = [("", _("選択してください")), *options]
