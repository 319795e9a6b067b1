"""How comments appear to readers: escaped, nofollow, approved only, at once."""

import importlib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from blog.rendering import render_comment
from comments import migrations, moderation
from comments.models import Comment
from tests.support.comment_helpers import make_comment, post_comment
from tests.support.factories import make_author, make_post

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def post():
    return make_post(title="Escaping", slug="escaping")


def feed_entries(client):
    feed = ET.fromstring(client.get("/feeds/comments/atom/").content)
    return feed.findall(f"{ATOM}entry")


def test_hostile_comment_is_shown_escaped(client, post):
    comment = make_comment(
        post,
        status="approved",
        author_name='"><img src=x onerror=alert(1)>',
        author_url="javascript:alert(1)",
        body="<script>alert('x')</script>\nsee https://example.com/page",
    )
    html = client.get(post.get_absolute_url()).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in html
    assert "<img src=x onerror" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'href="javascript:' not in html
    assert '<a href="https://example.com/page" rel="nofollow ugc">' in html
    assert f'id="comment-{comment.pk}"' in html


def test_commenter_website_links_carry_nofollow_ugc(client, post):
    make_comment(post, status="approved", author_name="Ada", author_url="https://ada.example/")
    html = client.get(post.get_absolute_url()).content.decode()
    assert '<a href="https://ada.example/" rel="nofollow ugc"><bdi>Ada</bdi></a>' in html


def test_email_addresses_never_appear_in_pages_or_feeds(client, post):
    make_comment(post, status="approved", author_email="secret-address@example.com")
    for url in ("/", post.get_absolute_url(), "/feeds/comments/atom/", "/feeds/atom/", "/feeds/rss/"):
        assert "secret-address" not in client.get(url).content.decode(), url


def test_approved_comment_appears_at_once_and_pending_never(client, post):
    author = make_author()
    comment = make_comment(post, body="Visible after approval")
    assert "Visible after approval" not in client.get(post.get_absolute_url()).content.decode()
    assert feed_entries(client) == []

    moderation.approve([comment], author)
    assert "Visible after approval" in client.get(post.get_absolute_url()).content.decode()
    entries = feed_entries(client)
    assert len(entries) == 1
    assert entries[0].find(f"{ATOM}link").get("href") == f"http://testserver/post/escaping/#comment-{comment.pk}"
    assert entries[0].findtext(f"{ATOM}author/{ATOM}name") == "Someone"
    assert "1 comment" in client.get("/").content.decode()


def test_comments_are_oldest_first_and_counted_on_list_pages(client, post):
    from datetime import timedelta

    from django.utils import timezone

    author = make_author()
    newer = make_comment(post, body="second said", created_at=timezone.now())
    older = make_comment(post, body="first said", created_at=timezone.now() - timedelta(hours=1))
    moderation.approve([newer, older], author)
    html = client.get(post.get_absolute_url()).content.decode()
    assert html.index("first said") < html.index("second said")
    assert "2 comments" in html
    assert "2 comments" in client.get("/").content.decode()


def test_post_page_with_comments_sets_no_cookie(client, post):
    make_comment(post, status="approved")
    response = client.get(post.get_absolute_url())
    assert not response.cookies
    assert "cookie" not in response.get("Vary", "").lower()


def test_sidebar_shows_the_live_spam_report(client, post):
    from comments.models import SpamReport

    report = SpamReport.current()
    report.killed, report.since_year = 237131, 2008
    report.save()
    SpamReport.add(1)
    html = client.get("/").content.decode()
    assert "At least 237,132 pieces of comment spam killed since 2008, mostly via Akismet." in html


def test_the_spam_report_waits_for_the_first_spam_killed(client, post):
    """A new blog does not boast of 0 pieces of spam killed; the first one killed shows the report."""
    from comments.models import SpamReport

    assert SpamReport.current().killed == 0
    assert "Spam Report" not in client.get("/").content.decode()
    SpamReport.add(1)
    assert "At least 1 piece of comment spam killed since" in client.get("/").content.decode()


