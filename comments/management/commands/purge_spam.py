from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import pluralize

from comments import moderation


class Command(BaseCommand):
    help = "Delete spam comments older than the retention period; the spam counter is not lowered."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=settings.SPAM_RETENTION_DAYS, help="Keep spam younger than this."
        )
        parser.add_argument("--dry-run", action="store_true", help="Say what would be deleted; delete nothing.")

    def handle(self, *args, days, dry_run, **options):
        # A negative retention would reach into the future and delete every spam comment, however young.
        if days < 0:
            raise CommandError(f"--days must be 0 or more, not {days}.")
        count = moderation.purge_spam(days=days, dry_run=dry_run)
        verb = "Would delete" if dry_run else "Deleted"
        comments, older = f"{count} spam comment{pluralize(count)}", f"{days} day{pluralize(days)}"
        self.stdout.write(self.style.SUCCESS(f"{verb} {comments} older than {older}."))
