from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from escribe import media

urlpatterns = [
    path("admin/", admin.site.urls),
    path(f"{settings.MEDIA_URL.strip('/')}/<path:name>", media.serve, name="media"),
    path("", include("comments.urls")),
    path("", include("blog.urls")),
]
