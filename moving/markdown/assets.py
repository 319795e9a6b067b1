"""The images and files another engine's posts link to, brought in as uploads and the links rewritten.

A site-absolute link (/images/x.png, {{ root_url }}/images/x.png,
{{ "/images/x.png" | relative_url }}, the old site's own https://host/images/x.png)
is looked for under the static folders (--static, else the folder and the
site root its config names: Octopress's source/, Hugo's static/); a relative
one (a Hugo page bundle's cover.jpg) beside the post. Found files are checked
by content like any upload and stored once under a name made from their
content, so the same file linked by two posts is one upload and a second run
finds it again. A missing or refused file is a note, and its link stays.

No file is read through a symbolic link or outside its folder: each is opened
with O_NOFOLLOW after checking that its resolved path is the path asked for.
"""

import hashlib
import posixpath
import re
from dataclasses import replace
from itertools import groupby
from operator import itemgetter
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.text import slugify

from blog import uploads
from blog.models import Upload
from moving.fences import Fences
from moving.safe_files import Missing, Refused, read_inside

IMPORTED_FOLDER = f"{uploads.FOLDER}/imported"
# What a link to a file (not to a page) ends in; the ones uploads refuse are reported as refused.
ASSET_EXTENSIONS = {
    *uploads.IMAGE_EXTENSIONS, *uploads.FILE_TYPES, "svg", "svgz", "mp3", "mp4", "m4a", "ogg", "webm", "mov",
    "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "tar", "bz2", "7z", "rar", "mobi",
}  # fmt: skip
_CODE_SPAN = re.compile(r"(`+).+?\1", re.DOTALL)
_LIQUID_BASE = r"\{\{-?\s*(?:site\.url|site\.baseurl|site\.root|root_url)\s*-?\}\}"
_LIQUID_FILTER = r"\{\{-?\s*([\"'])(?P<path>[^\"']+)\1\s*\|\s*(?:relative_url|absolute_url)\s*-?\}\}"
_LIQUID_FILTERED = r"\{\{-?\s*[\"'][^\"']+[\"']\s*\|\s*(?:relative_url|absolute_url)\s*-?\}\}"
_URL = rf"<[^>\n]*>|{_LIQUID_FILTERED}|(?:{_LIQUID_BASE})*[^\s)]+"
# Every inline link's or image's destination follows "](", a linked thumbnail's two included.
_INLINE = re.compile(rf"(?P<lead>\]\(\s*)(?P<url>{_URL})")
_REFERENCE = re.compile(rf"(?P<lead>^ {{0,3}}\[[^\]\n]+\]:[ \t]*)(?P<url>{_URL})", re.MULTILINE)
_ATTRIBUTE = re.compile(r"(?P<lead>\b(?:src|href|poster)\s*=\s*)(?P<q>[\"'])(?P<url>.*?)(?P=q)", re.IGNORECASE)
_SRCSET = re.compile(r"(?P<lead>\bsrcset\s*=\s*)(?P<q>[\"'])(?P<url>.*?)(?P=q)", re.IGNORECASE)
# Octopress's {% img [class names] /path/to/image [width] [height] [title text [alt text]] %}, its plugin's regex.
_IMG_TAG = re.compile(r"\{%-?\s*img\s+(?P<markup>.*?)\s*-?%\}")
_IMG_MARKUP = re.compile(
    r"(?P<cls>\S.*\s+)?(?P<src>(?:https?://|/|\S+/)\S+)(?:\s+(?P<width>\d+))?(?:\s+(?P<height>\d+))?(?P<title>\s+.+)?",
    re.IGNORECASE,
)
# Hugo's {{< figure src="..." alt="..." title="..." caption="..." >}}, its named parameters.
_FIGURE = re.compile(r"\{\{[<%]\s*figure\s+(?P<params>.*?)\s*/?[>%]\}\}")
_FIGURE_PARAM = re.compile(r"(?P<key>\w+)=(?:\"(?P<double>[^\"]*)\"|'(?P<single>[^']*)'|(?P<bare>\S+))")
_IMG_TITLE_ALT = re.compile(r"[\"'](?P<title>[^\"']+)?[\"']\s+[\"'](?P<alt>[^\"']+)?[\"']")


