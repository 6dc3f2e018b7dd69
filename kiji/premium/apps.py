from django.apps import AppConfig


class PremiumConfig(AppConfig):
    name = "kiji.premium"
    label = "premium"
    default_auto_field = "django.db.models.BigAutoField"
