"""Where an imported comment sits in its thread: the comment it answers (reply_to) and the author's mark (by_author)."""

from comments.models import Comment
from moving.markdown.folder import REMOVED, ImportProblem


def thread_fields(path, post, data, moved, comment=None):
    """The thread fields to write for the entry `data`: all of them for a new comment, none that `comment` keeps.

    `moved` turns a date of the file into this blog's (the importer's shift).
    An entry without reply_to and by_author says nothing of its thread: an
    export made before replies were exported (they were in the database
    already) or a hand-kept folder. A new comment from it is top-level; an
    existing one keeps the place and mark it has here, or a re-import would
    move every reply to the top and unmark the author's.
    """
    if comment is not None and "reply_to" not in data and "by_author" not in data:
        return {}
    reply_to = data.get("reply_to")
    fields = {"parent": None, "parent_ref": None, "by_author": data.get("by_author", False)}
    if reply_to == REMOVED:
        # No comment here has the id 0: it shows as answering a removed comment, as it did.
        fields["parent_ref"] = 0
        if comment is not None and comment.parent_id is None and comment.parent_ref is not None:
            fields["parent_ref"] = comment.parent_ref  # the id of the removed comment it answered, kept
    elif reply_to is not None:
        created = moved(reply_to["created"])
        parent = Comment.objects.filter(post=post, author_name=reply_to["name"], created_at=created).first()
        if parent is None:
            named = f"{reply_to['name']!r} at {reply_to['created'].isoformat()}"
            raise ImportProblem(f"{path}: the reply by {data['name']!r} answers {named}, no comment of this post.")
        fields["parent"], fields["parent_ref"] = parent, parent.pk
    return fields
