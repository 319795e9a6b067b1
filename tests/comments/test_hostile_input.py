"""Hostile and broken input: a 4xx a person can act on, or safe storage and escaped rendering.

Never a 500 (the test client raises the view's exception, with its
traceback), never a half-written row (every comment case counts the rows).
"""

import re
import xml.etree.ElementTree as ET

import pytest

from comments.forms import CommentForm
from comments.models import Comment, CommentEvent
from tests.support.comment_helpers import comment_data, post_comment
from tests.support.factories import make_author, make_post, make_tag
from tests.support.parsed_html import Parsed

pytestmark = pytest.mark.django_db

CHECK_COMMENT = "Please check your comment"
NOT_FOUND = "There is no page at this address"
BAD_REQUEST = "The server could not understand this request"
NOT_THIS_WAY = "This address does not answer that kind of request"
SUBMIT = "/post/target/comment/"
RLO, LRO, RLE, LRE, PDF = "\u202e", "\u202d", "\u202b", "\u202a", "\u202c"
LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
ZWSP, ZWNJ, ZWJ, BOM, SHY = "\u200b", "\u200c", "\u200d", "\ufeff", "\u00ad"


@pytest.fixture
def post():
    return make_post(slug="target", title="Target")


def assert_no_rows():
    assert Comment.objects.count() == 0
    assert CommentEvent.objects.count() == 0


# (field, value sent, message the commenter reads on the 400 page)
REFUSED = [
    pytest.param("author_name", "n" * 101, "at most 100 characters", id="name-past-100"),
    pytest.param("author_name", "", "This field is required.", id="name-empty"),
    pytest.param("author_name", RLO + LRO + PDF, "This field is required.", id="name-only-bidi-controls"),
    pytest.param("author_name", ZWSP * 5 + BOM, "This field is required.", id="name-only-zero-width"),
    pytest.param("author_name", "Ada\nBcc: victim@example.com", "single line", id="name-header-injection-lf"),
    pytest.param("author_name", "Ada\r", "single line", id="name-carriage-return"),
    pytest.param("author_email", "ada@example.com\nBcc: victim@example.com", "single line", id="email-bcc-injection"),
    pytest.param("author_email", "ada@example.com\r\nSubject: hi", "single line", id="email-crlf-injection"),
    pytest.param("author_email", "a" * 250 + "@example.com", "at most 254 characters", id="email-past-254"),
    pytest.param("author_email", "not-an-address", "Enter a valid email address.", id="email-no-at"),
    pytest.param("author_email", "Ada <ada@example.com>", "Enter a valid email address.", id="email-display-name"),
    pytest.param("author_email", "ada@example.com,victim@example.com", "valid email", id="email-two-addresses"),
    pytest.param("author_url", "javascript:alert(1)", "starting with http://", id="url-javascript"),
    pytest.param("author_url", "JaVaScRiPt:alert(1)", "starting with http://", id="url-javascript-mixed-case"),
    pytest.param("author_url", "  javascript:alert(1)", "starting with http://", id="url-javascript-leading-spaces"),
    pytest.param("author_url", f"java{ZWSP}script:alert(1)", "starting with http://", id="url-javascript-zero-width"),
    pytest.param("author_url", "java\tscript:alert(1)", "starting with http://", id="url-javascript-tab"),
    pytest.param("author_url", "\x01javascript:alert(1)", "starting with http://", id="url-javascript-control-char"),
    pytest.param("author_url", "javascript&colon;alert(1)", "starting with http://", id="url-javascript-entity"),
    pytest.param("author_url", "data:text/html;base64,PHNjcmlwdD4=", "starting with http://", id="url-data"),
    pytest.param("author_url", "vbscript:msgbox(1)", "starting with http://", id="url-vbscript"),
    pytest.param("author_url", "file:///etc/passwd", "starting with http://", id="url-file"),
    pytest.param("author_url", "https://example.com/" + "a" * 200, "at most 200 characters", id="url-past-200"),
    pytest.param("author_url", "https://example.com/\nX: y", "single line", id="url-newline"),
    pytest.param("author_url", 'https://ex"ample.com/', "starting with http://", id="url-quote-in-host"),
    pytest.param("body", "b" * 5001, "at most 5000 characters", id="body-past-5000"),
    pytest.param("body", "x", "at least 2 characters", id="body-one-character"),
    pytest.param("body", " \n\t ", "This field is required.", id="body-whitespace-only"),
]


