"""manage.py export_markdown DIR: the whole blog as Markdown files with front matter, which import_markdown reads."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from moving.markdown.exporter import export_folder


class Command(BaseCommand):
    help = "Write every post (YYYY-MM-DD-slug.md), the tags, blurbs, pages and spam counter into an empty folder."

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR", type=Path, help="An empty or missing folder.")
        parser.add_argument("--with-comments", action="store_true", help="Each post's comments beside it, as YAML.")
        parser.add_argument(
            "--with-emails",
            action="store_true",
            help="Commenters' email addresses and the comment-notification address too (with --with-comments).",
        )
        parser.add_argument("--dry-run", action="store_true", help="List the files and write nothing.")

    def handle(self, *args, directory, with_comments=False, with_emails=False, dry_run=False, verbosity=1, **options):
        if with_emails and not with_comments:
            raise CommandError("--with-emails needs --with-comments: the addresses are in the comments' files.")
        if directory.exists() and not directory.is_dir():
            raise CommandError(f"{directory} is a file; export into an empty or new folder.")
        if directory.is_dir() and any(directory.iterdir()):
            # Files of posts deleted since an earlier export would come back on the next import.
            raise CommandError(f"{directory} is not empty; export into an empty or new folder.")
        try:
            paths = export_folder(directory, with_comments=with_comments, with_emails=with_emails, dry_run=dry_run)
        except OSError as error:
            raise CommandError(f"Cannot write into {directory}: {error}") from error
        if verbosity >= 1:
            self.stdout.write("\n".join(str(path) for path in paths))
        verb = "Would write" if dry_run else "Wrote"
        self.stdout.write(self.style.SUCCESS(f"{verb} {len(paths)} files into {directory}."))
