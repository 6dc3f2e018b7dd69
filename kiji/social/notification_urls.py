from django.urls import path  # noqa: F401

app_name = "notifications"

# The notification center and its settings (kiji/social/notification_views.py).
urlpatterns: list[object] = []
