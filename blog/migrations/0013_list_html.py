"""What lists show under a post's title, stored with the post (Post.describe()), filled in for posts saved before."""

from django.db import migrations, models

from blog import posthtml

BATCH = 500


def fill(apps, schema_editor):
    Post = apps.get_model("blog", "Post")
    batch = []
    for post in Post.objects.only("pk", "body_html", "summary_html").iterator(chunk_size=BATCH):
        # Historical models have no methods: what Post.describe() sets.
        post.list_html = posthtml.list_html(post.body_html, post.summary_html)
        batch.append(post)
        if len(batch) >= BATCH:
            Post.objects.bulk_update(batch, ["list_html"])
            batch = []
    Post.objects.bulk_update(batch, ["list_html"])


class Migration(migrations.Migration):
    dependencies = [("blog", "0012_redirect_page")]

    operations = [
        migrations.AddField(
            model_name="post",
            name="list_html",
            field=models.TextField(
                blank=True,
                editable=False,
                help_text="What lists show under the title: the summary, else the first paragraph.",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
