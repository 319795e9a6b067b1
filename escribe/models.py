"""The project's own tables: what every host reads from the database rather than from its own disk."""

from django.db import models


class PagesStamp(models.Model):
    """One row: the last change readers could see, as every host's page files learn of it (escribe/page_stamp.py).

    Random tokens, compared for inequality only: a restore that brings back
    an older row is a change like any other.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    token = models.BigIntegerField(help_text="Replaced by every change: page files started under another are stale.")
    lazy_token = models.BigIntegerField(help_text="Replaced by changes pages may lag by a minute (the spam counter).")
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = "page files stamp"

    def __str__(self):
        return f"page files stamp {self.token}"


class JobClaim(models.Model):
    """One row per background job: which host runs it now, and when it last finished (escribe/jobs.py)."""

    name = models.CharField(max_length=100, primary_key=True)
    claimed_until = models.DateTimeField(help_text="The holder's lease: past it, another host may take the job.")
    last_done_at = models.DateTimeField(null=True, blank=True, help_text="When a run last finished, on any host.")
    holder = models.CharField(max_length=200, blank=True, help_text="host:pid of the last claimer.")

    class Meta:
        verbose_name = "background job claim"

    def __str__(self):
        return self.name
