from django.urls import path

from kiji.social import views

app_name = "social"

# Member pages, follows and blocks (kiji/social/views.py).
urlpatterns = [
    path("m/<int:user_id>/", views.member, name="member"),
    path("m/<int:user_id>/followers/", views.followers, name="followers"),
    path("m/<int:user_id>/following/", views.following, name="following"),
    path("m/<int:user_id>/follow/", views.follow, name="follow"),
    path("m/<int:user_id>/unfollow/", views.unfollow, name="unfollow"),
    path("m/<int:user_id>/block/", views.block, name="block"),
    path("m/<int:user_id>/unblock/", views.unblock, name="unblock"),
    path("blocks/", views.blocks, name="blocks"),
    path("follows/", views.my_follows, name="my_follows"),
    path("authors/<int:author_id>/follow/", views.follow_author, name="follow_author"),
    path("authors/<int:author_id>/unfollow/", views.unfollow_author, name="unfollow_author"),
    path("series/<int:series_id>/follow/", views.follow_series, name="follow_series"),
    path("series/<int:series_id>/unfollow/", views.unfollow_series, name="unfollow_series"),
]
