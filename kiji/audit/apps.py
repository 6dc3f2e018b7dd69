from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "kiji.audit"
    label = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kiji.audit import signals  # noqa: F401  (page publishing goes into the audit log)
