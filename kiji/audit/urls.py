from django.urls import path  # noqa: F401  (filled in by the audit feature)

app_name = "audit"

urlpatterns: list[object] = []
