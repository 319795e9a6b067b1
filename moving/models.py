"""Which post, page and comment came from which WordPress item: a second import finds them and changes nothing."""

from django.db import models
from django.utils import timezone


class WordPressItem(models.Model):
    """What every row brought from WordPress keeps: the blog it came from and the item's ID there."""

    site = models.CharField(max_length=500)
    wordpress_id = models.PositiveBigIntegerField()

    # What the item was in WordPress, for __str__.
    kind = "item"

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.site} {self.kind} {self.wordpress_id}"


def once_per_site(name):
    """One row per WordPress blog and item ID: a second import finds it. Each model keeps its constraint's name."""
    return models.UniqueConstraint(fields=["site", "wordpress_id"], name=name)


class WordPressDocument(WordPressItem):
    """A post or page brought from WordPress, with what the export said about it."""

    site = models.CharField(max_length=500, help_text="The WordPress blog's address, from the export.")
    # What the export said, to tell a post changed in WordPress since (updated) from one that was not (unchanged).
    digest = models.CharField(max_length=64)
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


class WordPressPost(WordPressDocument):
    """A post imported from WordPress; the post is None once deleted here, so no import brings it back."""

    post = models.OneToOneField("blog.Post", null=True, on_delete=models.SET_NULL, related_name="+")
    kind = "post"

    class Meta:
        verbose_name = "post from WordPress"
        verbose_name_plural = "posts from WordPress"
        constraints = [once_per_site("moving_wordpress_post_once")]


class WordPressPage(WordPressDocument):
    """A page imported from WordPress; the page is None once deleted here, so no import brings it back."""

    page = models.OneToOneField("blog.Page", null=True, on_delete=models.SET_NULL, related_name="+")
    kind = "page"

    class Meta:
        verbose_name = "page from WordPress"
        verbose_name_plural = "pages from WordPress"
        constraints = [once_per_site("moving_wordpress_page_once")]


class WordPressComment(WordPressItem):
    """A comment imported from WordPress; the comment is None once deleted here (purged spam stays purged)."""

    comment = models.OneToOneField("comments.Comment", null=True, on_delete=models.SET_NULL, related_name="+")
    kind = "comment"

    class Meta:
        verbose_name = "comment from WordPress"
        verbose_name_plural = "comments from WordPress"
        constraints = [once_per_site("moving_wordpress_comment_once")]


class WordPressAttachment(WordPressItem):
    """An upload brought in from a WordPress attachment; the upload is None once deleted here, and stays so."""

    upload = models.OneToOneField("blog.Upload", null=True, on_delete=models.SET_NULL, related_name="+")
    # What the posts' old links name: the file's path under wp-content/uploads, and where that folder was served.
    path = models.CharField(max_length=500, db_index=True)
    base = models.CharField(max_length=500, blank=True, help_text="The old uploads folder's address, without scheme.")
    caption = models.TextField(blank=True, help_text="The attachment's caption in WordPress (its excerpt).")
    imported_at = models.DateTimeField(default=timezone.now)
    kind = "attachment"

    class Meta:
        verbose_name = "upload from WordPress"
        verbose_name_plural = "uploads from WordPress"
        constraints = [once_per_site("moving_wordpress_attachment_once")]


class DemoLoad(models.Model):
    """One load of the demo by seed_demo, and what it did to the spam counter; remove_demo sets removed_at.

    A removed demo stays removed: seed_demo (which `make run` calls every
    time) loads nothing into a database whose demo was taken away.
    """

    loaded_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)
    # The counter before the load and as the demo set it: remove_demo takes away only the difference.
    spam_killed_before = models.PositiveBigIntegerField(null=True, blank=True)
    spam_since_before = models.PositiveSmallIntegerField(null=True, blank=True)
    spam_killed = models.PositiveBigIntegerField(null=True, blank=True)
    spam_since = models.PositiveSmallIntegerField(null=True, blank=True)
    # The site settings the demo set (its name and tagline): {field: [before, as the demo set it]}. remove_demo
    # puts back the value from before wherever the setting still reads as the demo set it.
    site_settings = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "demo load"

    def __str__(self):
        return f"Demo loaded {self.loaded_at:%Y-%m-%d %H:%M}"


class DemoItem(models.Model):
    """A row the demo brought (a post, tag, blurb, page, upload or comment) with a fingerprint of it as loaded.

    remove_demo compares the fingerprint with the row as it is now: a row the
    author edited since is the author's and stays.
    """

    load = models.ForeignKey(DemoLoad, on_delete=models.CASCADE, related_name="items")
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    fingerprint = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "demo item"
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.content_type.model} {self.object_id} from the demo"


class MarkdownSource(models.Model):
    """A post imported from another engine's file (Jekyll, Octopress, Hugo), by the file's place in its folder.

    A second import finds the post its file made, whatever slug it was given
    (links-2 when links was taken); the post is None once deleted here, so no
    import brings it back.
    """

    folder = models.CharField(max_length=500, help_text="The folder imported, as an absolute path.")
    path = models.CharField(max_length=500, help_text="The file, relative to the folder.")
    post = models.ForeignKey("blog.Post", null=True, on_delete=models.SET_NULL, related_name="+")
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "post from a Markdown file"
        verbose_name_plural = "posts from Markdown files"
        constraints = [models.UniqueConstraint(fields=["folder", "path"], name="moving_markdown_source_once")]

    def __str__(self):
        return f"{self.folder}/{self.path}"
