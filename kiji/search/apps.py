from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "kiji.search"
    label = "search"
    verbose_name = _("検索")

    def ready(self) -> None:
        from kiji.search import signals  # noqa: F401  (index upkeep)
