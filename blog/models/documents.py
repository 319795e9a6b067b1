"""What posts, standalone pages and sidebar blurbs share: a Markdown body rendered into stored HTML on save."""

from django.apps import apps
from django.db import models

from blog.rendering import render


class Status(models.TextChoices):
    """Whether a post or page is shown: a draft is the author's alone (a post's future time schedules it)."""

    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class MarkdownDocument(models.Model):
    """Abstract base: the author writes Markdown; the HTML is rendered when saved, never on a request."""

    body = models.TextField(help_text="Markdown.")
    body_html = models.TextField(blank=True, editable=False)

    # Each Markdown field rendered on save, with the field its HTML is stored in.
    markdown_fields = {"body": "body_html"}
    # What render() sets: what a new rendering must write (rerender_posts, an upload's new alt text).
    rendered_fields = ["body_html"]

    class Meta:
        abstract = True

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.render_warnings = self.render()
        super().save(*args, **kwargs)

    def render(self):
        """Render every Markdown field into its HTML field; returns the renderer's warnings."""
        sources = {field: getattr(self, field) for field in self.markdown_fields}
        # Through the registry, not an import: an upload finds the documents that link to it, so it sits above them.
        images = apps.get_model("blog", "Upload").objects.image_sources("\n".join(sources.values()))
        warnings = []
        for field, source in sources.items():
            # Empty Markdown renders to empty HTML without a warning: not worth the renderer's start-up.
            rendered = render(source, id_prefix=self.heading_id_prefix(field), images=images) if source else None
            setattr(self, self.markdown_fields[field], rendered.html if rendered else "")
            warnings += rendered.warnings if rendered else []
        return warnings

    def heading_id_prefix(self, field):
        """What the ids of the field's headings and footnotes start with: unique on any page showing it."""
        raise NotImplementedError
