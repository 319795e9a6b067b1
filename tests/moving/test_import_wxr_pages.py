"""import_wxr: WordPress pages become pages with their old addresses; what WordPress hid stays hidden."""

import pytest

from blog.models import Page, Post, Redirect, Tag
from comments.models import Comment
from moving.models import WordPressPage
from tests.blog.test_standalone_pages import make_page
from tests.moving.test_import_wxr import PUBLISHED, SITE, comment, item, run, wxr_text

pytestmark = pytest.mark.django_db


def page(page_id, title, name, parent=0, order=0, **fields):
    extra = f"<wp:post_parent>{parent}</wp:post_parent><wp:menu_order>{order}</wp:menu_order>"
    fields["extra"] = extra + fields.get("extra", "")
    return item(page_id, title, name, post_type="page", **fields)


def password(value):
    return f"<wp:post_password><![CDATA[{value}]]></wp:post_password>"


PAGES = [
    page(20, "About", "about", order=2, body='[code lang="python"]x &lt; 1[/code]'),
    page(21, "Team", "team", parent=20, order=1),
    page(22, "Alice", "alice", parent=21),
    page(23, "Feeds", "feeds", order=3),
    page(24, "Unpublished", "unpublished", status="draft"),
    page(25, "Under review", "under-review", status="pending"),
    page(26, "Only me", "only-me", status="private"),
    page(27, "Members", "members", extra=password("secret")),
    page(28, "Binned", "binned", status="trash"),
    page(29, "Coming soon", "coming-soon", status="future"),
    page(30, "Guestbook", "guestbook", comments=comment(90, "1", 5)),
]


@pytest.fixture
def pages_export(tmp_path):
    path = tmp_path / "pages.xml"
    path.write_text(wxr_text(PAGES))
    return path


def test_pages_become_pages_with_their_body_converted_and_their_order(author, pages_export):
    run(pages_export)
    about = Page.objects.get(slug="about")
    assert (about.title, about.status, about.position, about.in_navigation) == ("About", "published", 2, True)
    assert "```python\nx < 1\n```" in about.body and '<div class="highlight"' in about.body_html
    team = Page.objects.get(slug="team")
    assert (team.position, team.in_navigation) == (1, False)  # a child page is reached from its parent
    assert not Post.objects.exists()


@pytest.mark.parametrize("slug", ["unpublished", "under-review", "only-me", "members", "coming-soon"])
def test_draft_pending_private_protected_and_scheduled_pages_are_drafts(author, pages_export, client, slug):
    run(pages_export)
    assert Page.objects.get(slug=slug).status == Page.Status.DRAFT
    assert client.get(f"/{slug}/").status_code == 404


def test_a_trashed_page_is_skipped_with_its_reason(author, pages_export):
    out = run(pages_export)
    assert "page 28 \"Binned\": WordPress status 'trash'" in out
    assert not Page.objects.filter(slug="binned").exists()


def test_private_protected_and_scheduled_pages_need_the_authors_decision(author, pages_export):
    out = run(pages_export)
    decisions = out.split("Needs your decision (3):\n")[1].split("Skipped")[0]
    assert 'page 26 "Only me": private in WordPress' in decisions
    assert 'page 27 "Members": password-protected in WordPress' in decisions
    assert 'page 29 "Coming soon": scheduled in WordPress' in decisions


@pytest.mark.parametrize(
    "mine, wanted, given",
    [("feeds", "feeds", "feeds-2"), ("about", "about", "about-2")],
    ids=["the-sites-own-address", "another-page"],
)
def test_a_reserved_or_taken_slug_gets_a_free_one_and_is_reported(author, pages_export, mine, wanted, given):
    if mine != "feeds":
        make_page(title="Mine", slug=mine)
    out = run(pages_export)
    assert Page.objects.get(title=wanted.capitalize()).slug == given
    assert f"/{wanted}/ is another page's, one of the site's own addresses or a post number here; " in out
    assert f"the page is at /{given}/" in out


