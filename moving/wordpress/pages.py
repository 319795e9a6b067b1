"""WordPress pages as the blog's standalone pages: at a free slug, in WordPress's order, their old addresses kept."""

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from blog.models import Page
from moving.models import WordPressPage
from moving.wordpress.common import (
    DRAFT_STATUSES,
    body,
    deleted_here,
    free_slug,
    hidden_because,
    left_as_is,
    link_path,
    remember,
    report_notes,
    site_path,
    title,
    write_redirects,
)

SLUG_MAX = Page._meta.get_field("slug").max_length
# A page has no date to wait for: a page WordPress would publish later waits here as a draft.
PAGE_STATUSES = DRAFT_STATUSES | {"publish", "future"}
SCHEDULED = "scheduled in WordPress; a draft here (a page has no date to wait for): publish it when it is due"


def import_page(export, item, report, pages, gallery=None):
    """Write one page item (pages: the export's pages by WordPress id) and its old addresses into the report."""
    if item.status not in PAGE_STATUSES:
        report.skipped.append(f"{item.describe()}: WordPress status {item.status!r}")
        return
    known = WordPressPage.objects.filter(site=export.site, wordpress_id=item.wordpress_id).first()
    if deleted_here(item, known, known and known.page, report):
        return
    page = _write_page(item, known, export, report, pages, gallery)
    if item.comments:
        count = f"{len(item.comments)} comment" + ("s" if len(item.comments) != 1 else "")
        report.skipped.append(f"{item.describe()}: its {count} (a page here takes none)")
    write_redirects(_old_paths(item, export.site, pages), report, page.get_absolute_url(), page=page)


def _write_page(item, known, export, report, pages, gallery):
    if left_as_is(item, known, known and known.page, "pages", report):
        return known.page
    digest = item.digest()
    text, notes = body(item, gallery)
    page = known.page if known is not None else Page()
    page.title = title(item)
    wanted = _slug(item)
    page.slug = free_slug(wanted, SLUG_MAX, _taken_by_another(page), _allowed)
    page.body = text
    hidden = hidden_because(item) or (item.status == "future" and SCHEDULED)
    page.status = Page.Status.PUBLISHED if item.status == "publish" and not hidden else Page.Status.DRAFT
    # WordPress's menus list the top-level pages; a child page is reached from its parent.
    page.in_navigation = item.parent == 0
    page.position = item.menu_order
    page.save()
    notes = [*notes, *page.render_warnings]
    if page.slug != wanted:
        notes.append(
            f"/{wanted}/ is another page's, one of the site's own addresses or a post number "
            f"here; the page is at {page.get_absolute_url()}"
        )
    report_notes(item, report, notes, hidden)
    remember(known, "pages", report, digest, lambda: WordPressPage.objects.create(
        site=export.site, wordpress_id=item.wordpress_id, page=page, digest=digest
    ))  # fmt: skip
    return page


def _slug(item):
    return (slugify(item.name) or slugify(item.title) or f"page-{item.wordpress_id}")[:SLUG_MAX].strip("-")


def _taken_by_another(page):
    others = Page.objects.exclude(pk=page.pk) if page.pk else Page.objects.all()
    return lambda slug: others.filter(slug=slug).exists()


def _allowed(slug):
    """Whether a page may live at /slug/ (Page.clean(): not one of the site's own addresses, not a number)."""
    try:
        Page(slug=slug).clean()
    except ValidationError:
        return False
    return True


def _old_paths(item, site, pages):
    """/?page_id=N, the <link>'s path, and the path WordPress gave the page: its ancestors' slugs, then its own."""
    names, seen, parent = [item.name], {item.wordpress_id}, pages.get(item.parent)
    # A parent missing from the export, or a loop of parents (a hand-edited file), ends the path.
    while parent is not None and parent.wordpress_id not in seen and parent.name:
        names.insert(0, parent.name)
        seen.add(parent.wordpress_id)
        parent = pages.get(parent.parent)
    base = site_path(site)
    nested = f"{base}/{'/'.join(names)}/" if item.name else ""
    return [f"/?page_id={item.wordpress_id}", link_path(item), nested]
