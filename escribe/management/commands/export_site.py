"""Export the whole public site as static files: the same pages, named as page files are (escribe/pages.py)."""

from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.test import Client
from django.test.utils import override_settings
from django.urls import get_script_prefix, set_script_prefix

from escribe import pages

# Where crawling starts; everything else is found by following links.
SEEDS = ("/", "/robots.txt", "/sitemap.xml")
NOT_FOUND_PROBE = "/this-page-does-not-exist/"


class Command(BaseCommand):
    help = "Write every public page, feed, the sitemap and the static files into DIR, for an archive or a static host."

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR", type=Path, help="An empty or missing folder.")
        parser.add_argument(
            "--base-url",
            help="Where the copy will live: https://example.org/ or https://example.org/blog/ (default: SITE_URL).",
        )
        parser.add_argument(
            "--without-comment-form",
            action="store_true",
            help="Leave out the comment form (a static host takes no POSTs).",
        )

    def handle(self, *args, directory, base_url=None, without_comment_form=False, **options):
        base = urlsplit(base_url or settings.SITE_URL)
        if base.scheme not in ("http", "https") or not base.netloc or base.query or base.fragment:
            raise CommandError(f"--base-url must be an http(s) address like https://example.org/, not {base_url!r}.")
        if directory.exists() and not directory.is_dir():
            raise CommandError(f"{directory} is a file; export into an empty or new folder.")
        if directory.exists() and any(directory.iterdir()):
            raise CommandError(f"{directory} is not empty; export into an empty or new folder.")
        directory.mkdir(parents=True, exist_ok=True)
        prefix = base.path.rstrip("/")
        overrides = {
            "ALLOWED_HOSTS": [base.hostname],
            # Canonical and OpenGraph addresses name the copy (reverse() adds the prefix).
            "SITE_URL": f"{base.scheme}://{base.netloc}",
            "STATIC_URL": f"{prefix}/static/",
            "STATIC_ROOT": str(directory / "static"),
            # Pages of the copy are not the live site's page files.
            "PAGES_DIR": "",
            "SECURE_SSL_REDIRECT": False,
        }
        if without_comment_form:
            # The blog's site settings, as the copy's pages read them (blog.site.current()).
            overrides["SITE_SETTINGS_OVERRIDES"] = {"comments_open": False}
        previous_prefix = get_script_prefix()
        # Links are made under the copy's own path (reverse() and static() both use the prefix).
        set_script_prefix(f"{prefix}/")
        try:
            with override_settings(**overrides):
                written = self._export(directory, base, prefix)
        finally:
            set_script_prefix(previous_prefix)
        self.stdout.write(self.style.SUCCESS(f"Exported {written} pages and the static files to {directory}."))

    def _export(self, directory, base, prefix):
        call_command("collectstatic", interactive=False, verbosity=0)
        copy_media(directory / settings.MEDIA_URL.strip("/"))
        secure = base.scheme == "https"
        client = Client(HTTP_HOST=base.netloc)
        written = self._crawl(client, secure, directory, base, prefix)
        not_found = client.get(NOT_FOUND_PROBE, secure=secure)
        if not_found.status_code == 404:
            # The name static hosts (GitHub Pages, Netlify, S3) serve for a missing page.
            (directory / "404.html").write_bytes(not_found.content)
        return written

    def _crawl(self, client, secure, directory, base, prefix):
        queue, seen, written = deque(SEEDS), set(SEEDS), 0
        while queue:
            path = queue.popleft()
            response = client.get(path, secure=secure)
            if response.status_code != 200:
                if response.status_code not in (301, 302, 404):
                    self.stderr.write(self.style.WARNING(f"{path}: {response.status_code}, left out"))
                continue
            content_type = response.get("Content-Type", "")
            relative = pages.file_for(path, content_type)
            if relative is None:
                self.stderr.write(self.style.WARNING(f"{path}: no file name for {content_type}, left out"))
                continue
            pages.write_file(directory, relative, response.content)
            if relative.name.startswith("index.") and relative.suffix != ".html":
                # Any static web server answers a folder's address with its
                # index.html; feed readers read the feed whatever it is called.
                pages.write_file(directory, relative.with_name("index.html"), response.content)
            written += 1
            for link in links(response.content, content_type, f"{base.scheme}://{base.netloc}{prefix}{path}"):
                own = _own_path(link, base, prefix)
                if own and own not in seen:
                    seen.add(own)
                    queue.append(own)
        return written


def links(body, content_type, page_url):
    """The addresses a page links to: href and src in HTML, <loc> and <link> in XML, Sitemap: in robots.txt."""
    text = body.decode("utf-8", errors="replace")
    kind = content_type.split(";")[0].strip()
    if kind == "text/html":
        parser = _LinkParser()
        parser.feed(text)
        return [urljoin(page_url, link) for link in parser.links]
    if kind.endswith("xml"):
        found = []
        for element in ElementTree.fromstring(body).iter():
            name = element.tag.rsplit("}", 1)[-1]
            if name == "loc" and element.text:
                found.append(element.text.strip())
            elif name == "link":
                found.append(element.get("href") or (element.text or "").strip())
        return [urljoin(page_url, link) for link in found if link]
    if kind == "text/plain":
        return [line.split(":", 1)[1].strip() for line in text.splitlines() if line.lower().startswith("sitemap:")]
    return []


class _LinkParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def _own_path(url, base, prefix):
    """The path (without the base's own path) of a link to a GET-able page of this site, else None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.netloc != base.netloc or parts.query:
        return None
    path = parts.path
    if prefix:
        if not path.startswith(prefix + "/"):
            return None
        path = path[len(prefix) :]
    if path.startswith(("/static/", "/admin/", settings.MEDIA_URL)) or path.endswith("/comment/"):
        return None  # files come from collectstatic and copy_media; the rest is not for readers to GET
    return path


def copy_media(target, folder=""):
    """Copy every stored upload into target, through the storage API (the uploads may live in an object store)."""
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return  # nothing was ever uploaded
    for name in files:
        target.mkdir(parents=True, exist_ok=True)
        with default_storage.open(f"{folder}{name}", "rb") as stored, open(target / name, "wb") as copy:
            for chunk in stored.chunks():
                copy.write(chunk)
    for sub in folders:
        copy_media(target / sub, f"{folder}{sub}/")
