"""The sidebar every public page carries: blurbs, the Pile o'Tags, Stuff I Use, the spam report."""

from django.template.loader import render_to_string
from markupsafe import Markup

from blog import counts
from blog.models import Blurb, Tag
from blog.tagcloud import weigh
from comments.models import SpamReport
from escribe.prepared import Prepared

PILE_SIZE = 30

# Every public page runs these: prepared, they cost the database's time, not the ORM's.
_TAGS = Prepared("sidebar tags", lambda: Tag.objects.with_post_counts())
_BLURBS = Prepared("sidebar blurbs", lambda: Blurb.objects.visible().only("title", "body_html"))


def sidebar():
    """The sidebar's HTML, in three queries (tags carry stored counts)."""
    counts.ensure_fresh()  # with_post_counts() does this too, but the prepared query builds it only once
    tags = _TAGS.all()
    used = sorted((tag for tag in tags if tag.post_count > 0), key=lambda tag: -tag.post_count)
    context = {
        "blurbs": _BLURBS.all(),
        "pile": sorted(weigh(used[:PILE_SIZE]), key=lambda tag: tag.name.lower()),
        "featured": [tag for tag in tags if tag.featured],
        "spam_report": SpamReport.current(),
    }
    return Markup(render_to_string("blog/_sidebar.html", context))
