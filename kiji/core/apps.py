from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kiji.core"
    label = "core"
