"""The author's admin under the blog's own name, where Django says "Django administration"."""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class BlogAdminSite(admin.AdminSite):
    # Properties, read on each page: the name comes from settings, which a
    # deployment (or a test) may change after this class is defined.
    @property
    def site_header(self):
        return settings.SITE_TITLE

    @property
    def site_title(self):
        return f"{settings.SITE_TITLE} admin"

    @property
    def index_title(self):
        return f"{settings.SITE_TITLE} administration"


class BlogAdminConfig(AdminConfig):
    """django.contrib.admin with BlogAdminSite as admin.site (Django's documented way to replace the default site)."""

    default_site = "escribe.admin_site.BlogAdminSite"
