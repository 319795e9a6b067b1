"""WordPress's comment threads made E-Scribe's: any depth becomes one level, and the post author's replies are marked.

WordPress nests replies as deep as its setting allows (wp:comment_parent
names the comment answered); here a reply answers a top-level comment, so a
reply to a reply is shown under the top of its thread. The file's order does
not matter: the threads are worked out from the ids before anything is written.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    """Where one comment goes: under `root` (a WordPress comment id), or at the top level when root is None."""

    root: int | None = None
    # Answers a comment that is not here (not in the file, or not imported): top level, marked so.
    answers_missing: bool = False
    note: str = ""  # what the import report says about it, when the thread had to change


def plan(comments, here):
    """{WordPress id: Place} for one post's comments; `here` holds the ids of those that exist after the import."""
    by_id = {comment.wordpress_id: comment for comment in comments}
    return {comment.wordpress_id: _place(comment, by_id, here) for comment in comments}


def _place(comment, by_id, here):
    parent = comment.parent
    if not parent:
        return Place()
    if parent not in here:
        why = "which was not imported" if parent in by_id else "which is not in the file"
        return Place(answers_missing=True, note=f"answers comment {parent}, {why}: kept at the top level")
    root, seen = parent, {comment.wordpress_id}
    while True:
        seen.add(root)
        up = by_id[root].parent
        if not up or up not in here:
            break
        if up in seen:
            # Only a damaged export has one: a comment that answers, through others, itself.
            return Place(note=f"its thread leads back to it through comment {parent}: kept at the top level")
        root = up
    if root == parent:
        return Place(root=root)
    return Place(root=root, note=f"answers comment {parent}, itself a reply: shown under comment {root}, "
                                 "the top of its thread (replies here are one level deep)")  # fmt: skip


def by_post_author(comment, item, authors):
    """Whether WordPress marked the comment as the post author's (its bypostauthor): written by that user, logged in.

    The user is known by wp:author_id; WordPress.com's exports give none, and
    then the user's email in <wp:author> must match the comment's.
    """
    if not comment.user_id or item.creator not in authors:
        return False
    user_id, email = authors[item.creator]
    if user_id:
        return comment.user_id == user_id
    return bool(email) and comment.email.casefold() == email.casefold()
