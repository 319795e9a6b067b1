"""Uploads in the admin: the inline on a post's page and the upload's own page (registered when blog.admin loads)."""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst

from blog.models import Upload


class UploadDisplays:
    """What the uploads inline and the upload's own page both show."""

    @admin.display(description="Preview")
    def thumbnail(self, upload):
        if not upload.pk or upload.kind != Upload.Kind.IMAGE:
            return ""
        return format_html('<img src="{}" alt="" width="80" style="height:auto">', upload.url)

    @admin.display(description="Markdown to paste")
    def markdown(self, upload):
        if not upload.pk:
            return "After saving: the Markdown to paste into the post."
        # Long URLs wrap instead of pushing the table past the screen.
        return format_html('<code class="escribe-markdown" style="overflow-wrap:anywhere">{}</code>', upload.markdown())


class UploadInlineForm(forms.ModelForm):
    class Meta:
        model = Upload
        fields = ["file", "alt_text"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Posts link to the stored name: a new file is a new upload.
            self.fields["file"].disabled = True
        # The inline's table heads each column, but a column heading names no input: each names itself, as
        # its heading reads (a screen reader would only hear "file upload" and "edit text").
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = capfirst(field.label)


class UploadInline(UploadDisplays, admin.TabularInline):
    """Uploading from the post's own page; the Markdown to paste appears once the post is saved."""

    model = Upload
    form = UploadInlineForm
    fk_name = "post"
    extra = 1
    fields = ["file", "alt_text", "thumbnail", "markdown"]
    readonly_fields = ["thumbnail", "markdown"]
    # Deleting goes through the upload's own page, which refuses while a post links to it.
    can_delete = False
    verbose_name = "upload"
    verbose_name_plural = "Images and files (save, then paste the Markdown shown into the body)"


@admin.register(Upload)
class UploadAdmin(UploadDisplays, admin.ModelAdmin):
    # Few columns, so the Markdown to copy fits at 1280 pixels (the kind is the filter, the date the hierarchy).
    list_display = ["__str__", "thumbnail", "dimensions", "size_kb", "markdown"]
    list_filter = ["kind"]
    search_fields = ["original_name", "alt_text", "file"]
    raw_id_fields = ["post"]
    date_hierarchy = "uploaded_at"

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["file", "alt_text", "post"]
        return ["file_link", "thumbnail", "markdown", "alt_text", "post", "kind", "dimensions", "size_kb",
                "copies", "used_in", "uploaded_at"]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["file_link", "thumbnail", "markdown", "kind", "dimensions", "size_kb", "copies", "used_in",
                "uploaded_at"]  # fmt: skip

    @admin.display(description="File")
    def file_link(self, upload):
        return format_html('<a href="{}">{}</a>', upload.url, upload.file.name)

    @admin.display(description="Size in pixels")
    def dimensions(self, upload):
        return f"{upload.width} × {upload.height}" if upload.width else "—"

    @admin.display(description="KB", ordering="size")
    def size_kb(self, upload):
        return f"{upload.size / 1024:,.0f}"

    @admin.display(description="Copies for readers")
    def copies(self, upload):
        if not upload.variants:
            return "None (small enough, or animated: resizing would lose the animation)." if upload.width else "—"
        return ", ".join(f"{copy['width']} px {copy['type'].split('/')[1].upper()}" for copy in upload.variants)

    @admin.display(description="Linked from")
    def used_in(self, upload):
        users = upload.used_by()
        if not users:
            return "Nothing links to it yet."
        return format_html_join_links(users)

    def get_deleted_objects(self, objs, request):
        # An upload a post or blurb links to is "protected": Django's delete page and the bulk
        # delete action both refuse then, and list where the links are.
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        for upload in objs:
            for user in upload.used_by():
                protected.append(format_html("“{}” is linked from {}", upload, format_html_join_links([user])))
        return deleted, model_count, perms_needed, protected


def format_html_join_links(objects):
    """Links to the admin pages of posts and blurbs, comma-separated."""
    return format_html_join(
        ", ",
        '{} <a href="{}">{}</a>',
        (
            (obj._meta.verbose_name, reverse(f"admin:blog_{obj._meta.model_name}_change", args=[obj.pk]), obj)
            for obj in objects
        ),
    )
