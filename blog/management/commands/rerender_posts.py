from django.core.management.base import BaseCommand

from blog import search
from blog.changes import content_changed
from blog.models import Blurb, Page, Post


class Command(BaseCommand):
    help = "Re-render every post, page and blurb and redo the stored counts (after a renderer or time zone change)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would change; write nothing.")

    def handle(self, *args, dry_run=False, **options):
        changed = 0
        for model in (Post, Page, Blurb):
            # What render() sets; a post's reading time, description and lead image come from its HTML.
            fields = model.rendered_fields
            for obj in model.objects.iterator():
                before = [getattr(obj, field) for field in fields]
                warnings = obj.render()
                for warning in warnings:
                    self.stderr.write(self.style.WARNING(f"{model.__name__} {obj.pk} ({obj}): {warning}"))
                if before != [getattr(obj, field) for field in fields]:
                    changed += 1
                    if not dry_run:
                        # update() keeps updated_at (and feed dates) as they were.
                        model.objects.filter(pk=obj.pk).update(**{field: getattr(obj, field) for field in fields})
        if not dry_run:
            # update() above sends no signals; the derived counts are redone too
            # (they depend on the time zone months are counted in).
            content_changed(everything=True)
            # The index holds the rendered text.
            search.rebuild_index()
        verb = "would change" if dry_run else "re-rendered"
        what = "post, page or blurb" if changed == 1 else "posts, pages and blurbs"
        self.stdout.write(self.style.SUCCESS(f"{changed} {what} {verb}."))
