"""The site settings' one admin page: no list, no "add" once the row exists, no delete."""

import zoneinfo
from functools import partial

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse

from blog.site import SiteSettings, first_values


class SiteSettingsForm(forms.ModelForm):
    class Meta:
        model = SiteSettings
        fields = ["title", "tagline", "description", "author_name", "footer", "posts_per_page", "feed_length",
                  "language", "time_zone", "comments_open", "comments_close_after_days", "notify_email",
                  "share_image", "share_image_url", "custom_css"]  # fmt: skip
        widgets = {
            "language": forms.Select(choices=settings.LANGUAGES),
            "time_zone": forms.Select(choices=lambda: [(z, z) for z in sorted(zoneinfo.available_timezones())]),
            "description": forms.Textarea(attrs={"rows": 3}),
            # Code, not prose: no spellchecker underlining every selector.
            "custom_css": forms.Textarea(attrs={"rows": 20, "class": "vLargeTextField", "spellcheck": "false"}),
        }
        field_classes = {"share_image_url": partial(forms.URLField, assume_scheme="https")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A CharField gives its widget maxlength, an <input>'s attribute: on a <select> it is invalid HTML.
        for name in ("language", "time_zone"):
            self.fields[name].widget.attrs.pop("maxlength", None)


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    form = SiteSettingsForm
    raw_id_fields = ["share_image"]
    fieldsets = [
        ("The blog", {"fields": ["title", "tagline", "description", "author_name", "footer"]}),
        ("Reading", {"fields": ["posts_per_page", "feed_length", "language", "time_zone"]}),
        ("Comments", {"fields": ["comments_open", "comments_close_after_days", "notify_email"]}),
        ("Sharing", {"fields": ["share_image", "share_image_url"]}),
        # "monospace": the admin's own class for a fieldset of code (its forms.css sets the font).
        ("Appearance", {"fields": ["custom_css"], "classes": ["monospace"]}),
    ]

    def has_add_permission(self, request):
        # Only when the row is missing (a flushed database): one page, never a second row.
        return super().has_add_permission(request) and not SiteSettings.objects.exists()

    def get_changeform_initial_data(self, request):
        # The add page (a flushed database) starts from what a new database would hold, not from blank fields.
        return {**first_values(), **super().get_changeform_initial_data(request)}

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if SiteSettings.objects.filter(pk=1).exists():
            return HttpResponseRedirect(reverse("admin:blog_sitesettings_change", args=[1]))
        return HttpResponseRedirect(reverse("admin:blog_sitesettings_add"))

    def response_add(self, request, obj, post_url_continue=None):
        return self._saved(request)

    def response_change(self, request, obj):
        return self._saved(request)

    def _saved(self, request):
        # In place of Django's "The site settings “Site settings” was changed successfully."
        self.message_user(request, "Saved: every page shows the new settings from now on.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:blog_sitesettings_change", args=[1]))
