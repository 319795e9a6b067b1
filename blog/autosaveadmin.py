"""The admin's side of autosaves: the endpoint the editor's script calls, the offer on the post's page, an
autosave beside the saved text, loading it into the form, and discarding it.

The script (static/js/admin-autosave.js) sends the text every ESCRIBE_AUTOSAVE_SECONDS when it changed.
Without the script nothing is autosaved, and the form works as before.
"""

import secrets

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.views.decorators.http import require_POST

from blog import revisions
from blog.models import AUTOSAVE_MAX_CHARS, Autosave

# The hidden field of an unsaved post's form naming its autosave; a GET's ?autosave= loads one into the form.
KEY_FIELD = "autosave_key"
LOAD_PARAMETER = "autosave"
TEXT_FIELDS = ["title", "body", "tag_names", "summary"]
TOO_LONG = f"is too long to autosave (over {AUTOSAVE_MAX_CHARS:,} characters): save the post instead."


def new_draft_key():
    return secrets.token_urlsafe(24)


def when(autosave):
    return formats.date_format(timezone.localtime(autosave.saved_at), "DATETIME_FORMAT")


class AutosaveForm(forms.Form):
    """What the script sends: the post's id, or the unsaved post's draft key, and the text as typed."""

    post = forms.IntegerField(required=False, min_value=1)
    autosave_key = forms.RegexField(
        regex=r"^[\w-]{16,64}$", required=False, error_messages={"invalid": "The draft key is not one this site made."}
    )
    title = forms.CharField(
        required=False, strip=False, max_length=1000, error_messages={"max_length": f"The title {TOO_LONG}"}
    )
    body = forms.CharField(
        required=False,
        strip=False,
        max_length=AUTOSAVE_MAX_CHARS,
        error_messages={"max_length": f"The body {TOO_LONG}"},
    )
    tag_names = forms.CharField(
        required=False, max_length=2000, error_messages={"max_length": f"The tags' text {TOO_LONG}"}
    )
    summary = forms.CharField(
        required=False,
        strip=False,
        max_length=AUTOSAVE_MAX_CHARS,
        error_messages={"max_length": f"The summary {TOO_LONG}"},
    )

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("post") and not data.get(KEY_FIELD):
            raise forms.ValidationError("Neither the post nor its draft key arrived: reload the page.")
        return data

    def message(self):
        """Every error in one line, for the script's status line."""
        return " ".join(message for errors in self.errors.values() for message in errors)


