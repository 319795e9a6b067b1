"""In Chromium: what moving/imported_html.py drops really acts on a page, and an imported post breaks no CSP rule."""

import pytest

from moving.imported_html import neutralise
from tests.moving.test_wordpress_markup import imported_embeds
from tests.support.factories import make_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REFRESH = '<meta http-equiv="refresh" content="0; url=/archive/">\n\nMoved.\n'
BLOCKED = (
    '<p>Text <img src="/x.png" alt="x" onerror="document.title=\'ran\'"></p>\n\n'
    '<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ" title="A song"></iframe>\n'
)


def _csp_violations(page):
    violations = []
    page.on("console", lambda message: violations.append(message.text) if "Security Policy" in message.text else None)
    return violations


def test_an_imported_meta_refresh_would_send_readers_away_and_is_dropped(browser, live_server):
    as_written = make_post(title="As written", body=REFRESH)
    neutralised = make_post(title="Neutralised", body=neutralise(REFRESH)[0])
    page = browser.new_page()
    page.goto(live_server.url + as_written.get_absolute_url())
    page.wait_for_url("**/archive/", timeout=5000)  # the CSP does not stop it: the reason it goes
    page.goto(live_server.url + neutralised.get_absolute_url())
    page.wait_for_timeout(500)
    assert page.url.endswith(neutralised.get_absolute_url())
    page.close()


def test_what_the_csp_would_block_is_gone_and_the_frame_is_a_link(browser, live_server):
    as_written = make_post(title="As written", body=BLOCKED)
    neutralised = make_post(title="Neutralised", body=neutralise(BLOCKED)[0])
    page = browser.new_page()
    violations = _csp_violations(page)
    page.goto(live_server.url + as_written.get_absolute_url())
    page.wait_for_timeout(500)
    assert violations, "the check sees what the CSP blocks"
    violations.clear()
    page.goto(live_server.url + neutralised.get_absolute_url())
    page.wait_for_timeout(500)
    assert page.locator('a[href="https://www.youtube.com/watch?v=dQw4w9WgXcQ"]').inner_text() == "YouTube video: A song"
    assert violations == []
    page.close()


def test_a_post_imported_from_wordpress_with_embeds_breaks_no_csp_rule(browser, live_server):
    post = make_post(title="Imported", body=imported_embeds())
    page = browser.new_page()
    violations = _csp_violations(page)
    response = page.goto(live_server.url + post.get_absolute_url())
    assert response.status == 200 and page.locator("audio[controls]").count() == 1
    assert violations == []
    page.close()
