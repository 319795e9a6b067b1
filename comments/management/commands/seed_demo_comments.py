"""Demo comments for the demo posts, read from demo/: `make run` calls this after seed_demo, every time."""

from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from blog.frontmatter import FrontMatterError, PostFile, read_yaml
from blog.management.commands.seed_demo import add_source_argument, default_source
from blog.models import Post
from comments import moderation
from comments.models import Comment, CommentEvent, SpamReport

# Beside each post file YYYY-MM-DD-slug.md.
COMMENT_FILES = "*.comments.yaml"
# An address from the range reserved for documentation (RFC 5737): never a real reader.
DEMO_IP = "192.0.2.10"
FIELDS = {"name", "email", "website", "text", "status", "created"}


def read_comments(source):
    """(post file, comments) for each comments file in `source`; raises FrontMatterError naming a bad file."""
    found = []
    for path in sorted(Path(source).glob(COMMENT_FILES)):
        post_file = PostFile.read(path.with_name(path.name.removesuffix(".comments.yaml") + ".md"))
        comments = read_yaml(path) or []
        if not isinstance(comments, list):
            raise FrontMatterError(f"{path}: must be a list of comments.")
        found.append((post_file, [_comment(data, path) for data in comments]))
    return found


def _comment(data, path):
    if not isinstance(data, dict) or not {"name", "email", "text", "status", "created"} <= set(data) <= FIELDS:
        raise FrontMatterError(f"{path}: each comment has name, email, text, status, created and maybe website.")
    if data["status"] not in Comment.Status.values:
        raise FrontMatterError(
            f"{path}: status must be one of {', '.join(Comment.Status.values)}, not {data['status']!r}."
        )
    if not isinstance(data["created"], datetime) or data["created"].utcoffset() is None:
        raise FrontMatterError(f"{path}: 'created' must be an ISO 8601 date and time with an offset.")
    # The text is a YAML literal block, which ends with a newline; the comment form strips the same way.
    return {**data, "text": str(data["text"]).strip(), "website": data.get("website") or ""}


def read_spam_report(source):
    """(killed, since_year) that the spam counter starts from, from spam-report.yaml in `source`."""
    path = Path(source) / "spam-report.yaml"
    data = read_yaml(path)
    if (
        not isinstance(data, dict)
        or set(data) != {"killed", "since_year"}
        or not all(isinstance(value, int) and value >= 0 for value in data.values())
    ):
        raise FrontMatterError(f"{path}: must hold killed and since_year, both whole numbers.")
    return data["killed"], data["since_year"]


class Command(BaseCommand):
    help = (
        "Add the demo comments in demo/ (*.comments.yaml beside each post) to the demo posts that exist, and start "
        "the spam counter; does nothing if any comment exists or ever did."
    )

    def add_arguments(self, parser):
        add_source_argument(parser)

    def handle(self, *args, source=None, **options):
        # A comment's history outlives it: comments the moderator deleted must not come back on the next `make run`.
        if Comment.objects.exists() or CommentEvent.objects.exists():
            self.stdout.write(self.style.NOTICE("Comments exist; seed_demo_comments left the database alone."))
            return
        source = source or default_source()
        try:
            found = read_comments(source)
            killed, since_year = read_spam_report(source)
        except (FrontMatterError, OSError) as error:
            raise CommandError(str(error)) from error

        posts = Post.objects.in_bulk([post_file.slug for post_file, _ in found], field_name="slug")
        if not posts:
            # A real blog (or an empty one) gets neither strangers' comments nor a made-up spam count.
            self.stdout.write(self.style.NOTICE("No demo posts; seed_demo_comments left the database alone."))
            return

        now = timezone.now()
        created = 0
        with transaction.atomic():
            for post_file, comments in found:
                post = posts.get(post_file.slug)
                if post is None:
                    continue
                # Comments move with their post, however far seed_demo moved it.
                offset = post.published_at - post_file.date
                for data in comments:
                    comment = Comment.objects.create(
                        post=post,
                        author_name=data["name"],
                        author_email=data["email"],
                        author_url=data["website"],
                        body=data["text"],
                        status=data["status"],
                        created_at=min(data["created"] + offset, now),
                        ip_address=DEMO_IP,
                    )
                    moderation.record(comment, CommentEvent.Kind.RECEIVED, detail="Demo content.")
                    created += 1
            report = SpamReport.current()
            if report.killed == 0:
                report.killed, report.since_year = killed, since_year
                report.save()

        self.stdout.write(
            self.style.SUCCESS(
                f"Created {created} comments on {len(posts)} posts; the spam counter reads "
                f"{report.killed:,} since {report.since_year}."
            )
        )
