from django.db import migrations
from django.utils import timezone


def create_report(apps, schema_editor):
    SpamReport = apps.get_model("comments", "SpamReport")
    SpamReport.objects.get_or_create(pk=1, defaults={"killed": 0, "since_year": timezone.now().year})


class Migration(migrations.Migration):
    dependencies = [("comments", "0001_initial")]

    operations = [migrations.RunPython(create_report, migrations.RunPython.noop)]
