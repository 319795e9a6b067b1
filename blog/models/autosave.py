"""Autosaves: the text the author was typing, kept on the server apart from the post, page or blurb itself.

An autosave never touches the document's row: the saved version, its status, the
readers' pages and the revisions stay as they were until the author saves.
"""

from django.conf import settings
from django.db import models

# The most an autosave keeps of the body or the summary, in characters (the posts of a long-running blog are
# under a tenth of this): a request that would store more is refused, and the author saves the document instead.
AUTOSAVE_MAX_CHARS = 500_000


class Kind(models.TextChoices):
    """The kind of document autosaved; each kind's value is the name of its foreign key."""

    POST = "post", "post"
    PAGE = "page", "page"
    BLURB = "blurb", "blurb"


# What each kind's form has that an autosave keeps: the fields of the same name below. The others stay empty.
AUTOSAVED_FIELDS = {
    Kind.POST: ("title", "body", "tag_names", "summary"),
    Kind.PAGE: ("title", "body"),
    Kind.BLURB: ("title", "body"),
}

# No document: an autosave of one never saved, told apart by its form's draft key.
NO_DOCUMENT = models.Q(post__isnull=True, page__isnull=True, blurb__isnull=True)


class AutosaveQuerySet(models.QuerySet):
    def of(self, user, kind, document=None, draft_key=""):
        """The user's autosave of a saved document, or of one of the kind not saved yet (by the form's draft key)."""
        if document is not None:
            return self.filter(author=user, kind=kind, **{kind: document})
        return self.filter(NO_DOCUMENT, author=user, kind=kind, draft_key=draft_key)

    def unsaved_drafts(self, user, kind):
        """The user's autosaves of documents of the kind never saved, newest first."""
        return self.filter(NO_DOCUMENT, author=user, kind=kind).order_by("-saved_at")


def one_document_of_its_kind():
    """At most one document, and of the autosave's kind: a page's autosave never points at a post."""
    return models.CheckConstraint(
        condition=models.Q(kind=Kind.POST, page__isnull=True, blurb__isnull=True)
        | models.Q(kind=Kind.PAGE, post__isnull=True, blurb__isnull=True)
        | models.Q(kind=Kind.BLURB, post__isnull=True, page__isnull=True),
        name="blog_autosave_one_document_of_its_kind",
    )


def one_per_document(kind):
    return models.UniqueConstraint(
        fields=[kind, "author"], condition=models.Q(**{f"{kind}__isnull": False}), name=f"blog_autosave_one_per_{kind}"
    )


class Autosave(models.Model):
    """One per document and author (or per unsaved document's draft key), replaced at each autosave.

    A foreign key per kind rather than a generic relation: the database keeps each one pointing at a row that
    exists and deletes the autosave with its document, whoever deletes it (the trash emptied by a command,
    a blurb deleted in the admin). Moving a post or page to the trash deletes nothing, so its autosave stays.
    """

    Kind = Kind

    kind = models.CharField(max_length=10, choices=Kind.choices)
    post = models.ForeignKey("Post", null=True, blank=True, on_delete=models.CASCADE, related_name="autosaves")
    page = models.ForeignKey("Page", null=True, blank=True, on_delete=models.CASCADE, related_name="autosaves")
    blurb = models.ForeignKey("Blurb", null=True, blank=True, on_delete=models.CASCADE, related_name="autosaves")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="autosaves")
    # Made by the add page for a document not saved yet: two unsaved posts in two tabs keep two autosaves.
    draft_key = models.CharField(max_length=64, blank=True)
    title = models.CharField(max_length=1000, blank=True)
    body = models.TextField(blank=True)
    tag_names = models.CharField(max_length=2000, blank=True)
    summary = models.TextField(blank=True)
    saved_at = models.DateTimeField()

    objects = AutosaveQuerySet.as_manager()

    class Meta:
        constraints = [
            one_document_of_its_kind(),
            *(one_per_document(kind) for kind in Kind),
            models.UniqueConstraint(
                fields=["author", "kind", "draft_key"], condition=NO_DOCUMENT, name="blog_autosave_one_per_draft"
            ),
        ]

    def __str__(self):
        return f"Autosave of {self.title or f'an untitled {self.kind}'}"

    @property
    def document(self):
        """The post, page or blurb autosaved, or None before its first save."""
        return getattr(self, self.kind)

    @property
    def fields(self):
        return AUTOSAVED_FIELDS[self.kind]
