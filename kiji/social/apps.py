from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocialConfig(AppConfig):
    name = "kiji.social"
    label = "social"
    verbose_name = _("フォロー・ブロック・通知")

    def ready(self) -> None:
        from kiji.social import signals  # noqa: F401  (fan-out on publish)
