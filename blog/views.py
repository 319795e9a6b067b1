"""Reader pages: front page, posts, tags, archives, search, and the plumbing URLs."""

from datetime import date, datetime
from urllib.parse import urlencode

from django.core.paginator import InvalidPage
from django.db import DatabaseError, connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.http import require_safe
from django.views.generic import ListView

from blog import counts, search, site
from blog.frontmatter import PostFile
from blog.models import ArchiveMonth, Page, Post, Tag, month_bounds, month_of
from blog.pagination import CountedPaginator
from blog.tagcloud import alphabetical, weigh

# Below this many posts a tag's page sorts the tag's own posts; above it, it
# walks the newest public posts and keeps the tagged ones (see TagPostListView).
SORT_TAGGED_BELOW = 1000
# Related posts shown under a post.
RELATED_POSTS = 4


def _listed(queryset):
    """Posts as lists show them: title, list HTML and tags, without the Markdown source or the whole post's HTML."""
    return queryset.defer("body", "summary", "body_html", "summary_html").prefetch_related(
        Prefetch("tags", to_attr="tag_list")
    )


class PostPagesMixin:
    """Paginated lists of posts with newer/older links; subclasses say where page N lives (page_url)."""

    context_object_name = "posts"
    allow_empty = True

    def get_paginate_by(self, queryset):
        return site.current().posts_per_page

    def get(self, request, *args, **kwargs):
        page = kwargs.get("page")
        # ListView reads a page of 0 as "no page given" and would answer with
        # a copy of page 1; there is no page 0.
        if page == 0:
            raise Http404("No such page.")
        if page == 1:
            return redirect(self.page_url(1), permanent=True)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        if page and page.has_previous():
            context["newer_url"] = self.page_url(page.previous_page_number())
        if page and page.has_next():
            context["older_url"] = self.page_url(page.next_page_number())
        return context


class PostListView(PostPagesMixin, ListView):
    template_name = "blog/post_list.html"

    def get_queryset(self):
        return _listed(Post.objects.published())

    def get_paginator(self, queryset, per_page, **kwargs):
        return CountedPaginator(queryset, per_page, count=counts.public_post_count(), **kwargs)

    def page_url(self, number):
        return reverse("blog:post-list") if number == 1 else reverse("blog:post-list-page", kwargs={"page": number})


class TagPostListView(PostPagesMixin, ListView):
    template_name = "blog/tag_detail.html"

    def get(self, request, *args, **kwargs):
        # The tag first: page_url() needs it, even for the redirect from page 1.
        # A tag only drafts or scheduled posts carry is not public yet: its
        # page would show "0 posts" and tell readers what is coming.
        tags = Tag.objects.filter(slug=kwargs["slug"]).in_use()
        if not tags:
            raise Http404("No public post carries this tag.")
        self.tag = tags[0]
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return Post.objects.published().filter(tags=self.tag)

    def paginate_queryset(self, queryset, page_size):
        # Two ways to find the ids of a tag's newest posts. Sorting the tag's
        # posts reads all of them; walking the newest public posts (an index)
        # and keeping the tagged ones reads about page * public / tagged rows.
        # Each is cheap where the other is not, so the choice keeps tag pages
        # flat as the blog grows.
        if self.tag.post_count < SORT_TAGGED_BELOW:
            ids = queryset
        else:
            carries_tag = Post.tags.through.objects.filter(post_id=OuterRef("id"), tag_id=self.tag.id)
            ids = Post.objects.published().filter(Exists(carries_tag))
        paginator = CountedPaginator(ids.values_list("id", flat=True), page_size, count=self.tag.post_count)
        page = paginator.page(self._page_number(paginator))
        found = {post.id: post for post in _listed(Post.objects.filter(id__in=list(page.object_list)))}
        page.object_list = [found[pk] for pk in page.object_list if pk in found]
        return paginator, page, page.object_list, page.has_other_pages()

    def _page_number(self, paginator):
        try:
            return paginator.validate_number(self.kwargs.get("page", 1))
        except InvalidPage as error:
            raise Http404("No such page.") from error

    def page_url(self, number):
        if number == 1:
            return self.tag.get_absolute_url()
        return reverse("blog:tag-detail-page", kwargs={"slug": self.tag.slug, "page": number})

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)


