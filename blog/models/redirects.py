"""Old addresses that answer 301 to where a post, a page or a path lives now."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from blog.models.pages import Page
from blog.models.posts import Post


class RedirectQuerySet(models.QuerySet):
    def record(self, old_path, *, post=None, page=None, new_path=""):
        """Make old_path answer 301 to the post, the page or new_path; returns (redirect, changed).

        Chains collapse: a post or page target follows its current slug by
        itself, and rows that pointed at old_path as a path now point at
        the new target, so no reader is sent through two redirects.
        """
        target = {"post": post, "page": page, "new_path": "" if post or page else new_path}
        self.filter(new_path=old_path).update(**target)
        redirect, created = self.get_or_create(old_path=old_path, defaults=target)
        if created:
            return redirect, True
        wanted = (post.pk if post else None, page.pk if page else None, target["new_path"])
        if (redirect.post_id, redirect.page_id, redirect.new_path) == wanted:
            return redirect, False
        for name, value in target.items():
            setattr(redirect, name, value)
        redirect.save(update_fields=["post", "page", "new_path"])
        return redirect, True

    def first_of(self, paths):
        """The row of the first of `paths` in the table, wherever it leads; else None (one query)."""
        found = {
            redirect.old_path: redirect for redirect in self.filter(old_path__in=paths).select_related("post", "page")
        }
        return next((found[path] for path in paths if path in found), None)


class Redirect(models.Model):
    """An old address (a WordPress permalink, a slug changed in the admin) that answers 301 to where it lives now.

    Consulted only for requests that would otherwise be a 404, and for the
    front page with exactly `?p=ID` (blog/middleware.py): never in front of a
    live URL.
    """

    old_path = models.CharField(
        max_length=500, unique=True, help_text="The path as requested, decoded: /2010/05/hello/ or /?p=12."
    )
    # A post or page, not its URL: the redirect follows later slug changes by itself, and a draft's stays silent.
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.CASCADE, related_name="redirects")
    page = models.ForeignKey(Page, null=True, blank=True, on_delete=models.CASCADE, related_name="redirects")
    new_path = models.CharField(max_length=500, blank=True, help_text="Where to send readers when there is no post.")
    created_at = models.DateTimeField(default=timezone.now)

    objects = RedirectQuerySet.as_manager()

    class Meta:
        ordering = ["old_path"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(post__isnull=False) & models.Q(page__isnull=True) & models.Q(new_path=""))
                | (models.Q(post__isnull=True) & models.Q(page__isnull=False) & models.Q(new_path=""))
                | (models.Q(post__isnull=True) & models.Q(page__isnull=True) & ~models.Q(new_path="")),
                name="blog_redirect_one_target",
                violation_error_message="A redirect leads to a post, a page or a path: one of them.",
            ),
        ]

    def __str__(self):
        return f"{self.old_path} → {self.target()}"

    def leads_somewhere(self):
        """A path, or a public post or page: a draft's old address tells nothing, not even its new slug."""
        leads_to = self.post or self.page
        return leads_to is None or leads_to.is_public

    def leads_to_trash(self):
        """Whether it names a post or page in the trash: its old addresses answer 410 like its own."""
        leads_to = self.post or self.page
        return leads_to is not None and leads_to.in_trash

    def target(self):
        if self.post_id:
            return self.post.get_absolute_url()
        return self.page.get_absolute_url() if self.page_id else self.new_path

    def clean(self):
        # Written by hand in the admin: only to a path of this site, and never into a loop.
        if self.post_id is None and self.page_id is None and self.new_path:
            if not self.new_path.startswith("/") or self.new_path.startswith("//"):
                raise ValidationError({"new_path": "Give a path on this site, starting with a single /."})
            if self.new_path == self.old_path:
                raise ValidationError({"new_path": "A redirect cannot lead to its own address."})
            onward = Redirect.objects.filter(old_path=self.new_path).exclude(pk=self.pk).first()
            if onward is not None and onward.target() == self.old_path:
                raise ValidationError({"new_path": f"{self.new_path} already leads back here: that would be a loop."})
