"""import_wxr: a WordPress export becomes posts, tags, comments and redirects, once, or not at all."""

from datetime import UTC, timedelta

import pytest
from django.core import mail
from django.core.management.base import CommandError
from django.utils import timezone

from blog.models import Post, Redirect, Tag
from blog.rendering import render_comment
from comments.models import Comment, CommentEvent, Notification, SpamReport
from moving.models import WordPressComment, WordPressPost
from moving.wordpress.markup import convert
from tests.support import commands
from tests.support.akismet_clients import CONFIG, HamClient
from tests.support.factories import make_author, make_post

pytestmark = pytest.mark.django_db

SITE = "https://old.example.org"
NOW = timezone.now().replace(microsecond=0)
PUBLISHED = NOW - timedelta(days=30)
SCHEDULED = NOW + timedelta(days=3)


def gmt(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def item(post_id, title, name, status="publish", when=PUBLISHED, body="<p>Text.</p>", post_type="post",
         categories="", comments="", excerpt="", extra="", comment_status="open"):  # fmt: skip
    date_gmt = "0000-00-00 00:00:00" if status in ("draft", "pending") else gmt(when)
    return f"""
    <item>
      <title>{title}</title>
      <link>{SITE}/{when:%Y/%m/%d}/{name}/</link>
      <guid isPermaLink="false">{SITE}/?p={post_id}</guid>
      <dc:creator><![CDATA[olduser]]></dc:creator>
      <content:encoded><![CDATA[{body}]]></content:encoded>
      <excerpt:encoded><![CDATA[{excerpt}]]></excerpt:encoded>
      <wp:post_id>{post_id}</wp:post_id>
      <wp:post_date><![CDATA[{gmt(when)}]]></wp:post_date>
      <wp:post_date_gmt><![CDATA[{date_gmt}]]></wp:post_date_gmt>
      <wp:comment_status><![CDATA[{comment_status}]]></wp:comment_status>
      <wp:post_name><![CDATA[{name}]]></wp:post_name>
      <wp:status><![CDATA[{status}]]></wp:status>
      <wp:post_type><![CDATA[{post_type}]]></wp:post_type>
      {extra}
      {categories}
      {comments}
    </item>"""


def comment(comment_id, approved, minutes, author="Reader", content="Nice post!", kind="", ip=None):
    return f"""
      <wp:comment>
        <wp:comment_id>{comment_id}</wp:comment_id>
        <wp:comment_author><![CDATA[{author}]]></wp:comment_author>
        <wp:comment_author_email><![CDATA[{author.lower()}@example.com]]></wp:comment_author_email>
        <wp:comment_author_url>https://{author.lower()}.example.com/</wp:comment_author_url>
        <wp:comment_author_IP><![CDATA[{ip or f"192.0.2.{comment_id}"}]]></wp:comment_author_IP>
        <wp:comment_date><![CDATA[{gmt(PUBLISHED + timedelta(minutes=minutes))}]]></wp:comment_date>
        <wp:comment_date_gmt><![CDATA[{gmt(PUBLISHED + timedelta(minutes=minutes))}]]></wp:comment_date_gmt>
        <wp:comment_content><![CDATA[{content}]]></wp:comment_content>
        <wp:comment_approved><![CDATA[{approved}]]></wp:comment_approved>
        <wp:comment_type><![CDATA[{kind}]]></wp:comment_type>
        <wp:comment_parent>0</wp:comment_parent>
      </wp:comment>"""


SHORTCODES = """<!-- wp:paragraph -->
<p>Before the code &amp; all.</p>
<!-- /wp:paragraph -->

[code lang="python" title="hello.py"]
if a &lt; b:
    print("hi")
[/code]

[sourcecode language="sql"]SELECT 1;[/sourcecode]

<pre>kept   as   it   is</pre>

[caption id="attachment_7" align="aligncenter" width="300"]<img src="/cat.jpg" alt="A cat" /> The cat[/caption]

[gallery ids="1,2"]"""


def wxr_text(items, version="1.2"):
    return f"""<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
  xmlns:excerpt="http://wordpress.org/export/{version}/excerpt/"
  xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:wfw="http://wellformedweb.org/CommentAPI/"
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:wp="http://wordpress.org/export/{version}/">
<channel>
  <title>Old blog</title>
  <link>{SITE}</link>
  <wp:wxr_version>{version}</wp:wxr_version>
  <wp:base_site_url>{SITE}</wp:base_site_url>
  <wp:base_blog_url>{SITE}</wp:base_blog_url>
  {"".join(items)}
</channel>
</rss>
"""


EVERYTHING = [
    item(
        1,
        "Hello world",
        "hello-world",
        body=SHORTCODES,
        excerpt="<p>The <em>first</em> one.</p>",
        categories='<category domain="category" nicename="python"><![CDATA[Python]]></category>'
        '<category domain="post_tag" nicename="python-2"><![CDATA[python]]></category>'
        '<category domain="post_tag" nicename="c"><![CDATA[C++]]></category>'
        '<category domain="post_tag" nicename="c-2"><![CDATA[C#]]></category>'
        '<category domain="category" nicename="uncategorized"><![CDATA[Uncategorized]]></category>',
        comments=comment(11, "1", 20, "Later", "A reply.")
        + comment(10, "1", 10, "First", "<em>Great</em> &amp; true")
        + comment(12, "0", 30, "Waiting")
        + comment(13, "spam", 40, "Spammer")
        + comment(14, "trash", 50, "Binned")
        + comment(15, "1", 60, "Blog", kind="pingback"),
    ),  # fmt: skip
    item(2, "Scheduled", "scheduled", status="future", when=SCHEDULED),
    item(3, "A draft", "a-draft", status="draft"),
    item(4, "Pending review", "pending-review", status="pending"),
    item(5, "Private notes", "private-notes", status="private"),
    item(6, "Binned post", "binned-post", status="trash"),
    item(7, "About", "about", post_type="page"),
    item(
        8,
        "cat.jpg",
        "cat",
        post_type="attachment",
        extra=f"<wp:attachment_url>{SITE}/wp-content/uploads/cat.jpg</wp:attachment_url>",
    ),  # fmt: skip
]


@pytest.fixture
def export(tmp_path):
    path = tmp_path / "export.xml"
    path.write_text(wxr_text(EVERYTHING))
    return path


def run(path, *args):
    return commands.run("import_wxr", str(path), *args)


def database_state():
    return {
        "posts": sorted(Post.objects.values_list("slug", "title", "status", "published_at", "body", "updated_at")),
        "tags": sorted(Tag.objects.values_list("name", "slug")),
        "comments": sorted(Comment.objects.values_list("author_name", "status", "created_at")),
        "events": CommentEvent.objects.count(),
        "redirects": sorted(Redirect.objects.values_list("old_path", "post_id")),
        "spam": SpamReport.current().killed,
    }


# --- Posts ------------------------------------------------------------------------------------


def test_posts_keep_title_slug_gmt_date_and_excerpt(author, export):
    run(export)
    post = Post.objects.get(slug="hello-world")
    assert (post.title, post.status, post.published_at, post.author) == (
        "Hello world",
        Post.Status.PUBLISHED,
        PUBLISHED,
        author,
    )
    assert "<em>first</em>" in post.summary_html


def test_a_scheduled_post_stays_scheduled_at_its_time(author, export):
    run(export)
    post = Post.objects.get(slug="scheduled")
    assert post.status == Post.Status.PUBLISHED and post.published_at == SCHEDULED
    assert not post.is_public


@pytest.mark.parametrize("slug", ["a-draft", "pending-review", "private-notes"])
def test_drafts_pending_and_private_posts_become_drafts(author, export, slug):
    run(export)
    assert Post.objects.get(slug=slug).status == Post.Status.DRAFT


def test_trashed_posts_and_attachments_are_skipped_and_listed_with_their_urls(author, export):
    out = run(export)
    assert not Post.objects.filter(slug__in=["binned-post", "about", "cat"]).exists()
    assert f"{SITE}/wp-content/uploads/cat.jpg): not brought in without --uploads" in out
    assert "WordPress status 'trash'" in out


def test_a_slug_taken_here_gets_a_number(author, export):
    make_post(slug="hello-world", title="Mine")
    run(export)
    assert Post.objects.get(title="Hello world").slug == "hello-world-2"
    assert Post.objects.get(slug="hello-world").title == "Mine"


# --- Bodies -------------------------------------------------------------------------------------


def test_block_editor_comments_are_dropped_and_html_stays_html():
    source, _notes = convert(SHORTCODES)
    assert "wp:paragraph" not in source
    assert "<p>Before the code &amp; all.</p>" in source
    assert "<pre>kept   as   it   is</pre>" in source


def test_code_shortcodes_become_fences_with_language_and_file_name():
    source, _notes = convert(SHORTCODES)
    assert '```python hello.py\nif a < b:\n    print("hi")\n```' in source
    assert "```sql\nSELECT 1;\n```" in source


def test_a_fence_is_longer_than_any_backticks_starting_a_line_of_the_code():
    source, _notes = convert("[code]```\nsay ```hi```[/code]")
    assert source == "````\n```\nsay ```hi```\n````\n"


def test_a_caption_becomes_a_figure():
    source, _notes = convert(SHORTCODES)
    assert '<figure class="wp-caption aligncenter"><img src="/cat.jpg" alt="A cat" />' in source
    assert "<figcaption>The cat</figcaption></figure>" in source


def test_shortcodes_it_converts_or_cannot_convert_are_reported(author, export):
    out = run(export)
    assert 'post 1 "Hello world": [gallery] (WordPress attachments 1, 2) left as a note' in out
    assert convert("[playlist ids='1,2']")[1] == ["[playlist] shortcode left as text"]


def test_the_imported_body_renders_highlighted_code_and_the_figure(author, export):
    run(export)
    html = Post.objects.get(slug="hello-world").body_html
    assert '<figure class="code-file"><figcaption><code>hello.py</code></figcaption>' in html
    assert 'data-lang="sql"' in html and "<figcaption>The cat</figcaption>" in html
    assert "<pre>kept   as   it   is</pre>" in html


# --- Tags ---------------------------------------------------------------------------------------


def test_categories_and_tags_become_one_tag_per_name_ignoring_case(author, export):
    run(export)
    post = Post.objects.get(slug="hello-world")
    assert sorted(tag.name for tag in post.tags.all()) == ["C#", "C++", "Python"]
    assert Tag.objects.get(name="C++").slug != Tag.objects.get(name="C#").slug
    assert not Tag.objects.filter(name="Uncategorized").exists()


def test_an_existing_tag_is_reused(author, export):
    Tag.objects.create(name="PYTHON")
    run(export)
    tags = Post.objects.get(slug="hello-world").tags.filter(name__iexact="python")
    assert list(tags.values_list("name", flat=True)) == ["PYTHON"]


# --- Comments -----------------------------------------------------------------------------------


def test_comment_states_map_and_trash_and_pingbacks_are_skipped(author, export):
    out = run(export)
    states = dict(Comment.objects.values_list("author_name", "status"))
    assert states == {"First": "approved", "Later": "approved", "Waiting": "pending", "Spammer": "spam"}
    assert "comment 14 on post 'hello-world': in WordPress's trash" in out
    assert "comment 15 on post 'hello-world': a pingback" in out


def test_comments_keep_author_email_url_ip_and_date_in_date_order(author, export):
    run(export)
    first, later = Comment.objects.filter(status="approved").order_by("created_at", "id")
    assert (first.author_name, later.author_name) == ("First", "Later")
    assert first.pk < later.pk  # written in date order, though the file lists the later one first
    assert (first.author_email, first.author_url, first.ip_address) == (
        "first@example.com",
        "https://first.example.com/",
        "192.0.2.10",
    )
    assert first.created_at == PUBLISHED + timedelta(minutes=10)
    assert first.body == "Great & true"
    assert first.body_html == render_comment(first.body) == "<p>Great &amp; true</p>"


def test_an_address_that_is_not_an_ip_is_left_out(author, tmp_path):
    path = tmp_path / "export.xml"
    path.write_text(wxr_text([item(1, "Hello", "hello", comments=comment(10, "1", 5, ip="unknown"))]))
    run(path)
    assert Comment.objects.get().ip_address is None


def test_a_post_closed_to_comments_in_wordpress_stays_closed(author, tmp_path):
    path = tmp_path / "export.xml"
    path.write_text(wxr_text([item(1, "Closed", "closed", comment_status="closed"), item(2, "Open", "open")]))
    run(path)
    assert dict(Post.objects.values_list("slug", "comments_enabled")) == {"closed": False, "open": True}


def test_imported_spam_is_counted(author, export):
    before = SpamReport.current().killed
    run(export)
    assert SpamReport.current().killed == before + 1


def test_imported_comments_are_neither_checked_nor_mailed(author, export, use_akismet, settings):
    settings.AKISMET_API_KEY = "test-key"
    akismet = use_akismet(HamClient(config=CONFIG))
    run(export)
    assert akismet.calls == []
    assert not Notification.objects.exists() and mail.outbox == []
    assert set(Comment.objects.values_list("spam_check", flat=True)) == {Comment.SpamCheck.UNCHECKED}
    events = CommentEvent.objects.all()
    assert {event.kind for event in events} == {CommentEvent.Kind.RECEIVED}
    assert all(event.detail.startswith("Imported from WordPress") for event in events)


# --- Redirects ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "old",
    ["/?p=1", f"/{PUBLISHED:%Y/%m/%d}/hello-world/", f"/{PUBLISHED:%Y/%m}/hello-world/", "/hello-world/"],
)
def test_old_wordpress_addresses_answer_301_to_the_imported_post(author, export, client, old):
    run(export)
    response = client.get(old)
    assert response.status_code == 301 and response["Location"] == "/post/hello-world/"


