"""Demo content for a fresh E-Scribe database, read from demo/: `make run` calls this every time."""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from blog import frontmatter
from blog.frontmatter import FrontMatterError, PostFile
from blog.models import Blurb, Post, Tag

# YYYY-MM-DD-slug.md: the posts; README.md and the blurbs/ folder are not posts.
POST_FILES = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]-*.md"


def default_source():
    """The demo folder at the repository's root."""
    return Path(settings.BASE_DIR) / "demo"


def add_source_argument(parser):
    """--from DIR: the demo folder, for this command and the comments app's seed_demo_comments."""
    parser.add_argument(
        "--from", dest="source", metavar="DIR", type=Path, help="The demo folder (default: demo/ in the repository)."
    )


@dataclass
class Demo:
    """The demo blog as its files describe it, dates unshifted."""

    as_of: datetime
    tags: list[tuple[str, bool]]
    blurbs: list[tuple[Path, dict, str]]
    posts: list[tuple[Path, PostFile]]

    def offset(self, now):
        """How far every date moves so that the files' `as_of` becomes `now` (spacing kept)."""
        return now - self.as_of


def read_demo(source):
    """Read and check every file of the demo folder `source`; raises FrontMatterError naming a bad file."""
    source = Path(source)
    blog = frontmatter.read_yaml(source / "blog.yaml")
    name = str(source / "blog.yaml")
    if not isinstance(blog, dict) or set(blog) != {"as_of", "tags"}:
        raise FrontMatterError(f"{name}: must hold exactly 'as_of' and 'tags'.")
    as_of = blog["as_of"]
    if not isinstance(as_of, datetime) or as_of.utcoffset() is None:
        raise FrontMatterError(f"{name}: 'as_of' must be an ISO 8601 date and time with an offset.")
    tags = []
    for tag in blog["tags"] or []:
        if not (isinstance(tag, dict) and isinstance(tag.get("name"), str) and isinstance(tag.get("featured"), bool)):
            raise FrontMatterError(f"{name}: each tag needs a name and featured: true or false, not {tag!r}.")
        tags.append((tag["name"], tag["featured"]))

    blurbs = []
    for path in sorted((source / "blurbs").glob("*.md")):
        meta, body = frontmatter.read(path)
        if not (set(meta) <= {"title", "position", "visible"} and isinstance(meta.get("title"), str)):
            raise FrontMatterError(f"{path}: a blurb has a title, a position and optionally visible: false.")
        position, visible = meta.get("position"), meta.get("visible", True)
        if not isinstance(position, int) or isinstance(position, bool) or not isinstance(visible, bool):
            raise FrontMatterError(f"{path}: position must be a whole number and visible true or false.")
        blurbs.append((path, meta, body))

    posts = [(path, PostFile.read(path)) for path in sorted(source.glob(POST_FILES))]
    if not posts:
        raise FrontMatterError(f"{source}: no post files (named YYYY-MM-DD-slug.md).")
    return Demo(as_of=as_of, tags=tags, blurbs=blurbs, posts=posts)


class Command(BaseCommand):
    help = (
        "Fill an empty database with the posts, tags and blurbs in demo/ (nothing if any post exists), every date "
        "moved by now minus as_of in demo/blog.yaml: spacing kept, the newest post two days old, one still scheduled."
    )

    def add_arguments(self, parser):
        parser.add_argument("--author", metavar="USERNAME", help="Attribute the posts to this user, if it exists.")
        add_source_argument(parser)

    def handle(self, *args, author=None, source=None, **options):
        if Post.objects.exists():
            self.stdout.write(self.style.NOTICE("Posts already exist; seed_demo left the database alone."))
            return
        source = source or default_source()
        try:
            demo = read_demo(source)
        except (FrontMatterError, OSError) as error:
            raise CommandError(str(error)) from error

        user = None
        if author:
            user = get_user_model().objects.filter(username=author).first()
            if user is None:
                self.stdout.write(self.style.WARNING(f"No user {author!r}; the demo posts have no author."))

        offset = demo.offset(timezone.now())
        with transaction.atomic():
            # get_or_create, so an empty blog that already has some tags or blurbs can still be seeded;
            # by name ignoring case, as the admin finds tags (C++ and C# stay two tags, python is Python).
            tags, tags_created = {}, 0
            for name, featured in demo.tags:
                tags[name], created = Tag.objects.get_or_create_named(name, defaults={"featured": featured})
                tags_created += created

            blurbs_created = 0
            for path, meta, body in demo.blurbs:
                blurb, created = Blurb.objects.get_or_create(
                    title=meta["title"],
                    defaults={"body": body, "position": meta["position"], "visible": meta.get("visible", True)},
                )
                blurbs_created += created
                self._warn(path, getattr(blurb, "render_warnings", []))

            for path, file in demo.posts:
                post = Post(
                    title=file.title,
                    slug=file.slug,
                    body=file.body,
                    summary=file.summary,
                    status=Post.Status.DRAFT if file.draft else Post.Status.PUBLISHED,
                    published_at=file.date + offset,
                    comments_enabled=file.comments,
                    author=user,
                )
                post.save()
                for name in file.tags:
                    if name not in tags:
                        # A tag a post names but blog.yaml leaves out: created as the admin would, not featured.
                        tags[name], created = Tag.objects.get_or_create_named(name)
                        tags_created += created
                post.tags.set([tags[name] for name in file.tags])
                self._warn(path, post.render_warnings)

        self.stdout.write(
            self.style.SUCCESS(
                f"Created {len(demo.posts)} posts, {tags_created} tags, {blurbs_created} blurbs from {source}."
            )
        )

    def _warn(self, path, warnings):
        for warning in warnings:
            self.stderr.write(self.style.WARNING(f"{path.name}: {warning}"))
