"""What the copy's pages offer instead of the forms a static server cannot answer.

A static server takes no POST and runs no search, so the copy's pages never
hold a form whose action is on the copy: under each open post, one line says
comments are closed on this copy, or gives a mailto: link when the author
names an address; the search form asks an outside search engine about the
copy's host, or is left out. The templates read `static_copy` (set by
context() only while export_site renders) and keep their own forms when it is
absent.
"""

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email


@dataclass(frozen=True)
class StaticCopy:
    comments_email: str = ""
    search_engine: str = ""
    # DuckDuckGo's `sites` parameter: the engine searches this host only.
    search_site: str = ""

    @property
    def comments_mailto(self):
        """mailto: the address (RFC 6068: percent-encoded); the template adds ?subject= per post."""
        return f"mailto:{quote(self.comments_email, safe='@')}" if self.comments_email else ""


def context(request):
    """Template context processor, added to TEMPLATES for the export only: `static_copy`."""
    return {"static_copy": settings.STATIC_COPY}


def checked_email(address):
    """The address for --comments-email; ValueError with a one-line reason when it is not one."""
    try:
        validate_email(address)
    except ValidationError:
        raise ValueError(f"--comments-email must be an email address like you@example.org, not {address!r}.") from None
    return address


def checked_search_engine(url, copy_netloc):
    """The address for --search-engine; ValueError with a one-line reason when a reader's search would fail."""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValueError(
            f"--search-engine must be an http(s) address like https://duckduckgo.com/, not {url!r}."
        ) from None
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        # A GET form replaces its action's query string with the form's fields.
        raise ValueError(f"--search-engine must have no query string or fragment (a search form drops them): {url!r}.")
    if parts.netloc.lower() == copy_netloc.lower():
        raise ValueError(f"--search-engine must be another site than the copy itself ({copy_netloc}): {url!r}.")
    return url
