"""Sidebar blurbs: the blocks the author edits beside every page."""

from django.db import models
from django.utils.text import slugify

from blog.models.documents import MarkdownDocument


class BlurbQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(visible=True)


class Blurb(MarkdownDocument):
    """A sidebar block the author edits: About Me, Book, Colophon..."""

    title = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField(default=0)
    visible = models.BooleanField(default=True)

    objects = BlurbQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]

    def heading_id_prefix(self, field):
        return f"blurb-{slugify(self.title)}"
