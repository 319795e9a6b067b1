"""manage.py import_markdown DIR: bring in a blog as Markdown files (E-Scribe's own, Jekyll, Octopress, Hugo)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from blog.frontmatter import FrontMatterError
from moving.markdown.folder import ImportProblem, read_folder
from moving.markdown.importer import import_folder


class Command(BaseCommand):
    help = "Import posts, tags, blurbs, pages, comments and the spam counter from a Markdown folder; idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "directory", metavar="DIR", type=Path, help="An export_markdown folder, or Jekyll, Octopress or Hugo posts."
        )
        parser.add_argument("--dry-run", action="store_true", help="Report what would change and change nothing.")
        parser.add_argument("--author", metavar="USERNAME", help="Attribute new posts to this user.")

    def handle(self, *args, directory, dry_run=False, author=None, verbosity=1, **options):
        user = None
        if author:
            user = get_user_model().objects.filter(username=author).first()
            if user is None:
                raise CommandError(f"No user {author!r}; create it first or leave out --author.")
        try:
            report = import_folder(read_folder(directory), dry_run=dry_run, author=user)
        except (FrontMatterError, ImportProblem, OSError, UnicodeDecodeError) as error:
            problems = str(error).splitlines()
            if len(problems) > 1:
                # Every problem of the folder, one a line, so the author fixes them all before the next run.
                lines = [f"{len(problems)} problems:", *problems, "Nothing was imported."]
                raise CommandError("\n".join(lines)) from error
            raise CommandError(f"{error} Nothing was imported.") from error
        print_report(self, report, verbosity)
        prefix = "Dry run, nothing changed: would have" if dry_run else "Imported from"
        self.stdout.write(self.style.SUCCESS(f"{prefix} {directory}: {report.summary()}."))


def print_report(command, report, verbosity):
    """Each created, updated or skipped thing and why (verbosity 1 and up), then the notes."""
    if verbosity >= 1:
        for action, what, why in report.lines:
            command.stdout.write(f"{action} {what}" + (f" ({why})" if why else ""))
    for line in report.renamed:
        command.stdout.write(command.style.WARNING(f"renamed: {line}"))
    for note in report.notes:
        command.stderr.write(command.style.WARNING(note))