def test_an_old_address_of_a_draft_leads_nowhere(author, export, client):
    run(export)
    assert client.get("/?p=3").status_code == 200  # the front page, not the draft
    assert client.get("/a-draft/").status_code == 404


# --- Once, and all or nothing -------------------------------------------------------------------


def test_importing_twice_changes_nothing(author, export):
    run(export)
    before = database_state()
    out = run(export)
    assert database_state() == before
    assert "Posts: 0 created, 0 updated, 5 unchanged." in out
    assert "Comments: 0 created (0 spam, counted), 4 already imported." in out


def test_a_post_changed_in_wordpress_is_updated_on_the_next_import(author, export):
    run(export)
    export.write_text(export.read_text().replace("<title>Scheduled</title>", "<title>Scheduled, renamed</title>"))
    out = run(export)
    assert Post.objects.get(slug="scheduled").title == "Scheduled, renamed"
    assert "Posts: 0 created, 1 updated, 4 unchanged." in out


def test_a_post_edited_here_is_not_overwritten_by_a_later_import(author, export):
    run(export)
    post = Post.objects.get(slug="scheduled")
    post.title = "My own title"
    post.save()
    export.write_text(export.read_text().replace("<title>Scheduled</title>", "<title>Scheduled, renamed</title>"))
    out = run(export)
    assert Post.objects.get(slug="scheduled").title == "My own title"
    assert "edited here since; left as it is" in out


