"""Links to an old WordPress blog's uploads rewritten to the uploads imported from them (attachments.py).

An old address is any http, https, protocol-relative or site-relative URL
whose path runs through /wp-content/uploads/ on a host an import came from,
or that starts where an imported attachment's own address said the uploads
were (https://example.files.wordpress.com/ for a WordPress.com blog).
WordPress's resized copies (photo-300x200.jpg, photo-scaled.jpg,
photo-1024x768.webp, photo-e1565000000000-300x200.jpg) lead to the copy
this engine made that is at least as wide, else to the original.
"""

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from blog import uploads
from blog.models import Upload
from moving.models import WordPressAttachment

UPLOADS_MARK = "/wp-content/uploads/"
# Stops where HTML attributes, Markdown links and CSS url() end; a sentence's last dot is not the URL's.
URL = re.compile(
    r"""(?:(?:https?:)?//[^\s"'<>()\[\]]+|(?<![\w.~/-])/[^\s"'<>()\[\]]*?wp-content/uploads/[^\s"'<>()\[\]]+)""",
    re.IGNORECASE,
)
TRAILING = re.compile(r"[.,;:!?]+$")
SRCSET = re.compile(r"""(\s+srcset\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
# What WordPress appends to a file's name for the copies it makes: an edit's timestamp, -scaled or -rotated
# (since 5.3), and a size.
COPY = re.compile(
    r"^(?P<stem>.+?)(?P<edit>-e\d{10,})?(?:-(?:scaled|rotated))?(?:-(?P<width>\d{1,5})x\d{1,5})?\.(?P<ext>\w+)$"
)
IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "gif", "webp")
SRCSET_URL = re.compile(r"[\s,]*(\S*)")


@dataclass
class Target:
    """Where an old address leads now: a URL and, for an image, the width of what is there."""

    url: str
    width: int | None


def rewrite(text):
    """(text, notes): `text` (HTML or Markdown) with its links to imported WordPress uploads leading to them.

    An old address whose upload is not here (its file was missing or
    refused) is left as written and listed in the notes. In a srcset, each
    entry is rewritten on its own, its width descriptor set to the copy's
    real width; an entry with no upload is dropped (and listed): it is only
    an alternative to src, and one that leads to the old server would show
    a broken image once that server is gone. A srcset left empty goes.
    """
    if not text or not WordPressAttachment.objects.exists():
        return text, []
    links = _Links(text)
    notes = []

    def srcset(match):
        value = links.srcset(match.group(3), notes)
        return f"{match.group(1)}{match.group(2)}{value}{match.group(2)}" if value else ""

    text = SRCSET.sub(srcset, text)
    text = URL.sub(lambda match: links.link(match.group(0), notes), text)
    return text, list(dict.fromkeys(notes))


class _Links:
    """The old addresses one text names, resolved with one query."""

    def __init__(self, text):
        # Hosts compared without www., as the same blog answered both.
        self.bases = [(_host(base), path) for base, path in _bases()]
        self.hosts = {host for host, _ in self.bases} | _site_hosts()
        candidates = {}
        for url in URL.findall(text):
            key = self._key(TRAILING.sub("", url))
            if key is not None:
                candidates.update(dict.fromkeys(path for path, _width, _extension in _candidates(key[1])))
        rows = WordPressAttachment.objects.filter(path__in=candidates, upload__isnull=False).select_related("upload")
        self.found = {}
        for row in rows.order_by("-imported_at", "-pk"):
            self.found.setdefault(row.path, []).append(row)

    def link(self, url, notes):
        stripped = TRAILING.sub("", url)
        target = self.target(stripped)
        if target is None:
            return url
        if target is False:
            notes.append(f"links to {stripped}, an old upload that was not imported: left as it is")
            return url
        return target.url + url[len(stripped) :]

    def srcset(self, value, notes):
        entries, seen = [], set()
        for url, descriptor in _srcset_entries(value):
            target = self.target(url)
            if target is False:
                notes.append(f"srcset entry {url} dropped: no upload was imported for it")
                continue
            if target is not None:
                url = target.url
                if descriptor.endswith("w") and target.width:
                    descriptor = f"{target.width}w"
            # Two entries now the same copy, or of one width: the browser would have to choose at random.
            if url in seen or (descriptor and descriptor in seen):
                continue
            seen.update({url, descriptor} - {""})
            entries.append(f"{url} {descriptor}".strip())
        return ", ".join(entries)

    def target(self, url):
        """Target, False for an old upload address with no upload here, None for any other address."""
        key = self._key(url)
        if key is None:
            return None
        host, path, hint = key
        for candidate, width, extension in _candidates(path):
            rows = self.found.get(candidate)
            if rows:
                row = next((row for row in rows if _host(row.base) == host), rows[0])
                return _closest(row.upload, hint or width, extension)
        return False

    def _key(self, url):
        """(host, path under the uploads folder, width asked in the query) of an old upload address, else None."""
        parts = urlsplit(url if not url.startswith("//") else f"http:{url}")
        host, path = _host(parts.netloc), unquote(parts.path)
        under = None
        for base_host, base_path in self.bases:
            if host == base_host and path.startswith(base_path):
                under = path[len(base_path) :]
                break
        if under is None and UPLOADS_MARK in path and (not host or host in self.hosts):
            under = path.split(UPLOADS_MARK, 1)[1]
        if not under:
            return None
        # WordPress.com's (and Photon's) resizing: ?w=300.
        width = parse_qs(parts.query).get("w", [""])[0]
        return host, under, int(width) if width.isdecimal() and len(width) < 6 else None


def _bases():
    """(host, path) of every old uploads folder an import recorded."""
    bases = WordPressAttachment.objects.exclude(base="").values_list("base", flat=True).distinct()
    return [(base, unquote(urlsplit(f"http:{base}").path)) for base in bases]


def _site_hosts():
    sites = WordPressAttachment.objects.values_list("site", flat=True).distinct()
    return {_host(site) for site in sites}


def _host(address):
    """The host of an address or bare netloc, lower case, without www. and port."""
    netloc = urlsplit(address).netloc if "/" in address else address
    host = netloc.rpartition("@")[2].split(":")[0].lower()
    return host.removeprefix("www.")


def _candidates(path):
    """(path, width, extension) of the originals `path` may be a copy of, the most likely first."""
    found = [(path, None, "")]
    match = COPY.match(path.rpartition("/")[2])
    if match is None:
        return found
    folder = path.rpartition("/")[0]
    folder = f"{folder}/" if folder else ""
    width = int(match["width"]) if match["width"] else None
    extension = match["ext"].lower()
    # WordPress 5.8+ may make WebP copies of a JPEG: photo-1024x768.webp is photo.jpg's.
    extensions = [match["ext"], *(other for other in IMAGE_EXTENSIONS if other != extension)]
    stems = [match["stem"] + (match["edit"] or ""), match["stem"]]
    for stem in dict.fromkeys(stems):
        for ext in extensions if extension in IMAGE_EXTENSIONS else [match["ext"]]:
            for suffix in ("", "-scaled", "-rotated"):
                found.append((f"{folder}{stem}{suffix}.{ext}", width, extension))
    return list(dict.fromkeys(found))


def _closest(upload, width, extension):
    """The copy of `upload` the engine made that is at least `width` wide (in WebP if a WebP was asked for)."""
    if upload.kind != Upload.Kind.IMAGE or not width:
        return Target(upload.url, upload.width)
    original_type = uploads.image_type(upload.file.name)
    wanted = uploads.WEBP if extension == "webp" else original_type
    storage = upload.file.storage
    choices = [(copy["width"], storage.url(copy["name"])) for copy in upload.variants if copy["type"] == wanted]
    if wanted == original_type:
        choices.append((upload.width, upload.url))
    wide_enough = sorted(choice for choice in choices if choice[0] >= width)
    if not wide_enough:
        return Target(upload.url, upload.width)
    return Target(wide_enough[0][1], wide_enough[0][0])


def _srcset_entries(value):
    """(url, descriptor) of each candidate in a srcset, read as browsers do (a URL may hold a comma)."""
    entries, position = [], 0
    while position < len(value):
        match = SRCSET_URL.match(value, position)
        if not match.group(1):
            break
        url, position = match.group(1), match.end()
        if url.endswith(","):
            entries.append((url.rstrip(","), ""))
            continue
        end = value.find(",", position)
        end = len(value) if end == -1 else end
        entries.append((url, " ".join(value[position:end].split())))
        position = end + 1
    return entries
