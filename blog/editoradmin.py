"""The admin's side of the Markdown editor: posts, pages and blurbs get the same script, preview and upload URLs."""

from django.core.exceptions import PermissionDenied
from django.urls import path
from django.views.decorators.http import require_POST

from blog import editor


class HasEditor:
    """ModelAdmin mixin: images dropped, pasted or chosen land at the body's cursor; a preview follows the text.

    The model admin says in preview(request, form) how the unsaved form looks to
    readers. static/js/admin-editor.js finds where to send things in the change
    form's data attributes (admin/blog/editor_change_form.html); without it the
    form saves as ever and the preview button opens the same preview in a new tab.
    """

    change_form_template = "admin/blog/editor_change_form.html"
    # Where the preview frame starts: the document itself rather than the site's header.
    preview_start = "main"

    class Media:
        js = ["js/admin-editor.js"]
        css = {"all": ["css/admin-editor.css"]}

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        preview = self.admin_site.admin_view(require_POST(self.preview_view))
        upload = self.admin_site.admin_view(editor.upload)
        return [
            path("preview/", preview, name=f"{name}_preview"),
            path("upload/", upload, name=f"{name}_upload"),
            *super().get_urls(),
        ]

    def preview_view(self, request):
        """The unsaved form as readers will see it: their own template, the same renderer, nothing saved."""
        # What the form holds is the author's unsaved text: only someone who may write it sees it rendered.
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        form = self.get_form(request)(request.POST)
        form.is_valid()  # a preview shows what it can even when a field would not validate (a slug in use, say)
        response = self.preview(request, form)
        response["X-Robots-Tag"] = "noindex"
        return response

    def preview(self, request, form):
        """A TemplateResponse: the document built from form (cleaned_data, request.POST for the raw text)."""
        raise NotImplementedError

    def render_change_form(self, request, context, *args, **kwargs):
        context["editor_preview_start"] = self.preview_start
        return super().render_change_form(request, context, *args, **kwargs)
