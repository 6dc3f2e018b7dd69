from django.urls import path  # noqa: F401

app_name = "social"

# Member pages, follows and blocks (kiji/social/views.py).
urlpatterns: list[object] = []
