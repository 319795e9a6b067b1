"""The sidebar every public page carries: blurbs, the Pile o'Tags, Stuff I Use, the spam report."""

from django.template.loader import render_to_string
from markupsafe import Markup

from blog.models import Blurb, Tag
from blog.tagcloud import weigh
from comments.models import SpamReport

PILE_SIZE = 30


def sidebar():
    """The sidebar's HTML, in three queries (tags carry stored counts)."""
    tags = list(Tag.objects.with_post_counts())
    used = sorted((tag for tag in tags if tag.post_count > 0), key=lambda tag: -tag.post_count)
    context = {
        "blurbs": Blurb.objects.visible().only("title", "body_html"),
        "pile": sorted(weigh(used[:PILE_SIZE]), key=lambda tag: tag.name.lower()),
        "featured": [tag for tag in tags if tag.featured],
        "spam_report": SpamReport.current(),
    }
    return Markup(render_to_string("blog/_sidebar.html", context))
