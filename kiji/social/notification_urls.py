from django.urls import path

from kiji.social import notification_views as views

app_name = "notifications"

# The notification center and its settings (kiji/social/notification_views.py).
urlpatterns = [
    path("", views.center, name="center"),
    path("settings/", views.preferences, name="settings"),
    path("read-all/", views.mark_all_read, name="read_all"),
    path("<int:notification_id>/open/", views.open_notification, name="open"),
    path("<int:notification_id>/read/", views.mark_read, name="read"),
]
