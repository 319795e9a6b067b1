from django.conf import settings
from django.core.management.base import BaseCommand

from escribe import page_stamp, pages


class Command(BaseCommand):
    help = "Make every page file stale (after an upgrade or a restore): readers get pages rendered afresh."

    def handle(self, *args, **options):
        if not pages.enabled():
            self.stdout.write(self.style.NOTICE("ESCRIBE_PAGES_DIR is not set: there are no page files."))
            return
        page_stamp.announce()  # every host's, not only this one's
        pages.invalidate()
        message = f"Every page file in {settings.PAGES_DIR} is stale; new ones follow readers."
        self.stdout.write(self.style.SUCCESS(message))
