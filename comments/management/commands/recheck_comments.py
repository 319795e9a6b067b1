from datetime import timedelta

from django.core.management.base import BaseCommand
from django.template.defaultfilters import pluralize
from django.utils import timezone

from comments import moderation
from escribe import jobs

# After Akismet rejects the key, wait this long before trying again: every
# call would fail the same way until the author fixes the configuration.
INVALID_KEY_BACKOFF = timedelta(hours=1)
# Held in the job table, not the cache: each host's cache is its own, so
# with several hosts each would spend its own call on the bad key.
BACKOFF_JOB = "recheck_comments:invalid-key"


class Command(BaseCommand):
    help = "Ask Akismet again about pending comments whose check failed or never finished (run from a timer)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=moderation.RECHECK_BATCH, help="At most this many (100).")
        parser.add_argument("--force", action="store_true", help="Ignore the back-off after an invalid key.")

    def handle(self, *args, limit, force, **options):
        if not force and jobs.held(BACKOFF_JOB):
            self.stdout.write(
                self.style.WARNING("Akismet rejected the API key recently; not retrying yet (use --force).")
            )
            return
        checked, failure = moderation.recheck(limit=limit, log=self.stdout.write)
        if failure is None:
            # Akismet answered (or there was nothing to ask): a key fixed since the last run is good again.
            if jobs.held(BACKOFF_JOB):
                jobs.hold(BACKOFF_JOB, timezone.now())
            self.stdout.write(self.style.SUCCESS(f"Rechecked {checked} comment{pluralize(checked)}."))
            return
        if failure.invalid_key:
            jobs.hold(BACKOFF_JOB, timezone.now() + INVALID_KEY_BACKOFF)
            self.stdout.write(self.style.ERROR("Akismet rejected the API key or blog URL; backing off for an hour."))
        rechecked = f"Rechecked {checked} comment{pluralize(checked)}"
        self.stdout.write(self.style.WARNING(f"{rechecked}, then stopped at the first failure."))
