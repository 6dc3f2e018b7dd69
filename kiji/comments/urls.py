from django.urls import path

from kiji.comments import views

app_name = "comments"

urlpatterns = [
    path("a/<int:article_id>/", views.section, name="section"),
    path("a/<int:article_id>/post/", views.post, name="post"),
    path("<int:comment_id>/", views.thread, name="thread"),
    path("<int:comment_id>/fragment/", views.fragment, name="fragment"),
    path("<int:comment_id>/reply/", views.reply_form, name="reply"),
    path("<int:comment_id>/edit/", views.edit, name="edit"),
    path("<int:comment_id>/delete/", views.delete, name="delete"),
    path("<int:comment_id>/like/", views.like, name="like"),
    path("<int:comment_id>/report/", views.report, name="report"),
    path("me/", views.my_status, name="my_status"),
    path("me/restrictions/<int:restriction_id>/appeal/", views.appeal, name="appeal"),
    path("me/warnings/<int:warning_id>/acknowledge/", views.acknowledge, name="acknowledge"),
]
