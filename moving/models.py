"""Which post and comment came from which WordPress item: a second import finds them and changes nothing."""

from django.db import models
from django.utils import timezone


class WordPressPost(models.Model):
    """A post imported from WordPress; the post is None once deleted here, so no import brings it back."""

    site = models.CharField(max_length=500, help_text="The WordPress blog's address, from the export.")
    wordpress_id = models.PositiveBigIntegerField()
    post = models.OneToOneField("blog.Post", null=True, on_delete=models.SET_NULL, related_name="+")
    # What the export said, to tell a post changed in WordPress since (updated) from one that was not (unchanged).
    digest = models.CharField(max_length=64)
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "post from WordPress"
        verbose_name_plural = "posts from WordPress"
        constraints = [models.UniqueConstraint(fields=["site", "wordpress_id"], name="moving_wordpress_post_once")]

    def __str__(self):
        return f"{self.site} post {self.wordpress_id}"


class WordPressComment(models.Model):
    """A comment imported from WordPress; the comment is None once deleted here (purged spam stays purged)."""

    site = models.CharField(max_length=500)
    wordpress_id = models.PositiveBigIntegerField()
    comment = models.OneToOneField("comments.Comment", null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "comment from WordPress"
        verbose_name_plural = "comments from WordPress"
        constraints = [
            models.UniqueConstraint(fields=["site", "wordpress_id"], name="moving_wordpress_comment_once")
        ]

    def __str__(self):
        return f"{self.site} comment {self.wordpress_id}"
