from django.urls import path  # noqa: F401  (filled in by the privacy feature)

app_name = "privacy"

urlpatterns: list[object] = []
