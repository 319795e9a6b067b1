"""The author's side: posts, tags and blurbs in the Django admin."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import slugify

# siteadmin and uploadadmin register their pages; Django's admin imports only this module of the app.
from blog import publishing, revisions, siteadmin  # noqa: F401
from blog.autosaveadmin import KeepsAutosaves
from blog.editoradmin import HasEditor
from blog.models import Blurb, Page, Post, Redirect, Tag, parse_tag_names, tag_slug
from blog.revisionadmin import KeepsRevisions
from blog.trashadmin import GoesToTrash
from blog.uploadadmin import UploadInline

TAG_NAME_MAX = Tag._meta.get_field("name").max_length


class PostAdminForm(forms.ModelForm):
    tag_names = forms.CharField(
        label="Tags",
        required=False,
        help_text="Comma-separated names. New tags are created.",
        widget=forms.TextInput(attrs={"size": 60}),
    )

    class Meta:
        model = Post
        # Tags come from tag_names; the rest is every field the author edits.
        fields = ["title", "slug", "body", "summary", "status", "published_at", "comments_enabled", "author"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["tag_names"] = ", ".join(tag.name for tag in self.instance.tags.all())

    def clean_tag_names(self):
        names = parse_tag_names(self.cleaned_data["tag_names"])
        for name in names:
            if len(name) > TAG_NAME_MAX:
                raise forms.ValidationError(f"Tag names can be at most {TAG_NAME_MAX} characters: {name!r}.")
            if not tag_slug(name):
                raise forms.ValidationError(f"{name!r} needs at least one letter or digit.")
        return names

    def save_tags(self, post):
        tags = []
        for name in self.cleaned_data["tag_names"]:
            tag, _ = Tag.objects.get_or_create_named(name)
            tags.append(tag)
        post.tags.set(tags)


class PublicNowFilter(admin.SimpleListFilter):
    """Published, scheduled or draft, as the author thinks of posts (the status field calls scheduled published)."""

    title = "status"
    parameter_name = "public"

    def lookups(self, request, model_admin):
        return [("yes", "Published"), ("scheduled", "Scheduled"), ("draft", "Draft"), ("no", "Not public")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.published()
        if self.value() == "scheduled":
            return queryset.scheduled()
        if self.value() == "draft":
            return queryset.filter(status=Post.Status.DRAFT)
        if self.value() == "no":
            return queryset.exclude(pk__in=Post.objects.published().values("pk"))
        return queryset


class ShowsRenderWarnings:
    """After a save, the renderer's warnings (an unknown language, a capped block) as messages to the author."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        for warning in getattr(obj, "render_warnings", []):
            messages.warning(request, f"{obj.title}: {warning}")


