from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import pluralize

from escribe import backup_changes, backup_media, backups, page_stamp, pages


class Command(BaseCommand):
    help = "Show what restoring a backup (database and uploads) would change; with --yes, restore it."

    def add_arguments(self, parser):
        parser.add_argument("file", help="A backup made by `manage.py backup` (its .sqlite3 or .pgdump file).")
        parser.add_argument("--yes", action="store_true", help="Restore; without it, only show what would change.")

    def handle(self, *args, file, yes, **options):
        try:
            with backups.opened(file) as backup:
                self.show_changes(backup)
                if not yes:
                    self.stdout.write("This was a preview: nothing was restored. Run again with --yes to restore.")
                    return
                safety = backups.make_backup(label=backups.BEFORE_RESTORE)
                uploads = backups.restore(backup)
        except backups.UploadsNotRestored as error:
            page_stamp.announce()
            pages.invalidate()
            raise CommandError(f"{error}. To undo: manage.py restore {safety} --yes") from None
        except (backups.BackupError, OSError) as error:
            raise CommandError(f"Nothing was restored: {error}") from None
        # Page files show the data the restore replaced, on every host.
        page_stamp.announce()
        pages.invalidate()
        what = "the database" if uploads is None else "the database and the uploads"
        self.stdout.write(self.style.SUCCESS(f"Restored {what} from {file}; every page file is stale."))
        self.stdout.write(f"The blog as it was is in {safety}; to undo: manage.py restore {safety} --yes")
        missing = backups.unapplied_migrations()
        if missing:
            self.stdout.write(
                self.style.WARNING(
                    f"The backup predates {len(missing)} migration{pluralize(len(missing))}: run manage.py migrate."
                )
            )

    def show_changes(self, backup):
        when = backups.taken_at(backup.path)
        self.stdout.write(f"Backup {backup.path}, taken {when:%Y-%m-%d %H:%M} UTC.")
        if backup.refused:
            self.stdout.write(
                self.style.WARNING(
                    "Left out, as E-Scribe's migrations make none of them: " + ", ".join(backup.refused) + "."
                )
            )
        try:
            changes = backup_changes.compare(backup)
        except backup_changes.ComparisonUnavailable as error:
            self.stdout.write(self.style.WARNING(f"Cannot say what the restore would change: {error}"))
            changes = None
        if changes == []:
            self.stdout.write("The live database holds the same rows: restoring it changes none.")
        elif changes:
            self.stdout.write("Restoring it would change (rows now -> rows in the backup):")
            for change in changes:
                count = "none (no such table)" if change.backup is None else change.backup
                self.stdout.write(f"  {change.name}: {change.live} -> {count}")
                self.show_rows("lost, not in the backup", change.lost, change.lost_count, "-")
                self.show_rows("back, deleted since the backup", change.back, change.back_count, "+")
                self.show_rows("changed since the backup", change.changed, len(change.changed), "~")
        self.show_uploads(backup)

    def show_uploads(self, backup):
        media = backup_media.media_root()
        if backup.uploads is None or media is None:
            where = "this backup holds none" if backup.uploads is None else "they are in an object store"
            self.stdout.write(f"Uploads: {where}; a restore leaves the uploads as they are.")
            return
        plan = backup_media.plan(backup.uploads, media)
        if not (plan.back or plan.replaced or plan.removed):
            self.stdout.write(f"Uploads: the same {plan.live} file{pluralize(plan.live)} as in the backup.")
            return
        self.stdout.write(f"  upload files: {plan.live} -> {plan.backup}")
        self.show_rows("lost, not in the backup", plan.removed, len(plan.removed), "-")
        self.show_rows("back, deleted since the backup", plan.back, len(plan.back), "+")
        self.show_rows("replaced by the backup's", plan.replaced, len(plan.replaced), "~")

    def show_rows(self, heading, names, count, mark):
        if not count:
            return
        self.stdout.write(f"    {heading} ({count}):")
        for name in names[: backup_changes.LISTED]:
            self.stdout.write(f"      {mark} {name}")
        if count > backup_changes.LISTED:
            self.stdout.write(f"      ... and {count - backup_changes.LISTED} more")
