"""The notification settings form: one channel per kind of notification."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kiji.social.models import DEFAULT_CHANNELS, Channel, Kind

# The page groups the kinds by where they come from.
GROUPS: tuple[tuple[Promise, tuple[Kind, ...]], ...] = (
    (_("コメント"), (Kind.REPLY, Kind.LIKE)),
    (_("フォロー"), (Kind.FOLLOWER, Kind.AUTHOR_ARTICLE, Kind.SERIES_ARTICLE, Kind.TAG_ARTICLE)),
    (_("運営から"), (Kind.REPORT_OUTCOME, Kind.MODERATION, Kind.RESTRICTION, Kind.RESTRICTION_LIFTED)),
)


@dataclass(frozen=True, slots=True)
class Group:
    title: Promise
    fields: list[forms.BoundField]


class PreferencesForm(forms.Form):
    """A radio group per Kind; initial values are the member's current channels."""

    def __init__(self, *args: Any, current: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = current or {}
        for kind in Kind:
            default = DEFAULT_CHANNELS.get(kind, Channel.SITE)
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=Channel.choices,
                widget=forms.RadioSelect,
                initial=current.get(kind.value, default),
                error_messages={
                    "required": _("「%(kind)s」の受け取り方を選んでください。") % {"kind": kind.label},
                    "invalid_choice": _("「%(kind)s」の受け取り方が正しくありません。")
                    % {"kind": kind.label},
                },
            )
            self.fields[kind.value].default_channel = default  # type: ignore[attr-defined]

    def groups(self) -> list[Group]:
        return [Group(title, [self[kind.value] for kind in kinds]) for title, kinds in GROUPS]

    def choices(self) -> dict[str, str]:
        return {kind: str(self.cleaned_data[kind]) for kind in Kind.values}
