"""The search page's query string, checked: a bad value is a message next to its field, never a 500.

The choices for tags, series and authors come from `FilterOptions` (published content only),
so a slug that names nothing is reported rather than silently ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kiji.search import query as query_module
from kiji.search.models import Kind
from kiji.search.selectors import MAX_PAGE, SearchFilters, Sort

# Dates outside this range mean a typing slip, and near the ends of the calendar they would
# overflow when turned into Tokyo midnights.
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
# The form refuses only absurd lengths; the parser explains the real limit (query.MAX_LENGTH).
MAX_INPUT = query_module.MAX_LENGTH * 5

KIND_CHOICES = [("", _("すべて")), (Kind.ARTICLE.value, _("記事")), (Kind.COMMENT.value, _("コメント"))]
SORT_CHOICES = [
    (Sort.RELEVANCE.value, _("関連度")),
    (Sort.NEWEST.value, _("新しい順")),
    (Sort.OLDEST.value, _("古い順")),
]


@dataclass(frozen=True)
class Option:
    slug: str
    name: str
    count: int = 0


@dataclass(frozen=True)
class FilterOptions:
    """What the filters may name: tags with articles (most used first), series and authors."""

    tags: tuple[Option, ...] = ()
    series: tuple[Option, ...] = ()
    authors: tuple[Option, ...] = ()


def _date_field(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=["%Y-%m-%d", "%Y/%m/%d"],
        widget=forms.DateInput(
            attrs={"type": "date", "min": EARLIEST.isoformat(), "max": LATEST.isoformat()}, format="%Y-%m-%d"
        ),
    )


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("検索語"),
        required=False,
        max_length=MAX_INPUT,
        strip=True,
    )
    kind = forms.ChoiceField(
        label=_("種類"),
        required=False,
        choices=KIND_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("種類は「すべて」「記事」「コメント」から選んでください。")},
    )
    tag = forms.MultipleChoiceField(
        label=_("タグ"),
        required=False,
        error_messages={"invalid_choice": _("タグ「%(value)s」は見つかりません。")},
    )
    series = forms.ChoiceField(
        label=_("連載"),
        required=False,
        error_messages={"invalid_choice": _("連載「%(value)s」は見つかりません。")},
    )
    author = forms.ChoiceField(
        label=_("執筆者"),
        required=False,
        error_messages={"invalid_choice": _("執筆者「%(value)s」は見つかりません。")},
    )
    since = _date_field(_("開始日"))
    until = _date_field(_("終了日"))
    sort = forms.ChoiceField(
        label=_("並び順"),
        required=False,
        choices=SORT_CHOICES,
        error_messages={"invalid_choice": _("並び順は「関連度」「新しい順」「古い順」から選んでください。")},
    )
    page = forms.IntegerField(
        label=_("ページ"),
        required=False,
        min_value=1,
        max_value=MAX_PAGE,
        error_messages={
            "invalid": _("ページ番号が正しくありません。"),
            "min_value": _("ページ番号が正しくありません。"),
            "max_value": _("表示できるのは%(limit_value)sページ目までです。条件を絞り込んでください。"),
        },
    )

    def __init__(self, *args: Any, options: FilterOptions, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options = options
        fields = self.fields
        tag_field = fields["tag"]
        series_field = fields["series"]
        author_field = fields["author"]
        assert isinstance(tag_field, forms.MultipleChoiceField)  # noqa: S101  (declared above)
        assert isinstance(series_field, forms.ChoiceField)  # noqa: S101
        assert isinstance(author_field, forms.ChoiceField)  # noqa: S101
        tag_field.choices = [(o.slug, o.name) for o in options.tags]
        series_field.choices = [("", _("すべての連載")), *((o.slug, o.name) for o in options.series)]
        author_field.choices = [("", _("すべての執筆者")), *((o.slug, o.name) for o in options.authors)]
        # Messages that name their field, translated for this request.
        fields["q"].error_messages["max_length"] = gettext(
            "検索語が長すぎます。%(limit)d文字以内で入力してください。"
        ) % {"limit": query_module.MAX_LENGTH}
        for name, which in (("since", gettext("期間の開始日")), ("until", gettext("期間の終了日"))):
            fields[name].error_messages["invalid"] = gettext(
                "%(which)sの日付が正しくありません。2026-04-01 の形式で入力してください。"
            ) % {"which": which}

    def clean_since(self) -> date | None:
        return self._in_range("since", gettext("期間の開始日"))

    def clean_until(self) -> date | None:
        return self._in_range("until", gettext("期間の終了日"))

    def _in_range(self, name: str, which: str) -> date | None:
        value: date | None = self.cleaned_data.get(name)
        if value is not None and not EARLIEST <= value <= LATEST:
            raise forms.ValidationError(
                _("%(which)sは%(earliest)sから%(latest)sまでの日付を入力してください。"),
                code="out_of_range",
                params={
                    "which": which,
                    "earliest": EARLIEST.strftime("%Y/%m/%d"),
                    "latest": LATEST.strftime("%Y/%m/%d"),
                },
            )
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("期間の終了日は開始日と同じか、それより後の日付にしてください。"))
        return cleaned

    # The cleaned values, for a valid form.

    @property
    def text(self) -> str:
        return str(self.cleaned_data.get("q") or "")

    @property
    def sort_value(self) -> Sort:
        return Sort(self.cleaned_data.get("sort") or Sort.RELEVANCE)

    @property
    def page_number(self) -> int:
        return int(self.cleaned_data.get("page") or 1)

    def filters(self) -> SearchFilters:
        data = self.cleaned_data
        kind = data.get("kind") or ""
        return SearchFilters(
            kinds=frozenset({kind}) if kind else frozenset({Kind.ARTICLE, Kind.COMMENT}),
            tags=tuple(data.get("tag") or ()),
            series=data.get("series") or "",
            author=data.get("author") or "",
            since=data.get("since"),
            until=data.get("until"),
        )

    def active_filter_count(self) -> int:
        """How many of the folded-away filters (tags, series, author, period) are in use."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        return len(data.get("tag") or ()) + sum(
            bool(data.get(name)) for name in ("series", "author", "since", "until")
        )

    def query_params(self, **overrides: Any) -> list[tuple[str, str]]:
        """The URL parameters that reproduce this search, defaults left out (stable paging links)."""
        data = {**self.cleaned_data, **overrides}
        params: list[tuple[str, str]] = []
        if data.get("q"):
            params.append(("q", str(data["q"])))
        if data.get("kind"):
            params.append(("kind", str(data["kind"])))
        params.extend(("tag", str(slug)) for slug in data.get("tag") or ())
        for name in ("series", "author"):
            if data.get(name):
                params.append((name, str(data[name])))
        for name in ("since", "until"):
            if value := data.get(name):
                params.append((name, value.isoformat()))
        if data.get("sort") and data["sort"] != Sort.RELEVANCE:
            params.append(("sort", str(data["sort"])))
        if data.get("page") and int(data["page"]) > 1:
            params.append(("page", str(data["page"])))
        return params