@pytest.mark.parametrize(("field", "value", "message"), REFUSED)
def test_a_refused_field_answers_400_with_the_reason_and_saves_nothing(client, post, field, value, message):
    response = post_comment(client, post, **{field: value})
    assert response.status_code == 400
    html = response.content.decode()
    assert CHECK_COMMENT in html
    assert message in html
    assert_no_rows()


# (field, value sent, value stored)
STORED = [
    pytest.param("author_name", "<script>alert(1)</script>", "<script>alert(1)</script>", id="name-script-tag"),
    pytest.param("author_name", '"><img src=x onerror=1>', '"><img src=x onerror=1>', id="name-attribute-break"),
    pytest.param("author_name", "{{ 7*7 }}{% debug %}", "{{ 7*7 }}{% debug %}", id="name-template-syntax"),
    pytest.param("author_name", f"Ada{RLO}etad 2020", "Adaetad 2020", id="name-right-to-left-override"),
    pytest.param("author_name", f"{LRE}{RLE}Ada{PDF}{PDF}", "Ada", id="name-bidi-embeddings"),
    pytest.param("author_name", f"{LRI}{RLI}{FSI}Ada{PDI}", "Ada", id="name-bidi-isolates"),
    pytest.param("author_name", f"A{ZWSP}d{BOM}a{SHY}", "Ada", id="name-zero-width-bom-soft-hyphen"),
    pytest.param("author_name", f"{ZWJ}Ada{ZWNJ}", "Ada", id="name-joiners-at-the-edges"),
    pytest.param("author_name", f"می{ZWNJ}خواهم", f"می{ZWNJ}خواهم", id="name-persian-zwnj-kept"),
    pytest.param("author_name", f"👩{ZWJ}💻 Ada", f"👩{ZWJ}💻 Ada", id="name-emoji-zwj-kept"),
    pytest.param("author_name", "n" * 100, "n" * 100, id="name-exactly-100"),
    pytest.param("author_email", f"ada{RLO}@example.com", "ada@example.com", id="email-bidi-removed"),
    # Control characters are dropped (tests/comments/test_control_characters.py), NUL among them.
    pytest.param("author_name", "Ada\x00", "Ada", id="name-nul-removed"),
    pytest.param("author_email", "ada\x00@example.com", "ada@example.com", id="email-nul-removed"),
    pytest.param("body", "null \x00 byte", "null  byte", id="body-nul-removed"),
    pytest.param("author_url", "HTTPS://EXAMPLE.COM/", "HTTPS://EXAMPLE.COM/", id="url-upper-case-https"),
    pytest.param("author_url", "example.com/page", "https://example.com/page", id="url-without-scheme"),
    pytest.param("author_url", "//evil.example/x", "https://evil.example/x", id="url-scheme-relative"),
    pytest.param("author_url", "https://пример.рф/", "https://пример.рф/", id="url-unicode-host"),
    pytest.param("author_url", f"https://ex{ZWSP}ample.com/", "https://example.com/", id="url-zero-width-removed"),
    pytest.param("body", "<script>alert(1)</script>", "<script>alert(1)</script>", id="body-script-tag"),
    pytest.param("body", '<a href="javascript:f()">x</a>', '<a href="javascript:f()">x</a>', id="body-js-anchor"),
    pytest.param("body", "javascript:alert(1)", "javascript:alert(1)", id="body-javascript-text"),
    pytest.param("body", "[x](javascript:alert(1))", "[x](javascript:alert(1))", id="body-markdown-js-link"),
    pytest.param("body", "see data:text/html,<b>x</b>", "see data:text/html,<b>x</b>", id="body-data-uri"),
    pytest.param("body", 'go https://ex.example/?a=<b>&c="d"', 'go https://ex.example/?a=<b>&c="d"', id="body-odd-url"),
    pytest.param("body", "www.example.com is mine", "www.example.com is mine", id="body-bare-domain"),
    pytest.param("body", "&lt;script&gt; as text", "&lt;script&gt; as text", id="body-entities"),
    pytest.param("body", f"the date {RLO}follows", f"the date {RLO}follows", id="body-bidi-kept-in-its-paragraph"),
    pytest.param(
        "body", "Bcc: victim@example.com\r\nSubject: x", "Bcc: victim@example.com\r\nSubject: x", id="body-header-lines"
    ),  # fmt: skip
    pytest.param("body", "b" * 5000, "b" * 5000, id="body-exactly-5000"),
    pytest.param("body", "[" * 4000 + "*" * 1000, "[" * 4000 + "*" * 1000, id="body-markdown-bomb-is-plain-text"),
]


