"""Reading time, excerpt and lead image for posts saved before those fields existed (Post.describe())."""

from django.db import migrations

from blog import posthtml

BATCH = 500


def describe(apps, schema_editor):
    Post = apps.get_model("blog", "Post")
    batch = []
    for post in Post.objects.only("pk", "body_html", "summary_html").iterator(chunk_size=BATCH):
        # Historical models have no methods: the same three lines as Post.describe().
        post.reading_minutes = posthtml.reading_minutes(post.body_html)
        post.excerpt = posthtml.description(post.summary_html) or posthtml.description(post.body_html)
        image = posthtml.first_image(post.body_html)
        post.lead_image = image if len(image) <= 500 and not image.startswith("data:") else ""
        batch.append(post)
        if len(batch) >= BATCH:
            Post.objects.bulk_update(batch, ["reading_minutes", "excerpt", "lead_image"])
            batch = []
    Post.objects.bulk_update(batch, ["reading_minutes", "excerpt", "lead_image"])


class Migration(migrations.Migration):
    dependencies = [("blog", "0006_pages_and_sharing")]

    operations = [migrations.RunPython(describe, migrations.RunPython.noop)]
