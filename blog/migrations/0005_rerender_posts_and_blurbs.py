"""Render every post and blurb again with this version's renderer.

Code fences' options (linenos, hl_lines, title:, mark:...) were shown as the
block's caption; they are now honoured or warned about (blog/fences.py). Code
blocks and tables that scroll sideways now take keyboard focus (tabindex,
a name). Rendered with update(), so updated_at and the feeds' dates stay as
they were; page files go stale with the upgrade's `manage refresh_pages`
(docs/DEPLOY.md).
"""

from django.db import migrations
from django.utils.text import slugify

BATCH = 500


def rerender(apps, schema_editor):
    from blog.rendering import render

    Post, Blurb = apps.get_model("blog", "Post"), apps.get_model("blog", "Blurb")
    posts = Post.objects.only("pk", "slug", "body", "summary")
    for post in posts.iterator(chunk_size=BATCH):
        # As Post.render() does (historical models have no methods); no uploads exist before 0008.
        post.body_html = render(post.body, id_prefix=post.slug).html
        post.summary_html = render(post.summary, id_prefix=f"{post.slug}-summary").html if post.summary else ""
        Post.objects.filter(pk=post.pk).update(body_html=post.body_html, summary_html=post.summary_html)
    for blurb in Blurb.objects.only("pk", "title", "body").iterator(chunk_size=BATCH):
        body_html = render(blurb.body, id_prefix=f"blurb-{slugify(blurb.title)}").html
        Blurb.objects.filter(pk=blurb.pk).update(body_html=body_html)


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0004_search"),
    ]

    operations = [
        migrations.RunPython(rerender, migrations.RunPython.noop),
    ]
