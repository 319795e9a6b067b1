import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from moving.wordpress import attachments
from moving.wordpress.importer import import_wxr
from moving.wordpress.reader import WxrError, parse


class Command(BaseCommand):
    help = (
        "Imports a WordPress export (WXR): posts, pages, tags, comments, redirects from the old addresses, "
        "and with --uploads its attachments as uploads."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The WXR file (Tools > Export in WordPress).")
        parser.add_argument("--author", metavar="USERNAME", help="The posts' author (default: the only superuser).")
        parser.add_argument("--dry-run", action="store_true", help="Report what would be imported; write nothing.")
        parser.add_argument(
            "--uploads", metavar="DIR",
            help="A copy of the old blog's wp-content/uploads folder: attachments found there become uploads, "
            "and the posts' links to them are rewritten. Without it attachments are listed as skipped.",
        )  # fmt: skip

    def handle(self, *args, file, author, dry_run, uploads=None, **options):
        user = self.author(author)
        if uploads is not None and not os.path.isdir(uploads):
            raise CommandError(f"--uploads {uploads}: no such folder (a copy of the old wp-content/uploads).")
        try:
            export = parse(file)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}.") from None
        except WxrError as error:
            raise CommandError(str(error)) from None
        try:
            report = import_wxr(export, user, dry_run=dry_run, uploads_dir=uploads)
        except WxrError as error:
            raise CommandError(f"{file}: {error} Nothing was imported.") from None
        except DatabaseError as error:
            raise CommandError(f"The database refused the import, so nothing was imported: {error}") from None
        self.print_report(report, export, file, dry_run)

    def author(self, username):
        users = get_user_model().objects
        if username:
            user = users.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user is called {username!r}; name an existing one with --author.")
            return user
        superusers = list(users.filter(is_superuser=True)[:2])
        if len(superusers) != 1:
            count = "no superuser" if not superusers else "several superusers"
            raise CommandError(f"There is {count}: name the posts' author with --author USERNAME.")
        return superusers[0]

    def print_report(self, report, export, file, dry_run):
        created, updated, unchanged = report.created, report.updated, report.unchanged
        # Imported before replies were kept, and put in their threads now.
        threaded = f", {updated['comments']} of them put in their threads" if updated["comments"] else ""
        self.stdout.write(
            f"Posts: {created['posts']} created, {updated['posts']} updated, {unchanged['posts']} unchanged.\n"
            f"Pages: {created['pages']} created, {updated['pages']} updated, {unchanged['pages']} unchanged.\n"
            f"Comments: {created['comments']} created ({report.spam} spam, counted), "
            f"{unchanged['comments']} already imported{threaded}.\n"
            f"Tags: {created['tags']} created.\n"
            f"Redirects from old addresses: {created['redirects']} created, {updated['redirects']} updated."
        )
        self.stdout.write(attachments.summary(report.uploads))
        # First what only the author can settle: posts and pages WordPress kept from the public.
        for heading, lines in [
            ("Needs your decision", report.decisions),
            ("Skipped", report.skipped),
            ("To look at", report.notes),
        ]:
            if lines:
                self.stdout.write(f"{heading} ({len(lines)}):")
                for line in lines:
                    self.stdout.write(f"  {line}")
        source = f"{file} (WXR {export.version or 'of unknown version'}, {export.site or 'no site address'})"
        if dry_run:
            self.stdout.write(self.style.SUCCESS(f"Dry run of {source}: nothing was written."))
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported {source}."))
