"""The admin's side of revisions: every save kept, the list on the History page, a version's diff and its restore."""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from reversion.models import Version

from blog import revisions


class KeepsRevisions:
    """ModelAdmin mixin: each save in the admin is kept as a revision the author can compare and restore.

    Plain pages and forms: the list is on the admin's own History page, a
    version's page shows its diff, and restoring is a POST from that page.
    """

    object_history_template = "admin/blog/object_history.html"

    def save_model(self, request, obj, form, change):
        if change:
            revisions.keep_previous([obj])
        super().save_model(request, obj, form, change)

    # Django's admin logs a save after save_related(): a post's tags are set by then.
    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        revisions.record(obj, request.user, entry.get_change_message() or "Added.")
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        revisions.record(obj, request.user, entry.get_change_message() or "Saved without changes.")
        return entry

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        # Versions hold what the author wrote: the change permission, as restoring needs.
        if obj is not None and self.has_change_permission(request, obj):
            extra_context = {**(extra_context or {}), "versions": revisions.versions_of(obj)}
        return super().history_view(request, object_id, extra_context)

    def get_urls(self):
        opts = self.opts
        name = f"{opts.app_label}_{opts.model_name}_revision"
        view = self.admin_site.admin_view(self.revision_view)
        return [path("<path:object_id>/revisions/<int:version_id>/", view, name=name), *super().get_urls()]

    def revision_view(self, request, object_id, version_id):
        """GET: the version beside the text now. POST: restore it (a new revision, so it can be undone)."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        try:
            version = revisions.versions_of(obj).get(pk=version_id)
        except Version.DoesNotExist:
            raise Http404 from None
        when = formats.date_format(timezone.localtime(version.revision.date_created), "DATETIME_FORMAT")
        if request.method == "POST":
            return self.restore(request, obj, version, when)
        then = revisions.state(version)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "object": obj,
            "version": version,
            "when": when,
            "title": f"The version of {when}",
            "differences": revisions.differences(version, obj),
            "body_diff": revisions.body_diff(obj.body, then["body"]),
            "history_url": reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_history", args=[obj.pk]),
        }
        return TemplateResponse(request, "admin/blog/revision.html", context)

    def restore(self, request, obj, version, when):
        change_url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])
        try:
            with transaction.atomic():
                revisions.restore(version, obj)
                # Logged as a change, which records the restored state as the newest revision.
                self.log_change(request, obj, f"Restored the version of {when}.")
        except ValidationError as error:
            self.message_user(request, f"Not restored: {' '.join(error.messages)}", messages.ERROR)
            return HttpResponseRedirect(request.path)
        self.message_user(request, f"Restored the version of {when}; the version before is kept too.", messages.SUCCESS)
        return HttpResponseRedirect(change_url)