def test_the_written_out_blank_form_is_what_djangos_widgets_render(client, post):
    """The blank comment form is written out for speed; it must stay the form Django would render."""
    from html.parser import HTMLParser

    from django.template.loader import render_to_string

    from comments.forms import CommentForm

    class Controls(HTMLParser):
        """{(tag, id or for): attributes} of the labels, inputs and text areas."""

        def __init__(self, html):
            super().__init__()
            self.found = {}
            self.feed(html)

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag in ("input", "textarea", "label"):
                self.found[(tag, attrs.get("id") or attrs.get("for"))] = attrs

    form = CommentForm()
    written = render_to_string("comments/_blank_fields.html", {"fields": form.fields})
    by_django = "".join(f"{field.label_tag()}{field.as_widget()}" for field in form)
    assert Controls(written).found == Controls(by_django).found
    for field in form:
        if field.help_text:
            assert f'<div class="helptext" id="{field.auto_id}_helptext">{field.help_text}</div>' in written
    assert written in client.get(post.get_absolute_url()).content.decode()


def test_comments_leave_the_feed_with_their_post_and_come_back_with_it(client, post):
    # Approve a comment, put the post back to draft: the feed must not keep showing it.
    make_comment(post, status="approved", body="Seen with its post")
    assert len(feed_entries(client)) == 1
    post.status = post.Status.DRAFT
    post.save()
    assert feed_entries(client) == []
    post.status = post.Status.PUBLISHED
    post.save()
    assert ["Seen with its post" in ET.tostring(entry, encoding="unicode") for entry in feed_entries(client)] == [True]


def test_comments_of_a_scheduled_post_are_not_in_the_feed_before_its_time(client):
    from datetime import timedelta

    from django.utils import timezone

    scheduled = make_post(published_at=timezone.now() + timedelta(hours=1))
    make_comment(scheduled, status="approved", body="Too early")
    assert feed_entries(client) == []
    scheduled.published_at = timezone.now() - timedelta(minutes=1)
    scheduled.save()
    assert len(feed_entries(client)) == 1


MARKDOWN_COMMENT = (
    "Try *this*:\n\n```python\nprint('<b>')\n```\n\nor `x < y`, see https://example.com/docs "
    "and [the guide](https://guide.example/) but not [this](javascript:alert(1)).\n\n<script>alert(2)</script>"
)


def test_a_comment_in_markdown_is_stored_as_typed_and_shown_rendered(client, post):
    response = post_comment(client, post, body=MARKDOWN_COMMENT)
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.body == MARKDOWN_COMMENT
    assert comment.body_html == render_comment(comment.body)
    moderation.approve([comment], make_author())

    html = client.get(post.get_absolute_url()).content.decode()
    assert "<em>this</em>" in html
    assert '<div class="highlight" data-lang="python">' in html and "&lt;b&gt;" in html
    assert "<code>x &lt; y</code>" in html
    assert '<a href="https://example.com/docs" rel="nofollow ugc">https://example.com/docs</a>' in html
    assert '<a href="https://guide.example/" rel="nofollow ugc">the guide</a>' in html
    assert "javascript:" not in html and "<script>" not in html and "&lt;script&gt;alert(2)" in html


def test_the_comment_feed_carries_the_same_html_as_the_page(client, post):
    comment = make_comment(post, status="approved", body=MARKDOWN_COMMENT)
    (entry,) = feed_entries(client)
    assert entry.findtext(f"{ATOM}summary") == comment.body_html == render_comment(MARKDOWN_COMMENT)


def test_editing_a_comment_body_renders_it_again(post):
    comment = make_comment(post, body="*before*")
    comment.body = "**after**"
    comment.save(update_fields=["body"])
    comment.refresh_from_db()
    assert comment.body_html == "<p><strong>after</strong></p>"


def test_the_migration_renders_comments_stored_as_plain_text(post):
    from django.apps import apps

    comment = make_comment(post, body="Use `make run` *now*")
    # As the plain-text formatter left it.
    Comment.objects.filter(pk=comment.pk).update(body_html="<p>Use `make run` *now*</p>")
    (path,) = Path(migrations.__file__).parent.glob("*_render_comment_markdown.py")
    module = importlib.import_module(f"comments.migrations.{path.stem}")
    module.render_bodies(apps, None)
    comment.refresh_from_db()
    assert comment.body_html == "<p>Use <code>make run</code> <em>now</em></p>"
    assert comment.body == "Use `make run` *now*"
