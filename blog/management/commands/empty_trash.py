from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import pluralize

from blog import trash


class Command(BaseCommand):
    help = "Deletes for good the posts and pages in the trash for longer than --days (ESCRIBE_TRASH_DAYS, 30)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help=f"Default: {settings.TRASH_DAYS}; 0 empties it.")

    def handle(self, *args, days=None, **options):
        if days is not None and days < 0:
            raise CommandError("--days must be 0 or more.")
        posts, pages = trash.empty(days)
        self.stdout.write(f"Deleted {posts} post{pluralize(posts)} and {pages} page{pluralize(pages)} from the trash.")
