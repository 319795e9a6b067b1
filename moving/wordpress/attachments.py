"""WordPress attachments brought in as uploads from a copy of the old blog's wp-content/uploads folder.

Each file is found by its path under wp-content/uploads (from the
attachment's address, else its _wp_attached_file), opened without following
a link, checked by content and stored as any upload is (Upload.full_clean()
and save(): blog/uploads.py), with its alt text. An upload has no caption,
so the attachment's caption (its excerpt) is kept in WordPressAttachment.
A missing or refused file is listed, never fatal; links.py then leads the
posts' old links to the new uploads.
"""

from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db.models import Q
from django.utils import timezone

from blog import uploads
from blog.models import Upload
from moving.models import WordPressAttachment, WordPressPost
from moving.safe_files import Missing, Refused, open_inside
from moving.wordpress.embeds import Attachment
from moving.wordpress.links import UPLOADS_MARK, rewrite

HOW_TO_BRING = "copy wp-content/uploads from the old server and run again with --uploads DIR"
ALT_MAX = Upload._meta.get_field("alt_text").max_length
PATH_MAX = WordPressAttachment._meta.get_field("path").max_length
NAME_MAX = Upload._meta.get_field("original_name").max_length


def tally():
    """The report's counts for uploads (Report.uploads)."""
    return {"created": 0, "unchanged": 0, "missing": 0, "refused": 0, "not brought": 0, "relinked": 0}


def summary(counts):
    """The report's line about uploads."""
    if counts["not brought"]:
        return (
            f"Uploads: none brought in without --uploads ({counts['not brought']} attachments listed under "
            f"Skipped): {HOW_TO_BRING}."
        )
    line = (
        f"Uploads: {counts['created']} created, {counts['unchanged']} unchanged, {counts['missing']} missing, "
        f"{counts['refused']} refused"
    )
    if counts["relinked"]:
        line += f"; old links rewritten in {counts['relinked']} posts imported before"
    return line + "."


