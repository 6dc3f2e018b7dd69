from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscoveryConfig(AppConfig):
    name = "kiji.discovery"
    label = "discovery"
    verbose_name = _("人気・おすすめ")
    default_auto_field = "django.db.models.BigAutoField"