class Assets:
    """Finds, stores and relinks the files of one import's posts; notes and lines go to `report`."""

    def __init__(self, site, folder, report, written, dry_run):
        self.site, self.folder, self.report, self.written, self.dry_run = site, folder, report, written, dry_run
        self.found = {}  # (root, relative path) -> (the upload's URL, None) or (None, why it has none)
        self.named = {}  # storage name -> the same, for names already reported in this run
        self.noted = set()

    def rewrite(self, path, post_file):
        """The post file with its links to found files pointing at their uploads."""
        body = self._relinked(path, post_file, post_file.body)
        summary = self._relinked(path, post_file, post_file.summary)
        return replace(post_file, body=body, summary=summary)

    def _relinked(self, path, post_file, text):
        """`text` relinked outside its fenced code blocks (a post about Markdown shows links it does not mean)."""
        fences = Fences()
        lines = [(fences.feed(line)[0], line) for line in text.splitlines(keepends=True)]
        return "".join(
            "".join(line for _, line in group)
            if code
            else self._relinked_text(path, post_file, "".join(line for _, line in group))
            for code, group in groupby(lines, key=itemgetter(0))
        )

    def _relinked_text(self, path, post_file, text):
        spans = []

        def hide(match):
            spans.append(match[0])
            return f"\ue000{len(spans) - 1}\ue001"

        text = _CODE_SPAN.sub(hide, text)
        text = _IMG_TAG.sub(lambda match: self._img_tag(path, post_file, match), text)
        text = _FIGURE.sub(lambda match: self._figure(path, post_file, match), text)

        def one(match):
            url = self.url(path, post_file, match["url"])
            return match[0] if url is None else _with_url(match, url)

        for pattern in (_INLINE, _REFERENCE, _ATTRIBUTE):
            text = pattern.sub(one, text)
        text = _SRCSET.sub(lambda match: self._srcset(path, post_file, match), text)
        return re.sub("\ue000([0-9]+)\ue001", lambda match: spans[int(match[1])], text)

    def _srcset(self, path, post_file, match):
        candidates = []
        for candidate in match["url"].split(","):
            address, _, descriptor = candidate.strip().partition(" ")
            url = self.url(path, post_file, address) or address
            candidates.append(f"{url} {descriptor.strip()}".strip())
        return _with_url(match, ", ".join(candidates))

    def _img_tag(self, path, post_file, match):
        """Octopress's {% img %} as a Markdown image (the renderer adds the size from the upload)."""
        markup = _IMG_MARKUP.fullmatch(match["markup"].strip())
        if markup is None:
            self.report.notes.append(f"{path}: {match[0]} names no image; left as text.")
            return match[0]
        title = (markup["title"] or "").strip()
        alt = title.strip("\"'")
        both = _IMG_TITLE_ALT.fullmatch(title)
        if both:
            title, alt = both["title"] or "", both["alt"] or ""
        else:
            title = alt
        return _markdown_image(alt, self.url(path, post_file, markup["src"]) or markup["src"], title)

    def _figure(self, path, post_file, match):
        """Hugo's figure shortcode as a Markdown image, its caption the paragraph below it."""
        params = {
            m["key"]: m["double"] or m["single"] or m["bare"] or "" for m in _FIGURE_PARAM.finditer(match["params"])
        }
        if not params.get("src"):
            self.report.notes.append(f"{path}: {match[0]} names no image; left as text.")
            return match[0]
        src = self.url(path, post_file, params["src"]) or params["src"]
        image = _markdown_image(params.get("alt") or params.get("caption") or "", src, params.get("title", ""))
        caption = params.get("caption", "").strip()
        return f"{image}\n\n*{caption}*" if caption else image

    def url(self, path, post_file, written):
        """The upload's URL for a link as written, or None to leave it (not a file, elsewhere, missing)."""
        address = written.strip()
        if any(url == address for url, _ in self.named.values()):
            return None  # a link this import wrote ({% img %} made into Markdown)
        if address.startswith("<") and address.endswith(">"):
            address = address[1:-1]
        filtered = re.fullmatch(_LIQUID_FILTER, address)
        address = filtered["path"] if filtered else re.sub(f"^(?:{_LIQUID_BASE})+", "", address)
        if self.site.host and address.startswith(self.site.host + "/"):
            address = address.removeprefix(self.site.host)
        parts = urlsplit(address)
        local = unquote(parts.path)
        extension = local.rpartition(".")[2].lower() if "." in PurePosixPath(local).name else ""
        if parts.scheme or parts.netloc or not local or extension not in ASSET_EXTENSIONS:
            return None
        if local.startswith("/"):
            relatives = [local.lstrip("/")]
            if self.site.prefix and local.startswith(self.site.prefix + "/"):
                relatives.append(local.removeprefix(self.site.prefix + "/"))
            places = [(root, relative) for root in self.site.static for relative in relatives]
        else:
            beside = path.parent.relative_to(self.folder.source).as_posix()
            places = [(self.folder.source, posixpath.normpath(posixpath.join(beside, local)))]
        for root, relative in places:
            key = (root, relative)
            if key not in self.found:
                self.found[key] = self._stored(root, relative, post_file)
            url, problem = self.found[key]
            if problem is FileNotFoundError:
                continue
            if problem:
                self.note(f"{path}: {local}: {problem}; the link is left as it is.")
            return url
        where = " or ".join(str(root) for root in dict.fromkeys(root for root, _ in places)) or "(no static folder)"
        self.note(f"{path}: {local} is missing (looked under {where}); the link is left as it is.")
        return None

    def note(self, text):
        # Once, though a post links the file twice (or {% img %} became an image that is looked at again).
        if text not in self.noted:
            self.noted.add(text)
            self.report.notes.append(text)

    def _stored(self, root, relative, post_file):
        """(URL of the upload holding root/relative, made now if need be, None) or (None, why not)."""
        try:
            data = read_inside(root, relative, uploads.max_bytes())
        except Missing:
            return None, FileNotFoundError
        except Refused as error:
            return None, f"refused: {error}"
        except OSError as error:
            return None, f"cannot be read ({error.strerror or error})"
        original = PurePosixPath(relative).name
        try:
            inspected = uploads.inspect(ContentFile(data, name=original))
        except ValidationError as error:
            return None, "refused: " + " ".join(error.messages)
        stem = slugify(PurePosixPath(original).stem)[:60].strip("-_") or "upload"
        # Named by content: the same bytes are found again on the next run, whoever links them.
        name = f"{IMPORTED_FOLDER}/{stem}-{hashlib.sha256(data).hexdigest()[:12]}.{inspected.extension}"
        if name in self.named:
            return self.named[name]
        self.named[name] = (default_storage.url(name), None)
        if Upload.objects.filter(file=name).exists():
            self.report.add("skipped", f"upload {name!r}", "unchanged")
        elif self.dry_run or not (problem := self._write(name, data, original, inspected, post_file)):
            self.report.add("created", f"upload {name!r}", f"from {Path(root) / relative}")
        else:
            self.named[name] = (None, problem)
        return self.named[name]

    def _write(self, name, data, original, inspected, post_file):
        content = uploads.without_location(ContentFile(data, name=original), inspected)
        content.seek(0)
        stored_bytes = content.read()
        if default_storage.exists(name):
            # Left by an upload deleted since: the same bytes are as good as a copy, others are not ours to replace.
            with default_storage.open(name, "rb") as stored:
                if stored.read() != stored_bytes:
                    return f"refused: another file is stored as {name} already"
        else:
            stored = default_storage.save(name, ContentFile(stored_bytes))
            self.written.append(stored)
            if stored != name:
                return f"refused: another file is stored as {name} already"
        variants = uploads.make_variants(name, inspected, self.written) if inspected.kind == "image" else []
        upload = Upload(
            file=name, original_name=uploads.clean_name(original)[:255], kind=inspected.kind, width=inspected.width,
            height=inspected.height, size=len(stored_bytes), variants=variants, uploaded_at=post_file.date,
        )  # fmt: skip
        # Not save(): that stores under a new random name each time, and a second run must find this one.
        Upload.objects.bulk_create([upload])
        return None


def _with_url(match, url):
    """The match with its "url" group replaced by `url`."""
    start, end = match.start("url") - match.start(), match.end("url") - match.start()
    return match[0][:start] + url + match[0][end:]


def _markdown_image(alt, src, title):
    alt = alt.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    title = f' "{title.replace(chr(34), chr(39))}"' if title else ""
    return f"![{alt}]({src}{title})"
