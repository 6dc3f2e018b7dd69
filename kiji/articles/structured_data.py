"""schema.org NewsArticle JSON-LD and OpenGraph data for an article page."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.utils.html import _json_script_escapes  # type: ignore[attr-defined]
from django.utils.safestring import SafeString, mark_safe

from kiji.articles.models import ArticlePage, Author

# Members-only text sits inside this element, so search engines can tell it from cloaking.
PAYWALLED_SELECTOR = ".article-paywalled"


def news_article(
    request: HttpRequest,
    article: ArticlePage,
    *,
    authors: list[Author],
    image_url: str | None,
    free: bool,
) -> dict[str, Any]:
    url = request.build_absolute_uri(article.url)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": article.title[:110],
        "description": article.lead,
        "datePublished": article.published_at.isoformat(),
        "dateModified": (article.updated_at or article.published_at).isoformat(),
        "inLanguage": "ja",
        "author": [
            {
                "@type": "Person",
                "name": author.name,
                "jobTitle": author.title or None,
                "url": request.build_absolute_uri(author.get_absolute_url()),
            }
            for author in authors
        ],
        "publisher": {"@type": "Organization", "name": "Kiji", "url": request.build_absolute_uri("/")},
        "isAccessibleForFree": free,
    }
    if image_url:
        data["image"] = [request.build_absolute_uri(image_url)]
    if article.series_id:
        series = article.series
        assert series is not None  # noqa: S101
        data["isPartOf"] = {
            "@type": "CreativeWorkSeries",
            "name": series.name,
            "url": request.build_absolute_uri(series.get_absolute_url()),
        }
    if article.members_only:
        data["isPartOf"] = [
            *([data["isPartOf"]] if "isPartOf" in data else []),
            {"@type": ["CreativeWork", "Product"], "name": "Kiji 会員", "productID": "kiji:members"},
        ]
        data["hasPart"] = {
            "@type": "WebPageElement",
            "isAccessibleForFree": False,
            "cssSelector": PAYWALLED_SELECTOR,
        }
    for person in data["author"]:
        if person["jobTitle"] is None:
            del person["jobTitle"]
    return data


def as_script(data: dict[str, Any]) -> SafeString:
    """Serialise for a <script type="application/ld+json"> element, escaping <, > and &."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_json_script_escapes)
    return mark_safe(text)  # noqa: S308  (escaped above, as django.utils.html.json_script does)
