from django.urls import path

from comments import feeds, views

app_name = "comments"

urlpatterns = [
    path("post/<slug:slug>/comment/", views.submit, name="submit"),
    path("post/<slug:slug>/comment/received/", views.received, name="received"),
    path("feeds/comments/atom/", feeds.LatestCommentsFeed(), name="feed-atom"),
]
