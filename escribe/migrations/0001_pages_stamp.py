import secrets

from django.db import migrations, models
from django.utils import timezone


def first_row(apps, schema_editor):
    """Row 1, which every change updates (escribe/page_stamp.py)."""
    PagesStamp = apps.get_model("escribe", "PagesStamp")
    PagesStamp.objects.using(schema_editor.connection.alias).get_or_create(
        id=1, defaults={"token": secrets.randbits(63), "lazy_token": secrets.randbits(63), "changed_at": timezone.now()}
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="PagesStamp",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                (
                    "token",
                    models.BigIntegerField(
                        help_text="Replaced by every change: page files started under another are stale."
                    ),
                ),
                (
                    "lazy_token",
                    models.BigIntegerField(
                        help_text="Replaced by changes pages may lag by a minute (the spam counter)."
                    ),
                ),
                ("changed_at", models.DateTimeField()),
            ],
            options={"verbose_name": "page files stamp"},
        ),
        migrations.RunPython(first_row, migrations.RunPython.noop),
    ]
