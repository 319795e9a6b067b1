"""The author's uploads: what may be stored, under which name, and the resized copies of images.

Only this module imports Pillow. Everything is read and written through
Django's storage API (`default_storage`), never through paths, so an object
store can take the place of the media folder.
"""

import io
import math
import posixpath
import re
import secrets
import unicodedata
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.text import get_valid_filename, slugify
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

# What Pillow says an image is -> the extension it is stored under and its content type.
IMAGE_FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "GIF": ("gif", "image/gif"),
    "WEBP": ("webp", "image/webp"),
}
# Pillow's names for files that are one of the formats above to a browser: a JPEG with
# more images after the first (a camera's preview, a phone's Ultra HDR gain map) is "MPO".
SAME_FORMAT = {"MPO": "JPEG"}
# Files that are not images: the extension, and how the first bytes of such a
# file begin (None: text, which must be UTF-8). Nothing a browser would run
# (HTML, SVG, JavaScript) is here; nginx serves all of these as attachments.
FILE_TYPES = {
    "pdf": b"%PDF-",
    "zip": b"PK\x03\x04",
    "epub": b"PK\x03\x04",
    "gz": b"\x1f\x8b",
    "tgz": b"\x1f\x8b",
    "tar.gz": b"\x1f\x8b",
    "txt": None,
    "md": None,
    "csv": None,
    "json": None,
}
# Extensions that claim an image: such a file must be one Pillow recognises.
IMAGE_EXTENSIONS = {"jpg", "jpeg", "jpe", "png", "gif", "webp", "bmp", "tif", "tiff", "ico", "avif", "heic"}
SVG = re.compile(rb"<svg[\s>]", re.IGNORECASE)
# How an SVG document begins (a text file that merely mentions <svg> further on is just text).
SVG_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml|<!doctype\s+svg|<svg[\s>]|<!--)", re.IGNORECASE)
# Resized copies are made for originals wider than these; browsers pick one from srcset.
VARIANT_WIDTHS = (800, 1600)
# EXIF orientations that swap width and height (a phone held upright).
TURNED_SIDEWAYS = {5, 6, 7, 8}
WEBP = "image/webp"
# The WebP format's largest side: a taller copy (a scrolling screenshot) is made in the original's format only.
WEBP_MAX_SIDE = 16383
FOLDER = "uploads"


@dataclass
class Inspected:
    """What the checks found out about an acceptable upload."""

    kind: str  # "image" or "file"
    extension: str
    width: int | None = None
    height: int | None = None
    format: str = ""
    # The image's metadata says where it was taken (a phone photo's GPS position).
    has_location: bool = False
    animated: bool = False


def max_bytes():
    return settings.UPLOAD_MAX_MB * 1024 * 1024


def inspect(upload):
    """Check an uploaded file by its content: Inspected, or a ValidationError with a message for the author."""
    size = upload.size
    if size is not None and size > max_bytes():
        raise ValidationError(
            f"The file is {size / 1024 / 1024:.1f} MB; at most {settings.UPLOAD_MAX_MB} MB may be uploaded "
            "(ESCRIBE_UPLOAD_MAX_MB). Make it smaller, or link it from elsewhere."
        )
    if not size:
        raise ValidationError("The file is empty.")
    name = clean_name(upload.name)
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    extension = _extension(name)
    if extension in ("svg", "svgz") or (SVG_START.match(head) and SVG.search(head)):
        raise ValidationError(
            "SVG images are not accepted: they can carry scripts that would run on the blog's own address. "
            "Export the drawing as PNG or WebP."
        )
    image = _image(upload)
    if image is not None:
        return image
    if extension in IMAGE_EXTENSIONS:
        raise ValidationError(
            f"“{name}” is named like an image but is not a JPEG, PNG, GIF or WebP image. "
            "Save it in one of those formats and upload it again."
        )
    if extension not in FILE_TYPES:
        allowed = ", ".join(sorted(FILE_TYPES))
        raise ValidationError(
            f"“{name}” is not an image, and .{extension or '(no extension)'} files are not accepted. "
            f"Images: JPEG, PNG, GIF, WebP; other files: {allowed}."
        )
    magic = FILE_TYPES[extension]
    if magic is not None and not head.startswith(magic):
        raise ValidationError(f"“{name}” does not hold what a .{extension} file holds; it may be misnamed.")
    if magic is None and not _is_utf8_text(upload):
        raise ValidationError(f"“{name}” is not UTF-8 text, as a .{extension} file must be.")
    return Inspected(kind="file", extension=extension)


