"""The public pages that the accessibility (axe-core) and HTML (Nu) checks visit.

One list for both checks: a new public page is added to PAGES once and is
checked for accessibility in Chromium (tests/browser/test_accessibility.py) and for
valid HTML5 (tests/escribe/test_html.py).
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from blog.models import Page as StandalonePage
from comments import reply_mail
from tests.moving.test_wordpress_markup import imported_embeds
from tests.support.comment_helpers import make_comment
from tests.support.factories import make_blurb, make_post, make_tag

# Wider than the code box on a desktop too, so that it scrolls sideways there.
WIDE_LINE = "    title = models.CharField(" + ", ".join(f"option_{n}={n}" for n in range(12)) + ")"

# A post as an author writes one: headings, a footnote, a file-named code block
# with a line that scrolls sideways, unhighlighted code, and a table.
BODY = """## A heading

Text with a footnote.[^1] And a [link](/archive/), some `inline code` and *emphasis*.

```python models.py
class Post(models.Model):
WIDE_LINE
```

```nosuchlang
x < y
```

| Database | Writers | Readers | Notes on the setup that make this column wide |
|---|---|---|---|
| SQLite | 1 | many | WAL mode, IMMEDIATE transactions and a busy timeout |
| PostgreSQL | many | many | one connection per worker |

> A quotation.

[^1]: The note.
""".replace("WIDE_LINE", WIDE_LINE)

SUMMARY = "Why *one* file is enough, with [a link](/tags/):\n\n- a list in a summary\n- and `code`\n"

INVALID_COMMENT = {"author_name": "Ada", "author_email": "not an address", "body": "x"}
COMMENT = {"author_name": "Ada", "author_email": "ada@example.com", "body": "Kept <text>\nhere, `code` too."}
MARKDOWN_COMMENT = "Try `x < y`:\n\n```python\nprint(1)\n```\n*done*, see https://a.example/"


@dataclass(frozen=True)
class Page:
    """A page to check: opened at `path`, or reached by filling the comment form there with `form` and sending it."""

    name: str
    path: str
    status: int = 200
    form: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)


def make_pages():
    """Create the content the pages show; return the pages to check."""
    tag = make_tag("Python", featured=True)
    make_blurb(title="About Me")
    posts = [make_post(title=f"Writing post {n}", body=BODY, tags=[tag]) for n in range(3)]
    # Lists show a summary where there is one, else the first paragraph: both are checked.
    make_post(title="Summarised post", body=BODY, tags=[tag], summary=SUMMARY)
    post = posts[0]
    make_comment(
        post, status="approved", body="Nice post, thanks.\n\nhttps://example.com", author_url="https://a.example/"
    )
    grace = make_comment(post, status="approved", author_name="Grace", body="I use `sqlite3` the same way.")
    # Replies, one level: the author's (marked) and a reader's under Grace, and one whose comment was removed.
    reply = {"status": "approved", "parent": grace, "parent_ref": grace.pk}
    make_comment(post, author_name="The author", body="Thanks, *Grace*.", by_author=True, **reply)
    make_comment(post, author_name="Ada", body="Me too.", author_url="https://ada.example/", **reply)
    make_comment(post, status="approved", author_name="Alan", body="Answering a removed one.", parent_ref=999999)
    make_comment(post, status="approved", author_name="Linus", body=MARKDOWN_COMMENT)
    # The reply mail's unsubscribe link: asking, already stopped, and a link cut short.
    subscribed = make_comment(posts[1], status="approved", author_name="Mail me", notify_replies=True)
    stopped = make_comment(posts[1], status="approved", author_name="No more mail")
    month = post.published_at
    StandalonePage.objects.create(title="About", slug="about", body=BODY, status=StandalonePage.Status.PUBLISHED)
    wordpress = make_post(title="Imported from WordPress", body=imported_embeds())
    removed = make_post(title="Removed post", body=BODY, tags=[tag])
    removed.move_to_trash()
    return [
        Page("front page", "/"),
        Page("post with code, comments and replies", post.get_absolute_url()),
        Page("reply to a comment", f"/post/{post.slug}/comment/{grace.pk}/reply/"),
        Page("tag page", tag.get_absolute_url()),
        Page("tag list", "/tags/"),
        Page("archive", "/archive/"),
        Page("archive year", f"/archive/{month.year}/"),
        Page("archive month", f"/archive/{month.year}/{month.month}/"),
        Page("search results", "/search/?q=heading"),
        # The hit marked inside the title's link: <a><mark>, on the link's and the mark's colours.
        Page("search results with a match in a title", "/search/?q=writing"),
        Page("comment form with errors", post.get_absolute_url(), status=400, form=INVALID_COMMENT),
        # A COMMENT_RATE of 0 turns every comment away: the 429 page with the form kept.
        Page(
            "comment refused by the rate limit",
            post.get_absolute_url(),
            status=429,
            form=COMMENT,
            settings={"COMMENT_RATE": 0},
        ),
        Page("awaiting approval", f"/post/{post.slug}/comment/received/"),
        Page("not found", "/no-such-page/", status=404),
        Page("post in the trash", removed.get_absolute_url(), status=410),
        Page("standalone page", "/about/"),
        Page("post imported from WordPress, with embeds", wordpress.get_absolute_url()),
        Page("unsubscribe from reply mail", urlsplit(reply_mail.unsubscribe_url(subscribed)).path),
        Page("reply mail already stopped", urlsplit(reply_mail.unsubscribe_url(stopped)).path),
        Page("unsubscribe link cut short", "/comments/unsubscribe/cut-short/", status=400),
    ]


def comment_form_action(html):
    """Where the page's comment form sends to, as a browser reads it."""
    return re.search(r'<form class="comment-form"[^>]* action="([^"]+)"', html).group(1)