class ArchiveMonthView(PostPagesMixin, ListView):
    template_name = "blog/archive_month.html"

    def get_queryset(self):
        year, month = self.kwargs["year"], self.kwargs["month"]
        if not (1 <= month <= 12 and 1 <= year <= 9998):
            raise Http404("No such month.")
        self.month_start, month_end = month_bounds(date(year, month, 1))
        return _listed(Post.objects.published()).filter(published_at__gte=self.month_start, published_at__lt=month_end)

    def page_url(self, number):
        kwargs = {"year": self.kwargs["year"], "month": self.kwargs["month"]}
        if number == 1:
            return reverse("blog:archive-month", kwargs=kwargs)
        return reverse("blog:archive-month-page", kwargs={**kwargs, "page": number})

    def get_context_data(self, **kwargs):
        return super().get_context_data(month=self.month_start, **kwargs)


class SearchView(PostPagesMixin, ListView):
    """/search/?q=: blog.search decides what matches and how it is shown; this pages through it."""

    template_name = "blog/search.html"

    def get_queryset(self):
        self.results = search.search(self.request.GET.get("q", ""))
        return self.results

    def page_url(self, number):
        params = {"q": self.results.text}
        if number > 1:
            params["page"] = number
        return f"{reverse('blog:search')}?{urlencode(params)}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            query=self.results.text,
            searched=self.results.query is not None,
            notes=self.results.notes,
            **kwargs,
        )
        context["more"] = self.results.more  # known once the paginator has counted
        return context


@require_safe
def post_detail(request, slug):
    # The author for the page's JSON-LD, in the same query.
    posts = Post.objects.defer("body").select_related("author").prefetch_related(Prefetch("tags", to_attr="tag_list"))
    post = get_object_or_404(posts, slug=slug)
    if post.in_trash:
        return gone(request, "post")
    # Only for a post that is not public is the session read: public pages
    # never touch it, so they set no cookie and carry no Vary: Cookie.
    if post.is_public:
        newer, older = _neighbours(post)
        context = {"post": post, "newer": newer, "older": older, "related": _related(post)}
        return render(request, "blog/post_detail.html", context)
    return _staff_preview(request, "blog/post_detail.html", {"post": post}, "No such post.")


def _neighbours(post):
    """The next newer and next older public posts, ties broken by id."""
    at, pk = post.published_at, post.pk
    # Each gets a plain bound at `at` beside the OR (which says the same): only
    # a plain bound lets SQLite start its index range at the post instead of
    # walking every post on the far side of it (30 ms at 100,000 posts). The
    # older one's bound comes first: of two upper bounds on a column SQLite
    # ranges over the first, and published()'s "now" would be the loose one.
    after = Q(published_at__gt=at) | Q(published_at=at, id__gt=pk)
    before = Q(published_at__lt=at) | Q(published_at=at, id__lt=pk)
    newer = Post.objects.published().filter(after, published_at__gte=at)
    older = Post.objects.filter(published_at__lte=at).published().filter(before)
    fields = ("title", "slug", "published_at")
    return (
        newer.only(*fields).order_by("published_at", "id").first(),
        older.only(*fields).order_by("-published_at", "-id").first(),
    )


