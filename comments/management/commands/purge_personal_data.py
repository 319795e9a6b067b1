from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import pluralize

from comments import moderation


class Command(BaseCommand):
    help = "Blank the IP address and user agent of comments older than the retention period; end their reply mail."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=settings.PERSONAL_DATA_DAYS, help="Keep the data of younger comments."
        )
        parser.add_argument("--dry-run", action="store_true", help="Say how many would be blanked; change nothing.")

    def handle(self, *args, days, dry_run, **options):
        if days < 0:
            raise CommandError(f"--days must be 0 or more, not {days}.")
        count = moderation.purge_personal_data(days=days, dry_run=dry_run)
        verb = "Would blank" if dry_run else "Blanked"
        comments, older = f"{count} comment{pluralize(count)}", f"{days} day{pluralize(days)}"
        message = f"{verb} the IP address and user agent of {comments} older than {older}."
        self.stdout.write(self.style.SUCCESS(message))