class KeepsAutosaves:
    """ModelAdmin mixin (posts): what the author types is kept as an autosave, offered again when newer."""

    @property
    def media(self):
        # The script that sends the autosaves and warns before leaving unsaved changes; the form works without it.
        return super().media + forms.Media(js=["js/admin-autosave.js"])

    def get_urls(self):
        endpoint = self.admin_site.admin_view(require_POST(self.autosave_view))
        compare = self.admin_site.admin_view(self.autosave_compare_view)
        return [
            path("autosave/", endpoint, name=self.url_name("autosave")),
            path("autosaves/<int:autosave_id>/", compare, name=self.url_name("autosave_compare")),
            *super().get_urls(),
        ]

    def url_name(self, view):
        return f"{self.opts.app_label}_{self.opts.model_name}_{view}"

    def may_autosave(self, request, post):
        if post is None:
            return self.has_add_permission(request)
        return self.has_change_permission(request, post)

    def autosave_view(self, request):
        """Keep the text sent as the user's autosave of the post (replacing the last one): JSON, never a page."""
        form = AutosaveForm(request.POST)
        if not form.is_valid():
            return JsonResponse({"error": form.message()}, status=400)
        data = form.cleaned_data
        post = self.get_object(request, str(data["post"])) if data["post"] else None
        if data["post"] and post is None:
            gone = "The post is gone: it was deleted. Save the form to keep the text."
            return JsonResponse({"error": gone}, status=404)
        if not self.may_autosave(request, post):
            return JsonResponse({"error": "You may not change this post, so nothing was autosaved."}, status=403)
        autosave, _ = Autosave.objects.update_or_create(
            author=request.user,
            post=post,
            draft_key="" if post else data[KEY_FIELD],
            defaults={**{name: data[name] for name in TEXT_FIELDS}, "saved_at": timezone.now()},
        )
        return JsonResponse({"saved_at": autosave.saved_at.isoformat(), "when": when(autosave)})

    def loaded_autosave(self, request, post):
        """The user's autosave a GET asks to load into the form (?autosave=<id>), or None."""
        wanted = request.GET.get(LOAD_PARAMETER, "") if request.method == "GET" else ""
        # ASCII digits only, and no more than a primary key holds: "²" and "1" * 30 are no id.
        if not (wanted.isascii() and wanted.isdigit() and len(wanted) <= 18):
            return None
        found = Autosave.objects.filter(pk=wanted, author=request.user)
        return found.filter(post=post).first() if post else found.filter(post__isnull=True).first()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        loaded = getattr(request, "autosave_loaded", None)
        if loaded is None:
            return form

        class FromAutosave(form):
            """The form as saved, with the autosave's text in place of the saved text: nothing is saved yet."""

            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                if not self.is_bound:
                    self.initial.update({name: getattr(loaded, name) for name in TEXT_FIELDS if name in self.fields})

        return FromAutosave

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        post = self.get_object(request, unquote(object_id)) if object_id else None
        context = {"autosave_url": reverse(f"admin:{self.url_name('autosave')}")}
        context["autosave_seconds"] = settings.AUTOSAVE_SECONDS
        loaded = request.autosave_loaded = self.loaded_autosave(request, post)
        context["autosave_loaded"] = loaded
        if post is not None:
            context["autosave_offer"] = None if loaded else self.offered_autosave(request, post)
        else:
            context["autosave_key"] = loaded.draft_key if loaded else request.POST.get(KEY_FIELD) or new_draft_key()
            drafts = Autosave.objects.unsaved_drafts(request.user).exclude(draft_key=context["autosave_key"])
            context["autosave_drafts"] = list(drafts[:5])
        return super().changeform_view(request, object_id, form_url, {**context, **(extra_context or {})})

    def offered_autosave(self, request, post):
        """The user's autosave of the post if it is newer than the post's last save and says something else."""
        autosave = Autosave.objects.newer_than_saved(post, request.user)
        if autosave is None:
            return None
        saved = revisions.tag_names([(tag.pk, tag.name) for tag in post.tags.all()])
        same = [autosave.title, autosave.body, autosave.summary] == [post.title, post.body, post.summary]
        # A save that crossed a last autosave on the way leaves the same text behind: nothing to offer.
        # Tags are told apart ignoring case (Tag's constraint): "travel" names the tag "Travel".
        same_tags = revisions.tag_names(tag_pairs(autosave.tag_names)).lower() == saved.lower()
        return None if same and same_tags else autosave

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The saved version holds the author's text now: their autosave of it (or of the unsaved post) is done.
        Autosave.objects.of(request.user, obj).delete()
        if not change and request.POST.get(KEY_FIELD):
            Autosave.objects.of(request.user, draft_key=request.POST[KEY_FIELD]).delete()

    def autosave_compare_view(self, request, autosave_id):
        """GET: the autosave beside the saved text, with a link loading it into the form. POST: discard it."""
        autosave = Autosave.objects.filter(pk=autosave_id, author=request.user).select_related("post").first()
        if autosave is None:
            raise Http404
        post = autosave.post
        if not self.may_autosave(request, post):
            raise PermissionDenied
        form_url = reverse(f"admin:{self.url_name('change')}", args=[post.pk]) if post else None
        form_url = form_url or reverse(f"admin:{self.url_name('add')}")
        if request.method == "POST":
            autosave.delete()
            self.message_user(request, f"The autosave of {when(autosave)} is discarded.", messages.SUCCESS)
            return HttpResponseRedirect(form_url)
        saved = {"title": "", "body": "", "summary": "", "tag_names": ""}
        if post is not None:
            saved = {"title": post.title, "body": post.body, "summary": post.summary}
            saved["tag_names"] = revisions.tag_names([(tag.pk, tag.name) for tag in post.tags.all()])
        differences = [
            (label, saved[name], value)
            for label, name, value in [
                ("Title", "title", autosave.title),
                ("Tags", "tag_names", revisions.tag_names(tag_pairs(autosave.tag_names))),
                ("Summary", "summary", autosave.summary),
            ]
            if saved[name] != value
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "object": post,
            "autosave": autosave,
            "when": when(autosave),
            "title": f"The autosave of {when(autosave)}",
            "differences": differences,
            "body_diff": revisions.body_diff(saved["body"], autosave.body),
            "form_url": form_url,
            "load_url": f"{form_url}?{LOAD_PARAMETER}={autosave.pk}",
        }
        return TemplateResponse(request, "admin/blog/autosave.html", context)


def tag_pairs(text):
    """'Python, travel' -> [(None, 'Python'), (None, 'travel')], the shape revisions.tag_names() reads."""
    return [(None, name) for name in (" ".join(part.split()) for part in text.split(",")) if name]
