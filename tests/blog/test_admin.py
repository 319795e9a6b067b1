"""The author's side, through the admin with a logged-in test client."""

import pytest
from django.utils import timezone

from blog import publishing
from blog.models import Blurb, Post, Tag
from tests.support.factories import make_post, make_tag, set_site

pytestmark = pytest.mark.django_db


def post_form(**overrides):
    now = timezone.localtime()
    data = {
        "title": "SQLite in production",
        "slug": "sqlite-in-production",
        "body": "## Why\n\n```python settings.py\nDATABASES = {}\n```\n",
        "tag_names": "SQLite, Deployment",
        "status": "published",
        "published_at_0": now.strftime("%Y-%m-%d"),
        "published_at_1": now.strftime("%H:%M:%S"),
        "comments_enabled": "on",
        "summary": "",
        "author": "",
    }
    data.update(overrides)
    return data


def test_create_post_with_two_new_tags_stores_rendered_html(author_client):
    response = author_client.post("/admin/blog/post/add/", post_form())
    assert response.status_code == 302, response.content.decode()[:2000]
    post = Post.objects.get(slug="sqlite-in-production")
    assert '<figure class="code-file">' in post.body_html
    assert "<figcaption><code>settings.py</code></figcaption>" in post.body_html
    assert sorted(tag.name for tag in post.tags.all()) == ["Deployment", "SQLite"]
    assert Tag.objects.count() == 2


def test_existing_tags_are_reused_case_insensitively(author_client):
    existing = make_tag("SQLite")
    author_client.post("/admin/blog/post/add/", post_form(tag_names="sqlite, SQLite, , Vim"))
    post = Post.objects.get()
    assert set(post.tags.all()) == {existing, Tag.objects.get(name="Vim")}


def test_edit_form_shows_tags_as_names(author_client):
    post = make_post(tags=[make_tag("Alpha"), make_tag("Beta")])
    html = author_client.get(f"/admin/blog/post/{post.pk}/change/").content.decode()
    assert 'value="Alpha, Beta"' in html
    assert "Preview" in html


def test_unknown_language_warns_the_author_on_save(author_client):
    response = author_client.post("/admin/blog/post/add/", post_form(body="```klingon\nQapla'\n```\n"), follow=True)
    assert "Unknown language &#x27;klingon&#x27;" in response.content.decode()
    assert Post.objects.get().body_html  # saved anyway, as plain code


def test_an_unknown_fence_option_warns_the_author_on_save_and_stays_out_of_the_caption(author_client):
    body = "```python hl_lines=2 colour=red\nx = 1\ny = 2\n```\n"
    response = author_client.post("/admin/blog/post/add/", post_form(body=body), follow=True)
    assert "Code block option &#x27;colour=red&#x27; is unknown and was ignored" in response.content.decode()
    html = Post.objects.get().body_html
    assert "colour" not in html and "figcaption" not in html and '<span class="hll">' in html


