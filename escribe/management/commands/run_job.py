import argparse
from datetime import timedelta

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from escribe import jobs


class Command(BaseCommand):
    help = (
        "Run another command as a cluster-wide job (from a timer on every host): one host at a time, "
        "and with --every at most once in that many hours across all hosts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, metavar="HOURS", help="Skip if a run finished this recently.")
        parser.add_argument(
            "--lease", type=float, default=60, metavar="MINUTES", help="After this, a silent host's claim lapses (60)."
        )
        parser.add_argument("command_name", metavar="COMMAND", help="The command to run, e.g. purge_spam.")
        parser.add_argument("command_args", nargs=argparse.REMAINDER, help="Its arguments.")

    def handle(self, *args, every, lease, command_name, command_args, **options):
        if (every is not None and every < 0) or lease <= 0:
            raise CommandError("--every must be 0 or more and --lease more than 0.")
        period = None if every is None else timedelta(hours=every)
        # The job's name is the command with its arguments: `backup --to X` is not `backup`.
        name = " ".join([command_name, *command_args])[:100]
        with jobs.claimed(name, timedelta(minutes=lease), period) as mine:
            if not mine:
                self.stdout.write(f"{name}: another host runs it or ran it recently; nothing to do here.")
                return
            call_command(command_name, *command_args, stdout=self.stdout, stderr=self.stderr)