def _image(upload):
    """Inspected for an image Pillow recognises by content, None for anything else; refuses bombs and broken images."""
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice it; both are refused here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                format_, (width, height) = SAME_FORMAT.get(image.format, image.format), image.size
                # Only these animate among the formats that get copies (an MPO's second image is no
                # frame; GIFs get none anyway, and counting a broken GIF's frames raises).
                animated = format_ in ("PNG", "WEBP") and getattr(image, "is_animated", False)
                if format_ not in IMAGE_FORMATS:
                    return None
                if width * height > settings.UPLOAD_MAX_PIXELS:
                    raise ValidationError(_too_many_pixels(width, height))
                image.verify()
            upload.seek(0)
            with Image.open(upload) as image:
                # verify() reads the structure only; decoding proves the pixels are there.
                image.load()
                has_location = _has_location(image)
                # The size as shown, upright (without turning a copy of the pixels to learn it).
                width, height = image.size
                if image.getexif().get(ExifTags.Base.Orientation) in TURNED_SIDEWAYS:
                    width, height = height, width
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(_too_many_pixels(None, None)) from None
    except UnidentifiedImageError:
        return None
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ValidationError(f"The image is damaged or cut short and cannot be read ({error}).") from None
    finally:
        upload.seek(0)
    return Inspected(
        kind="image",
        extension=IMAGE_FORMATS[format_][0],
        width=width,
        height=height,
        format=format_,
        has_location=has_location,
        animated=animated,
    )


def _has_location(image):
    if image.getexif().get_ifd(ExifTags.IFD.GPSInfo):
        return True
    # Photo editors also write the position as XMP (exif:GPSLatitude), which Pillow keeps as bytes or text.
    xmp = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp") or b""
    return b"GPSLatitude" in (xmp.encode() if isinstance(xmp, str) else xmp)


def without_location(content, inspected):
    """The original to store: as uploaded, unless it says where it was taken; then re-encoded without metadata.

    A phone photo carries its GPS position, and the original is public at its
    address. Only such photos are re-encoded (JPEG and WebP at quality 95,
    PNG losslessly, the colour profile kept, the orientation applied), so
    every other original stays byte for byte as the author uploaded it.
    """
    if not inspected.has_location:
        return content
    content.seek(0)
    buffer = io.BytesIO()
    with Image.open(content) as opened:
        opened.load()
        icc_profile = opened.info.get("icc_profile")
        options = {"icc_profile": icc_profile} if icc_profile else {}
        if inspected.animated:
            # Every frame, as it is (an animation is not turned). A JPEG's second image
            # (a camera's preview, a phone's gain map: "MPO") is simply left out below.
            opened.save(buffer, inspected.format, save_all=True, **options)
            return ContentFile(buffer.getvalue(), name=content.name)
        image = ImageOps.exif_transpose(opened)
    if inspected.format == "JPEG":
        image = image.convert("RGB") if image.mode not in ("RGB", "L") else image
        image.save(buffer, "JPEG", quality=95, subsampling=0, optimize=True, **options)
    elif inspected.format == "WEBP":
        image.save(buffer, "WEBP", quality=95, **options)
    else:
        image.save(buffer, inspected.format, optimize=True, **options)
    return ContentFile(buffer.getvalue(), name=content.name)


def _too_many_pixels(width, height):
    size = f" ({width} × {height})" if width else ""
    return (
        f"The image has too many pixels{size}: at most {settings.UPLOAD_MAX_PIXELS:,} are accepted "
        "(ESCRIBE_UPLOAD_MAX_PIXELS). Scale it down before uploading."
    )


def _is_utf8_text(upload):
    try:
        upload.seek(0)
        upload.read().decode("utf-8")
    except UnicodeDecodeError:
        return False
    finally:
        upload.seek(0)
    return True


def _extension(name):
    lower = name.lower()
    if lower.endswith(".tar.gz"):
        return "tar.gz"
    return lower.rpartition(".")[2] if "." in lower else ""


