"""The comment form a reader fills in."""

import re
import unicodedata

from django import forms
from django.core.validators import URLValidator

from comments.models import Comment
from escribe.text import without_controls

NAME_MAX = Comment._meta.get_field("author_name").max_length
EMAIL_MAX = Comment._meta.get_field("author_email").max_length
URL_MAX = Comment._meta.get_field("author_url").max_length
BODY_MAX = 5000
HONEYPOT = "homepage"
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):(?!\d)", re.IGNORECASE)


# Zero-width non-joiner and joiner: Persian, Indic scripts and emoji need them between two visible characters.
JOINERS = frozenset("\u200c\u200d")


def without_invisible(value: str) -> str:
    """value without Unicode format characters (category Cf), keeping joiners between visible characters.

    Bidi overrides, embeddings and isolates in a name reorder what follows it
    on the line (the date of the comment); zero-width characters make two
    names look alike.
    """
    kept = []
    for index, char in enumerate(value):
        if unicodedata.category(char) != "Cf":
            kept.append(char)
        elif char in JOINERS and 0 < index < len(value) - 1:
            before, after = value[index - 1], value[index + 1]
            if _visible(before) and _visible(after):
                kept.append(char)
    return "".join(kept)


def _visible(char):
    return char.isprintable() and not char.isspace()


class TextMixin:
    """Refuses lone surrogates: they cannot be stored as UTF-8 (SQLite and PostgreSQL alike would fail).

    Drops control characters other than `keep_controls`: nobody types them, a
    reader cannot see them to take them out, and XML 1.0 (the feeds) cannot
    hold most of them.
    """

    keep_controls = "\t\n\r"
    default_error_messages = {
        "surrogate": "This contains broken characters (unpaired surrogates) that cannot be saved. Please retype it."
    }

    def to_python(self, value):
        if isinstance(value, str) and any("\ud800" <= char <= "\udfff" for char in value):
            raise forms.ValidationError(self.error_messages["surrogate"], code="surrogate")
        if isinstance(value, str):
            value = without_controls(value, keep=self.keep_controls)
        return super().to_python(value)


class SingleLineMixin(TextMixin):
    """Rejects line breaks before the usual stripping could hide them (header injection); drops invisible characters."""

    keep_controls = ""

    def to_python(self, value):
        if isinstance(value, str) and ("\n" in value or "\r" in value):
            raise forms.ValidationError("This must be a single line.", code="newline")
        if isinstance(value, str):
            value = without_invisible(value)
        return super().to_python(value)


class TextField(TextMixin, forms.CharField):
    pass


class SingleLineCharField(SingleLineMixin, forms.CharField):
    pass


class SingleLineEmailField(SingleLineMixin, forms.EmailField):
    pass


class WebsiteField(SingleLineMixin, forms.URLField):
    default_validators = [URLValidator(schemes=["http", "https"])]
    default_error_messages = {"invalid": "Enter a web address starting with http:// or https://."}

    def to_python(self, value):
        # URLField quietly turns "javascript:alert(1)" into "http://javascript:..."
        # An explicit scheme other than http(s) is refused instead ("host:8080" is no scheme),
        # also when invisible characters were put inside it ("java\u200bscript:").
        if isinstance(value, str):
            # Line breaks stay for SingleLineMixin to refuse.
            value = without_invisible(without_controls(value, keep="\n\r"))
        scheme = _SCHEME.match((value or "").strip())
        if scheme and scheme.group(1).lower() not in ("http", "https"):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class CommentForm(forms.Form):
    author_name = SingleLineCharField(label="Name", max_length=NAME_MAX)
    author_email = SingleLineEmailField(label="Email", max_length=EMAIL_MAX, help_text="(Will not be shared)")
    author_url = WebsiteField(
        label="Website", max_length=URL_MAX, required=False, assume_scheme="https", help_text="(Optional)"
    )
    body = TextField(
        label="Comment",
        max_length=BODY_MAX,
        min_length=2,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 60}),
        help_text=(
            "You may use `code`, code blocks between ``` lines, *emphasis*, **bold** and [links](https://…); "
            f"HTML shows as typed. At most {BODY_MAX:,} characters."
        ),
    )
    # Off unless ticked: the address is then used for this mail only (comments/reply_mail.py).
    notify_replies = forms.BooleanField(
        label="Mail me when the author replies",
        label_suffix="",
        required=False,
        help_text="(Only for that; each mail has a link to stop it)",
    )
    # Hidden from people by CSS; bots that fill every field fill this one.
    homepage = forms.CharField(label="Leave this field empty", required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "comment-%s")
        super().__init__(*args, **kwargs)
        self.fields[HONEYPOT].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        self.fields["author_name"].widget.attrs.update({"autocomplete": "name"})
        self.fields["author_email"].widget.attrs.update({"autocomplete": "email"})
        self.fields["author_url"].widget.attrs.update({"autocomplete": "url"})

    @property
    def honeypot_filled(self):
        return bool(self.data.get(HONEYPOT, "").strip())