def test_a_numeric_slug_is_not_a_page_address(author, tmp_path):
    path = tmp_path / "numbers.xml"
    path.write_text(wxr_text([page(40, "2024", "2024")]))
    run(path)
    assert Page.objects.get().slug == "2024-2"


@pytest.mark.parametrize(
    "old, new",
    [("/?page_id=20", "/about/"), ("/about/team/", "/team/"), ("/about/team/alice/", "/alice/"),
     ("/?page_id=22", "/alice/")],
)  # fmt: skip
def test_old_page_addresses_answer_301_to_the_page(author, pages_export, client, old, new):
    run(pages_export)
    response = client.get(old)
    assert (response.status_code, response["Location"]) == (301, new)


def test_the_link_of_a_page_answers_301_even_when_the_page_moved(author, tmp_path, client):
    path = tmp_path / "export.xml"
    path.write_text(wxr_text([page(41, "Feeds", "feeds")]).replace(f"<link>{SITE}/", f"<link>{SITE}/old/", 1))
    run(path)
    assert client.get(f"/old/{PUBLISHED:%Y/%m/%d}/feeds/")["Location"] == "/feeds-2/"


def test_a_page_renamed_here_keeps_its_old_wordpress_addresses_working(author, pages_export, client):
    run(pages_export)
    alice = Page.objects.get(slug="alice")
    alice.slug = "alice-smith"
    alice.save()
    assert client.get("/?page_id=22")["Location"] == "/alice-smith/"
    assert client.get("/about/team/alice/")["Location"] == "/alice-smith/"
    assert client.get("/alice/")["Location"] == "/alice-smith/"


def test_a_draft_pages_old_addresses_tell_nothing(author, pages_export, client):
    run(pages_export)
    assert client.get("/?page_id=27").status_code == 200  # the front page, not a 301 naming the draft
    assert Redirect.objects.filter(old_path="/?page_id=27", page__slug="members").exists()
    members = Page.objects.get(slug="members")
    members.status = Page.Status.PUBLISHED
    members.save()
    assert client.get("/?page_id=27")["Location"] == "/members/"


def test_a_deleted_page_takes_its_redirects_with_it_and_is_not_imported_again(author, pages_export, client):
    run(pages_export)
    Page.objects.get(slug="alice").delete()
    assert not Redirect.objects.filter(old_path="/?page_id=22").exists()
    out = run(pages_export)
    assert 'page 22 "Alice": deleted here since it was imported' in out
    assert not Page.objects.filter(title="Alice").exists()


def test_importing_pages_twice_changes_nothing(author, pages_export):
    run(pages_export)
    before = sorted(Page.objects.values_list("slug", "title", "status", "position", "body", "updated_at"))
    redirects = sorted(Redirect.objects.values_list("old_path", "page_id", "post_id", "new_path"))
    out = run(pages_export)
    assert "Pages: 0 created, 0 updated, 10 unchanged." in out
    assert "Redirects from old addresses: 0 created, 0 updated." in out
    assert sorted(Page.objects.values_list("slug", "title", "status", "position", "body", "updated_at")) == before
    assert sorted(Redirect.objects.values_list("old_path", "page_id", "post_id", "new_path")) == redirects
    assert WordPressPage.objects.count() == 10


def test_a_page_changed_in_wordpress_is_updated_unless_edited_here(author, pages_export):
    run(pages_export)
    edited = Page.objects.get(slug="team")
    edited.body = "Mine now."
    edited.save()
    pages_export.write_text(pages_export.read_text().replace("<p>Text.</p>", "<p>New text.</p>"))
    out = run(pages_export)
    assert Page.objects.get(slug="about").body.startswith("```python")  # its own body, unchanged in the file
    assert Page.objects.get(slug="alice").body == "<p>New text.</p>\n"
    assert Page.objects.get(slug="team").body == "Mine now."
    assert 'page 21 "Team": changed in WordPress, but edited here since; left as it is' in out


