from django.core.management.base import BaseCommand
from django.template.defaultfilters import pluralize

from comments import outbox
from comments.models import Notification


class Command(BaseCommand):
    help = "Send the author's comment mail that is due, retrying what failed before (run from a timer)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=outbox.BATCH, help=f"At most this many ({outbox.BATCH}).")

    def handle(self, *args, limit, **options):
        sent, failed = outbox.send_due(limit=limit, log=self.stdout.write)
        waiting = Notification.objects.filter(sent_at=None, gave_up=False).count()
        if failed:
            self.stdout.write(
                self.style.WARNING(
                    f"Sent {sent} mail{pluralize(sent)}, then stopped at a failure; {waiting} still to send."
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"Sent {sent} mail{pluralize(sent)}; {waiting} still to send."))
