"""Render again the posts and blurbs whose code fences carry options (linenos, hl_lines, title:, mark:...).

The renderer showed such options as the block's caption; it now honours them
or warns (blog/fences.py). Only the rows with such a fence are rendered, with
update(), so updated_at and the feeds' dates stay as they were. Page files
go stale with the upgrade's `manage refresh_pages` (docs/DEPLOY.md).
"""

import re

from django.db import migrations
from django.db.models import Q
from django.utils.text import slugify

# An opening fence with more than a language: the only blocks whose HTML changed.
FENCE_WITH_OPTIONS = re.compile(r"^(?:`{3,}|~{3,})[ \t]*[\w#+.-]+[ \t]+\S", re.MULTILINE)
HAS_FENCE = Q(body__contains="```") | Q(body__contains="~~~")


def rerender(apps, schema_editor):
    from blog.rendering import render

    Post, Blurb = apps.get_model("blog", "Post"), apps.get_model("blog", "Blurb")
    for post in Post.objects.filter(HAS_FENCE | Q(summary__contains="```") | Q(summary__contains="~~~")).iterator():
        if FENCE_WITH_OPTIONS.search(post.body) or FENCE_WITH_OPTIONS.search(post.summary):
            # As Post.render() does (historical models have no methods).
            body_html = render(post.body, id_prefix=post.slug).html
            summary_html = render(post.summary, id_prefix=f"{post.slug}-summary").html if post.summary else ""
            Post.objects.filter(pk=post.pk).update(body_html=body_html, summary_html=summary_html)
    for blurb in Blurb.objects.filter(HAS_FENCE).iterator():
        if FENCE_WITH_OPTIONS.search(blurb.body):
            body_html = render(blurb.body, id_prefix=f"blurb-{slugify(blurb.title)}").html
            Blurb.objects.filter(pk=blurb.pk).update(body_html=body_html)


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0004_search"),
    ]

    operations = [
        migrations.RunPython(rerender, migrations.RunPython.noop),
    ]
