"""Which post each file of another engine's folder makes or updates, and under which slug.

Jekyll and Octopress put the date in a post's address, so two posts named
links on different days are normal. Each file is matched by its place in
the folder (a MarkdownSource row), not by its slug, so a post given
links-2 is found again by a second import. A file met for the first time
takes its own slug when it is free; a slug taken (by another file of the
folder, earlier in date order, or by a post already here from elsewhere)
gives the next free one, links-2, links-3, and the change is reported.
"""

from dataclasses import dataclass

from blog.models import Post
from moving.models import MarkdownSource


@dataclass
class Planned:
    """A file of the folder and what the import does with it."""

    path: object
    post_file: object
    post: Post | None  # the post it updates; None: a new one
    record: MarkdownSource | None  # None: the file is new here; a record without a post: deleted here


def plan(folder):
    """The Planned import of each post file of another engine's `folder`, and a line for each slug changed."""
    key = str(folder.source.resolve())
    records = {record.path: record for record in MarkdownSource.objects.filter(folder=key).select_related("post")}
    files = sorted(folder.posts, key=lambda item: (item[1].date, str(item[0])))
    planned, holders, renames = [], {}, []
    claimed = {record.post_id for record in records.values() if record.post_id is not None}
    new = []
    for path, post_file in files:
        record = records.get(relative(folder, path))
        if record is None:
            new.append((path, post_file))
            continue
        if record.post is not None:
            post_file.slug = record.post.slug  # the address it has here, though an author may have changed it
            holders[post_file.slug] = path
        planned.append(Planned(path, post_file, record.post, record))
    existing = dict(Post.objects.values_list("slug", "pk"))
    wanted = {post_file.slug for _, post_file in new}
    for path, post_file in new:
        slug = post_file.slug
        # Imported before from this folder elsewhere, or before files were recorded: the same post, found again.
        post = _adoptable(slug, post_file, holders, existing, claimed)
        if post is None and (slug in holders or slug in existing):
            holder = holders.get(slug) or _describe(existing[slug])
            number = 2
            while True:
                candidate = f"{slug[: 200 - len(str(number)) - 1]}-{number}"
                post = _adoptable(candidate, post_file, holders, existing, claimed)
                if post is not None or not (candidate in holders or candidate in existing or candidate in wanted):
                    break
                number += 1
            post_file.slug = candidate
            renames.append(f"slug {slug!r} of {path} is taken by {holder}: imported as {candidate!r}.")
        holders[post_file.slug] = path
        if post is not None:
            claimed.add(post.pk)
        planned.append(Planned(path, post_file, post, None))
    return planned, renames


def remember(folder, planned, post):
    """Record that `planned`'s file made (or is) `post`, for the next import."""
    if planned.record is None:
        key = str(folder.source.resolve())
        MarkdownSource.objects.create(folder=key, path=relative(folder, planned.path), post=post)


def relative(folder, path):
    return path.relative_to(folder.source).as_posix()


def _adoptable(slug, post_file, holders, existing, claimed):
    """The post already here under `slug` that is this file's (same title and date), claimed by no other file."""
    if slug in holders or slug not in existing or existing[slug] in claimed:
        return None
    post = Post.objects.get(pk=existing[slug])
    return post if (post.title, post.published_at) == (post_file.title, post_file.date) else None


def _describe(pk):
    post = Post.objects.get(pk=pk)
    return f"the post {post.title!r} already here"
