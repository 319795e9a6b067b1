"""Bulk content for benchmarks: many posts with code and tags, comments in every state."""

import random
import time
from datetime import timedelta
from datetime import timezone as dt_timezone

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from blog import counts
from blog.models import Post, Tag
from blog.rendering import render
from comments.formatting import comment_html
from comments.models import Comment
from escribe import pagecache

TAG_NAMES = [
    "Python", "Django", "SQLite", "nginx", "Vim", "Git", "Shell", "Markdown", "Go", "Rust",
    "PostgreSQL", "Linux", "Testing", "Performance", "Security", "CSS", "HTML", "JavaScript",
    "Emacs", "Debian", "systemd", "Docker", "Books", "Travel", "Meta",
]  # fmt: skip
LANGUAGES = [
    ("python", "def handler(request):\n    posts = Post.objects.published()[:10]\n    return render(request, 'x.html', {'posts': posts})\n"),
    ("sql", "SELECT id, title FROM blog_post\nWHERE status = 'published'\nORDER BY published_at DESC LIMIT 10;\n"),
    ("bash", "set -euo pipefail\nfor f in *.md; do\n  wc -w \"$f\"\ndone\n"),
    ("nginx", "location /static/ {\n    alias /srv/escribe/var/static/;\n    expires max;\n}\n"),
    ("javascript", "document.querySelectorAll('pre').forEach((el) => {\n  el.tabIndex = 0;\n});\n"),
    ("go", "func main() {\n\tfmt.Println(\"hello\")\n}\n"),
]
WORDS = (
    "the quick brown fox jumps over a lazy dog while programmers ship small careful changes to servers "
    "that run for years without drama because boring technology keeps working and tests catch mistakes"
).split()
BODY_VARIANTS = 40
BATCH = 5000
STATUSES = [  # (status, spam_check, weight): most comments are approved, some wait, many are spam
    (Comment.Status.APPROVED, Comment.SpamCheck.HAM, 6),
    (Comment.Status.PENDING, Comment.SpamCheck.HAM, 1),
    (Comment.Status.PENDING, Comment.SpamCheck.ERROR, 1),
    (Comment.Status.SPAM, Comment.SpamCheck.SPAM, 2),
]


def _sqlite_time(moment):
    """How Django stores an aware datetime in SQLite: naive UTC text."""
    return moment.astimezone(dt_timezone.utc).replace(tzinfo=None).isoformat(" ")


class Command(BaseCommand):
    help = "Generate N posts with code blocks and tags, and M comments per post in every state (benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--posts", type=int, required=True)
        parser.add_argument("--comments-per-post", type=int, default=0)
        parser.add_argument("--seed", type=int, default=2008)
        parser.add_argument("--years", type=int, default=15, help="Spread posts over this many years.")

    def handle(self, *args, posts, comments_per_post, seed, years, **options):
        if posts < 1 or comments_per_post < 0:
            raise CommandError("--posts must be at least 1 and --comments-per-post at least 0.")
        started = time.monotonic()
        rng = random.Random(seed)
        tags = self._tags()
        bodies = [self._body(rng, n) for n in range(BODY_VARIANTS)]
        now = timezone.now()
        first_id = (Post.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        span = timedelta(days=365 * years).total_seconds()

        with connection.cursor() as cursor:
            # A bulk load is one-off: trade durability for speed while it runs.
            cursor.execute("PRAGMA synchronous=OFF")
        try:
            self._posts(rng, posts, first_id, tags, bodies, now, span)
            if comments_per_post:
                self._comments(rng, posts, first_id, comments_per_post, now, span)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous=FULL")
                cursor.execute("PRAGMA optimize")
        # bulk_create sends no signals: recount and invalidate by hand.
        counts.refresh()
        pagecache.invalidate()
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {posts:,} posts and {posts * comments_per_post:,} comments in {elapsed:.1f} s."
            )
        )

    def _tags(self):
        tags = []
        for index, name in enumerate(TAG_NAMES):
            tag, _ = Tag.objects.get_or_create(name=name, defaults={"featured": index < 6})
            tags.append(tag)
        return tags

    def _body(self, rng, n):
        language, code = LANGUAGES[n % len(LANGUAGES)]
        paragraphs = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 90))).capitalize() + "." for _ in range(4)]
        source = (
            f"{paragraphs[0]}\n\n## Section {n}\n\n{paragraphs[1]}\n\n"
            f"```{language} example{n}.{language[:2]}\n{code}```\n\n{paragraphs[2]}\n\n"
            f"| Key | Value |\n|---|---|\n| n | {n} |\n\n{paragraphs[3]}\n"
        )
        # Rendered once per variant: the renderer is what a save would run.
        return source, render(source, id_prefix=f"generated-{n}").html

    def _posts(self, rng, count, first_id, tags, bodies, now, span):
        through = Post.tags.through
        for start in range(0, count, BATCH):
            batch, links = [], []
            for offset in range(start, min(start + BATCH, count)):
                pk = first_id + offset
                source, html = bodies[offset % len(bodies)]
                # Newest first by id; the very newest few are drafts or scheduled.
                published_at = now - timedelta(seconds=span * (count - offset) / count)
                status = Post.Status.DRAFT if offset % 997 == 0 else Post.Status.PUBLISHED
                if offset == count - 1:
                    published_at = now + timedelta(days=3)
                batch.append(
                    Post(
                        id=pk,
                        title=f"Generated post {pk}: {rng.choice(WORDS)} {rng.choice(WORDS)}",
                        slug=f"generated-{pk}",
                        body=source,
                        body_html=html,
                        status=status,
                        published_at=published_at,
                    )
                )
                for tag in rng.sample(tags, rng.randint(1, 3)):
                    links.append(through(post_id=pk, tag_id=tag.pk))
            with transaction.atomic():
                Post.objects.bulk_create(batch)
                through.objects.bulk_create(links)
            self.stdout.write(f"  posts: {min(start + BATCH, count):,}/{count:,}")

    def _comments(self, rng, posts, first_id, per_post, now, span):
        choices = [(status, check) for status, check, weight in STATUSES for _ in range(weight)]
        columns = (
            "post_id, author_name, author_email, author_url, body, created_at, ip_address, user_agent, referrer, "
            "status, spam_check, spam_check_error, akismet_arguments, body_html"
        )
        sql = f"INSERT INTO comments_comment ({columns}) VALUES ({', '.join(['%s'] * 14)})"
        rows = []
        for offset in range(posts):
            post_id = first_id + offset
            base = now - timedelta(seconds=span * (posts - offset) / posts)
            for n in range(per_post):
                status, check = rng.choice(choices)
                created = min(base + timedelta(minutes=7 * (n + 1)), now)
                body = f"Comment {n} on post {post_id}: {' '.join(rng.choice(WORDS) for _ in range(25))}"
                rows.append(
                    (
                        post_id, f"Reader {n}", f"reader{n}@example.com", "", body,
                        _sqlite_time(created), f"198.51.100.{n % 250 + 1}", "bench", "",
                        status, check, "", "{}", comment_html(body),
                    )
                )  # fmt: skip
            if len(rows) >= BATCH * 4 or offset == posts - 1:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.executemany(sql, rows)
                rows = []
                self.stdout.write(f"  comments: posts {offset + 1:,}/{posts:,}")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE blog_post SET approved_comment_count = (SELECT COUNT(*) FROM comments_comment c "
                "WHERE c.post_id = blog_post.id AND c.status = 'approved') WHERE id >= %s",
                [first_id],
            )