def test_preview_renders_unsaved_markdown_with_the_same_renderer(author_client):
    response = author_client.post(
        "/admin/blog/post/preview/",
        post_form(title="Draft title", body="| a |\n|---|\n| 1 |\n\n```python x.py\npass\n```", tag_names="Vim"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert '<table tabindex="0">' in html and "<figcaption><code>x.py</code></figcaption>" in html
    assert "Draft title" in html
    assert Post.objects.count() == 0


def test_preview_is_the_readers_own_post_page(author_client, client):
    """What the author previews is what readers get: the same template, the same markup around the body."""
    import re

    make_tag("Vim")
    form = post_form(title="Same page", slug="same-page", body="Hello *there*.\n\n## A heading", tag_names="Vim")
    preview = author_client.post("/admin/blog/post/preview/", form)
    assert "blog/post_detail.html" in [template.name for template in preview.templates]
    author_client.post("/admin/blog/post/add/", form)
    published = client.get("/post/same-page/")

    def article(response):
        # The same element, but for the id an unsaved post cannot have yet.
        html = re.search(r'<article class="post".*?</article>', response.content.decode(), re.S).group(0)
        return re.sub(r"post-(\d+|preview)-title", "post-N-title", html)

    assert article(preview) == article(published)
    assert 'class="site-header"' in preview.content.decode() and 'class="sidebar"' in preview.content.decode()


def test_preview_warns_about_what_could_not_be_rendered(author_client):
    response = author_client.post("/admin/blog/post/preview/", post_form(body="```klingon\nQapla'\n```"))
    assert "Unknown language" in response.content.decode()


def test_preview_needs_the_author(client):
    response = client.post("/admin/blog/post/preview/", {"body": "x"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_post_list_shows_the_status_and_filters(author_client):
    make_post(title="Visible one")
    make_post(title="Hidden one", status=Post.Status.DRAFT)
    html = author_client.get("/admin/blog/post/").content.decode()
    assert "Visible one" in html and "Hidden one" in html
    assert '<td class="field-state">Published</td>' in html
    public = author_client.get("/admin/blog/post/?public=yes").content.decode()
    assert "Visible one" in public and "Hidden one" not in public


def test_tag_list_shows_post_counts(author_client):
    tag = make_tag("Counted")
    make_post(tags=[tag])
    make_post(tags=[tag])
    html = author_client.get("/admin/blog/tag/").content.decode()
    assert "Counted" in html and '<td class="field-post_count">2</td>' in html


def test_blurbs_are_edited_and_rendered(author_client):
    response = author_client.post(
        "/admin/blog/blurb/add/", {"title": "Colophon", "body": "Built with *Django*.", "position": 3, "visible": "on"}
    )
    assert response.status_code == 302
    assert Blurb.objects.get().body_html == "<p>Built with <em>Django</em>.</p>"


def test_tags_whose_names_slugify_alike_stay_three_tags(author_client):
    # C++, C# and C all slugify to "c": looked up by slug, the post got one tag three times over.
    response = author_client.post("/admin/blog/post/add/", post_form(tag_names="C++, C#, C"))
    assert response.status_code == 302, response.content.decode()[:2000]
    post = Post.objects.get()
    assert sorted((tag.name, tag.slug) for tag in post.tags.all()) == [
        ("C", "c"), ("C#", "c-sharp"), ("C++", "c-plus-plus"),
    ]  # fmt: skip
    for tag in post.tags.all():
        assert post.title in author_client.get(tag.get_absolute_url()).content.decode()


def test_a_post_saved_with_csharp_never_gets_cplusplus(author_client):
    cplusplus = make_tag("C++")
    author_client.post("/admin/blog/post/add/", post_form(tag_names="C#"))
    assert [tag.name for tag in Post.objects.get().tags.all()] == ["C#"]
    assert not cplusplus.posts.exists()


def test_preview_links_tags_that_slugify_alike_to_their_own_pages(author_client):
    existing = make_tag("C")
    response = author_client.post("/admin/blog/post/preview/", post_form(tag_names="C, C#"))
    html = response.content.decode()
    assert f'href="{existing.get_absolute_url()}"' in html
    assert 'href="/tag/c-sharp/"' in html
    assert Tag.objects.count() == 1  # a preview saves nothing


def test_a_tag_added_in_the_admin_gets_a_slug_of_its_own(author_client):
    make_tag("C")
    response = author_client.post("/admin/blog/tag/add/", {"name": "C#", "slug": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Tag.objects.get(name="C#").slug == "c-sharp"


def test_the_admin_refuses_a_tag_name_that_differs_only_in_case(author_client):
    make_tag("Python")
    response = author_client.post("/admin/blog/tag/add/", {"name": "python", "slug": ""})
    assert response.status_code == 200
    assert "A tag with this name already exists" in response.content.decode()
    assert Tag.objects.count() == 1


def test_pathological_markdown_is_saved_quickly_and_the_author_is_told(author_client):
    response = author_client.post("/admin/blog/post/add/", post_form(body="[" * 10_000 + "x"), follow=True)
    assert "Shown as plain text: 1 block" in response.content.decode()
    assert Post.objects.get().body_html.startswith("<p>[[[")


# --- The blog's name, and publishing in bulk --------------------------------------------


def test_the_admin_is_headed_with_the_blogs_name(author_client, settings):
    set_site(title="Notes from the Shed")
    html = author_client.get("/admin/").content.decode()
    assert '<a href="/admin/">Notes from the Shed</a>' in html
    assert "<title>Notes from the Shed administration | Notes from the Shed admin</title>" in html
    assert "Django" not in html


def run_action(client, action, posts):
    return client.post(
        "/admin/blog/post/", {"action": action, "_selected_action": [post.pk for post in posts]}, follow=True
    )


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def test_bulk_publish_makes_drafts_public_and_keeps_a_future_time_as_scheduled(author_client):
    from datetime import timedelta

    tag = make_tag("Travel")
    past = make_post(title="Zanzibar", status=Post.Status.DRAFT, tags=[tag])
    later = timezone.now() + timedelta(days=2)
    future = make_post(title="Kilimanjaro", status=Post.Status.DRAFT, published_at=later, tags=[tag])
    already = make_post(title="Already out")
    assert author_client.get(tag.get_absolute_url()).status_code == 404

    response = run_action(author_client, "publish", [past, future, already])
    assert messages_of(response) == [
        "Published 1 post: public now. Scheduled 1 post: it goes public at its publication time "
        f"({publishing.when(later)})."
    ]
    assert {post.title: post.status for post in Post.objects.all()} == dict.fromkeys(
        ["Zanzibar", "Kilimanjaro", "Already out"], Post.Status.PUBLISHED
    )
    assert Post.objects.get(pk=future.pk).published_at == later  # kept: scheduled, not public yet
    # What readers see moved with it: the stored tag count, and the pages.
    assert Tag.objects.get(pk=tag.pk).published_post_count == 2
    html = author_client.get(tag.get_absolute_url()).content.decode()
    assert "Zanzibar" in html and "Kilimanjaro" not in html


def test_bulk_unpublish_turns_posts_back_into_drafts_and_hides_them(author_client, client):
    tag = make_tag("Travel")
    posts = [make_post(title=f"Gone {n}", tags=[tag]) for n in range(2)]
    draft = make_post(title="Still a draft", status=Post.Status.DRAFT)

    response = run_action(author_client, "unpublish", [*posts, draft])
    assert messages_of(response) == ["2 posts back to draft."]
    assert set(Post.objects.values_list("status", flat=True)) == {Post.Status.DRAFT}
    assert Tag.objects.get(pk=tag.pk).published_post_count == 0
    client.logout()
    assert "Gone" not in client.get("/").content.decode()
    assert client.get(tag.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("action", ["publish", "unpublish"])
def test_bulk_publishing_works_in_a_list_filtered_by_tag(author_client, action):
    # Filtering by a many-to-many field makes the admin's queryset DISTINCT, which PostgreSQL
    # cannot lock rows of (FOR UPDATE is not allowed with DISTINCT): it was a 500 there.
    tag = make_tag("Travel")
    status = Post.Status.DRAFT if action == "publish" else Post.Status.PUBLISHED
    post = make_post(title="Zanzibar", status=status, tags=[tag])
    response = author_client.post(
        f"/admin/blog/post/?tags__id__exact={tag.pk}", {"action": action, "_selected_action": [post.pk]}, follow=True
    )
    assert response.status_code == 200
    assert Post.objects.get(pk=post.pk).status != status


def test_bulk_publishing_makes_the_page_files_stale(
    author_client, settings, tmp_path, django_capture_on_commit_callbacks
):
    from escribe import pages

    settings.PAGES_DIR = str(tmp_path / "pages")
    pages.invalidate()
    before = pages.current()
    draft = make_post(title="Zanzibar", status=Post.Status.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        run_action(author_client, "publish", [draft])
    assert pages.current().name != before.name


def test_nothing_to_change_is_said_plainly(author_client):
    post = make_post()
    assert messages_of(run_action(author_client, "publish", [post])) == [
        "No post changed: the selected posts were published already."
    ]


def test_bulk_publishing_needs_the_permission_to_change_posts(client):
    from django.contrib.auth.models import Permission

    from tests.support.factories import make_author

    viewer = make_author("viewer")
    viewer.is_superuser = False
    viewer.save()
    viewer.user_permissions.add(Permission.objects.get(codename="view_post"))
    client.force_login(viewer)
    draft = make_post(status=Post.Status.DRAFT)
    assert "Publish the selected posts" not in client.get("/admin/blog/post/").content.decode()
    run_action(client, "publish", [draft])
    assert Post.objects.get(pk=draft.pk).status == Post.Status.DRAFT


def test_the_date_and_the_time_of_a_publication_each_have_a_label(author_client):
    """Django's own widget leaves "Date:" and "Time:" as plain text (templates/admin/widgets/ mends it)."""
    html = author_client.get("/admin/blog/post/add/").content.decode()
    assert '<label for="id_published_at_0">Date:</label>' in html
    assert '<label for="id_published_at_1">Time:</label>' in html


def test_the_uploads_inline_names_each_input_as_its_column_reads(author_client):
    html = author_client.get("/admin/blog/post/add/").content.decode()
    assert 'aria-label="File"' in html and 'aria-label="Alt text"' in html
