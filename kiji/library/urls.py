from django.urls import path  # noqa: F401  (filled in by the library feature)

app_name = "library"

urlpatterns: list[object] = []
