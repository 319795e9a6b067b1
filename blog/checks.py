"""System checks of the blog: an ESCRIBE_* variable that no longer counts, and says so."""

from django.conf import settings
from django.core.checks import Warning
from django.db import DatabaseError

from blog.site import SiteSettings


def site_settings_from_env(app_configs=None, **kwargs):
    """blog.W001: a variable that gave a site setting its first value differs from the setting, which wins."""
    if not settings.SITE_SETTINGS_FROM_ENV:
        return []
    try:
        stored = SiteSettings.objects.filter(pk=1).first()
    except DatabaseError:
        return []  # no database yet, or not migrated: the variables will give the first values
    if stored is None:
        return []
    return [
        Warning(
            f"{variable} is ignored: the blog's {field.replace('_', ' ')} is {getattr(stored, field)!r} in the "
            f"admin's site settings, not {value!r}.",
            hint=f"Change it under Blog → Site settings in the admin, and remove {variable} from the environment.",
            id="blog.W001",
        )
        for field, (variable, value) in settings.SITE_SETTINGS_FROM_ENV.items()
        if getattr(stored, field) != value
    ]
