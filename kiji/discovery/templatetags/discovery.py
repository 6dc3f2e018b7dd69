"""`{% load discovery %}{% popular_articles as items %}`: よく読まれている記事 for the sidebar.

A tag rather than view context, so every view that includes the sidebar gets the list without
passing it; the list is cached (see selectors.popular_articles), so this queries nothing warm.
"""

from __future__ import annotations

from django import template

from kiji.discovery import selectors
from kiji.discovery.selectors import PopularArticle

register = template.Library()


@register.simple_tag
def popular_articles(limit: int = 5) -> list[PopularArticle]:
    return selectors.popular_articles(limit=limit)
