"""Reader pages: front page, posts, tags, archives, search, and the plumbing URLs."""

from urllib.parse import urlencode
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.db.models.functions import TruncMonth
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.http import require_safe
from django.views.generic import ListView

from blog import counts
from blog.frontmatter import PostFile
from blog.models import Post, Tag
from blog.pagination import lookahead_page
from blog.tagcloud import weigh
from comments.models import Comment
from escribe.prepared import Prepared

SEARCH_MAX_LENGTH = 200


class PagedPostListView(ListView):
    """A paginated list of public posts with prev/next page links.

    Subclasses say where page N lives with page_url(number).
    """

    template_name = "blog/post_list.html"
    context_object_name = "posts"
    allow_empty = True

    def get_paginate_by(self, queryset):
        return settings.POSTS_PER_PAGE

    def get(self, request, *args, **kwargs):
        if kwargs.get("page") == 1:
            return redirect(self.page_url(1), permanent=True)
        return super().get(request, *args, **kwargs)

    def base_queryset(self):
        # Lists show the stored HTML; the Markdown source can stay in the database.
        return Post.objects.published().defer("body", "summary").prefetch_related(Prefetch("tags", to_attr="tag_list"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        if page.has_previous():
            context["newer_url"] = self.page_url(page.previous_page_number())
        if page.has_next():
            context["older_url"] = self.page_url(page.next_page_number())
        return context


class LookaheadMixin:
    """Paginate without counting: the front and tag pages must not slow down as posts pile up."""

    def paginate_queryset(self, queryset, page_size):
        page = lookahead_page(queryset, self.kwargs.get("page") or 1, page_size)
        return None, page, page.object_list, page.has_other_pages()


class PostListView(LookaheadMixin, PagedPostListView):
    def get_queryset(self):
        return self.base_queryset()

    def page_url(self, number):
        if number == 1:
            return reverse("blog:post-list")
        return reverse("blog:post-list-page", kwargs={"page": number})


class TagPostListView(PagedPostListView):
    template_name = "blog/tag_detail.html"

    def get_queryset(self):
        self.tag = get_object_or_404(Tag.objects.with_post_counts(), slug=self.kwargs["slug"])
        return self.base_queryset().filter(tags=self.tag)

    def paginate_queryset(self, queryset, page_size):
        number = self.kwargs.get("page") or 1  # an int: the URL converter says so
        needed = number * page_size + 1
        tagged, public = self.tag.post_count, counts.public_post_count()
        # Two ways to find the ids of a tag's newest posts; each reads about
        # min(needed * public / tagged, tagged) rows, so choosing keeps the
        # work near sqrt(needed * public) however the blog grows.
        if needed * public < tagged * tagged:
            # A common tag: walk all public posts newest first (an index) and
            # keep those carrying the tag, until the page is full.
            carries_tag = Post.tags.through.objects.filter(post_id=OuterRef("id"), tag_id=self.tag.id)
            ids = Post.objects.published().filter(Exists(carries_tag))
        else:
            # A rare tag: sort just its posts' ids (sorting whole posts, HTML
            # and all, cost more than the rows themselves).
            ids = queryset
        page = lookahead_page(ids.values_list("id", flat=True), number, page_size)
        posts = {post.id: post for post in self.base_queryset().filter(id__in=page.object_list)}
        page.object_list = [posts[pk] for pk in page.object_list if pk in posts]
        return None, page, page.object_list, page.has_other_pages()

    def page_url(self, number):
        if number == 1:
            return self.tag.get_absolute_url()
        return reverse("blog:tag-detail-page", kwargs={"slug": self.tag.slug, "page": number})

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)


class ArchiveMonthView(PagedPostListView):
    template_name = "blog/archive_month.html"

    def get_queryset(self):
        year, month = self.kwargs["year"], self.kwargs["month"]
        if not (1 <= month <= 12 and 1 <= year <= 9998):
            raise Http404("No such month.")
        tz = timezone.get_current_timezone()
        self.month_start = timezone.make_aware(datetime(year, month, 1), tz)
        next_month = datetime(year + month // 12, month % 12 + 1, 1)
        return self.base_queryset().filter(
            published_at__gte=self.month_start,
            published_at__lt=timezone.make_aware(next_month, tz),
        )

    def page_url(self, number):
        url = reverse("blog:archive-month", kwargs={"year": self.kwargs["year"], "month": self.kwargs["month"]})
        return url if number == 1 else f"{url}?page={number}"

    def get_context_data(self, **kwargs):
        return super().get_context_data(month=self.month_start, **kwargs)


class SearchView(PagedPostListView):
    template_name = "blog/search.html"

    def get_queryset(self):
        self.query = self.request.GET.get("q", "").strip()[:SEARCH_MAX_LENGTH]
        if not self.query:
            return Post.objects.none()
        words = self.query.split()
        condition = Q()
        for word in words:
            condition &= Q(title__icontains=word) | Q(body__icontains=word)
        return self.base_queryset().filter(condition)

    def page_url(self, number):
        params = {"q": self.query}
        if number > 1:
            params["page"] = number
        return f"{reverse('blog:search')}?{urlencode(params)}"

    def get_context_data(self, **kwargs):
        return super().get_context_data(query=self.query, **kwargs)


# The post page's queries, prepared: it is the page readers land on from
# search engines and links, so its uncached cost matters most.
_POST = Prepared("post by slug", lambda slug: Post.objects.defer("body").filter(slug=slug), slug="text")
_POST_TAGS = Prepared("a post's tags", lambda post_id: Tag.objects.filter(posts=post_id).only("name", "slug"), post_id="int")
_COMMENTS = Prepared(
    "a post's comments", lambda post_id: Comment.objects.for_page().filter(post_id=post_id), post_id="int"
)


def _neighbour(direction):
    def build(now, at, post_id):
        published = Post.objects.published(now).only("title", "slug", "published_at")
        if direction == "newer":
            after = Q(published_at__gt=at) | Q(published_at=at, id__gt=post_id)
            return published.filter(after).order_by("published_at", "id")[:1]
        before = Q(published_at__lt=at) | Q(published_at=at, id__lt=post_id)
        return published.filter(before).order_by("-published_at", "-id")[:1]

    return Prepared(f"{direction} post", build, now="datetime", at="datetime", post_id="int")


_NEWER, _OLDER = _neighbour("newer"), _neighbour("older")


@require_safe
def post_detail(request, slug):
    post = _POST.first(slug=slug)
    if post is None:
        raise Http404("No such post.")
    public = post.is_public
    # Only for a post that is not public is the session read: public pages
    # never touch it, so they set no cookie and carry no Vary: Cookie.
    if not public and not request.user.is_staff:
        raise Http404("No such post.")
    post.tag_list = _POST_TAGS.all(post_id=post.pk)
    context = {"post": post, "comments": _COMMENTS.all(post_id=post.pk)}
    if public:
        newer, older = _neighbours(post)
        return render(request, "blog/post_detail.html", {**context, "newer": newer, "older": older})
    response = render(request, "blog/post_detail.html", {**context, "preview": True})
    response["X-Robots-Tag"] = "noindex"
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    return response


def _neighbours(post):
    """The next newer and next older public posts, ties broken by id."""
    values = {"now": timezone.now(), "at": post.published_at, "post_id": post.pk}
    return _NEWER.first(**values), _OLDER.first(**values)


@require_safe
def post_source(request, slug):
    """The post's Markdown with front matter, as the author wrote it."""
    post = get_object_or_404(Post.objects.published().prefetch_related("tags"), slug=slug)
    return HttpResponse(PostFile.from_post(post).to_text(), content_type="text/markdown; charset=utf-8")


@require_safe
def tag_cloud(request):
    tags = Tag.objects.with_post_counts().filter(post_count__gt=0).order_by("name")
    return render(request, "blog/tag_list.html", {"tags": weigh(list(tags))})


def _month_counts(queryset):
    return (
        queryset.annotate(month=TruncMonth("published_at"))
        .values("month")
        .annotate(count=Count("id"))
        .order_by("-month")
    )


@require_safe
def archive_index(request):
    years = {}
    for row in _month_counts(Post.objects.published()):
        year = years.setdefault(row["month"].year, {"year": row["month"].year, "count": 0, "months": []})
        year["count"] += row["count"]
        year["months"].append(row)
    return render(request, "blog/archive.html", {"years": list(years.values())})


@require_safe
def archive_year(request, year):
    if not 1 <= year <= 9998:
        raise Http404("No such year.")
    published = Post.objects.published().filter(published_at__year=year)
    months = list(_month_counts(published))
    if not months:
        raise Http404("Nothing was published that year.")
    posts = published.only("title", "slug", "published_at")
    return render(
        request,
        "blog/archive_year.html",
        {"year": year, "months": months, "posts": posts, "count": sum(m["count"] for m in months)},
    )


@require_safe
def legacy_post_redirect(request, pk):
    """The old engine's numeric permalinks."""
    post = get_object_or_404(Post.objects.published().only("slug"), pk=pk)
    return HttpResponsePermanentRedirect(post.get_absolute_url())


@require_safe
def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("sitemap-index"))
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /search/", "", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@require_safe
def healthz(request):
    """For load balancers and monitors: is the database answering?"""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        response = JsonResponse({"status": "error", "database": str(error)}, status=503)
    else:
        response = JsonResponse({"status": "ok", "database": "ok"})
    add_never_cache_headers(response)
    return response