def test_purged_spam_is_not_imported_again(author, export):
    run(export)
    Comment.objects.filter(status="spam").delete()
    killed = SpamReport.current().killed
    run(export)
    assert not Comment.objects.filter(status="spam").exists()
    assert SpamReport.current().killed == killed
    assert WordPressComment.objects.filter(comment=None).count() == 1


def test_a_dry_run_writes_nothing_and_reports_what_it_would_do(author, export):
    before = database_state()
    out = run(export, "--dry-run")
    assert database_state() == before
    assert not WordPressPost.objects.exists()
    assert "Posts: 5 created" in out and "Dry run" in out


def test_a_truncated_file_names_the_open_element_and_imports_nothing(author, export):
    text = export.read_text()
    export.write_text(text[: text.index("Pending review")])
    with pytest.raises(CommandError) as error:
        run(export)
    assert "truncated" in str(error.value) and "<title>" in str(error.value) and "line" in str(error.value)
    assert not Post.objects.exists() and not Redirect.objects.exists()


def test_malformed_xml_names_the_line_and_element_and_imports_nothing(author, export):
    lines = export.read_text().splitlines()
    number = next(i for i, line in enumerate(lines, start=1) if "<title>A draft</title>" in line)
    lines[number - 1] = lines[number - 1].replace("</title>", "</titel>")
    export.write_text("\n".join(lines))
    with pytest.raises(CommandError) as error:
        run(export)
    message = str(error.value)
    assert f"line {number}," in message and "mismatched tag" in message and "<title>" in message
    assert not Post.objects.exists()