class Media:
    """The attachments of one import; used as a context manager, it removes the files it wrote if the import fails.

    bring() runs before the posts are written (they are rendered with the
    uploads' sizes and copies), finish() after them.
    """

    def __init__(self, export, folder, report, dry_run=False):
        self.export, self.folder, self.report, self.dry_run = export, folder, report, dry_run
        self.written = []
        self.here = []  # (item, WordPressAttachment) of this export's attachments that have an upload
        self.created = 0

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        if kind is not None:
            # The transaction was rolled back: no file of its uploads stays.
            uploads.delete_files(self.written)
        return False

    def bring(self):
        for item in self.export.items:
            if item.post_type == "attachment":
                self._attachment(item)

    def gallery(self):
        """{attachment id: embeds.Attachment} of the attachments that have an upload here, for [gallery] (markup.py)."""
        return {
            item.wordpress_id: Attachment(
                url=known.upload.url, alt=known.upload.alt_text, caption=known.caption, parent=item.parent
            )
            for item, known in self.here
        }

    def finish(self):
        """Each upload's post becomes its WordPress parent's; posts imported before get their old links rewritten."""
        site = self.export.site
        for item, known in self.here:
            if item.parent and known.upload.post_id is None:
                parent = WordPressPost.objects.filter(site=site, wordpress_id=item.parent, post__isnull=False)
                post_id = parent.values_list("post_id", flat=True).first()
                if post_id is not None:
                    Upload.objects.filter(pk=known.upload_id).update(post_id=post_id)
        if self.created:
            self._relink()

    def _attachment(self, item):
        counts, address = self.report.uploads, item.attachment_url or item.link
        where = f"{item.describe()} ({address})"
        known = WordPressAttachment.objects.filter(site=self.export.site, wordpress_id=item.wordpress_id)
        known = known.select_related("upload").first()
        if known is not None and known.upload is None:
            self.report.skipped.append(f"{where}: its upload was deleted here since it was imported")
            return
        if known is not None:
            counts["unchanged"] += 1
            self.here.append((item, known))
            return
        if self.folder is None:
            counts["not brought"] += 1
            # How to bring them is said once, in the report's line about uploads (summary()).
            self.report.skipped.append(f"{where}: not brought in without --uploads")
            return
        try:
            path, opened = self._open(item)
            with opened:
                upload = self._upload(item, path, opened)
        except Missing as problem:
            counts["missing"] += 1
            self.report.skipped.append(f"{where}: missing: {problem}")
            return
        except Refused as problem:
            counts["refused"] += 1
            self.report.skipped.append(f"{where}: refused: {problem}")
            return
        except ValidationError as problem:
            counts["refused"] += 1
            self.report.skipped.append(f"{where}: refused: {' '.join(problem.messages)}")
            return
        known = WordPressAttachment.objects.create(
            site=self.export.site, wordpress_id=item.wordpress_id, upload=upload, path=path,
            base=_base(item.attachment_url, path), caption=item.excerpt,
        )  # fmt: skip
        counts["created"] += 1
        self.created += 1
        self.here.append((item, known))

    def _open(self, item):
        paths = relative_paths(item)
        if not paths:
            raise Refused("its address names no file under /wp-content/uploads/, and it has no _wp_attached_file")
        missing = None
        for path in paths:
            if len(path) > PATH_MAX:
                raise Refused(f"its path is longer than {PATH_MAX} characters")
            try:
                return path, open_inside(self.folder, path)
            except Missing as problem:
                missing = missing or problem
        raise missing

    def _upload(self, item, path, opened):
        """The Upload made of the opened file, checked by content; its files are written unless this is a dry run."""
        name = PurePosixPath(path).name
        content = File(opened, name=name)
        alt = " ".join(item.meta.get("_wp_attachment_image_alt", "").split())
        if len(alt) > ALT_MAX:
            self.report.notes.append(f"{item.describe()}: its alt text is cut to {ALT_MAX} characters, as uploads keep")
        fields = {"alt_text": alt[:ALT_MAX], "uploaded_at": item.date_gmt or item.date or timezone.now()}
        if self.dry_run:
            # Checked as a real run checks it, and a row for the posts' links to find; no file is written.
            inspected = uploads.inspect(content)
            upload = Upload(
                file=uploads.storage_name(name, inspected), original_name=uploads.clean_name(name)[:NAME_MAX],
                kind=inspected.kind, width=inspected.width, height=inspected.height, size=content.size, **fields,
            )  # fmt: skip
            Upload.objects.bulk_create([upload])
            return upload
        upload = Upload(file=content, **fields)
        upload.full_clean(exclude=["post"])
        try:
            upload.save()
        except OSError as error:
            # Upload.save() removed what it had written (a full disk, an unwritable media folder).
            raise Refused(f"it could not be stored: {error.strerror or error}") from None
        self.written += upload.stored_names()
        return upload

    def _relink(self):
        """Rewrite the old links of posts imported before (a first run without --uploads, files added since)."""
        site = self.export.site
        old = Q(post__body__contains=UPLOADS_MARK) | Q(post__summary__contains=UPLOADS_MARK)
        for base in WordPressAttachment.objects.filter(site=site).exclude(base="").values_list("base", flat=True):
            old |= Q(post__body__contains=base) | Q(post__summary__contains=base)
        for known in WordPressPost.objects.filter(old, site=site).select_related("post").distinct():
            post = known.post
            (body, notes), (post_summary, summary_notes) = rewrite(post.body), rewrite(post.summary)
            if (body, post_summary) == (post.body, post.summary):
                continue
            edited_here = post.updated_at > known.imported_at
            post.body, post.summary = body, post_summary
            post.save()
            if not edited_here:
                # Only links changed: the post still reads as WordPress had it, for the next import's comparison.
                known.imported_at = timezone.now()
                known.save(update_fields=["imported_at"])
            self.report.uploads["relinked"] += 1
            where = f'post {known.wordpress_id} "{post.title}"'  # as the importer names a post
            self.report.notes += [f"{where}: {note}" for note in [*notes, *summary_notes]]


def relative_paths(item):
    """The attachment's possible paths under the uploads folder, the likeliest first."""
    paths = []
    address = urlsplit(item.attachment_url)
    path = unquote(address.path)
    if UPLOADS_MARK in path:
        paths.append(path.split(UPLOADS_MARK, 1)[1])
    elif address.hostname and address.hostname.endswith(".files.wordpress.com"):
        # WordPress.com serves the uploads folder at the root of its own host.
        paths.append(path.lstrip("/"))
    attached = item.meta.get("_wp_attached_file", "").strip()
    if attached:
        # Before WordPress 2.7 the whole path on the old server was kept.
        paths.append(attached.split(UPLOADS_MARK.lstrip("/"), 1)[-1])
    return list(dict.fromkeys(path for path in paths if path))


def _base(address, path):
    """Where the uploads folder was served, without scheme (//host/wp-content/uploads/), or "" if unknown."""
    parts = urlsplit(address)
    if not parts.netloc:
        return ""
    served = unquote(parts.path)
    if served.endswith(path):
        folder = served[: len(served) - len(path)]
    elif UPLOADS_MARK in served:
        folder = served.split(UPLOADS_MARK, 1)[0] + UPLOADS_MARK
    else:
        return ""
    base = f"//{parts.netloc.lower()}{folder}"
    return base if len(base) <= WordPressAttachment._meta.get_field("base").max_length else ""
