"""Bulk comments for benchmarks: N comments on every post, in every state."""

import random
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from blog.models import Post
from blog.rendering import render_comment
from comments.changes import comments_changed
from comments.models import Comment

WORDS = (
    "thanks for writing this up it saved me an afternoon of reading source code and i wonder whether the same "
    "trick works on postgres too or only with sqlite in wal mode behind nginx"
).split()
BATCH = 5000
STATUSES = [  # (status, spam_check, weight): most comments are approved, some wait, many are spam
    (Comment.Status.APPROVED, Comment.SpamCheck.HAM, 6),
    (Comment.Status.PENDING, Comment.SpamCheck.HAM, 1),
    (Comment.Status.PENDING, Comment.SpamCheck.ERROR, 1),
    (Comment.Status.SPAM, Comment.SpamCheck.SPAM, 2),
]


class Command(BaseCommand):
    help = "Generate N comments on every post that has none, in every moderation state (for benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--per-post", type=int, required=True)
        parser.add_argument("--seed", type=int, default=2008)

    def handle(self, *args, per_post, seed, **options):
        if per_post < 1:
            raise CommandError("--per-post must be at least 1.")
        started = time.monotonic()
        rng = random.Random(seed)
        choices = [(status, check) for status, check, weight in STATUSES for _ in range(weight)]
        now = timezone.now()
        posts = list(Post.objects.filter(comments__isnull=True).values_list("id", "published_at").order_by("id"))
        batch, total = [], 0
        for post_id, published_at in posts:
            for n in range(per_post):
                status, check = rng.choice(choices)
                body = f"Comment {n} on post {post_id}: {' '.join(rng.choice(WORDS) for _ in range(25))}"
                batch.append(
                    Comment(
                        post_id=post_id, author_name=f"Reader {n}", author_email=f"reader{n}@example.com", body=body,
                        body_html=render_comment(body),
                        created_at=min(published_at + timedelta(minutes=7 * (n + 1)), now),
                        ip_address=f"198.51.100.{n % 250 + 1}", user_agent="bench", status=status, spam_check=check,
                    )
                )  # fmt: skip
            if len(batch) >= BATCH:
                total += self._store(batch)
                batch = []
        total += self._store(batch)
        with transaction.atomic():
            # bulk_create sends no signals: say what changed, as a save would have.
            comments_changed()
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Generated {total:,} comments in {elapsed:.1f} s."))

    def _store(self, batch):
        with transaction.atomic():
            Comment.objects.bulk_create(batch)
        self.stdout.write(f"  comments: {len(batch):,} more")
        return len(batch)
