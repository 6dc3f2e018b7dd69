from django.urls import path  # noqa: F401  (filled in by the premium feature)

app_name = "premium"

urlpatterns: list[object] = []
