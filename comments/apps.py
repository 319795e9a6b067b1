from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Comments"

    def ready(self):
        from comments import signals  # noqa: F401  (connects the comments app's receivers)
        from comments.changes import next_closing
        from escribe import pages

        # A post closing to comments by age changes its page, with no write to announce it.
        pages.add_expiry_source(next_closing)
