"""The blog's signal receivers: every write to posts, tags and blurbs goes through blog.changes."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver
from django.urls import reverse

from blog import search, uploads
from blog.changes import content_changed
from blog.models import Blurb, Page, Post, Redirect, Tag, Upload, month_of
from blog.site import SiteSettings

_TAGGING = Post.tags.through


def _tag_ids(post):
    return set(_TAGGING.objects.filter(post_id=post.pk).values_list("tag_id", flat=True))


@receiver(post_save, sender=Post)
def post_saved(sender, instance, raw=False, **kwargs):
    # Posts loaded from a fixture (dumpdata/loaddata, moving between databases) are searchable too.
    search.index_posts([instance.pk])
    if raw:
        return
    # A post moved to another month changes two months' counts.
    months = {month_of(instance.published_at)}
    if (published_before := instance.loaded_value("published_at")) is not None:
        months.add(month_of(published_before))
    # A changed slug leaves its old URL behind.
    old_slug = instance.loaded_value("slug")
    if old_slug and old_slug != instance.slug:
        # Old links, bookmarks and feed ids (the item link) keep working.
        Redirect.objects.record(reverse("blog:post-detail", kwargs={"slug": old_slug}), post=instance)
    content_changed(tags=_tag_ids(instance), months=months)


@receiver(pre_delete, sender=Post)
def remember_tags(sender, instance, **kwargs):
    # The tag links are gone by the time post_delete runs.
    instance._tags_before = _tag_ids(instance)


@receiver(post_delete, sender=Post)
def post_deleted(sender, instance, **kwargs):
    content_changed(tags=getattr(instance, "_tags_before", ()), months={month_of(instance.published_at)})
    search.unindex_posts([instance.pk])


@receiver(m2m_changed, sender=_TAGGING)
def tags_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action == "pre_clear":
        instance._cleared = {instance.pk} if reverse else _tag_ids(instance)
        if reverse:
            instance._cleared_posts = _post_ids(instance)
    elif action in ("post_add", "post_remove", "post_clear"):
        # From a post's side pk_set holds tags; from a tag's side (reverse) it holds posts.
        changed = getattr(instance, "_cleared", set()) if action == "post_clear" else pk_set
        content_changed(tags={instance.pk} if reverse else changed)
        # The index lists each post's tag names.
        if not reverse:
            search.index_posts([instance.pk])
        else:
            search.index_posts(getattr(instance, "_cleared_posts", set()) if action == "post_clear" else pk_set)


def _post_ids(tag):
    return set(_TAGGING.objects.filter(tag_id=tag.pk).values_list("post_id", flat=True))


@receiver(post_save, sender=Tag)
def tag_saved(sender, instance, created, raw=False, **kwargs):
    # A renamed tag is renamed in the index entries of its posts (a new tag has none); a
    # tag marked featured changes no entry, and reindexing its thousands of posts would stall the admin.
    if not raw and not created and instance.loaded_value("name") != instance.name:
        search.index_posts(_post_ids(instance))


@receiver(pre_delete, sender=Tag)
def remember_posts(sender, instance, **kwargs):
    # The links are deleted with the tag, without m2m_changed.
    instance._posts_before = _post_ids(instance)


@receiver(post_delete, sender=Tag)
def tag_deleted(sender, instance, **kwargs):
    search.index_posts(getattr(instance, "_posts_before", ()))


@receiver(post_save, sender=Page)
def page_renamed(sender, instance, raw=False, **kwargs):
    # The navigation and other sites link to a page's address: the old one answers 301 to the new.
    old_slug = instance.loaded_value("slug")
    if not raw and old_slug and old_slug != instance.slug:
        old_path = reverse("blog:page-detail", kwargs={"slug": old_slug})
        # To the page, not its address: a later rename or unpublishing is followed by the row itself.
        Redirect.objects.record(old_path, page=instance)


@receiver([post_save, post_delete], sender=Tag)
@receiver([post_save, post_delete], sender=Blurb)
@receiver([post_save, post_delete], sender=Page)
def shown_everywhere(sender, raw=False, **kwargs):
    # Tags and blurbs are in every page's sidebar; pages in every page's header.
    if not raw:
        content_changed()


@receiver(pre_delete, sender=get_user_model())
def author_deleted(sender, instance, **kwargs):
    # Feeds and the JSON-LD named them; their posts will carry the site's byline.
    # Asked before the delete: their posts' author is set to NULL with an
    # UPDATE, which sends no signal. The pages go stale when the deletion
    # commits (Django deletes inside a transaction), never before it.
    if Post.objects.filter(author=instance).exists():
        content_changed()


@receiver([post_save, post_delete], sender=SiteSettings)
def site_settings_changed(sender, raw=False, **kwargs):
    # The title, footer, comment policy and zone are on every page and feed.
    if not raw:
        content_changed()


@receiver(post_save, sender=get_user_model())
def author_renamed(sender, raw=False, update_fields=None, **kwargs):
    # Feeds name each post's author; a login only touches last_login.
    if not raw and (update_fields is None or {"first_name", "last_name"} & set(update_fields)):
        content_changed()


@receiver(post_save, sender=Upload)
def upload_saved(sender, instance, created, raw=False, **kwargs):
    # A new upload's copies exist from its first save: anything already linking to its URL
    # (an imported post, a post saved before the upload) now gets srcset and sizes.
    if not raw and created:
        instance.render_users_again()


@receiver(post_delete, sender=Upload)
def upload_deleted(sender, instance, **kwargs):
    # The files go only once the row's deletion is committed; a rolled-back delete keeps them.
    names = instance.stored_names()
    transaction.on_commit(lambda: uploads.delete_files(names))
    instance.render_users_again()