def test_a_bad_date_names_its_element_and_imports_nothing(author, export):
    export.write_text(export.read_text().replace(f"<![CDATA[{gmt(SCHEDULED)}]]>", "<![CDATA[soon]]>", 1))
    with pytest.raises(CommandError, match=r"line \d+: <wp:post_date> .* is not a date"):
        run(export)
    assert not Post.objects.exists()


def test_a_date_past_what_the_blog_can_count_names_its_element_and_imports_nothing(author, export):
    export.write_text(export.read_text().replace(f"<![CDATA[{gmt(SCHEDULED)}]]>", "<![CDATA[9999-12-31 12:00:00]]>", 1))
    with pytest.raises(CommandError, match=r"line \d+: <wp:post_date> .* is outside the years 1000 to 9998"):
        run(export)
    assert not Post.objects.exists()


def test_a_failure_while_writing_leaves_nothing_half_imported(author, export, monkeypatch):
    from moving.wordpress import importer, reader

    real = importer._write_comment

    def fail_late(source, *args):
        if source.wordpress_id == 13:
            raise reader.WxrError("broken on purpose")
        return real(source, *args)

    monkeypatch.setattr(importer, "_write_comment", fail_late)
    with pytest.raises(CommandError, match="broken on purpose"):
        run(export)
    assert not Post.objects.exists() and not Comment.objects.exists() and not Tag.objects.exists()


