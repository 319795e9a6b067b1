"""Take away what seed_demo brought and the author left as it was: `make run`'s demo is for trying, not for keeping."""

from django.core.management.base import BaseCommand
from django.db import transaction

from moving import demo
from moving.management.commands.seed_demo import default_source


class Command(BaseCommand):
    help = (
        "Delete the demo's posts (with their comments, history and mail), pages, blurbs, uploads, the tags no "
        "other post carries and its part of the spam counter; what the author edited stays."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would go and change nothing.")

    def handle(self, *args, dry_run=False, **options):
        with transaction.atomic():
            # Loaded by a make run from before seed_demo recorded it: known by its content, as demo/ has it.
            if not demo.present() and demo.recognise_folder(default_source()):
                self.stdout.write("Recognised the demo content an earlier make run loaded.")
            if not demo.present():
                self.stdout.write("No demo content is recorded in this database; nothing to remove.")
                return
            removal = demo.remove()
            if dry_run:
                transaction.set_rollback(True)
        verb = "Would remove" if dry_run else "Removed"
        for line in removal.removed:
            self.stdout.write(f"{verb} {line}")
        for line in removal.restored:
            self.stdout.write(f"{'Would set' if dry_run else 'Set'} {line}")
        for line in removal.kept:
            self.stdout.write(self.style.WARNING(f"Kept {line}."))
        if removal.spam:
            (killed, since), (killed_after, since_after) = removal.spam
            self.stdout.write(
                f"{'Would set' if dry_run else 'Set'} the spam counter from {killed:,} since {since} "
                f"to {killed_after:,} since {since_after} (spam caught here stays counted)."
            )
        if dry_run:
            self.stdout.write(self.style.SUCCESS(f"Dry run, nothing changed: would remove {removal.summary()}."))
        else:
            self.stdout.write(self.style.SUCCESS(f"Demo removed: {removal.summary()}. Every page shows it at once."))