def test_a_pages_comments_are_listed_as_skipped(author, pages_export):
    out = run(pages_export)
    assert 'page 30 "Guestbook": its 1 comment (a page here takes none)' in out
    assert not Comment.objects.exists()


def test_a_dry_run_writes_no_page_and_no_redirect(author, pages_export):
    out = run(pages_export, "--dry-run")
    assert "Pages: 10 created" in out
    assert not Page.objects.exists() and not Redirect.objects.exists() and not WordPressPage.objects.exists()


# --- What WordPress hid ---------------------------------------------------------------------------


def test_a_password_protected_post_is_a_draft_that_needs_a_decision(author, tmp_path, client):
    path = tmp_path / "export.xml"
    path.write_text(wxr_text([item(50, "Secret", "secret", extra=password("hunter2")), item(51, "Open", "open")]))
    out = run(path)
    assert Post.objects.get(slug="secret").status == Post.Status.DRAFT
    assert Post.objects.get(slug="open").status == Post.Status.PUBLISHED
    assert 'Needs your decision (1):\n  post 50 "Secret": password-protected in WordPress' in out
    assert client.get("/post/secret/").status_code == 404
    assert client.get("/?p=50").status_code == 200  # no 301 to a draft
    assert "hunter2" not in out


def test_a_private_post_is_a_draft_that_needs_a_decision(author, tmp_path):
    path = tmp_path / "export.xml"
    path.write_text(wxr_text([item(52, "Diary", "diary", status="private")]))
    out = run(path)
    assert Post.objects.get().status == Post.Status.DRAFT
    assert 'Needs your decision (1):\n  post 52 "Diary": private in WordPress' in out


def test_a_password_protected_post_published_here_stays_published_on_the_next_import(author, tmp_path):
    path = tmp_path / "export.xml"
    path.write_text(wxr_text([item(53, "Secret", "secret", extra=password("x"))]))
    run(path)
    post = Post.objects.get()
    post.status = Post.Status.PUBLISHED
    post.save()
    run(path)
    assert Post.objects.get().status == Post.Status.PUBLISHED


# --- Entities read once ---------------------------------------------------------------------------


def test_titles_tags_and_comment_authors_are_unescaped_exactly_once(author, tmp_path, client):
    path = tmp_path / "export.xml"
    categories = '<category domain="post_tag" nicename="q-a"><![CDATA[Q&amp;A]]></category>'
    path.write_text(
        wxr_text([
            item(60, "<![CDATA[Q&amp;A]]>", "q-a", categories=categories, excerpt="Tom &amp; Jerry",
                 comments=comment(61, "1", 3, author="Tom &amp; Jerry")),
            item(62, "<![CDATA[A &amp;amp; B]]>", "a-b"),
            page(63, "<![CDATA[Don&#8217;t &lt;panic&gt;]]>", "dont-panic"),
        ])
    )  # fmt: skip
    run(path)
    assert Post.objects.get(slug="q-a").title == "Q&A"
    assert Post.objects.get(slug="a-b").title == "A &amp; B"  # once only: what the author typed
    assert Page.objects.get().title == "Don\u2019t <panic>"
    assert Tag.objects.get().name == "Q&A"
    assert Comment.objects.get().author_name == "Tom & Jerry"
    html = client.get("/post/q-a/").content.decode()
    assert "<title>Q&amp;A" in html and "Q&amp;amp;A" not in html
    assert "Tom &amp; Jerry" in html and "Tom &amp;amp; Jerry" not in html
    assert "A &amp;amp; B" in client.get("/post/a-b/").content.decode()
    assert "Don\u2019t &lt;panic&gt;" in client.get("/dont-panic/").content.decode()
    assert Post.objects.get(slug="q-a").summary_html.count("Tom &amp; Jerry") == 1
