from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from escribe import backups


class Command(BaseCommand):
    help = "Write a checked copy of the live database into the backup folder and keep only the newest copies."

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
        if deleted:
            self.stdout.write(f"Deleted {len(deleted)} older backup(s), keeping the {keep} newest.")
        # The database names the uploads; their files are elsewhere (docs/DEPLOY.md, "Backups").
        self.stdout.write(f"Uploads are not in it: copy {settings.MEDIA_ROOT} as well (export_markdown includes them).")
