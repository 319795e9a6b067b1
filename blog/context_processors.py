"""Template context every page shares."""

from blog import site as site_settings


def site(request):
    """The blog's own settings (blog.site): one query the first time a request renders, none after; no session."""
    found = site_settings.current()
    return {
        "site": found,
        "site_title": found.title,
        "site_tagline": found.tagline,
        "site_author": found.byline,
    }
