from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import pluralize

from escribe import backup_media, backups


class Command(BaseCommand):
    help = "Write a checked copy of the live database and the uploads into the backup folder; keep the newest copies."

    def add_arguments(self, parser):
        parser.add_argument("--to", metavar="DIR", help="The folder (default: ESCRIBE_BACKUP_DIR).")
        parser.add_argument("--keep", type=int, default=14, metavar="N", help="Keep the N newest backups (14).")

    def handle(self, *args, to, keep, **options):
        if keep < 1:
            raise CommandError(f"--keep must be 1 or more, not {keep}: the backup just made is always kept.")
        try:
            path = backups.make_backup(to)
        except (backups.BackupError, OSError) as error:
            raise CommandError(f"No backup was made: {error}") from None
        deleted = backups.rotate(path.parent, keep, keeping=path)
        size = path.stat().st_size
        self.stdout.write(self.style.SUCCESS(f"Backed up the database to {path} ({size:,} bytes, checked)."))
        uploads = backup_media.beside(path)
        if uploads.is_dir():
            names = backup_media.files(uploads)
            # A file no older backup shares was copied tonight; the rest are links to the copies before.
            new = [name for name in names if (uploads / name).stat().st_nlink == 1]
            linked = len(names) - len(new)
            self.stdout.write(
                f"Backed up {len(names)} upload file{pluralize(len(names))} to {uploads} "
                f"({len(new)} copied, {linked} linked to the previous backup's copies)."
            )
        else:
            self.stdout.write("The uploads are in an object store, not on this machine: back them up there.")
        if deleted:
            self.stdout.write(
                f"Deleted {len(deleted)} older backup{pluralize(len(deleted))}, keeping the {keep} newest."
            )
