"""The comments app's signal receivers: writes to comments and the spam counter go through comments.changes."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from comments.changes import comments_changed, spam_counter_changed
from comments.models import Comment, SpamReport


@receiver(post_save, sender=Comment)
def comment_saved(sender, instance, created=False, raw=False, update_fields=None, **kwargs):
    # Writing an approved comment changes what readers see; a status change
    # may (comments_changed tells by the approved count); the rest of a
    # comment's life in the queue changes no public page.
    if raw:
        return
    if instance.status == Comment.Status.APPROVED:
        comments_changed({instance.post_id}, shown=True)
    elif not created and (update_fields is None or "status" in update_fields):
        comments_changed({instance.post_id})


@receiver(post_delete, sender=Comment)
def comment_deleted(sender, instance, **kwargs):
    if instance.status == Comment.Status.APPROVED:
        comments_changed({instance.post_id})


@receiver(post_save, sender=SpamReport)
def spam_report_edited(sender, raw=False, **kwargs):
    if not raw:
        spam_counter_changed()