def clean_name(name):
    """A file name that is safe as one path segment: no folders, no NUL, no leading dots, NFKC-normalised."""
    name = unicodedata.normalize("NFKC", name or "").replace("\x00", "")
    # Browsers send a bare name, but some old ones send a whole Windows path.
    name = posixpath.basename(name.replace("\\", "/"))
    name = name.lstrip(". ")
    try:
        name = get_valid_filename(name)
    except SuspiciousFileOperation:  # nothing usable was left of it
        name = ""
    return name.lstrip(".") or "upload"


def storage_name(original_name, inspected):
    """uploads/YYYY/MM/<clean stem>-<random>.<extension by content>: unique, so nothing is ever overwritten."""
    name = clean_name(original_name)
    extension = _extension(name)
    stem = name[: -len(extension) - 1] if extension else name
    # ASCII, so the URL the author pastes is the stored name as it is (nothing percent-encoded).
    stem = slugify(stem)[:60].strip("-_") or "upload"
    today = timezone.localdate()
    return f"{FOLDER}/{today:%Y/%m}/{stem}-{secrets.token_hex(4)}.{inspected.extension}"


def make_variants(name, inspected, written):
    """Resized copies of the stored image `name` (and WebP ones), saved through the storage; returns their list.

    Every name stored is appended to `written` as soon as it exists, so a
    caller can remove them all if a later step fails.
    """
    if inspected.format == "GIF" or inspected.animated:
        return []  # resizing would lose the animation (a GIF's, a PNG's or a WebP's); the original is served as it is
    widths = [width for width in VARIANT_WIDTHS if width < inspected.width]
    # A WebP copy at full size only for an image no wider than the largest copy: a post is never
    # shown wider than that, and a 12-megapixel WebP took seconds of the upload for nothing.
    if inspected.width <= VARIANT_WIDTHS[-1]:
        widths.append(inspected.width)
    with default_storage.open(name, "rb") as stored, Image.open(stored) as opened:
        scale = max(widths) / inspected.width
        if scale < 1:
            # A JPEG decodes at 1/2, 1/4 or 1/8 of its size when that is all the copies need:
            # a 48-megapixel photo then holds a worker's memory at a quarter of the size.
            opened.draft(opened.mode, (math.ceil(opened.width * scale), math.ceil(opened.height * scale)))
        opened.load()
        image = ImageOps.exif_transpose(opened)
    stem = name.rpartition(".")[0]
    variants = []
    for width in widths:
        resized = image if width == image.width else _resized(image, width)
        fits_webp = max(resized.size) <= WEBP_MAX_SIDE
        outputs = [(WEBP, "webp", "WEBP")] if inspected.format != "WEBP" and fits_webp else []
        if width != inspected.width:
            extension, content_type = IMAGE_FORMATS[inspected.format]
            outputs.append((content_type, extension, inspected.format))
        for content_type, extension, format_ in outputs:
            content = ContentFile(_encoded(resized, format_))
            stored_name = default_storage.save(f"{stem}-{width}w.{extension}", content)
            written.append(stored_name)
            variants.append(
                {"name": stored_name, "width": resized.width, "height": resized.height, "type": content_type}
            )
    return variants


def _resized(image, width):
    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), Image.Resampling.LANCZOS)


def _encoded(image, format_):
    """The image as bytes in format_, without its metadata (a phone photo's location stays out of the copies)."""
    buffer = io.BytesIO()
    if format_ == "JPEG":
        image = image.convert("RGB") if image.mode not in ("RGB", "L") else image
        image.save(buffer, "JPEG", quality=85, optimize=True, progressive=True)
    elif format_ == "WEBP":
        image = image.convert("RGBA") if image.mode not in ("RGB", "RGBA") else image
        image.save(buffer, "WEBP", quality=80, method=4)
    else:
        image.save(buffer, format_, optimize=True)
    return buffer.getvalue()


def image_type(name):
    """The content type of a stored image, from the extension its content decided."""
    extension = _extension(name)
    return next((type_ for ext, type_ in IMAGE_FORMATS.values() if ext == extension), "")


def delete_files(names):
    """Remove stored files; those already gone are no error."""
    for name in names:
        if name:
            default_storage.delete(name)


def referenced_names(text):
    """Storage names of uploads that `text` links to by their URL (what the admin tells the author to paste)."""
    base = default_storage.url("")
    if not text or not base:
        return set()
    pattern = re.escape(base) + r"([A-Za-z0-9._~/%-]+)"
    return {match.group(1) for match in re.finditer(pattern, text)}
