"""What posts and pages share on their way in: the report, who may see them, free slugs and old addresses."""

from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.utils import timezone

from blog.models import Post, Redirect
from moving.wordpress.links import rewrite
from moving.wordpress.markup import convert
from moving.wordpress.reader import WxrError

DRAFT_STATUSES = {"draft", "pending", "private"}
PUBLISHED_STATUSES = {"publish", "future"}
OLD_PATH_MAX = Redirect._meta.get_field("old_path").max_length
TITLE_MAX = Post._meta.get_field("title").max_length


def _counts(*names):
    return field(default_factory=lambda: dict.fromkeys(names, 0))


@dataclass
class Report:
    created: dict = _counts("posts", "pages", "comments", "tags", "redirects")
    updated: dict = _counts("posts", "pages", "comments", "redirects")
    unchanged: dict = _counts("posts", "pages", "comments")
    skipped: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    # What WordPress kept from the public (a password, "private"): imported as drafts, for the author to decide.
    decisions: list = field(default_factory=list)
    spam: int = 0
    uploads: dict = field(default_factory=dict)  # attachments.tally(): what --uploads brought


def hidden_because(item):
    """Why WordPress did not show the item to everyone (so it stays a draft here), or "" if it did."""
    if item.password:
        return "password-protected in WordPress; a draft here (this blog has no passwords): publish it or keep it"
    if item.status == "private":
        return "private in WordPress (only its author saw it); a draft here: publish it or keep it"
    return ""


def title(item):
    """The item's title, whole: one longer than any this blog keeps is refused, never cut."""
    if len(item.title) > TITLE_MAX:
        raise WxrError(
            f"line {item.line}: the title of {item.post_type} {item.wordpress_id} is {len(item.title):,} characters "
            f"long; this blog keeps titles of up to {TITLE_MAX:,}: shorten it and import again."
        )
    return item.title or f"Untitled ({item.wordpress_id})"


def free_slug(base, longest, taken, allowed=lambda slug: True):
    """base, or base-2, base-3... cut to longest: the first that is not taken and is allowed."""
    slug, number = base, 1
    while taken(slug) or not allowed(slug):
        number += 1
        suffix = f"-{number}"
        slug = base[: longest - len(suffix)].rstrip("-") + suffix
    return slug


def site_path(site):
    """The path the old blog lived under (its permalinks start there): "" or /blog."""
    return urlsplit(site).path.rstrip("/")


def link_path(item):
    """The path of the item's <link>, as the old server answered it ("" for /?p=ID style links)."""
    link = urlsplit(item.link)
    return unquote(link.path) if link.path and link.path != "/" and not link.query else ""


def write_redirects(paths, report, url, **target):
    """Each old path answers 301 to the post or page (target), unless it is its address or leads elsewhere."""
    ours = (target["post"].pk if "post" in target else None, target["page"].pk if "page" in target else None)
    for path in dict.fromkeys(paths):
        if not path or len(path) > OLD_PATH_MAX or path == url:
            continue
        existing = Redirect.objects.filter(old_path=path).first()
        leads_to = (existing.post_id, existing.page_id) if existing is not None else (None, None)
        if leads_to != (None, None) and leads_to != ours:
            # Another post's or page's old address (another site's /?p=ID, a slug renamed here): never taken over.
            report.skipped.append(f"redirect {path}: already leads to {existing.target()}, left as it is")
            continue
        _redirect, changed = Redirect.objects.record(path, **target)
        if changed:
            report.updated["redirects"] += existing is not None
            report.created["redirects"] += existing is None


def report_notes(item, report, notes, hidden):
    """Put the item's notes, and why it is hidden from readers if it is, into the report."""
    for note in notes:
        report.notes.append(f"{item.describe()}: {note}")
    if hidden:
        report.decisions.append(f"{item.describe()}: {hidden}")


def remember(known, kind, report, digest, create):
    """Record what the item became: a new record (create()) or `known`, brought up to date; counts it as `kind`."""
    if known is None:
        create()
        report.created[kind] += 1
    else:
        known.digest, known.imported_at = digest, timezone.now()
        known.save(update_fields=["digest", "imported_at"])
        report.updated[kind] += 1


def deleted_here(item, known, thing, report):
    """Whether `thing`, the post or page `known` made, was deleted here since: it stays deleted (reported)."""
    if known is None or thing is not None:
        return False
    report.skipped.append(f"{item.describe()}: deleted here since it was imported")
    return True


def left_as_is(item, known, thing, kind, report):
    """Whether `thing`, the post or page `known` made, stays: unchanged in WordPress, or edited here since."""
    if known is None:
        return False
    if known.digest == item.digest():
        report.unchanged[kind] += 1
        return True
    if thing.updated_at > known.imported_at:
        report.skipped.append(f"{item.describe()}: changed in WordPress, but edited here since; left as it is")
        return True
    return False


def body(item, gallery):
    """(source, notes): the item's content as the engine's source, its old upload links leading to the new ones."""
    text, notes = convert(item.content, attachments=gallery, old_url=item.link, post_id=item.wordpress_id)
    text, links = rewrite(text)
    return text, [*notes, *links]
