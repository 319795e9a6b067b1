from django.core.management.base import BaseCommand

from blog import search
from blog.changes import content_changed
from blog.models import Blurb, Post


class Command(BaseCommand):
    help = "Re-render every post and blurb and redo the stored counts (after the renderer or the time zone changed)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would change; write nothing.")

    def handle(self, *args, dry_run=False, **options):
        changed = 0
        for model in (Post, Blurb):
            for obj in model.objects.iterator():
                before = (obj.body_html, getattr(obj, "summary_html", ""))
                warnings = obj.render()
                for warning in warnings:
                    self.stderr.write(self.style.WARNING(f"{model.__name__} {obj.pk} ({obj}): {warning}"))
                if before != (obj.body_html, getattr(obj, "summary_html", "")):
                    changed += 1
                    if not dry_run:
                        # update_fields keeps updated_at (and feed dates) as they were.
                        fields = ["body_html", "summary_html"] if model is Post else ["body_html"]
                        model.objects.filter(pk=obj.pk).update(**{f: getattr(obj, f) for f in fields})
        if not dry_run:
            # update() above sends no signals; the derived counts are redone too
            # (they depend on the time zone months are counted in).
            content_changed(everything=True)
            # The index holds the rendered text.
            search.rebuild_index()
        verb = "would change" if dry_run else "re-rendered"
        self.stdout.write(self.style.SUCCESS(f"{changed} post(s) and blurb(s) {verb}."))
