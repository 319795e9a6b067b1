"""The author's admin under the blog's own name, where Django says "Django administration"."""

from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError


class ChecksSelection:
    """A bulk action whose selection is not a list of keys is refused with a message (Django's admin answered 500)."""

    def response_action(self, request, queryset):
        key = self.model._meta.pk
        try:
            for value in request.POST.getlist(ACTION_CHECKBOX_NAME):
                # The key's validators hold the database's range: a huge number was an OverflowError.
                key.run_validators(key.to_python(value))
        except ValidationError:
            self.message_user(request, "The selection was not understood: select the items again.", messages.ERROR)
            # None: the change list redirects back to itself, as for an action without a selection.
            return None
        return super().response_action(request, queryset)


class BlogAdminSite(admin.AdminSite):
    """Headed with the blog's name, which an app supplies (named_by): the project shell imports no app."""

    _name_source = None

    def named_by(self, source):
        """source() -> the blog's name, asked on each admin page (the blog app calls this in ready())."""
        self._name_source = source

    def blog_name(self):
        return self._name_source() if self._name_source is not None else None

    def register(self, model_or_iterable, admin_class=None, **options):
        # Every model admin, Django's own (users, groups) included, gets the
        # check: a mixin each admin had to remember would miss some.
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, ChecksSelection):
            admin_class = type(
                admin_class.__name__, (ChecksSelection, admin_class), {"__module__": admin_class.__module__}
            )
        super().register(model_or_iterable, admin_class, **options)

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
