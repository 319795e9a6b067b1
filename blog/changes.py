"""What a change to the blog's content makes stale: the one place that says so.

The blog's signal receivers, its management commands and any bulk operation
(queryset.update(), bulk_create(), which send no signals) call content_changed().
"""

from blog import counts
from escribe import pages


def content_changed(*, tags=(), months=(), everything=False):
    """Posts, tags or blurbs changed: recount what is named (or everything), and every reader's page is stale.

    The counts are updated at once, in the caller's transaction; the page
    files go stale when that transaction commits.
    """
    if everything:
        counts.recount_tags()
        counts.recount_months()
    else:
        if tags:
            counts.recount_tags(set(tags))
        if months:
            counts.recount_months(set(months))
    pages.invalidate_on_commit()
