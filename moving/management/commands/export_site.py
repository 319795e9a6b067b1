"""manage.py export_site DIR: the whole public site as static files (the crawler is moving/static_site/)."""

from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from moving.static_site.export import export_site
from moving.static_site.stand_ins import checked_email, checked_search_engine


class Command(BaseCommand):
    help = "Write every public page, feed, the sitemap and the static files into DIR, for an archive or a static host."

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR", type=Path, help="An empty or missing folder.")
        parser.add_argument(
            "--base-url",
            help="Where the copy will live: https://example.org/ or https://example.org/blog/ (default: SITE_URL).",
        )
        parser.add_argument(
            "--comments-email",
            metavar="ADDRESS",
            help="Under each post open to comments, a mailto: link to ADDRESS (subject: the post's title) "
            "instead of the line saying comments are closed on this copy.",
        )
        parser.add_argument(
            "--search-engine",
            metavar="URL",
            help="The search box asks this engine (a GET form with q= and sites=HOST, as https://duckduckgo.com/ "
            "takes them) about the copy's host only; without it the copy has no search box.",
        )
        parser.add_argument(
            "--without-comment-form",
            action="store_true",
            help="Accepted for older scripts; the copy never has a comment form now (a static host takes no POSTs).",
        )

    def handle(self, *args, directory, base_url=None, comments_email=None, search_engine=None, **options):
        base = urlsplit(base_url or settings.SITE_URL)
        if base.scheme not in ("http", "https") or not base.netloc or base.query or base.fragment:
            raise CommandError(f"--base-url must be an http(s) address like https://example.org/, not {base_url!r}.")
        try:
            comments_email = checked_email(comments_email) if comments_email is not None else ""
            search_engine = checked_search_engine(search_engine, base.netloc) if search_engine is not None else ""
        except ValueError as error:
            raise CommandError(str(error)) from None
        if directory.exists() and not directory.is_dir():
            raise CommandError(f"{directory} is a file; export into an empty or new folder.")
        if directory.exists() and any(directory.iterdir()):
            raise CommandError(f"{directory} is not empty; export into an empty or new folder.")
        directory.mkdir(parents=True, exist_ok=True)
        written = export_site(
            directory,
            base,
            comments_email=comments_email,
            search_engine=search_engine,
            warn=lambda message: self.stderr.write(self.style.WARNING(message)),
        )
        self.stdout.write(self.style.SUCCESS(f"Exported {written} pages and the static files to {directory}."))
