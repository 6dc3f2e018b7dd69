from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from kiji.assistant.retrieval import QUESTION_MAX


class AskForm(forms.Form):
    question = forms.CharField(
        label=_("質問"),
        max_length=QUESTION_MAX,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": QUESTION_MAX}),
        error_messages={
            "required": _("質問を入力してください。"),
            "max_length": _("質問は%(limit_value)s文字以内でお書きください(いま%(show_value)s文字)。"),
        },
    )
    article = forms.SlugField(required=False, widget=forms.HiddenInput)
    # A fresh one in every form rendered: submitting it twice finds the first submit's message.
    token = forms.UUIDField(required=False, widget=forms.HiddenInput, initial=uuid.uuid4)