def assert_safe_page(html):
    # The one script element a page may hold is the post's JSON-LD: data, never run (tests/blog/test_sharing.py).
    html = re.sub(r'<script type="application/ld\+json">[^<]*</script>', "", html)
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    tags = Parsed(html).tags
    for tag, attrs in tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        href = attrs.get("href") or ""
        assert not re.match(r"\s*(javascript|data|vbscript):", href, re.IGNORECASE), href
    comments = Parsed(html[html.index('class="comment-list"') :]).tags
    for tag, attrs in comments:
        if tag == "a" and re.match(r"(https?|mailto):", attrs.get("href") or ""):
            assert attrs.get("rel") == "nofollow ugc", attrs


@pytest.mark.parametrize(("field", "value", "stored"), STORED)
def test_a_hostile_field_is_stored_as_typed_and_shown_escaped(client, post, field, value, stored):
    response = post_comment(client, post, **{field: value})
    assert response.status_code == 302
    assert response["Location"] == "/post/target/comment/received/"
    assert "your comment is awaiting approval" in client.get(response["Location"]).content.decode()
    assert Comment.objects.count() == 1
    comment = Comment.objects.get()
    assert getattr(comment, field) == stored
    Comment.objects.update(status=Comment.Status.APPROVED)
    assert_safe_page(client.get(post.get_absolute_url()).content.decode())


class TestBidiNamesAreIsolated:
    """A right-to-left name stays inside its own box: the date after it is never reordered."""

    NAME = "\u05d3\u05d5\u05d3"  # Hebrew: right-to-left without any control character

    def test_the_comment_list_wraps_the_name_in_bdi(self, client, post):
        post_comment(client, post, author_name=self.NAME, author_url="")
        post_comment(client, post, author_name=self.NAME, body="with a website")
        Comment.objects.update(status=Comment.Status.APPROVED)
        html = client.get(post.get_absolute_url()).content.decode()
        assert f"<strong><bdi>{self.NAME}</bdi></strong>" in html
        assert f'rel="nofollow ugc"><bdi>{self.NAME}</bdi></a>' in html

    def test_the_admin_list_wraps_the_name_in_bdi(self, author_client, post):
        post_comment(author_client, post, author_name=self.NAME)
        html = author_client.get("/admin/comments/comment/").content.decode()
        assert f"<bdi>{self.NAME}</bdi>" in html

    def test_plain_text_shows_the_name_without_isolation_characters(self, author_client, post):
        # Isolation is HTML's (<bdi>): in the terminal, the admin's titles and
        # delete pages, FSI and PDI show as they are.
        post_comment(author_client, post, author_name=self.NAME)
        comment = Comment.objects.get()
        assert str(comment).startswith(f"{self.NAME} on ")
        post.move_to_trash()  # the delete page of a post in the trash deletes for good, listing its comments
        html = author_client.get(f"/admin/blog/post/{post.pk}/delete/").content.decode()
        assert f">{self.NAME} on {post.pk}:" in html
        assert FSI not in html and PDI not in html

    def test_the_comment_feed_gives_the_name_without_isolation_characters_in_titles(self, client, post):
        post_comment(client, post, author_name=self.NAME)
        Comment.objects.update(status=Comment.Status.APPROVED)
        feed = ET.fromstring(client.get("/feeds/comments/atom/").content)
        title = feed.find("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}title").text
        assert title == f"{self.NAME} on “Target”"


