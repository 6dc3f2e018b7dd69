from django.urls import path  # noqa: F401  (staff pages live in the Wagtail admin)

app_name = "audit"

urlpatterns: list[object] = []
