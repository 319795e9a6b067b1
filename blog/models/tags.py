"""Tags: names unique ignoring case, slugs that keep C, C++ and C# apart, and their public counts."""

from django.db import IntegrityError, models, transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.text import slugify

from blog.loaded import KeepsLoadedValues
from blog.models.posts import Post


class TagQuerySet(models.QuerySet):
    def with_public_counts(self):
        """Tags with `post_count`: how many posts the public may see now.

        The stored count includes scheduled posts (it changes only when posts
        are written); the few scheduled ones are subtracted here, so the
        figure is right the moment a scheduled post goes public.
        """
        tags = list(self)
        scheduled = scheduled_posts_per_tag()
        for tag in tags:
            tag.post_count = tag.published_post_count - scheduled.get(tag.pk, 0)
        return tags

    def in_use(self):
        """The tags some public post carries, with `post_count` (see with_public_counts), in the queryset's order."""
        return [tag for tag in self.with_public_counts() if tag.post_count > 0]

    def named(self, name):
        """The tag called `name`, ignoring case: `python` is `Python`, while `C#` is not `C++`.

        Both sides go through the database's own LOWER(), the function of the
        unique constraint, so a name found absent here can be created.
        """
        return self.alias(lower_name=Lower("name")).filter(lower_name=Lower(models.Value(name)))

    def get_or_create_named(self, name, defaults=None):
        """(tag, created): the tag called `name` in any case, or a new one with a slug of its own."""
        tag = self.named(name).first()
        if tag is not None:
            return tag, False
        try:
            with transaction.atomic():
                return self.create(name=name, **(defaults or {})), True
        except IntegrityError:
            # Someone else created it meanwhile; anything else is a real error.
            tag = self.named(name).first()
            if tag is None:
                raise
            return tag, False


def scheduled_posts_per_tag():
    """{tag id: scheduled posts carrying it}: few rows, found through the posts' status index."""
    rows = (
        Post.tags.through.objects.filter(post__in=Post.objects.scheduled())
        .values("tag_id")
        .annotate(n=models.Count("*"))
        .values_list("tag_id", "n")
    )
    return dict(rows)


# Symbols that tell programming tags apart (C, C++, C#, F#): spelled out in slugs,
# so /tag/c-sharp/ says what it holds, where slugify() alone would make them all "c".
_SLUG_WORDS = str.maketrans({"+": " plus ", "#": " sharp ", "&": " and "})
SLUG_MAX = 60


def parse_tag_names(value):
    """'Django, Python ,django, C++, C#' -> ['Django', 'Python', 'C++', 'C#'] (first spelling wins).

    Names are told apart by name, ignoring case, as Tag's constraint does; never
    by slug, which would make C++, C# and C one tag.
    """
    names, seen = [], set()
    for name in value.split(","):
        name = " ".join(name.split())
        if name and name.lower() not in seen:
            seen.add(name.lower())
            names.append(name)
    return names


def tag_slug(name):
    """The slug a new tag called `name` would start from: `C++` -> `c-plus-plus`, `C#` -> `c-sharp`."""
    return slugify(name.translate(_SLUG_WORDS))[:SLUG_MAX].strip("-")


def unique_tag_slug(name):
    """tag_slug(name), or with -2, -3... (WordPress's way) if another tag has it: never an existing tag's slug."""
    base = tag_slug(name) or "tag"  # a name of no ASCII letters or digits still needs a URL
    taken = set(Tag.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, number = base, 1
    while slug in taken:
        number += 1
        suffix = f"-{number}"
        slug = base[: SLUG_MAX - len(suffix)].rstrip("-") + suffix
    return slug


class Tag(KeepsLoadedValues, models.Model):
    # A renamed tag is renamed in its posts' search entries (blog/signals.py).
    kept_fields = ("name",)

    # Unique ignoring case (Meta.constraints): two spellings of one name are one tag.
    name = models.CharField(max_length=60)
    # A URL: set once when the tag is made (unique_tag_slug) and never changed by a rename.
    slug = models.SlugField(max_length=SLUG_MAX, unique=True)
    featured = models.BooleanField(default=False, help_text='Listed under "Stuff I Use".')
    # Published posts carrying the tag, scheduled ones included (blog/counts.py
    # keeps it when posts are written): counting on every page grows with the blog.
    published_post_count = models.PositiveIntegerField(default=0, editable=False)

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="blog_tag_name_unique_ignoring_case",
                violation_error_message="A tag with this name already exists (names are compared ignoring case).",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_tag_slug(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("blog:tag-detail", kwargs={"slug": self.slug})


class PostTag(models.Model):
    """A tag on a post: the table Django made for Post.tags, named, so that the admin's delete pages read.

    Django's own row was "Post_tags object (31)" there (migration 0009 changes
    no table).
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "blog_post_tags"
        unique_together = [("post", "tag")]
        verbose_name = "tag on a post"
        verbose_name_plural = "tags on posts"

    def __str__(self):
        return f"“{self.tag}” on “{self.post}”"
