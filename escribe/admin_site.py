"""The author's admin under the blog's own name, where Django says "Django administration"."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class BlogAdminSite(admin.AdminSite):
    """Headed with the blog's name, which an app supplies (named_by): the project shell imports no app."""

    _name_source = None

    def named_by(self, source):
        """source() -> the blog's name, asked on each admin page (the blog app calls this in ready())."""
        self._name_source = source

    def blog_name(self):
        return self._name_source() if self._name_source is not None else None

    # Properties, read on each page: the author may rename the blog between two pages.
    @property
    def site_header(self):
        return self.blog_name() or admin.AdminSite.site_header

    @property
    def site_title(self):
        name = self.blog_name()
        return f"{name} admin" if name else admin.AdminSite.site_title

    @property
    def index_title(self):
        name = self.blog_name()
        return f"{name} administration" if name else admin.AdminSite.index_title


class BlogAdminConfig(AdminConfig):
    """django.contrib.admin with BlogAdminSite as admin.site (Django's documented way to replace the default site)."""

    default_site = "escribe.admin_site.BlogAdminSite"
