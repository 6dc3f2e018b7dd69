from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kiji.search.indexing import index_article


def paragraphs(*texts: str) -> list[tuple[str, Any]]:
    return [("paragraph", f"<p>{text}</p>") for text in texts]


@pytest.fixture
def indexed_article(article_factory: Callable[..., Any]) -> Callable[..., Any]:
    """An article made by article_factory with `text` paragraphs as its body, then indexed."""

    def make(*texts: str, **kwargs: Any) -> Any:
        if texts:
            kwargs["body"] = paragraphs(*texts)
        article = article_factory(**kwargs)
        index_article(article.pk)
        return article

    return make
