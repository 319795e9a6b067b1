from django.contrib.sitemaps import views as sitemap_views
from django.urls import path, re_path
from django.views.decorators.http import require_safe

from blog import custom_css, feeds, views
from blog.sitemaps import SITEMAPS

app_name = "blog"

# Feeds and sitemaps answer any method by themselves; like every reading page they take GET and HEAD only.
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
    path(
        "archive/<int:year>/<int:month>/page/<int:page>/", views.ArchiveMonthView.as_view(), name="archive-month-page"
    ),
    path("search/", views.SearchView.as_view(), name="search"),
    path("feeds/atom/", require_safe(feeds.LatestPostsAtomFeed()), name="feed-atom"),
    path("feeds/rss/", require_safe(feeds.LatestPostsRssFeed()), name="feed-rss"),
    path("feeds/tag/<slug:slug>/atom/", require_safe(feeds.TagAtomFeed()), name="tag-feed-atom"),
    path("feeds/tag/<slug:slug>/rss/", require_safe(feeds.TagRssFeed()), name="tag-feed-rss"),
    path(
        "sitemap.xml",
        require_safe(sitemap_views.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "blog:sitemap-section"},
        name="sitemap-index",
    ),  # fmt: skip
    path("sitemap-<section>.xml", require_safe(sitemap_views.sitemap), {"sitemaps": SITEMAPS}, name="sitemap-section"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("healthz", views.healthz, name="healthz"),
    re_path(r"^site-(?P<digest>[0-9a-f]{12})\.css$", custom_css.custom_css, name="custom-css"),
    path("<int:pk>/", views.legacy_post_redirect, name="legacy-post"),
    # Last: standalone pages take any one-segment address nothing above answers (Page.clean refuses the others).
    path("<slug:slug>/", views.page_detail, name="page-detail"),
]
