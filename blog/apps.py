from django.apps import AppConfig


class BlogConfig(AppConfig):
    name = "blog"
    verbose_name = "Blog"

    def ready(self):
        from django.contrib import admin
        from django.core import checks

        from blog import signals  # noqa: F401  (connects the blog's receivers)
        from blog.checks import site_settings_from_env
        from blog.models import Post
        from blog.revisions import register as keep_revisions
        from blog.site import current
        from escribe import pages

        # A scheduled post's time makes every page stale, with no write to announce it.
        pages.add_expiry_source(Post.objects.next_publication)
        # The admin is headed with the blog's name from the site settings.
        admin.site.named_by(lambda: current().title)
        checks.register(site_settings_from_env)
        # Posts, pages and blurbs keep their versions (django-reversion).
        keep_revisions()
