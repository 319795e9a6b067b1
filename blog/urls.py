from django.urls import path

from blog import feeds, views

app_name = "blog"

urlpatterns = [
    path("", views.PostListView.as_view(), name="post-list"),
    path("page/<int:page>/", views.PostListView.as_view(), name="post-list-page"),
    path("post/<slug:slug>/", views.post_detail, name="post-detail"),
    path("post/<slug:slug>.md", views.post_source, name="post-source"),
    path("tags/", views.tag_cloud, name="tag-list"),
    path("tag/<slug:slug>/", views.TagPostListView.as_view(), name="tag-detail"),
    path("tag/<slug:slug>/page/<int:page>/", views.TagPostListView.as_view(), name="tag-detail-page"),
    path("archive/", views.archive_index, name="archive"),
    path("archive/<int:year>/", views.archive_year, name="archive-year"),
    path("archive/<int:year>/<int:month>/", views.ArchiveMonthView.as_view(), name="archive-month"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("feeds/atom/", feeds.LatestPostsAtomFeed(), name="feed-atom"),
    path("feeds/rss/", feeds.LatestPostsRssFeed(), name="feed-rss"),
    path("feeds/tag/<slug:slug>/atom/", feeds.TagAtomFeed(), name="tag-feed-atom"),
    path("feeds/tag/<slug:slug>/rss/", feeds.TagRssFeed(), name="tag-feed-rss"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("healthz", views.healthz, name="healthz"),
    path("<int:pk>/", views.legacy_post_redirect, name="legacy-post"),
]
