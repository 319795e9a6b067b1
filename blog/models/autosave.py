"""Autosaves: the text the author was typing, kept on the server apart from the post itself.

An autosave never touches the post's row: the saved version, its status, the
readers' pages and the revisions stay as they were until the author saves.
"""

from django.conf import settings
from django.db import models

# The most an autosave keeps of the body or the summary, in characters (the posts of a long-running blog are
# under a tenth of this): a request that would store more is refused, and the author saves the post instead.
AUTOSAVE_MAX_CHARS = 500_000


class AutosaveQuerySet(models.QuerySet):
    def of(self, user, post=None, draft_key=""):
        """The user's autosave of a saved post, or of a post not saved yet (told apart by the form's draft key)."""
        if post is not None:
            return self.filter(author=user, post=post)
        return self.filter(author=user, post__isnull=True, draft_key=draft_key)

    def newer_than_saved(self, post, user):
        """The user's autosave of the post written after the post's last save, or None."""
        return self.filter(author=user, post=post, saved_at__gt=post.updated_at).first()

    def unsaved_drafts(self, user):
        """The user's autosaves of posts never saved, newest first."""
        return self.filter(author=user, post__isnull=True).order_by("-saved_at")


class Autosave(models.Model):
    """One per post and author (or per unsaved post's draft key), replaced at each autosave."""

    post = models.ForeignKey("Post", null=True, blank=True, on_delete=models.CASCADE, related_name="autosaves")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="autosaves")
    # Made by the add page for a post not saved yet: two unsaved posts in two tabs keep two autosaves.
    draft_key = models.CharField(max_length=64, blank=True)
    title = models.CharField(max_length=1000, blank=True)
    body = models.TextField(blank=True)
    tag_names = models.CharField(max_length=2000, blank=True)
    summary = models.TextField(blank=True)
    saved_at = models.DateTimeField()

    objects = AutosaveQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["post", "author"], condition=models.Q(post__isnull=False), name="blog_autosave_one_per_post"
            ),
            models.UniqueConstraint(
                fields=["author", "draft_key"],
                condition=models.Q(post__isnull=True),
                name="blog_autosave_one_per_draft",
            ),
        ]

    def __str__(self):
        return f"Autosave of {self.title or 'an untitled post'}"
