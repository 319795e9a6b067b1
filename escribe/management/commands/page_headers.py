from pathlib import Path

from django.core.management.base import BaseCommand

from escribe.security import any_response_headers, nginx_directives, page_headers


class Command(BaseCommand):
    help = "Write the headers Django puts on public pages as nginx add_header lines, for pages nginx serves as files."

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", help="Write to this file (nginx includes it) instead of standard output.")
        parser.add_argument(
            "--any-response",
            action="store_true",
            help="Only the headers for any response (static files, uploads, nginx's errors): no Cache-Control or CSP.",
        )

    def handle(self, *args, output=None, any_response=False, **options):
        text = "# Written by `manage.py page_headers` from E-Scribe's settings; run it again after changing them.\n"
        text += nginx_directives(any_response_headers() if any_response else page_headers())
        if output is None:
            self.stdout.write(text, ending="")
            return
        Path(output).write_text(text)
        self.stdout.write(self.style.SUCCESS(f"Wrote {output}; reload nginx to apply it."))
