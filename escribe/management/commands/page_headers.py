from pathlib import Path

from django.core.management.base import BaseCommand

from escribe.security import nginx_directives, page_headers


class Command(BaseCommand):
    help = "Write the headers Django puts on public pages as nginx add_header lines, for pages nginx serves as files."

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", help="Write to this file (nginx includes it) instead of standard output.")

    def handle(self, *args, output=None, **options):
        text = "# Written by `manage.py page_headers` from E-Scribe's settings; run it again after changing them.\n"
        text += nginx_directives(page_headers())
        if output is None:
            self.stdout.write(text, ending="")
            return
        Path(output).write_text(text)
        self.stdout.write(self.style.SUCCESS(f"Wrote {output}; reload nginx to apply it."))
