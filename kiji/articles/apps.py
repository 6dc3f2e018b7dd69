from typing import Any

from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "kiji.articles"
    label = "articles"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from kiji.articles import signals  # noqa: F401  (page cache invalidation)

        post_migrate.connect(_ensure_site_tree, sender=self)


def _ensure_site_tree(**kwargs: Any) -> None:
    from kiji.articles.services import ensure_site_tree

    ensure_site_tree()
