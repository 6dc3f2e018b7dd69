from django.urls import path

from kiji.articles import feeds, views

app_name = "articles"

urlpatterns = [
    path("feed/", feeds.LatestArticlesFeed(), name="feed"),
    path("articles/<slug:slug>/", views.article_detail, name="article"),
    path("series/", views.series_index, name="series_index"),
    path("series/<slug:slug>/", views.series_detail, name="series"),
    path("series/<slug:slug>/feed/", feeds.SeriesFeed(), name="series_feed"),
    path("authors/", views.author_index, name="author_index"),
    path("authors/<slug:slug>/", views.author_detail, name="author"),
    path("authors/<slug:slug>/feed/", feeds.AuthorFeed(), name="author_feed"),
    path("tags/", views.tag_index, name="tag_index"),
    path("tags/<str:slug>/", views.tag_detail, name="tag"),
    path("tags/<str:slug>/feed/", feeds.TagFeed(), name="tag_feed"),
    path("archive/", views.archive_index, name="archive"),
    path("archive/<int:year>/<int:month>/", views.archive_month, name="archive_month"),
]
