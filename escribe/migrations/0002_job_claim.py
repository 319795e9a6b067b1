from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("escribe", "0001_pages_stamp"),
    ]

    operations = [
        migrations.CreateModel(
            name="JobClaim",
            fields=[
                ("name", models.CharField(max_length=100, primary_key=True, serialize=False)),
                (
                    "claimed_until",
                    models.DateTimeField(help_text="The holder's lease: past it, another host may take the job."),
                ),
                (
                    "last_done_at",
                    models.DateTimeField(blank=True, help_text="When a run last finished, on any host.", null=True),
                ),
                ("holder", models.CharField(blank=True, help_text="host:pid of the last claimer.", max_length=200)),
            ],
            options={
                "verbose_name": "background job claim",
            },
        ),
    ]