def _related(post, limit=RELATED_POSTS):
    """Up to `limit` other public posts sharing the most tags with `post`, the newest first among equals.

    One query whatever the blog's size: the tag links are counted in the database.
    """
    tag_ids = [tag.pk for tag in post.tag_list]
    if not tag_ids:
        return []
    return list(
        Post.objects.published()
        .filter(tags__in=tag_ids)
        .exclude(pk=post.pk)
        .annotate(shared_tags=Count("tags"))
        .order_by("-shared_tags", "-published_at", "-id")
        .only("title", "slug", "published_at", "reading_minutes")[:limit]
    )


@require_safe
def page_detail(request, slug):
    """A standalone page; a draft only for staff, as a preview nobody keeps."""
    page = get_object_or_404(Page, slug=slug)
    if page.in_trash:
        return gone(request, "page")
    if page.is_public:
        return render(request, "blog/page_detail.html", {"page": page})
    return _staff_preview(request, "blog/page_detail.html", {"page": page}, "No such page.")


def gone(request, what):
    """410 for a post or page in the trash: removed on purpose, so search engines drop it rather than retry.

    Never kept as a page file (escribe/page_middleware.py keeps 200s only): a restore answers 200 at once.
    """
    response = render(request, "blog/gone.html", {"what": what}, status=410)
    # Without an expiry browsers keep a 410 for good (Chromium does, as for a 301): readers who saw it
    # would never see the restored post. They revalidate, as for any page (settings.PAGE_CACHE_CONTROL).
    patch_cache_control(response, max_age=0, must_revalidate=True)
    return response


def _staff_preview(request, template, context, not_found):
    """What is not public yet, shown to staff only, as a preview no cache or search engine keeps."""
    if not request.user.is_staff:
        raise Http404(not_found)
    response = render(request, template, {**context, "preview": True})
    response["X-Robots-Tag"] = "noindex"
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    return response


@require_safe
def post_source(request, slug):
    """The post's Markdown with front matter, as the author wrote it."""
    post = get_object_or_404(Post.objects.prefetch_related("tags"), slug=slug)
    if post.in_trash:
        return gone(request, "post")
    if not post.is_public:
        raise Http404("No such post.")
    return HttpResponse(PostFile.from_post(post).to_text(), content_type="text/markdown; charset=utf-8")


@require_safe
def tag_cloud(request):
    return render(request, "blog/tag_list.html", {"tags": weigh(alphabetical(Tag.objects.in_use()))})


@require_safe
def archive_index(request):
    years = {}
    for month in ArchiveMonth.objects.with_public_counts():
        year = years.setdefault(month.month.year, {"year": month.month.year, "count": 0, "months": []})
        year["count"] += month.post_count
        year["months"].append(month)
    return render(request, "blog/archive.html", {"years": list(years.values())})


@require_safe
def archive_year(request, year):
    if not 1 <= year <= 9998:
        raise Http404("No such year.")
    months = ArchiveMonth.objects.filter(month__year=year).with_public_counts()
    if not months:
        raise Http404("Nothing was published that year.")
    tz = timezone.get_current_timezone()
    posts = Post.objects.published().filter(
        published_at__gte=timezone.make_aware(datetime(year, 1, 1), tz),
        published_at__lt=timezone.make_aware(datetime(year + 1, 1, 1), tz),
    )
    # One query for the year's titles, each under its month's heading.
    by_month = {}
    for post in posts.only("title", "slug", "published_at"):
        by_month.setdefault(month_of(post.published_at), []).append(post)
    for month in months:
        month.posts = by_month.get(month.month, [])
    return render(
        request,
        "blog/archive_year.html",
        {"year": year, "months": months, "count": sum(month.post_count for month in months)},
    )


@require_safe
def legacy_post_redirect(request, pk):
    """The old engine's numeric permalinks."""
    post = get_object_or_404(Post.objects.only("slug", "status", "published_at", "trashed_at"), pk=pk)
    if post.in_trash:
        return gone(request, "post")
    if not post.is_public:
        raise Http404("No such post.")
    return HttpResponsePermanentRedirect(post.get_absolute_url())


@require_safe
def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("blog:sitemap-index"))
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
