from django.core.management.base import BaseCommand, CommandError

from escribe import backups, pages


class Command(BaseCommand):
    help = "Replace the live database with a backup, after showing what that would lose (needs --yes)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="A backup made by `manage.py backup`.")
        parser.add_argument("--yes", action="store_true", help="Restore; without it, only show what would change.")

    def handle(self, *args, file, yes, **options):
        try:
            backups.verify(file)
        except backups.BackupError as error:
            raise CommandError(f"Nothing was restored: {error}") from None
        self.show_changes(file)
        if not yes:
            raise CommandError("Nothing was restored. Run again with --yes to replace the live database.")
        try:
            safety = backups.make_backup(label=backups.BEFORE_RESTORE)
            backups.restore(file)
        except (backups.BackupError, OSError) as error:
            raise CommandError(f"Nothing was restored: {error}") from None
        # Page files show the data the restore replaced.
        pages.invalidate()
        self.stdout.write(self.style.SUCCESS(f"Restored the database from {file}; every page file is stale."))
        self.stdout.write(f"The database as it was is in {safety}; to undo: manage.py restore {safety} --yes")
        missing = backups.unapplied_migrations()
        if missing:
            self.stdout.write(
                self.style.WARNING(f"The backup predates {len(missing)} migration(s): run manage.py migrate.")
            )

    def show_changes(self, file):
        when = backups.taken_at(file)
        self.stdout.write(f"Backup {file}, taken {when:%Y-%m-%d %H:%M} UTC.")
        try:
            changes = backups.compare(file)
        except backups.ComparisonUnavailable as error:
            self.stdout.write(self.style.WARNING(f"Cannot say what the restore would lose: {error}"))
            return
        if not changes:
            self.stdout.write("The live database holds the same rows: the restore loses nothing.")
            return
        self.stdout.write("Restoring it would change (rows now -> rows in the backup):")
        for change in changes:
            backup = "none (no such table)" if change.backup is None else change.backup
            self.stdout.write(f"  {change.name}: {change.live} -> {backup}")
            if change.newer_count:
                self.stdout.write(f"    lost, newer than anything in the backup ({change.newer_count}):")
                for row in change.newer:
                    self.stdout.write(f"      - {row}")
                if change.newer_count > len(change.newer):
                    self.stdout.write(f"      ... and {change.newer_count - len(change.newer)} more")
