"""The blog's own settings, edited in the admin: one SiteSettings row, read at most once per request.

What belongs to the author (the blog's name, the footer, the comment policy,
the zone its dates are shown in) lives in the database, so that saving it in
the admin changes every page at once, on every host. What belongs to the
server or is secret stays in the environment (escribe/settings.py).
"""

import hashlib
import zoneinfo
from urllib.parse import urlsplit

from asgiref.local import Local
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, validate_email
from django.db import models
from django.urls import reverse
from django.utils import translation

# The row read by this request, kept until the request ends: never across
# requests, since another host (or process) may have saved a newer one.
_request = Local()


def validate_time_zone(name):
    if name not in zoneinfo.available_timezones():
        raise ValidationError(f"{name!r} is not a time zone name such as Europe/Berlin or America/New_York.")


def validate_language(code):
    if code not in dict(settings.LANGUAGES):
        raise ValidationError(f"{code!r} is not a language Django knows, such as en, en-gb or de.")


def validate_email_list(value):
    for address in email_list(value):
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(f"{address!r} is not an email address.") from None


# Bytes of UTF-8: every page links the file, and a stylesheet bigger than this belongs in the theme folder.
CUSTOM_CSS_LIMIT = 100_000


def validate_css(value):
    size = len(value.encode())
    if size > CUSTOM_CSS_LIMIT:
        raise ValidationError(
            f"Custom CSS may be at most {CUSTOM_CSS_LIMIT:,} bytes (100 KB); this is {size:,}. "
            "Put a longer stylesheet in the theme folder (static/css/custom.css)."
        )
    # PostgreSQL's text cannot hold NUL: stopped here with one line, not as an error from the database on saving.
    if "\x00" in value:
        raise ValidationError("Custom CSS cannot contain a NUL character.")


def css_digest(css):
    """The first 12 hex digits of the CSS's SHA-256, so its address changes whenever it does; "" for blank CSS."""
    return hashlib.sha256(css.encode()).hexdigest()[:12] if css.strip() else ""


def email_list(value):
    return [item.strip() for item in (value or "").split(",") if item.strip()]


