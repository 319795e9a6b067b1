from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from escribe import media

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("comments.urls")),
    path("", include("blog.urls")),
]
if settings.MEDIA_URL.startswith("/"):
    # Local uploads only: a store's files are fetched from the store itself.
    urlpatterns.insert(1, path(f"{settings.MEDIA_URL.strip('/')}/<path:name>", media.serve, name="media"))
