"""The admin's side of autosaves of posts, pages and blurbs: the endpoint the editor's script calls, the offer
on the document's page, an autosave beside the saved text, loading it into the form, and discarding it.

The script (static/js/admin-autosave.js) sends the text every ESCRIBE_AUTOSAVE_SECONDS when it changed.
Without the script nothing is autosaved, and the form works as before.
"""

import secrets
from operator import attrgetter

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
from blog.models import AUTOSAVE_MAX_CHARS, AUTOSAVED_FIELDS, Autosave, parse_tag_names

# The hidden field of an unsaved document's form naming its autosave; a GET's ?autosave= loads one into the form.
KEY_FIELD = "autosave_key"
LOAD_PARAMETER = "autosave"
TOO_LONG = f"is too long to autosave (over {AUTOSAVE_MAX_CHARS:,} characters): save the form instead."
# The compare page's rows besides the body, in this order; each kind shows those it autosaves.
LABELS = {"title": "Title", "tag_names": "Tags", "summary": "Summary"}


def new_draft_key():
    return secrets.token_urlsafe(24)


def when(autosave):
    return formats.date_format(timezone.localtime(autosave.saved_at), "DATETIME_FORMAT")


class AutosaveForm(forms.Form):
    """What the script sends: the document's id (the field named by its kind), or the unsaved one's draft key,
    and the text as typed."""

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

    def __init__(self, kind, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields[kind] = forms.IntegerField(required=False, min_value=1)

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get(self.kind) and not data.get(KEY_FIELD):
            raise forms.ValidationError(f"Neither the {self.kind} nor its draft key arrived: reload the page.")
        return data

    def message(self):
        """Every error in one line, for the script's status line."""
        return " ".join(message for errors in self.errors.values() for message in errors)


class KeepsAutosaves:
    """ModelAdmin mixin (posts, pages, blurbs): what the author types is kept as an autosave, offered again when
    newer. The kind (Autosave.Kind) is the model's name; AUTOSAVED_FIELDS says which of its form's fields are kept.
    """

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

    @property
    def kind(self):
        return Autosave.Kind(self.opts.model_name)

    def may_autosave(self, request, document):
        if document is None:
            return self.has_add_permission(request)
        return self.has_change_permission(request, document)

    def autosave_view(self, request):
        """Keep the text sent as the user's autosave of the document (replacing the last one): JSON, never a page."""
        kind = self.kind
        form = AutosaveForm(kind, request.POST)
        if not form.is_valid():
            return JsonResponse({"error": form.message()}, status=400)
        data = form.cleaned_data
        document = self.get_object(request, str(data[kind])) if data[kind] else None
        if data[kind] and document is None:
            gone = f"The {kind} is gone: it was deleted. Save the form to keep the text."
            return JsonResponse({"error": gone}, status=404)
        if not self.may_autosave(request, document):
            refused = f"You may not change this {kind}, so nothing was autosaved."
            return JsonResponse({"error": refused}, status=403)
        autosave, _ = Autosave.objects.update_or_create(
            author=request.user,
            kind=kind,
            **{kind: document},
            draft_key="" if document else data[KEY_FIELD],
            defaults={**{name: data[name] for name in AUTOSAVED_FIELDS[kind]}, "saved_at": timezone.now()},
        )
        return JsonResponse({"saved_at": autosave.saved_at.isoformat(), "when": when(autosave)})

    def loaded_autosave(self, request, document):
        """The user's autosave a GET asks to load into the form (?autosave=<id>), or None."""
        wanted = request.GET.get(LOAD_PARAMETER, "") if request.method == "GET" else ""
        # ASCII digits only, and no more than a primary key holds: "²" and "1" * 30 are no id.
        if not (wanted.isascii() and wanted.isdigit() and len(wanted) <= 18):
            return None
        found = Autosave.objects.filter(pk=wanted, author=request.user, kind=self.kind)
        return found.filter(**{self.kind: document} if document else {f"{self.kind}__isnull": True}).first()

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
                    self.initial.update({name: getattr(loaded, name) for name in loaded.fields if name in self.fields})

        return FromAutosave

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        document = self.get_object(request, unquote(object_id)) if object_id else None
        context = {"autosave_url": reverse(f"admin:{self.url_name('autosave')}")}
        context["autosave_seconds"] = settings.AUTOSAVE_SECONDS
        context["autosave_kind"] = self.kind
        context["autosave_fields"] = " ".join(AUTOSAVED_FIELDS[self.kind])
        loaded = request.autosave_loaded = self.loaded_autosave(request, document)
        context["autosave_loaded"] = loaded
        if document is not None:
            context["autosave_offer"] = None if loaded else self.offered_autosave(request, document)
        else:
            context["autosave_key"] = loaded.draft_key if loaded else request.POST.get(KEY_FIELD) or new_draft_key()
            drafts = Autosave.objects.unsaved_drafts(request.user, self.kind)
            context["autosave_drafts"] = list(drafts.exclude(draft_key=context["autosave_key"])[:5])
        return super().changeform_view(request, object_id, form_url, {**context, **(extra_context or {})})

    def offered_autosave(self, request, document):
        """The user's autosave of the document if it says something else than the saved version.

        Its time is not the test: the list's actions and edits, an import or a
        restore from the trash move the document's last change without saving the
        author's text, and saving through the form deletes the author's autosave.
        An autosave still here with other text is work nobody saved.
        """
        autosave = Autosave.objects.of(request.user, self.kind, document).first()
        # A save that crossed a last autosave on the way leaves the same text behind: nothing to offer.
        if autosave is None or same_text(saved_text(document, autosave), autosaved_text(autosave)):
            return None
        # Asked only when there is an autosave: a blurb's last save is a query of its revisions.
        saved_at = last_saved(document)
        autosave.newer = saved_at is None or autosave.saved_at > saved_at
        return autosave

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The list's editable columns (a blurb's position, a page's status) save too, without the text:
        # only a save of the change form holds what the author typed.
        if "body" not in form.fields:
            return
        # The saved version holds the author's text now: their autosave of it (or of the unsaved one) is done.
        Autosave.objects.of(request.user, self.kind, obj).delete()
        if not change and request.POST.get(KEY_FIELD):
            Autosave.objects.of(request.user, self.kind, draft_key=request.POST[KEY_FIELD]).delete()

    def autosave_compare_view(self, request, autosave_id):
        """GET: the autosave beside the saved text, with a link loading it into the form. POST: discard it."""
        # Of this admin's kind only: a page's autosave asks for the right to change pages, never posts.
        found = Autosave.objects.filter(pk=autosave_id, author=request.user, kind=self.kind)
        autosave = found.select_related(self.kind).first()
        if autosave is None:
            raise Http404
        document = autosave.document
        if not self.may_autosave(request, document):
            raise PermissionDenied
        form_url = reverse(f"admin:{self.url_name('change')}", args=[document.pk]) if document else None
        form_url = form_url or reverse(f"admin:{self.url_name('add')}")
        if request.method == "POST":
            autosave.delete()
            self.message_user(request, f"The autosave of {when(autosave)} is discarded.", messages.SUCCESS)
            return HttpResponseRedirect(form_url)
        saved, then = saved_text(document, autosave), autosaved_text(autosave)
        differences = [
            (label, saved[name], then[name]) for name, label in LABELS.items() if saved.get(name) != then.get(name)
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "object": document,
            "autosave": autosave,
            "when": when(autosave),
            "title": f"The autosave of {when(autosave)}",
            "differences": differences,
            "body_diff": revisions.body_diff(saved["body"], then["body"]),
            # What the autosave is set beside: the saved document, or the empty form of a new one.
            "saved_heading": "Saved" if document else "Empty form",
            "same": "The same as saved." if document else "The same as an empty form.",
            "form_url": form_url,
            "load_url": f"{form_url}?{LOAD_PARAMETER}={autosave.pk}",
        }
        return TemplateResponse(request, "admin/blog/autosave.html", context)


def last_saved(document):
    """When the document was last saved: its updated_at, or (a blurb keeps none) its newest revision's time."""
    if hasattr(document, "updated_at"):
        return document.updated_at
    newest = revisions.versions_of(document).first()
    return newest.revision.date_created if newest else None


# How a field that is no column of its document is read from it, and how an autosave's text of it is shown.
SAVED_READERS = {"tag_names": lambda post: revisions.tag_names([(tag.pk, tag.name) for tag in post.tags.all()])}
AUTOSAVED_READERS = {"tag_names": lambda text: revisions.tag_names(tag_pairs(text))}


# Tags are told apart ignoring case (Tag's constraint): "travel" names the tag "Travel".
FOLDED = {"tag_names": str.lower}


def saved_text(document, autosave):
    """{field: saved text} of the fields the autosave keeps; all empty for a document not saved yet."""
    if document is None:
        return dict.fromkeys(autosave.fields, "")
    return {name: SAVED_READERS.get(name, attrgetter(name))(document) for name in autosave.fields}


def autosaved_text(autosave):
    """{field: text} of the autosave, in the shape saved_text() gives."""
    return {name: AUTOSAVED_READERS.get(name, str)(getattr(autosave, name)) for name in autosave.fields}


def same_text(saved, then):
    return all(FOLDED.get(name, str)(saved[name]) == FOLDED.get(name, str)(then[name]) for name in saved)


def tag_pairs(text):
    """'Python, travel' -> [(None, 'Python'), (None, 'travel')], the shape revisions.tag_names() reads.

    Read as saving the form reads it (parse_tag_names), so the autosave is compared with what it would save.
    """
    return [(None, name) for name in parse_tag_names(text)]
