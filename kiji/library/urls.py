from django.urls import path

from kiji.library import views

app_name = "library"

urlpatterns = [
    path("favorites/", views.favorites, name="favorites"),
    path("favorites/<int:article_id>/save/", views.save_favorite, name="save_favorite"),
    path("favorites/<int:article_id>/remove/", views.remove_favorite, name="remove_favorite"),
    path("following/", views.following, name="following"),
    path("tags/<int:tag_id>/follow/", views.follow_tag, name="follow_tag"),
    path("tags/<int:tag_id>/unfollow/", views.unfollow_tag, name="unfollow_tag"),
    path("feed/", views.feed, name="feed"),
]
