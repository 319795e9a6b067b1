"""What the admin's index shows of the site itself: {% load escribe_admin %} (templates/admin/index.html)."""

from django import template
from django.utils import timezone

from escribe import backups

register = template.Library()


@register.simple_tag
def last_backup():
    """When the newest backup in the backup folder was taken (an aware datetime), or None when there is none."""
    try:
        found = backups.newest_first(backups.folder())
    except OSError:  # no folder yet, or not readable by this process
        return None
    return backups.taken_at(found[0]) if found else None


@register.filter
def older_than_days(moment, days):
    """Whether `moment` is more than `days` days ago (the index warns of an old backup)."""
    return (timezone.now() - moment).total_seconds() > float(days) * 86400
