import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models


def build(apps, schema_editor):
    """Make the search index for this database and index every existing post."""
    from blog import search

    connection = schema_editor.connection
    search.create_table(connection)
    Post = apps.get_model("blog", "Post")
    tags = {}
    for post_id, name in Post.tags.through.objects.values_list("post_id", "tag__name"):
        tags.setdefault(post_id, []).append(name)
    ids = list(Post.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), 2000):
        posts = Post.objects.filter(pk__in=ids[start : start + 2000]).values_list(
            "pk", "title", "summary_html", "body_html"
        )
        search.store(
            connection, [(pk, title, sorted(tags.get(pk, [])), summary, body) for pk, title, summary, body in posts]
        )


def drop(apps, schema_editor):
    from blog import search

    search.drop_table(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0003_redirects"),
    ]

    operations = [
        # The table differs by database (blog/search.py makes it): Django keeps only the model's state.
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                (
                    "post",
                    models.OneToOneField(
                        db_column="rowid",
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search_entry",
                        serialize=False,
                        to="blog.post",
                    ),
                ),
                ("title", models.TextField()),
                ("tags", models.TextField()),
                ("summary", models.TextField()),
                ("body", models.TextField()),
                ("folded_title", models.TextField()),
                ("folded_tags", models.TextField()),
                ("folded_summary", models.TextField()),
                ("folded_body", models.TextField()),
                ("vector", django.contrib.postgres.search.SearchVectorField(null=True)),
            ],
            options={"db_table": "blog_search", "managed": False},
        ),
        migrations.RunPython(build, drop),
    ]
