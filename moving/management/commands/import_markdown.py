"""manage.py import_markdown DIR: bring in a blog as Markdown files (E-Scribe's own, Jekyll, Octopress, Hugo)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from blog.frontmatter import FrontMatterError
from moving.markdown.folder import ImportProblem, read_folder
from moving.markdown.importer import import_folder
from moving.markdown.permalinks import FORMS, read_old_site


class Command(BaseCommand):
    help = "Import posts, tags, blurbs, pages, comments and the spam counter from a Markdown folder; idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "directory", metavar="DIR", type=Path, help="An export_markdown folder, or Jekyll, Octopress or Hugo posts."
        )
        parser.add_argument("--dry-run", action="store_true", help="Report what would change and change nothing.")
        parser.add_argument("--author", metavar="USERNAME", help="Attribute new posts to this user.")
        parser.add_argument(
            "--static", metavar="DIR", type=Path,
            help="Where the old site's /images/... were (Jekyll's site root, Octopress's source/, Hugo's static/).",
        )  # fmt: skip
        parser.add_argument(
            "--permalink", metavar="PATTERN",
            help="The old site's address of a post, e.g. /blog/:year/:month/:day/:title/ (default: its config's).",
        )  # fmt: skip

    def handle(self, *args, directory, dry_run=False, author=None, verbosity=1, static=None, permalink=None, **options):
        user = None
        if author:
            user = get_user_model().objects.filter(username=author).first()
            if user is None:
                raise CommandError(f"No user {author!r}; create it first or leave out --author.")
        if static is not None and not static.is_dir():
            raise CommandError(f"--static {static}: not a folder. Nothing was imported.")
        try:
            folder = read_folder(directory)
            old_site = None
            if folder.own_format and (static or permalink):
                # Its posts link to /media/... and live at /post/slug/ already: nothing to look for.
                raise CommandError(
                    f"{directory} is E-Scribe's own folder: --static and --permalink are for other engines'."
                )
            if not folder.own_format:
                old_site = read_old_site(directory, static=static, permalink=permalink)
                self.stdout.write(describe(old_site))
            report = import_folder(folder, dry_run=dry_run, author=user, old_site=old_site)
        except (FrontMatterError, ImportProblem, OSError, UnicodeDecodeError) as error:
            problems = str(error).splitlines()
            if len(problems) > 1:
                # Every problem of the folder, one a line, so the author fixes them all before the next run.
                lines = [f"{len(problems)} problems:", *problems, "Nothing was imported."]
                raise CommandError("\n".join(lines)) from error
            raise CommandError(f"{error} Nothing was imported.") from error
        print_report(self, report, verbosity)
        prefix = "Dry run, nothing changed: would have" if dry_run else "Imported from"
        self.stdout.write(self.style.SUCCESS(f"{prefix} {directory}: {report.summary()}."))


def describe(site):
    """Where the old addresses and files come from, in one or two lines."""
    if site.engine == "hugo" and not site.pattern:
        patterns = ", ".join(f"{section}: {pattern}" for section, pattern in site.sections.items()) or "Hugo's default"
    else:
        patterns = site.pattern
    told = f"from {site.config}" if site.config else "Jekyll's default, no _config.yml or Hugo config found"
    lines = [f"Old addresses: {patterns} ({told}), {FORMS}."]
    if site.prefix:
        lines.append(
            f"The old site lived under {site.prefix}: each old address is kept with and without it "
            f"(requests under {site.prefix} reach this site only if it is served there too)."
        )
    lines.append("Images and files: under " + (", ".join(map(str, site.static)) or "no folder") + " and beside posts.")
    return "\n".join(lines)


def print_report(command, report, verbosity):
    """Each created, updated or skipped thing and why (verbosity 1 and up), then the notes."""
    if verbosity >= 1:
        for action, what, why in report.lines:
            command.stdout.write(f"{action} {what}" + (f" ({why})" if why else ""))
    for line in report.renamed:
        command.stdout.write(command.style.WARNING(f"renamed: {line}"))
    for note in report.notes:
        command.stderr.write(command.style.WARNING(note))
