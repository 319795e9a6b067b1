"""Write the copy: the site's own pages, rendered for the copy's address, plus the static files and uploads."""

import copy

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings
from django.urls import get_script_prefix, set_script_prefix

from moving.static_site.crawl import crawl
from moving.static_site.stand_ins import StaticCopy

NOT_FOUND_PROBE = "/this-page-does-not-exist/"
CONTEXT_PROCESSOR = "moving.static_site.stand_ins.context"


def export_site(directory, base, *, comments_email="", search_engine="", warn=print):
    """Write every public page of the site into directory (empty) as base (urlsplit) names them; returns the count."""
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
        "STATIC_COPY": StaticCopy(
            comments_email=comments_email,
            search_engine=search_engine,
            search_site=base.hostname if search_engine else "",
        ),
        "TEMPLATES": _with_copy_context(settings.TEMPLATES),
    }
    previous_prefix = get_script_prefix()
    # Links are made under the copy's own path (reverse() and static() both use the prefix).
    set_script_prefix(f"{prefix}/")
    try:
        with override_settings(**overrides):
            call_command("collectstatic", interactive=False, verbosity=0)
            if settings.MEDIA_URL.startswith("/"):
                copy_media(directory / settings.MEDIA_URL.strip("/"))
            else:
                # The pages link to the store's absolute addresses, which serve the copy as well as the blog.
                warn(f"Uploads are not copied: the pages link to them in the object store at {settings.MEDIA_URL}")
            secure = base.scheme == "https"
            client = Client(HTTP_HOST=base.netloc)
            written = crawl(client, secure, directory, base, prefix, warn)
            not_found = client.get(NOT_FOUND_PROBE, secure=secure)
            if not_found.status_code == 404:
                # The name static hosts (GitHub Pages, Netlify, S3) serve for a missing page.
                (directory / "404.html").write_bytes(not_found.content)
    finally:
        set_script_prefix(previous_prefix)
    return written


def _with_copy_context(templates):
    """TEMPLATES with stand_ins.context added to Django's engine, so every page of the copy knows it is one."""
    templates = copy.deepcopy(templates)
    for engine in templates:
        if engine["BACKEND"] == "django.template.backends.django.DjangoTemplates":
            engine.setdefault("OPTIONS", {}).setdefault("context_processors", []).append(CONTEXT_PROCESSOR)
    return templates


def copy_media(target, folder=""):
    """Copy every stored upload into target, through the storage API (the uploads may live in an object store)."""
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return  # nothing was ever uploaded
    for name in files:
        target.mkdir(parents=True, exist_ok=True)
        with default_storage.open(f"{folder}{name}", "rb") as stored, open(target / name, "wb") as copy_file:
            for chunk in stored.chunks():
                copy_file.write(chunk)
    for sub in folders:
        copy_media(target / sub, f"{folder}{sub}/")
