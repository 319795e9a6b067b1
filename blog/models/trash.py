"""The trash of posts and pages: a deleted one is kept, as a draft nobody reads, until it is restored or emptied."""

from django.db import models
from django.utils import timezone

from blog.models.documents import Status


class TrashQuerySet(models.QuerySet):
    def in_trash(self):
        return self.filter(trashed_at__isnull=False)

    def not_in_trash(self):
        return self.filter(trashed_at__isnull=True)


class Trashable(models.Model):
    """Abstract: a post or page in the trash is a draft (a constraint in each model keeps it so) with the time
    it was trashed and the status it had; readers see a draft everywhere, and 410 Gone at its own address.

    Being a draft, not a new state, is what keeps it out of every list, feed, count and sitemap: they all
    ask published(), and the stored counts follow status changes already (blog/signals.py).
    """

    trashed_at = models.DateTimeField("in the trash since", null=True, blank=True, editable=False)
    status_before_trash = models.CharField(max_length=10, blank=True, editable=False, choices=Status.choices)

    class Meta:
        abstract = True

    @property
    def in_trash(self):
        return self.trashed_at is not None

    def move_to_trash(self, now=None):
        """Trash it through save(), so counts, the search index and page files follow; False if it was already."""
        if self.in_trash:
            return False
        self.status_before_trash, self.status = self.status, Status.DRAFT
        self.trashed_at = now or timezone.now()
        self.save()
        return True

    def restore_from_trash(self):
        """Put it back as it was: its status and its address (which it kept); False if it was not in the trash."""
        if not self.in_trash:
            return False
        self.status, self.status_before_trash = self.status_before_trash or Status.DRAFT, ""
        self.trashed_at = None
        self.save()
        return True


def trashed_is_draft(name):
    """The constraint that keeps a trashed row a draft, whatever writes it (a revision's restore, a bulk update)."""
    return models.CheckConstraint(
        condition=models.Q(trashed_at__isnull=True) | models.Q(status=Status.DRAFT),
        name=name,
        violation_error_message="What is in the trash stays a draft until it is restored.",
    )
