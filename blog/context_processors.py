"""Template context every page shares."""

from django.conf import settings


def site(request):
    """Site-wide names from settings; makes no queries and reads no session."""
    return {
        "site_title": settings.SITE_TITLE,
        "site_tagline": settings.SITE_TAGLINE,
        "site_author": settings.SITE_AUTHOR,
    }
