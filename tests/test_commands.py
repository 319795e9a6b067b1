from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from blog.models import Blurb, Post, Tag
from tests.factories import make_post

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_seed_demo_fills_an_empty_database_once():
    run("seed_demo")
    posts = Post.objects.count()
    assert posts >= 12
    assert Tag.objects.count() == 8 and Tag.objects.filter(featured=True).exists()
    assert {"About Me", "Book", "Colophon"} <= set(Blurb.objects.values_list("title", flat=True))
    assert Post.objects.filter(status=Post.Status.DRAFT).exists()
    assert Post.objects.scheduled().exists()
    years = {post.published_at.year for post in Post.objects.published()}
    assert len(years) >= 3
    html = "".join(Post.objects.values_list("body_html", flat=True))
    assert '<figure class="code-file">' in html and "<table>" in html and 'class="footnote"' in html
    languages = {lang for lang in ("python", "bash", "sql", "nginx", "javascript") if f'data-lang="{lang}"' in html}
    assert len(languages) >= 4
    from comments.models import Comment, SpamReport

    assert {"approved", "pending", "spam"} <= set(Comment.objects.values_list("status", flat=True))
    assert SpamReport.current().killed == 237132
    assert "left the database alone" in run("seed_demo")
    assert Post.objects.count() == posts


def test_create_author_prints_the_password_only_the_first_time():
    first = run("create_author")
    assert "password" in first
    user = get_user_model().objects.get(username="author")
    password = first.split("with password '")[1].split("'")[0]
    assert user.check_password(password) and user.is_superuser
    second = run("create_author")
    assert password not in second


def test_rerender_posts_updates_stored_html_and_keeps_updated_at():
    post = make_post(body="*new*")
    Post.objects.filter(pk=post.pk).update(body_html="<p>stale</p>")
    before = Post.objects.get(pk=post.pk).updated_at
    assert "1 post(s) and blurb(s) would change" in run("rerender_posts", "--dry-run")
    assert Post.objects.get(pk=post.pk).body_html == "<p>stale</p>"
    run("rerender_posts")
    post.refresh_from_db()
    assert post.body_html == "<p><em>new</em></p>"
    assert post.updated_at == before


def test_committed_pygments_css_is_what_the_command_generates(tmp_path):
    output = tmp_path / "pygments.css"
    run("pygments_css", "--output", str(output))
    committed = Path(settings.BASE_DIR) / "static" / "css" / "pygments.css"
    assert output.read_text() == committed.read_text()
    assert "@media (prefers-color-scheme: dark)" in committed.read_text()


def test_system_checks_are_clean():
    out = StringIO()
    call_command("check", stdout=out)
    assert "no issues" in out.getvalue()


def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())
