from django.urls import path

from kiji.assistant import views

app_name = "assistant"

urlpatterns = [
    path("", views.ask_page, name="ask"),
    path("c/", views.conversations_page, name="conversations"),
    path("c/delete/", views.delete_all_page, name="delete_all"),
    path("c/<int:pk>/", views.conversation_page, name="conversation"),
    path("c/<int:pk>/delete/", views.delete_page, name="delete"),
    path("c/<int:pk>/m/<int:message_pk>/answer/", views.answer_page, name="answer"),
    path("c/<int:pk>/m/<int:message_pk>/stream/", views.stream, name="stream"),
]
