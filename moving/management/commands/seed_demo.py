"""The demo blog in demo/ for a fresh database, through import_markdown's code: `make run` calls this every time."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from blog.frontmatter import FrontMatterError
from blog.models import Post
from comments.models import Comment, CommentEvent, SpamReport
from moving import demo, site_file
from moving.management.commands.import_markdown import print_report
from moving.markdown.folder import ImportProblem, read_folder
from moving.markdown.importer import import_folder


def default_source():
    """The demo folder at the repository's root."""
    return Path(settings.BASE_DIR) / "demo"


class Command(BaseCommand):
    help = (
        "Fill an empty database (no posts) with demo/ as import_markdown would, every date moved by now minus as_of "
        "in demo/blog.yaml: spacing kept, the newest post two days old, one still scheduled."
    )

    def add_arguments(self, parser):
        parser.add_argument("--author", metavar="USERNAME", help="Attribute the posts to this user, if it exists.")
        parser.add_argument("--from", dest="source", metavar="DIR", type=Path, help="The demo folder (default: demo/).")
        parser.add_argument("--dry-run", action="store_true", help="Report what would be created and create nothing.")

    def handle(self, *args, author=None, source=None, dry_run=False, verbosity=1, **options):
        # A blog with posts is somebody's: the demo is for an empty database only, loaded once.
        if Post.objects.exists():
            if not dry_run and demo.recognise_folder(source or default_source()):
                self.stdout.write("Recognised the demo content an earlier make run loaded.")
            if demo.present():
                self.stdout.write("Demo content is here (manage.py remove_demo takes it away).")
            else:
                self.stdout.write(self.style.NOTICE("Posts already exist; seed_demo left the database alone."))
            return
        if demo.removed():
            # `make run` calls this every time: an author who removed the demo keeps an empty blog.
            self.stdout.write("The demo was removed from this database (remove_demo); seed_demo loads it no more.")
            return
        source = source or default_source()
        try:
            folder = read_folder(source)
        except (FrontMatterError, OSError, UnicodeDecodeError) as error:
            raise CommandError(str(error)) from error
        if not folder.own_format or folder.as_of is None:
            raise CommandError(f"{source}: not a demo folder (its blog.yaml must give as_of, when its dates are for).")
        folder.site = demo.unchosen(folder.site)
        if CommentEvent.objects.exists() or Comment.objects.exists():
            # Comments the moderator deleted (their history stays) must not come back with the demo.
            folder.comments = {}

        user = None
        if author:
            user = get_user_model().objects.filter(username=author).first()
            if user is None:
                self.stdout.write(self.style.WARNING(f"No user {author!r}; the demo posts have no author."))
        try:
            # The load and the record of what it brought (for remove_demo) stand or fall together.
            with transaction.atomic():
                before, spam_before, site_before = demo.snapshot(), SpamReport.current(), site_file.values()
                report = import_folder(folder, dry_run=dry_run, shift=timezone.now() - folder.as_of, author=user)
                if not dry_run:
                    demo.record(before, spam_before, site_before)
        except ImportProblem as error:
            raise CommandError(str(error)) from error
        print_report(self, report, verbosity - 1)  # the demo's every line is noise at the default verbosity
        if dry_run:
            self.stdout.write(self.style.SUCCESS(f"Dry run, nothing changed: would have {source}: {report.summary()}."))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo content loaded from {_shown(source)} ({report.summary()}); "
                    "manage.py remove_demo takes it away."
                )
            )


def _shown(path):
    """The folder as the author would type it: relative to the project when it is inside it."""
    base = Path(settings.BASE_DIR)
    path, base = path.resolve(), base.resolve()
    return path.relative_to(base) if path.is_relative_to(base) else path
