from django.apps import AppConfig


class BlogConfig(AppConfig):
    name = "blog"
    verbose_name = "Blog"

    def ready(self):
        from blog import signals  # noqa: F401  (connects the blog's receivers)
        from blog.models import Post
        from escribe import pages

        # A scheduled post's time makes every page stale, with no write to announce it.
        pages.add_expiry_source(Post.objects.next_publication)
