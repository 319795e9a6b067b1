"""Revisions of posts, pages and blurbs, kept by django-reversion: what is kept, what differs, and restoring.

One revision holds one document (with a post, the tags it carried then), so a
post's tags are the Tag versions of its own revision. Revisions are made
explicitly (manage_manually): by the admin's saves and actions and by a restore.
"""

import difflib

import reversion
from django.db import transaction
from reversion.models import Version

from blog.models import Blurb, Page, Post, Tag

# The fields the author writes; rendered HTML, counts and timestamps are derived or kept by Django.
REVISED_FIELDS = {
    Post: ["title", "slug", "body", "summary", "status", "published_at", "comments_enabled"],
    Page: ["title", "slug", "body", "status", "in_navigation", "position"],
    Blurb: ["title", "body", "position", "visible"],
}


def register():
    """Put the documents under reversion (called once, from the app's ready())."""
    # A tag's name is kept so that a tag deleted since can be brought back by name.
    reversion.register(Tag, fields=["name"])
    reversion.register(Post, fields=REVISED_FIELDS[Post], follow=["tags"])
    reversion.register(Page, fields=REVISED_FIELDS[Page])
    reversion.register(Blurb, fields=REVISED_FIELDS[Blurb])


def versions_of(obj):
    """The object's versions, newest first, with who made them."""
    return Version.objects.get_for_object(obj).select_related("revision__user")


def record(obj, user=None, comment=""):
    """Keep the object's state as it is now (with a post's current tags) as a new revision."""
    with reversion.create_revision(manage_manually=True):
        reversion.add_to_revision(obj)
        reversion.set_user(user)
        reversion.set_comment(comment)


def keep_previous(objects):
    """Before the first recorded change of each object, keep its stored state: every save keeps what it replaced.

    An object written before revisions existed, or by an import or a command
    (which make no revisions), has no version yet; its stored state becomes its first.
    """
    objects = list(objects)
    if not objects:
        return
    model = type(objects[0])
    ids = [str(obj.pk) for obj in objects if obj.pk is not None]
    kept = set(Version.objects.get_for_model(model).filter(object_id__in=ids).values_list("object_id", flat=True))
    for stored in model._default_manager.filter(pk__in=[pk for pk in ids if pk not in kept]):
        with reversion.create_revision(manage_manually=True):
            reversion.add_to_revision(stored)
            reversion.set_comment("As it was before the first recorded change.")
            if getattr(stored, "updated_at", None):
                reversion.set_date_created(stored.updated_at)


def state(version):
    """{field: value} of the version, plus "tags": a list of (tag id, name) for a post."""
    model = version.content_type.model_class()
    values = {name: version.field_dict.get(name) for name in REVISED_FIELDS[model]}
    if model is Post:
        values["tags"] = [
            (int(tag.object_id), tag.field_dict["name"]) for tag in version.revision.version_set.get_for_model(Tag)
        ]
    return values


def current_state(obj):
    """{field: value} of the object as stored now, in the shape of state()."""
    values = {name: getattr(obj, name) for name in REVISED_FIELDS[type(obj)]}
    if isinstance(obj, Post):
        values["tags"] = [(tag.pk, tag.name) for tag in obj.tags.all()]
    return values


def tag_names(tags):
    return ", ".join(sorted((name for _, name in tags), key=str.lower))


def differences(version, obj):
    """[(field label, value now, value in the version)] for the fields other than the body that differ."""
    old, now = state(version), current_state(obj)
    rows = []
    for name in old:
        if name == "body":
            continue
        was, is_ = old[name], now[name]
        if name == "tags":
            was, is_ = tag_names(was), tag_names(is_)
        if was != is_:
            label = "tags" if name == "tags" else type(obj)._meta.get_field(name).verbose_name
            rows.append((label, is_, was))
    return rows


def body_diff(now, then):
    """The body's unified diff from the text now to the version's: [(kind, line)], kind in del/ins/same/hunk."""
    lines = []
    for line in difflib.unified_diff(now.splitlines(), then.splitlines(), "now", "version", lineterm="", n=3):
        if line.startswith(("---", "+++")):
            continue
        kind = {"-": "del", "+": "ins", "@": "hunk"}.get(line[:1], "same")
        lines.append((kind, line if kind == "hunk" else line[1:]))
    return lines


def restored_tag(pk, name):
    """The tag a version names: the same row if it is still there (renamed or not), else one by its name."""
    return Tag.objects.filter(pk=pk).first() or Tag.objects.get_or_create_named(name)[0]


def restore(version, obj):
    """Give `obj` the version's fields (and tags) through its own save(); the caller records the new revision.

    The model's full_clean() runs first: a slug taken meanwhile raises
    ValidationError and changes nothing.
    """
    values = state(version)
    tags = values.pop("tags", None)
    for name, value in values.items():
        setattr(obj, name, value)
    obj.full_clean()
    with transaction.atomic():
        # save(), not reversion's revert(), which writes raw rows: the HTML, redirects,
        # search entries and page files follow a restore as they follow an edit.
        obj.save()
        if tags is not None:
            obj.tags.set([restored_tag(pk, name) for pk, name in tags])
