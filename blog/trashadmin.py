"""The admin's trash of posts and pages: deleting moves there; the trash lists, restores and deletes for good."""

from django.conf import settings
from django.contrib import admin, messages
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse

from blog import revisions

IN_TRASH = "trash"


class TrashFilter(admin.SimpleListFilter):
    """The change list hides what is in the trash; this shows the trash instead."""

    title = "trash"
    parameter_name = IN_TRASH

    def lookups(self, request, model_admin):
        return [("yes", "In the trash")]

    def queryset(self, request, queryset):
        return queryset.in_trash() if self.value() == "yes" else queryset.not_in_trash()

    def choices(self, changelist):
        choices = list(super().choices(changelist))
        choices[0]["display"] = "Not in the trash"  # Django's "All", which would not show the trash
        return choices


def showing_trash(request):
    return request.GET.get(IN_TRASH) == "yes"


class GoesToTrash:
    """For PostAdmin and PageAdmin: their delete button and action move to the trash, confirmed by a POST."""

    delete_confirmation_template = "admin/blog/trash_confirmation.html"

    def get_list_filter(self, request):
        return [TrashFilter, *super().get_list_filter(request)]

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        return [*shown, "trashed_at"] if showing_trash(request) else shown

    def get_actions(self, request):
        actions = super().get_actions(request)
        if showing_trash(request):
            # Django's own delete action, which here deletes for good: the list shows only the trash.
            kept = {}
            if self.has_change_permission(request):
                kept["restore_from_trash"] = self.get_action("restore_from_trash")
            if "delete_selected" in actions:
                func, name, _ = actions["delete_selected"]
                kept[name] = (func, name, "Delete the selected %(verbose_name_plural)s for good")
            return kept
        actions.pop("delete_selected", None)
        if self.has_delete_permission(request):
            actions["move_to_trash"] = self.get_action("move_to_trash")
        return actions

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        if showing_trash(request):
            changelist.list_editable = ()  # a trashed row is a draft until restored (its constraint says so)
        return changelist

    def has_change_permission(self, request, obj=None):
        # Read only while in the trash: restoring brings it back as it was, then it is edited as ever.
        if obj is not None and obj.in_trash:
            return False
        return super().has_change_permission(request, obj)

    def delete_view(self, request, object_id, extra_context=None):
        extra_context = {**(extra_context or {}), "trash_days": settings.TRASH_DAYS}
        return super().delete_view(request, object_id, extra_context)

    def get_deleted_objects(self, objs, request):
        # Moving to the trash deletes nothing: no list of related rows, no permission to delete them needed.
        objs = list(objs)
        if objs and not any(obj.in_trash for obj in objs):
            return [str(obj) for obj in objs], {}, set(), []
        return super().get_deleted_objects(objs, request)

    def log_deletions(self, request, queryset):
        # Called before delete_model(): only what is deleted for good is logged as deleted; a move is a change.
        return super().log_deletions(request, [obj for obj in queryset if obj.in_trash])

    def delete_model(self, request, obj):
        # The delete button of something in the trash deletes it for good; of anything else, trashes it.
        if obj.in_trash:
            super().delete_model(request, obj)
            return
        self.trash([obj], request)
        request.moved_to_trash = f"“{obj}” moved to the trash. {self.restore_hint()}"

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        # Said in place of Django's "The post “…” was deleted successfully.", which it was not.
        said = getattr(request, "moved_to_trash", None)
        if said and level == messages.SUCCESS:
            message, request.moved_to_trash = said, None
        super().message_user(request, message, level, *args, **kwargs)

    def restore_hint(self):
        return f"Restore it from the trash (the “In the trash” filter) within {settings.TRASH_DAYS} days."

    def trash(self, objects, request):
        """Move each to the trash through its save(), logged as a change (which keeps a revision); returns them."""
        objects = list(objects)
        revisions.keep_previous(objects)  # the state before the move, if it has no revision yet
        moved = [obj for obj in objects if obj.move_to_trash()]
        for obj in moved:
            self.log_change(request, obj, "Moved to the trash.")
        return moved

    @admin.action(description="Move the selected %(verbose_name_plural)s to the trash", permissions=["delete"])
    def move_to_trash(self, request, queryset):
        queryset = queryset.not_in_trash()
        if request.POST.get("confirmed") != "yes":
            opts = self.model._meta
            context = {
                **self.admin_site.each_context(request),
                "title": "Move to the trash?",
                "opts": opts,
                "objects": list(queryset),
                "action": "move_to_trash",
                "trash_days": settings.TRASH_DAYS,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/blog/trash_selected_confirmation.html", context)
        moved = self.trash(queryset, request)
        name = self.model._meta.verbose_name
        self.message_user(
            request,
            f"{len(moved)} {name}{pluralize(len(moved))} moved to the trash. {self.restore_hint()}",
            messages.SUCCESS,
        )
        return None

    @admin.action(description="Restore the selected %(verbose_name_plural)s", permissions=["change"])
    def restore_from_trash(self, request, queryset):
        restored = [obj for obj in queryset.in_trash() if obj.restore_from_trash()]
        # Logged as a change, which keeps the restored state as a revision.
        for obj in restored:
            self.log_change(request, obj, "Restored from the trash.")
        name = self.model._meta.verbose_name
        self.message_user(request, f"{len(restored)} {name}{pluralize(len(restored))} restored.", messages.SUCCESS)
