from django.urls import path

from kiji.discovery import views

app_name = "discovery"

urlpatterns = [
    path("recommended/", views.recommended, name="recommended"),
    path("for-you/", views.for_you, name="for_you"),
]
