"""Reading time, excerpt and lead image for posts saved before those fields existed (Post.describe())."""

from django.db import migrations

from blog import posthtml

BATCH = 500


def describe(apps, schema_editor):
    Post = apps.get_model("blog", "Post")
    batch = []
    for post in Post.objects.only("pk", "body_html", "summary_html").iterator(chunk_size=BATCH):
        # Historical models have no methods: what Post.describe() sets.
        post.reading_minutes, post.excerpt, post.lead_image = posthtml.describe(post.body_html, post.summary_html)
        batch.append(post)
        if len(batch) >= BATCH:
            Post.objects.bulk_update(batch, ["reading_minutes", "excerpt", "lead_image"])
            batch = []
    Post.objects.bulk_update(batch, ["reading_minutes", "excerpt", "lead_image"])


class Migration(migrations.Migration):
    dependencies = [("blog", "0006_pages_and_sharing")]

    operations = [migrations.RunPython(describe, migrations.RunPython.noop)]
