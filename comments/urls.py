from django.urls import path
from django.views.decorators.http import require_safe

from comments import feeds, unsubscribe, views

app_name = "comments"

urlpatterns = [
    path("post/<slug:slug>/comment/", views.submit, name="submit"),
    path("post/<slug:slug>/comment/received/", views.received, name="received"),
    path("post/<slug:slug>/comment/<int:pk>/reply/", views.reply, name="reply"),
    path("comments/unsubscribe/<str:token>/", unsubscribe.unsubscribe, name="unsubscribe"),
    path("feeds/comments/atom/", require_safe(feeds.LatestCommentsFeed()), name="feed-atom"),
    path("feeds/post/<slug:slug>/comments/atom/", require_safe(feeds.PostCommentsFeed()), name="post-feed-atom"),
]
