"""The author's admin under the blog's own name, where Django says "Django administration"."""

from django.conf import settings
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
    def register(self, model_or_iterable, admin_class=None, **options):
        # Every model admin, Django's own (users, groups) included, gets the
        # check: a mixin each admin had to remember would miss some.
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, ChecksSelection):
            admin_class = type(
                admin_class.__name__, (ChecksSelection, admin_class), {"__module__": admin_class.__module__}
            )
        super().register(model_or_iterable, admin_class, **options)

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
