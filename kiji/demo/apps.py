from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "kiji.demo"
    label = "demo"