def test_a_file_that_is_not_wxr_is_refused(author, tmp_path):
    path = tmp_path / "feed.xml"
    path.write_text("<feed><title>Atom</title></feed>")
    with pytest.raises(CommandError, match="not a WordPress export"):
        run(path)


LAUGHS = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
HOSTILE = {
    "empty": (b"", "no XML in it"),
    "binary": (b"\x00\xff\xfe garbage", "line 1 is not UTF-8"),
    "unknown encoding": (b'<?xml version="1.0" encoding="bogus"?><rss/>', "unknown encoding: bogus"),
    "entity bomb": (
        f'<!DOCTYPE rss [<!ENTITY l0 "lol">{LAUGHS}]><rss><channel><title>&l9;</title></channel></rss>'.encode(),
        "amplification",
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_file_is_a_clear_error(author, tmp_path, name):
    content, message = HOSTILE[name]
    path = tmp_path / "export.xml"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run(path)


def test_a_missing_file_is_a_clear_error(author, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run(tmp_path / "nowhere.xml")


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_older_wxr_versions_are_read(author, tmp_path, version):
    path = tmp_path / "old.xml"
    path.write_text(wxr_text([item(1, "Hello world", "hello-world")], version=version))
    run(path)
    assert Post.objects.filter(slug="hello-world").exists()


# --- The author ---------------------------------------------------------------------------------


def test_without_author_and_with_two_superusers_it_asks_for_one(author, export):
    make_author(username="second")
    with pytest.raises(CommandError, match="--author USERNAME"):
        run(export)


def test_an_unknown_author_is_a_clear_error(author, export):
    with pytest.raises(CommandError, match="No user is called 'nobody'"):
        run(export, "--author", "nobody")


def test_the_named_author_writes_the_posts(author, export):
    other = make_author(username="writer")
    run(export, "--author", "writer")
    assert set(Post.objects.values_list("author", flat=True)) == {other.pk}


def test_imported_posts_are_found_by_search(author, export):
    from blog import search

    run(export)
    results = search.search("hello")
    assert "Hello world" in [post.title for post in results[0 : results.count()]]


def test_an_address_already_leading_to_another_post_is_never_taken_over(author, tmp_path):
    mine = make_post(slug="mine", title="Mine")
    Redirect.objects.record("/?p=1", post=mine)  # from an earlier import of another blog
    path = tmp_path / "export.xml"
    path.write_text(wxr_text([item(1, "Hello world", "hello-world")]))
    out = run(path)
    assert Redirect.objects.get(old_path="/?p=1").post == mine
    assert "redirect /?p=1: already leads to /post/mine/" in out


def test_comment_addresses_the_form_would_refuse_are_left_out(author, tmp_path):
    odd = (
        comment(7, "1", 5, author="Odd")
        .replace("https://odd.example.com/", "javascript:alert(1)")
        .replace("odd@example.com", "not an address")
    )
    path = tmp_path / "export.xml"
    path.write_text(wxr_text([item(1, "Hello world", "hello-world", comments=odd)]))
    run(path)
    stored = Comment.objects.get()
    assert (stored.author_email, stored.author_url) == ("", "")
    assert stored.body == "Nice post!"