@admin.register(Post)
class PostAdmin(KeepsAutosaves, GoesToTrash, KeepsRevisions, ShowsRenderWarnings, HasEditor, admin.ModelAdmin):
    form = PostAdminForm
    inlines = [UploadInline]
    list_display = ["title", "state", "published_at", "tag_list"]
    list_filter = [PublicNowFilter, "comments_enabled", "tags"]
    actions = ["publish", "unpublish"]
    search_fields = ["title", "body"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["rendered_preview", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "body", "tag_names"]}),
        ("Publishing", {"fields": ["status", "published_at", "comments_enabled", "author"]}),
        ("Summary", {"fields": ["summary"], "classes": ["collapse"]}),
        ("Rendered", {"fields": ["rendered_preview", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tags")

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        # A post form sent without the uploads part (a script, a form from before uploads
        # existed) changes no uploads, instead of failing on the missing management form.
        data = kwargs.get("data")
        if data is not None and f"{prefix}-TOTAL_FORMS" not in data:
            data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
        return kwargs

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("author", request.user.pk)
        return initial

    @admin.display(description="Tags")
    def tag_list(self, post):
        return ", ".join(tag.name for tag in post.tags.all())

    @admin.display(description="Status", ordering="status")
    def state(self, post):
        if post.status == Post.Status.PUBLISHED and not post.is_public:
            return "Scheduled"
        return post.get_status_display()

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Said in place of Django's "The post “…” was changed successfully." (message_user below).
        request.post_outcome = self.outcome(obj, form, change)

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        outcome = getattr(request, "post_outcome", None)
        if outcome is not None and level == messages.SUCCESS:
            message, request.post_outcome = outcome, None
        super().message_user(request, message, level, *args, **kwargs)

    def outcome(self, post, form, change):
        initial = form.initial if change else {}
        was_public = (
            initial.get("status") == Post.Status.PUBLISHED
            and initial.get("published_at") is not None
            and (initial["published_at"] <= timezone.now())
        )
        return publishing.saved(post, was_public)

    @admin.action(description="Publish the selected posts", permissions=["change"])
    def publish(self, request, queryset):
        # Each post keeps its publication time, as the edit form does: a past
        # one makes it public now, a future one schedules it (and says when).
        revisions.keep_previous(queryset)
        published = publishing.publish(queryset)
        self.log_changes(request, published, "Published with the list's action.")
        now = timezone.now()
        scheduled = sorted(post.published_at for post in published if post.published_at > now)
        public = len(published) - len(scheduled)
        parts = [f"Published {public} post{pluralize(public)}: public now."] if public else []
        if scheduled:
            n, when = len(scheduled), publishing.when(scheduled[0])
            parts.append(
                f"Scheduled {n} post{pluralize(n)}: {'it goes' if n == 1 else 'they go'} public at"
                f" {'its' if n == 1 else 'their'} publication time ({'' if n == 1 else 'the first '}{when})."
            )
        if not published:
            self.message_user(request, "No post changed: the selected posts were published already.", messages.INFO)
            return
        self.message_user(request, " ".join(parts), messages.SUCCESS)

    @admin.action(description="Unpublish the selected posts (back to draft)", permissions=["change"])
    def unpublish(self, request, queryset):
        revisions.keep_previous(queryset)
        unpublished = publishing.unpublish(queryset)
        self.log_changes(request, unpublished, "Unpublished with the list's action.")
        count = len(unpublished)
        if not count:
            self.message_user(request, "No post changed: the selected posts were drafts already.", messages.INFO)
            return
        self.message_user(request, f"{count} post{pluralize(count)} back to draft.", messages.SUCCESS)

    def log_changes(self, request, posts, message):
        # Each post on its own, as a save from its form: its History lists it and keeps a revision of it.
        for post in posts:
            self.log_change(request, post, message)

    @admin.display(description="As readers see it")
    def rendered_preview(self, post):
        if not post.pk:
            return "After the first save. Use Preview to see it before saving."
        # The post's own page, which shows drafts and scheduled posts to the author.
        return format_html('<a href="{}" target="_blank">Open the post page</a>', post.get_absolute_url())

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.save_tags(form.instance)

    def preview(self, request, form):
        """The unsaved post on the readers' own post page."""
        data = form.cleaned_data
        title = request.POST.get("title", "")
        post = Post(
            title=title,
            slug=data.get("slug") or slugify(title) or "preview",
            body=request.POST.get("body", ""),
            summary=request.POST.get("summary", ""),
            status=data.get("status") or Post.Status.DRAFT,
            published_at=data.get("published_at") or timezone.now(),
            comments_enabled=data.get("comments_enabled", True),
        )
        warnings = post.render()
        names = data.get("tag_names") or []
        # An existing tag links to its own page; a new one to the slug it would most likely get.
        post.tag_list = [Tag.objects.named(name).first() or Tag(name=name, slug=tag_slug(name)) for name in names]
        context = {"post": post, "preview": True, "warnings": warnings}
        return TemplateResponse(request, "blog/post_detail.html", context)


class TagAdminForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name", "slug", "featured"]
        help_texts = {
            "slug": "The tag's URL. Leave it empty for one made from the name (C# gives c-sharp); "
            "changing it later breaks links to the tag.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Empty: Tag.save() picks a slug no other tag has. (The admin's prepopulating
        # script would fill in "c" for C#, C++ and C alike.)
        self.fields["slug"].required = False


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    form = TagAdminForm
    list_display = ["name", "slug", "featured", "post_count"]
    list_editable = ["featured"]
    list_filter = ["featured"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(post_count=Count("posts"))

    @admin.display(description="Posts", ordering="post_count")
    def post_count(self, tag):
        return tag.post_count


@admin.register(Blurb)
class BlurbAdmin(KeepsAutosaves, KeepsRevisions, ShowsRenderWarnings, HasEditor, admin.ModelAdmin):
    list_display = ["title", "position", "visible"]
    list_editable = ["position", "visible"]
    ordering = ["position", "id"]
    # Named: the body comes from MarkdownDocument, so the model lists it before the title.
    fields = ["title", "body", "position", "visible"]
    # The preview page holds the blurb in its sidebar, which a narrow frame shows below the content.
    preview_start = ".sidebar"

    def preview(self, request, form):
        """The unsaved blurb in the readers' sidebar, alone (the other blurbs are not what is being written)."""
        blurb = Blurb(
            title=request.POST.get("title", ""),
            body=request.POST.get("body", ""),
            visible=form.cleaned_data.get("visible", True),
        )
        warnings = blurb.render()
        context = {"blurb": blurb, "blurbs": [blurb], "warnings": warnings}
        return TemplateResponse(request, "blog/blurb_preview.html", context)


@admin.register(Page)
class PageAdmin(KeepsAutosaves, GoesToTrash, KeepsRevisions, ShowsRenderWarnings, HasEditor, admin.ModelAdmin):
    """About, Now, Uses...: the navigation's order is the position column, editable in the list."""

    list_display = ["title", "url", "status", "in_navigation", "position", "updated_at"]
    list_display_links = ["title"]
    list_editable = ["status", "in_navigation", "position"]
    list_filter = ["status", "in_navigation"]
    search_fields = ["title", "body"]
    ordering = ["position", "title", "id"]
    prepopulated_fields = {"slug": ["title"]}
    fields = ["title", "slug", "body", "status", "in_navigation", "position"]

    @admin.display(description="Address")
    def url(self, page):
        # Drafts too: the page itself shows a draft to the author as a preview.
        return format_html('<a href="{0}">{0}</a>', page.get_absolute_url())

    def preview(self, request, form):
        """The unsaved page on the readers' own page template."""
        data = form.cleaned_data
        title = request.POST.get("title", "")
        page = Page(
            title=title,
            slug=data.get("slug") or slugify(title) or "preview",
            body=request.POST.get("body", ""),
            status=data.get("status") or Page.Status.DRAFT,
        )
        warnings = page.render()
        context = {"page": page, "preview": True, "warnings": warnings}
        return TemplateResponse(request, "blog/page_detail.html", context)


@admin.register(Redirect)
class RedirectAdmin(admin.ModelAdmin):
    list_display = ["old_path", "target", "created_at"]
    search_fields = ["old_path", "new_path", "post__title", "page__title"]
    raw_id_fields = ["post", "page"]
    readonly_fields = ["created_at"]
