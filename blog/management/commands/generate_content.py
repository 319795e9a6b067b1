"""Bulk posts for benchmarks: many posts with code and tags (comments come from `generate_comments`)."""

import random
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from blog import posthtml, search
from blog.changes import content_changed
from blog.models import Post, Tag
from blog.rendering import render

TAG_NAMES = [
    "Python", "Django", "SQLite", "nginx", "Vim", "Git", "Shell", "Markdown", "Go", "Rust",
    "PostgreSQL", "Linux", "Testing", "Performance", "Security", "CSS", "HTML", "JavaScript",
    "Emacs", "Debian", "systemd", "Docker", "Books", "Travel", "Meta",
]  # fmt: skip
LANGUAGES = [
    (
        "python",
        "def handler(request):\n    posts = Post.objects.published()[:10]\n"
        "    return render(request, 'x.html', {'posts': posts})\n",
    ),
    ("sql", "SELECT id, title FROM blog_post\nWHERE status = 'published'\nORDER BY published_at DESC LIMIT 10;\n"),
    ("bash", 'set -euo pipefail\nfor f in *.md; do\n  wc -w "$f"\ndone\n'),
    ("nginx", "location /static/ {\n    alias /srv/escribe/var/static/;\n    expires max;\n}\n"),
    ("javascript", "document.querySelectorAll('pre').forEach((el) => {\n  el.tabIndex = 0;\n});\n"),
    ("go", 'func main() {\n\tfmt.Println("hello")\n}\n'),
]
WORDS = (
    "the quick brown fox jumps over a lazy dog while programmers ship small careful changes to servers "
    "that run for years without drama because boring technology keeps working and tests catch mistakes"
).split()
BODY_VARIANTS = 40
BATCH = 5000


class Command(BaseCommand):
    help = "Generate N posts with code blocks and tags, spread over the past years (for benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--posts", type=int, required=True)
        parser.add_argument("--seed", type=int, default=2008)
        parser.add_argument("--years", type=int, default=15, help="Spread posts over this many years.")

    def handle(self, *args, posts, seed, years, **options):
        if posts < 1:
            raise CommandError("--posts must be at least 1.")
        started = time.monotonic()
        rng = random.Random(seed)
        tags = self._tags()
        bodies = [self._body(rng, n) for n in range(BODY_VARIANTS)]
        now = timezone.now()
        first_id = (Post.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        span = timedelta(days=365 * years).total_seconds()
        self._posts(rng, posts, first_id, tags, bodies, now, span)
        # bulk_create sends no signals: say what changed, as a save would have.
        with transaction.atomic():
            content_changed(everything=True)
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Generated {posts:,} posts in {elapsed:.1f} s."))

    def _tags(self):
        tags = []
        for index, name in enumerate(TAG_NAMES):
            tag, _ = Tag.objects.get_or_create_named(name, defaults={"featured": index < 6})
            tags.append(tag)
        return tags

    def _body(self, rng, n):
        language, code = LANGUAGES[n % len(LANGUAGES)]
        paragraphs = [
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 90))).capitalize() + "." for _ in range(4)
        ]
        source = (
            f"{paragraphs[0]}\n\n## Section {n}\n\n{paragraphs[1]}\n\n"
            f"```{language} example{n}.{language[:2]}\n{code}```\n\n{paragraphs[2]}\n\n"
            f"| Key | Value |\n|---|---|\n| n | {n} |\n\n{paragraphs[3]}\n"
        )
        # Rendered once per variant: the renderer and the list HTML are what a save would run.
        html = render(source, id_prefix=f"generated-{n}").html
        return source, html, posthtml.list_html(html)

    def _posts(self, rng, count, first_number, tags, bodies, now, span):
        through = Post.tags.through
        for start in range(0, count, BATCH):
            batch, chosen = [], []
            for offset in range(start, min(start + BATCH, count)):
                number = first_number + offset
                source, html, list_html = bodies[offset % len(bodies)]
                # Oldest first; a few are drafts and the newest is scheduled.
                published_at = now - timedelta(seconds=span * (count - offset) / count)
                status = Post.Status.DRAFT if offset % 997 == 0 else Post.Status.PUBLISHED
                if offset == count - 1:
                    published_at = now + timedelta(days=3)
                batch.append(
                    Post(
                        title=f"Generated post {number}: {rng.choice(WORDS)} {rng.choice(WORDS)}",
                        slug=f"generated-{number}",
                        body=source,
                        body_html=html,
                        list_html=list_html,
                        status=status,
                        published_at=published_at,
                    )
                )
                chosen.append(rng.sample(tags, rng.randint(1, 3)))
            with transaction.atomic():
                # Both databases return the new primary keys from bulk_create.
                created = Post.objects.bulk_create(batch)
                through.objects.bulk_create(
                    [
                        through(post_id=post.pk, tag_id=tag.pk)
                        for post, post_tags in zip(created, chosen, strict=True)
                        for tag in post_tags
                    ]
                )
                search.index_posts([post.pk for post in created])
            self.stdout.write(f"  posts: {min(start + BATCH, count):,}/{count:,}")
