"""Post.tags through a named model, PostTag, on the table Django made for it: only Django's picture changes.

Django's documented way to give an existing many-to-many field a through
model (Migrations, "Changing a ManyToManyField to use a through model"): the
table, its columns and its unique index are those 0001 created.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0009_site_settings"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="PostTag",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "post",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="blog.post"
                            ),
                        ),
                        (
                            "tag",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="blog.tag"
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "tag on a post",
                        "verbose_name_plural": "tags on posts",
                        "db_table": "blog_post_tags",
                        "unique_together": {("post", "tag")},
                    },
                ),
                migrations.AlterField(
                    model_name="post",
                    name="tags",
                    field=models.ManyToManyField(
                        blank=True, related_name="posts", through="blog.PostTag", to="blog.tag"
                    ),
                ),
            ],
        ),
    ]
