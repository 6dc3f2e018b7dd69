from django.urls import path

from kiji.assistant import views

app_name = "assistant"

urlpatterns = [path("", views.ask_page, name="ask")]