class TestBrokenCharacters:
    """Lone surrogates and NUL: a clear 400 or removed, never a 500 on either database."""

    @pytest.mark.parametrize("field", ["author_name", "author_email", "author_url", "body"])
    def test_a_lone_surrogate_is_refused_with_a_message(self, field):
        form = CommentForm(comment_data(**{field: "ab\ud800cd"}))
        assert not form.is_valid()
        assert "broken characters" in form.errors[field][0]

    def test_surrogate_bytes_in_a_posted_body_become_replacement_characters(self, client, post):
        body = "author_name=Ada&author_email=ada%40example.com&body=x%ED%A0%80y%FF"
        response = client.generic("POST", SUBMIT, body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 302
        assert Comment.objects.get().body == "x\ufffd\ufffd\ufffdy\ufffd"

    @pytest.mark.parametrize("header", ["User-Agent", "Referer"])
    def test_nul_in_a_stored_header_is_removed(self, client, post, header):
        response = post_comment(client, post, headers={header: "Mozilla\x00/5.0"})
        assert response.status_code == 302
        comment = Comment.objects.get()
        assert "\x00" not in comment.user_agent + comment.referrer
        assert "Mozilla/5.0" in (comment.user_agent, comment.referrer)

    def test_nul_in_a_search_is_ignored(self, client, post):
        response = client.get("/search/", {"q": "Tar\x00get"})
        assert response.status_code == 200
        assert "Target" in response.content.decode()


def form_body(fields):
    return "&".join(f"{name}={value}" for name, value in fields)


MULTIPART_BOUNDARY = "BoUnDaRy"


def multipart(parts, boundary=MULTIPART_BOUNDARY):
    lines = []
    for name, value, filename in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        lines += [f"--{boundary}", f"Content-Disposition: {disposition}", "", value]
    return "\r\n".join([*lines, f"--{boundary}--", ""])


VALID_FIELDS = [("author_name", "Ada"), ("author_email", "ada%40example.com"), ("body", "Hello there")]
MANY_FIELDS = [(f"f{n}", "x") for n in range(2000)]
URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = f"multipart/form-data; boundary={MULTIPART_BOUNDARY}"
LATIN1 = "author_name=Caf%E9&author_email=ada%40example.com&body=Cr%E8me+br%FBl%E9e"
JSON = '{"author_name": "Ada", "author_email": "ada@example.com", "body": "hi there"}'
NAME_ONLY = multipart([("author_name", "Ada", None)])
UNTERMINATED = NAME_ONLY.replace(f"--{MULTIPART_BOUNDARY}--", "")
BODY_AS_FILE = multipart(
    [("author_name", "Ada", None), ("author_email", "a@b.example", None), ("body", "<script>x</script>", "c.html")]
)


def sent(data, content_type=URLENCODED, **extra):
    return {"data": data, "content_type": content_type, **extra}


# (method, path, request keyword arguments, status, message a person reads)
REQUESTS = [
    # Methods
    pytest.param("PUT", SUBMIT, {}, 405, NOT_THIS_WAY, id="put-on-the-comment-target"),
    pytest.param("DELETE", "/", {}, 405, NOT_THIS_WAY, id="delete-on-the-front-page"),
    pytest.param("POST", "/post/target/", {}, 405, NOT_THIS_WAY, id="post-on-a-post-page"),
    pytest.param("PATCH", "/tag/python/", {}, 405, NOT_THIS_WAY, id="patch-on-a-tag-page"),
    pytest.param("PROPFIND", "/archive/", {}, 405, NOT_THIS_WAY, id="webdav-method"),
    pytest.param("TRACE", "/feeds/atom/", {}, 405, NOT_THIS_WAY, id="trace-on-a-feed"),
    pytest.param(
        "POST",
        "/post/no-such-post/comment/",
        sent(form_body(VALID_FIELDS)),
        404,
        NOT_FOUND,
        id="comment-on-a-missing-post",
    ),  # fmt: skip
    # URLs
    pytest.param("GET", "/post/../../etc/passwd", {}, 404, NOT_FOUND, id="path-traversal"),
    pytest.param("GET", "/post/%2e%2e%2f%2e%2e%2fsettings.py/", {}, 404, NOT_FOUND, id="encoded-traversal"),
    pytest.param("GET", "/static/../escribe/settings.py", {}, 404, NOT_FOUND, id="static-traversal"),
    pytest.param("GET", "/tag/python%2Fpage/", {}, 404, NOT_FOUND, id="encoded-slash"),
    pytest.param("GET", "/post/caf%C3%A9/", {}, 404, NOT_FOUND, id="unicode-slug"),
    pytest.param("GET", "/post/%FF%FE/", {}, 404, NOT_FOUND, id="invalid-utf8-path"),
    pytest.param("GET", "/post/a%00b/", {}, 404, NOT_FOUND, id="nul-in-path"),
    pytest.param("GET", "/" + "a" * 10_000 + "/", {}, 404, NOT_FOUND, id="10kb-path"),
    pytest.param("GET", "/post/" + "a" * 10_000 + "/", {}, 404, NOT_FOUND, id="10kb-slug"),
    pytest.param("GET", f"/{2**63}/", {}, 404, NOT_FOUND, id="legacy-id-past-64-bits"),
    pytest.param("GET", f"/{10**30}/", {}, 404, NOT_FOUND, id="legacy-id-10e30"),
    pytest.param("GET", f"/page/{2**63}/", {}, 404, NOT_FOUND, id="page-past-64-bits"),
    pytest.param("GET", "/archive/0/", {}, 404, NOT_FOUND, id="archive-year-0"),
    pytest.param("GET", "/archive/99999/", {}, 404, NOT_FOUND, id="archive-year-99999"),
    pytest.param("GET", "/archive/2020/13/", {}, 404, NOT_FOUND, id="archive-month-13"),
    pytest.param("GET", f"/archive/{10**30}/{10**30}/", {}, 404, NOT_FOUND, id="archive-10e30"),
    pytest.param("GET", "/sitemap-../../etc.xml", {}, 404, NOT_FOUND, id="sitemap-section-traversal"),
    pytest.param("GET", "/sitemap-" + "x" * 10_000 + ".xml", {}, 404, NOT_FOUND, id="sitemap-section-10kb"),
    # Query strings
    pytest.param("GET", "/sitemap-posts.xml?p=0", {}, 404, NOT_FOUND, id="sitemap-page-0"),
    pytest.param("GET", "/sitemap-posts.xml?p=-1", {}, 404, NOT_FOUND, id="sitemap-page-negative"),
    pytest.param("GET", f"/sitemap-posts.xml?p={10**30}", {}, 404, NOT_FOUND, id="sitemap-page-10e30"),
    pytest.param("GET", "/sitemap-posts.xml?p=%E2%91%A0", {}, 404, NOT_FOUND, id="sitemap-page-unicode-digit"),
    pytest.param("GET", "/search/?q=Target&page=abc", {}, 404, NOT_FOUND, id="search-page-not-a-number"),
    pytest.param("GET", f"/search/?q=Target&page={2**63}", {}, 404, NOT_FOUND, id="search-page-past-64-bits"),
    pytest.param("GET", "/search/?q=Target&page=-1", {}, 404, NOT_FOUND, id="search-page-negative"),
    pytest.param(
        "GET",
        "/search/?" + "&".join(f"f{n}=1" for n in range(1500)),
        {},
        400,
        BAD_REQUEST,
        id="search-thousands-of-parameters",
    ),  # fmt: skip
    # Headers
    pytest.param("GET", "/", {"headers": {"Host": "evil.example"}}, 400, BAD_REQUEST, id="host-not-ours"),
    pytest.param("GET", "/", {"headers": {"Host": "a" * 10_000}}, 400, BAD_REQUEST, id="host-10kb"),
    pytest.param("GET", "/", {"headers": {"Host": "testserver:99x"}}, 400, BAD_REQUEST, id="host-bad-port"),
    pytest.param(
        "GET", "/", {"headers": {"Host": "testserver\r\nX-Injected: 1"}}, 400, BAD_REQUEST, id="host-header-injection"
    ),  # fmt: skip
    pytest.param(
        "POST",
        SUBMIT,
        sent(form_body(VALID_FIELDS), headers={"Host": "evil.example"}),
        400,
        BAD_REQUEST,
        id="comment-with-a-foreign-host",
    ),  # fmt: skip
    # Bodies
    pytest.param("POST", SUBMIT, sent(JSON, "application/json"), 400, CHECK_COMMENT, id="json-body"),
    pytest.param("POST", SUBMIT, sent("author_name=Ada", "text/plain"), 400, CHECK_COMMENT, id="text-plain-body"),
    pytest.param("POST", SUBMIT, sent(""), 400, CHECK_COMMENT, id="empty-body"),
    pytest.param("POST", SUBMIT, sent("%%%&&&==="), 400, CHECK_COMMENT, id="garbled-urlencoding"),
    pytest.param("POST", SUBMIT, sent(form_body(VALID_FIELDS + MANY_FIELDS)), 400, BAD_REQUEST, id="2000-fields"),
    pytest.param(
        "POST", SUBMIT, sent(form_body(VALID_FIELDS) + "&pad=" + "x" * 3_000_000), 400, BAD_REQUEST, id="3mb-body"
    ),  # fmt: skip
    pytest.param("POST", SUBMIT, sent(UNTERMINATED, MULTIPART), 400, CHECK_COMMENT, id="multipart-unterminated"),
    pytest.param(
        "POST", SUBMIT, sent(NAME_ONLY, "multipart/form-data"), 400, BAD_REQUEST, id="multipart-without-boundary"
    ),  # fmt: skip
    pytest.param("POST", SUBMIT, sent(BODY_AS_FILE, MULTIPART), 400, CHECK_COMMENT, id="multipart-body-as-a-file"),
    pytest.param(
        "POST", SUBMIT, sent(LATIN1, f"{URLENCODED}; charset=iso-8859-1"), 400, BAD_REQUEST, id="latin1-form"
    ),  # fmt: skip
]


@pytest.mark.parametrize(("method", "path", "kwargs", "status", "message"), REQUESTS)
def test_a_hostile_request_gets_a_4xx_a_person_can_read(client, post, method, path, kwargs, status, message):
    make_tag("Python")
    response = client.generic(method, path, **kwargs)
    assert response.status_code == status
    assert message in response.content.decode(errors="replace")
    assert_no_rows()


# (path, request keyword arguments): must be answered normally despite the oddity.
HARMLESS = [
    pytest.param("/", {"headers": {"If-None-Match": '"' + "x" * 5000 + '"'}}, id="huge-if-none-match"),
    pytest.param("/", {"headers": {"If-None-Match": "*, garbage, W/"}}, id="garbled-if-none-match"),
    pytest.param("/", {"headers": {"If-Modified-Since": "yesterday-ish"}}, id="garbled-if-modified-since"),
    pytest.param("/", {"headers": {"If-Modified-Since": "Mon, 01 Jan 9999 00:00:00 GMT"}}, id="far-future-ims"),
    pytest.param("/", {"headers": {"If-Unmodified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"}}, id="ancient-ius"),
    pytest.param("/", {"headers": {"Range": "bytes=0-0,1-1,2-2" * 500}}, id="thousands-of-ranges"),
    pytest.param("/", {"headers": {"Range": "bytes=-99999999999999999999"}}, id="huge-suffix-range"),
    pytest.param("/", {"headers": {"User-Agent": "u" * 20_000}}, id="20kb-user-agent"),
    pytest.param("/", {"headers": {"Accept-Language": "x-" * 5000}}, id="10kb-accept-language"),
    pytest.param("/", {"headers": {"Cookie": "sessionid=" + "%" * 5000}}, id="garbled-session-cookie"),
    pytest.param("/", {"headers": {"X-Forwarded-For": "1.1.1.1, " * 2000}}, id="long-forwarded-for"),
    pytest.param("/?" + "x=" + "%ZZ" * 3000, {}, id="garbled-query-string"),
    pytest.param("/search/?q=" + "ü" * 10_000, {}, id="10k-unicode-search"),
    pytest.param("/search/?q=%00%00", {}, id="nul-search"),
    pytest.param("/search/?q=%25%5F%25%5F", {}, id="like-wildcards-search"),
    pytest.param("/search/?q=Target&page=last", {}, id="search-page-last"),
]


@pytest.mark.parametrize(("path", "kwargs"), HARMLESS)
def test_an_odd_but_harmless_request_is_answered(client, post, path, kwargs):
    response = client.get(path, **kwargs)
    assert response.status_code in (200, 304)


def test_a_duplicated_field_keeps_the_last_value_only(client, post):
    body = form_body(VALID_FIELDS + [("author_name", "Second")])
    response = client.generic("POST", SUBMIT, body, content_type=URLENCODED)
    assert response.status_code == 302
    assert Comment.objects.get().author_name == "Second"


def test_an_unknown_charset_is_read_as_utf8(client, post):
    body = form_body([("author_name", "Caf%C3%A9"), *VALID_FIELDS[1:]])
    response = client.generic("POST", SUBMIT, body, content_type=f"{URLENCODED}; charset=no-such-charset")
    assert response.status_code == 302
    assert Comment.objects.get().author_name == "Café"


def test_a_multipart_comment_is_stored_like_a_form(client, post):
    fields = [("author_name", "Ada", None), ("author_email", "ada@example.com", None), ("body", "From multipart", None)]
    response = client.generic(
        "POST", SUBMIT, multipart(fields), content_type=f"multipart/form-data; boundary={MULTIPART_BOUNDARY}"
    )
    assert response.status_code == 302
    assert Comment.objects.get().body == "From multipart"


def test_anonymous_admin_pages_redirect_to_the_login(client):
    make_author()
    for path in ("/admin/", "/admin/comments/comment/", "/admin/blog/post/%00/change/", f"/admin/blog/post/{2**63}/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/admin/login/"), path


@pytest.mark.parametrize("status", ["%00", "no-such-status", "x" * 5000])
def test_an_unknown_status_in_the_moderation_queue_lists_nothing(author_client, post, status):
    post_comment(author_client, post)
    response = author_client.get(f"/admin/comments/comment/?status={status}")
    assert response.status_code == 200
    assert "0 comments" in response.content.decode()
