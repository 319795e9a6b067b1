"""Writing the blog out as a Markdown folder in E-Scribe's own format (export_markdown)."""

import copy
from pathlib import Path, PurePosixPath

from django.core.files.storage import default_storage
from django.utils.text import slugify

from blog import frontmatter
from blog.frontmatter import PostFile
from blog.models import Blurb, Page, Post, Tag, Upload
from comments.models import SpamReport
from moving import site_file
from moving.markdown.folder import (
    BLOG_FILE,
    BLURBS_DIR,
    COMMENTS_SUFFIX,
    MEDIA_DIR,
    PAGES_DIR,
    REMOVED,
    SPAM_REPORT_FILE,
    UPLOADS_FILE,
    outside,
)


def export_folder(directory, *, with_comments=False, with_emails=False, dry_run=False) -> list[Path]:
    """Write the blog in the own format into `directory` (empty or new); returns the files, unwritten when dry."""
    files = {}
    tags = [{"name": tag.name, "featured": tag.featured} for tag in Tag.objects.order_by("pk")]
    files[BLOG_FILE] = frontmatter.dumps_data({"tags": tags})
    report = SpamReport.current()
    files[SPAM_REPORT_FILE] = frontmatter.dumps_data({"killed": report.killed, "since_year": report.since_year})
    files[site_file.SITE_FILE] = site_file.dumps(with_emails)

    for blurb in Blurb.objects.order_by("position", "pk"):
        meta = {"title": blurb.title, "position": blurb.position}
        if not blurb.visible:
            meta["visible"] = False
        name = _unique(files, f"{BLURBS_DIR}/{blurb.position:02d}-{slugify(blurb.title) or 'blurb'}", ".md")
        files[name] = frontmatter.dumps(meta, blurb.body.replace("\r\n", "\n"))

    for page in Page.objects.not_in_trash().order_by("position", "slug"):
        meta = {"title": page.title, "slug": page.slug, "position": page.position}
        if not page.in_navigation:
            meta["navigation"] = False
        if page.status == Page.Status.DRAFT:
            meta["draft"] = True
        body = page.body.replace("\r\n", "\n")
        files[f"{PAGES_DIR}/{page.position:02d}-{page.slug}.md"] = frontmatter.dumps(meta, body)

    stored = [_upload_data(upload) for upload in Upload.objects.order_by("pk").select_related("post")]
    if stored:
        files[UPLOADS_FILE] = frontmatter.dumps_data(stored)

    posts = Post.objects.not_in_trash().order_by("published_at", "pk").prefetch_related("tags")
    if with_comments:
        posts = posts.prefetch_related("comments")
    for post in posts:
        post_file = PostFile.from_post(post)
        # The date as the front matter states it, so the name and the file agree.
        stem = f"{post_file.date:%Y-%m-%d}-{post.slug}"
        files[f"{stem}.md"] = post_file.to_text()
        comments = sorted(post.comments.all(), key=lambda c: (c.created_at, c.pk)) if with_comments else []
        if comments:
            # A reply's comment is on the same post: found among these, with no query.
            by_id = {comment.pk: comment for comment in comments}
            files[f"{stem}{COMMENTS_SUFFIX}"] = frontmatter.dumps_data(
                [_comment_data(comment, with_emails, by_id) for comment in comments]
            )

    directory = Path(directory)
    paths = [directory / name for name in files]
    media = _media_files(directory)
    if dry_run:
        return paths + list(media)
    for path, text in zip(paths, files.values(), strict=True):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    for path, name in media.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Through the storage API: the uploads may live in an object store.
        with default_storage.open(name, "rb") as stored, open(path, "wb") as copy:
            for chunk in stored.chunks():
                copy.write(chunk)
    return paths + list(media)


def _media_files(directory):
    """{export path: storage name} of every upload and its copies, under media/ as the posts' URLs name them."""
    media = {}
    for upload in Upload.objects.order_by("pk"):
        for name in upload.stored_names():
            if outside(name):
                raise OSError(f"the upload {upload.pk} has a file name that leads outside the folder: {name!r}")
            media[directory / MEDIA_DIR / Path(*PurePosixPath(name).parts)] = name
    return media


def _upload_data(upload):
    data = {"file": upload.file.name, "name": upload.original_name, "alt": upload.alt_text}
    data["uploaded"] = upload.uploaded_at
    # A post in the trash is not exported: its uploads are, unattached, as an import would need its slug.
    data["post"] = upload.post.slug if upload.post and not upload.post.in_trash else None
    sizes = ("width", "height", "type")
    data["copies"] = [{"file": v["name"], **{key: v[key] for key in sizes}} for v in upload.variants]
    return data


def _comment_data(comment, with_emails, by_id):
    data = {"name": comment.author_name}
    if with_emails and comment.author_email:
        data["email"] = comment.author_email
    if comment.author_url:
        data["website"] = comment.author_url
    data["status"] = comment.status
    data["created"] = comment.created_at
    # A reply names its comment as the import finds comments: by name and time (ids differ from blog to blog).
    parent = by_id.get(comment.parent_id)
    if parent is not None:
        # A copy: the very object the comment's own entry holds would be written as a YAML alias (*id001).
        data["reply_to"] = {"name": parent.author_name, "created": copy.copy(parent.created_at)}
    elif comment.parent_ref is not None:
        # Deleted, or (only by hand in the database) on another post: an answer to a comment not here.
        data["reply_to"] = REMOVED
    if comment.by_author:
        data["by_author"] = True
    # Comments typed into a browser's textarea arrive with CRLF; the files have one kind of line ending.
    data["text"] = comment.body.replace("\r\n", "\n")
    return data


def _unique(files, stem, suffix):
    name, number = f"{stem}{suffix}", 1
    while name in files:
        number += 1
        name = f"{stem}-{number}{suffix}"
    return name