class SiteSettings(models.Model):
    """The blog's identity and policies: the one row (pk=1) the admin edits on one page."""

    title = models.CharField(max_length=100, help_text="The blog's name, at the top of every page and in feeds.")
    tagline = models.CharField(max_length=200, blank=True, help_text="The line under the name.")
    description = models.CharField(
        max_length=300, blank=True,
        help_text="A sentence or two about the blog, for feeds and link previews (empty: the tagline).",
    )  # fmt: skip
    author_name = models.CharField(
        "author's name", max_length=100, blank=True,
        help_text="As readers see it in feeds, sharing data and the footer (empty: the blog's name).",
    )  # fmt: skip
    footer = models.CharField(
        "footer line", max_length=300, blank=True,
        help_text="Copyright or licence, e.g. “Text CC BY 4.0, Ada Lovelace” (empty: “© the author's name”).",
    )  # fmt: skip
    posts_per_page = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="On the front page, tag pages and archives.",
    )  # fmt: skip
    feed_length = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Posts in the Atom and RSS feeds, each with its whole text.",
    )  # fmt: skip
    comments_open = models.BooleanField(default=True, help_text="Off: no post takes comments (those shown stay shown).")
    comments_close_after_days = models.PositiveIntegerField(
        "close comments after (days)", default=0, validators=[MaxValueValidator(36500)],
        help_text="Posts older than this take no comments (0: never).",
    )  # fmt: skip
    notify_email = models.CharField(
        "comment notifications to", max_length=500, blank=True, validators=[validate_email_list],
        help_text="Comma-separated addresses told of each comment in the queue (empty: the superusers' addresses).",
    )  # fmt: skip
    # No `choices`: the list is Django's (settings.LANGUAGES) and changes with it; the admin offers it.
    language = models.CharField(
        max_length=15, default="en", validators=[validate_language], help_text="The language dates are written in."
    )
    time_zone = models.CharField(
        max_length=64, default="UTC", validators=[validate_time_zone],
        help_text="The zone the blog's dates and times are shown in, e.g. Europe/Berlin.",
    )  # fmt: skip
    share_image = models.ForeignKey(
        "blog.Upload", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"kind": "image"},
        help_text="Shown by link previews of pages that have no image of their own.",
    )  # fmt: skip
    share_image_url = models.URLField(
        "or an image's address", blank=True, help_text="An image elsewhere (https://…), instead of an upload."
    )
    # Linked as a stylesheet at an address carrying its content's hash (custom_css_address), never inline,
    # so the pages' Content-Security-Policy keeps style-src 'self' and nothing in it can run as script.
    custom_css = models.TextField(
        "custom CSS", blank=True, validators=[validate_css],
        help_text="Style rules of your own, on every page after the site's and the theme's stylesheets, so they win "
        "over both. At most 100 KB; other sites' fonts and stylesheets are blocked (put them in the theme folder).",
    )  # fmt: skip
    # Kept by save(), so that pages link the CSS without reading it: current() leaves the text behind, and a
    # reader's request never carries 100 KB of CSS it does not send. "" when there is none (no link).
    # A queryset's update() of the CSS must set it too.
    custom_css_digest = models.CharField(max_length=12, blank=True, default="", editable=False)

    # What a restore's preview names when the backup's value differs (escribe/backup_changes.py): a restore
    # that silently renamed the blog or reopened its comments would surprise its author.
    shown_on_restore = ("title", "tagline", "author_name", "footer", "comments_open", "time_zone", "language")

    class Meta:
        verbose_name = verbose_name_plural = "site settings"

    def __str__(self):
        return "Site settings"

    def save(self, *args, **kwargs):
        self.pk = 1  # one row, whatever the form says
        # A row read by current() has no CSS loaded, and Django saves only its loaded fields: its digest stands.
        if "custom_css" not in self.get_deferred_fields():
            self.custom_css_digest = css_digest(self.custom_css)
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "custom_css" in update_fields:
                kwargs["update_fields"] = {*update_fields, "custom_css_digest"}
        super().save(*args, **kwargs)
        forget()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        forget()
        return result

    def clean(self):
        if self.share_image_id and self.share_image_url:
            raise ValidationError("Choose an uploaded image or give an address, not both.")
        if self.share_image_url and urlsplit(self.share_image_url).scheme != "https":
            raise ValidationError({"share_image_url": "Link previews load images over HTTPS only."})

    @property
    def byline(self):
        """The name readers are given for the blog's author: the author's name, else the blog's."""
        return self.author_name or self.title

    @property
    def footer_line(self):
        return self.footer or f"© {self.byline}"

    @property
    def share_description(self):
        return self.description or self.tagline

    @property
    def share_image_address(self):
        """The default sharing image's URL (site-relative for an upload), or ""."""
        if self.share_image_id:
            return self.share_image.url
        return self.share_image_url

    @property
    def custom_css_address(self):
        """Where pages link the custom CSS (blog/custom_css.py), or "" when there is none: no link, no request."""
        return reverse("blog:custom-css", args=[self.custom_css_digest]) if self.custom_css_digest else ""

    @property
    def notify_addresses(self):
        return email_list(self.notify_email)


def first_values():
    """The values a new database starts with: the ESCRIBE_* variables that are set, else the author's own blank page.

    The blog is named after the site's host until the author names it; no
    made-up author, no "E-Scribe".
    """
    values = {
        "title": urlsplit(settings.SITE_URL).hostname or "My blog",
        "language": _supported_language(settings.LANGUAGE_CODE),
        "time_zone": settings.TIME_ZONE,
    }
    values.update({field: value for field, (_, value) in settings.SITE_SETTINGS_FROM_ENV.items()})
    # A variable longer than its field would fail the migration (PostgreSQL refuses it): the author shortens it later.
    return {
        name: value[: SiteSettings._meta.get_field(name).max_length] if isinstance(value, str) else value
        for name, value in values.items()
    }


def _supported_language(code):
    try:
        return translation.get_supported_language_variant(code)  # en-us -> en
    except LookupError:
        return "en"


def current():
    """The site settings for this request: one query the first time a request asks, none after.

    Outside a request (commands, background threads) every call reads the
    row afresh. Without a row (a flushed database) the first values stand in,
    unsaved: reading never writes.
    """
    found = getattr(_request, "settings", None) if getattr(_request, "active", False) else None
    if found is None:
        # Without the custom CSS (up to 100 KB): pages link it by its stored digest, only its own view reads it.
        found = SiteSettings.objects.select_related("share_image").defer("custom_css").filter(pk=1).first()
        if found is None:
            found = SiteSettings(pk=1, **first_values())
        if getattr(_request, "active", False):
            _request.settings = found
    return found


def stored_css(digest):
    """The custom CSS as stored now when `digest` is still its digest, else None (it changed since it was read)."""
    return SiteSettings.objects.filter(pk=1, custom_css_digest=digest).values_list("custom_css", flat=True).first()


def request_started():
    """A request begins: it reads the settings afresh (once)."""
    _request.active = True
    _request.settings = None


def request_finished():
    _request.active = False
    _request.settings = None


def forget():
    """The row changed: whatever this request read is out of date."""
    _request.settings = None
