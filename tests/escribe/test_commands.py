import shutil
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from blog.frontmatter import PostFile, read_yaml
from blog.models import Blurb, Post, Tag
from comments import moderation
from comments.models import Comment, CommentEvent, SpamReport
from tests.support.commands import run
from tests.support.factories import make_post

pytestmark = pytest.mark.django_db

DEMO = Path(settings.BASE_DIR) / "demo"


def test_seed_demo_fills_an_empty_database_once():
    run("seed_demo")
    posts = Post.objects.count()
    assert posts >= 12
    assert Tag.objects.count() == 8 and Tag.objects.filter(featured=True).exists()
    assert {"About Me", "Book", "Colophon"} <= set(Blurb.objects.values_list("title", flat=True))
    assert Post.objects.filter(status=Post.Status.DRAFT).exists()
    assert Post.objects.scheduled().exists()
    assert Post.objects.filter(comments_enabled=False).exists()
    years = {post.published_at.year for post in Post.objects.published()}
    assert len(years) >= 3
    html = "".join(Post.objects.values_list("body_html", flat=True))
    assert '<figure class="code-file">' in html and "<table " in html and 'class="footnote"' in html
    languages = {lang for lang in ("python", "bash", "sql", "nginx", "javascript") if f'data-lang="{lang}"' in html}
    assert len(languages) >= 4
    assert "Demo content is here (manage.py remove_demo takes it away)." in run("seed_demo")
    assert Post.objects.count() == posts


def test_seed_demo_adds_the_comments_in_every_state_and_the_spam_counter():
    run("seed_demo")
    assert {"approved", "pending", "spam"} <= set(Comment.objects.values_list("status", flat=True))
    assert CommentEvent.objects.filter(kind=CommentEvent.Kind.RECEIVED).count() == Comment.objects.count() == 5
    upgrade = Post.objects.get(slug="upgrading-this-blog-to-django-52")
    assert upgrade.approved_comment_count == 2
    assert all(upgrade.published_at < comment.created_at <= timezone.now() for comment in upgrade.comments.all())
    assert SpamReport.current().killed == 237132 and SpamReport.current().since_year == 2008
    assert "Demo content is here" in run("seed_demo")
    assert Comment.objects.count() == 5


def test_seed_demo_does_not_bring_back_comments_the_moderator_deleted():
    run("seed_demo")
    moderation.delete(Comment.objects.all(), actor=None)
    Post.objects.all().delete()
    run("seed_demo")
    assert Post.objects.exists() and not Comment.objects.exists()


def test_seed_demo_leaves_a_blog_with_posts_of_its_own_alone():
    make_post(slug="my-own-post")
    assert "left the database alone" in run("seed_demo")
    assert list(Post.objects.values_list("slug", flat=True)) == ["my-own-post"]
    assert not Comment.objects.exists() and SpamReport.current().killed == 0


def test_seed_demo_moves_every_date_by_one_amount_whenever_it_is_loaded(monkeypatch):
    # Loaded years after the files were written, the demo must look just as fresh.
    later = timezone.now() + timedelta(days=3 * 365)
    monkeypatch.setattr(timezone, "now", lambda: later)
    run("seed_demo")

    files = {post.slug: post for post in (PostFile.read(path) for path in DEMO.glob("[0-9]*.md"))}
    offsets = {post.published_at - files[post.slug].date for post in Post.objects.all()}
    assert offsets == {later - read_yaml(DEMO / "blog.yaml")["as_of"]}  # one shift for all: the spacing is kept
    newest = Post.objects.published().first()
    assert later - newest.published_at == timedelta(days=2)
    scheduled = Post.objects.scheduled().get()
    assert timedelta(days=1) < scheduled.published_at - later < timedelta(days=7)


def test_seed_demo_names_the_file_it_cannot_read_and_writes_nothing(tmp_path):
    demo = tmp_path / "demo"
    shutil.copytree(DEMO, demo)
    (demo / "2020-01-01-broken.md").write_text("# A post someone forgot to give front matter\n")
    with pytest.raises(CommandError, match=r"2020-01-01-broken\.md: no front matter"):
        run("seed_demo", "--from", str(demo))
    assert not Post.objects.exists() and not Tag.objects.exists()


def test_create_author_prints_the_password_only_the_first_time():
    first = run("create_author")
    assert "password" in first
    user = get_user_model().objects.get(username="author")
    password = first.split("password:  ")[1].split()[0]
    assert user.check_password(password) and user.is_superuser
    second = run("create_author")
    assert password not in second
    assert second == (
        "Author account: 'author' at http://127.0.0.1:8000/admin/ "
        "(password forgotten? manage.py changepassword author)\n"
    )


def test_create_author_frames_the_login_in_a_box(settings):
    settings.SITE_URL = "http://127.0.0.1:8101"
    lines = run("create_author").splitlines()
    # One frame, every line as wide: it stands out among the other steps' lines.
    assert lines[0] == lines[-1] == "+" + "-" * (len(lines[0]) - 2) + "+"
    assert all(line.startswith("| ") and line.endswith(" |") and len(line) == len(lines[0]) for line in lines[1:-1])
    assert "|   address:   http://127.0.0.1:8101/admin/" in lines[3] and "username:  author" in lines[4]


def test_rerender_posts_updates_stored_html_and_keeps_updated_at():
    post = make_post(body="*new*")
    Post.objects.filter(pk=post.pk).update(body_html="<p>stale</p>")
    before = Post.objects.get(pk=post.pk).updated_at
    assert "1 post, page or blurb would change" in run("rerender_posts", "--dry-run")
    assert Post.objects.get(pk=post.pk).body_html == "<p>stale</p>"
    run("rerender_posts")
    post.refresh_from_db()
    assert post.body_html == "<p><em>new</em></p>"
    assert post.updated_at == before


def test_rerender_posts_renders_standalone_pages_too():
    from blog.models import Page

    page = Page.objects.create(title="About", slug="about", body="*new*", status=Page.Status.PUBLISHED)
    Page.objects.filter(pk=page.pk).update(body_html="<p>stale</p>")
    run("rerender_posts")
    page.refresh_from_db()
    assert page.body_html == "<p><em>new</em></p>"


def test_rerender_posts_redoes_what_is_derived_from_the_html():
    # Reading time, description and lead image come from the HTML (Post.describe()); a renderer
    # or posthtml change reaches them only through this command.
    post = make_post(body="A claim.\n\n![Chart](/static/chart.png)")
    Post.objects.filter(pk=post.pk).update(excerpt="stale", lead_image="", reading_minutes=9)
    run("rerender_posts")
    post.refresh_from_db()
    assert (post.excerpt, post.lead_image, post.reading_minutes) == ("A claim.", "/static/chart.png", 1)


def test_committed_pygments_css_is_what_the_command_generates(tmp_path):
    output = tmp_path / "pygments.css"
    run("pygments_css", "--output", str(output))
    committed = Path(settings.BASE_DIR) / "static" / "css" / "pygments.css"
    assert output.read_text() == committed.read_text()
    assert "@media screen and (prefers-color-scheme: dark)" in committed.read_text()


def test_system_checks_are_clean():
    out = StringIO()
    call_command("check", stdout=out)
    assert "no issues" in out.getvalue()


def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())


def test_seed_demo_keeps_tags_whose_names_slugify_alike_apart(tmp_path):
    demo = tmp_path / "demo"
    shutil.copytree(DEMO, demo)
    tags = ["C++", "C#", "C", "python"]
    post = PostFile(title="Three Cs", slug="three-cs", date=timezone.now(), body="C, C++ and C#.\n", tags=tags)
    (demo / "2026-11-01-three-cs.md").write_text(post.to_text(), encoding="utf-8")
    run("seed_demo", "--from", str(demo))
    tags = Post.objects.get(slug="three-cs").tags.all()
    # "python" is the demo's "Python", found whatever its case; the Cs are three tags.
    assert sorted((tag.name, tag.slug) for tag in tags) == [
        ("C", "c"), ("C#", "c-sharp"), ("C++", "c-plus-plus"), ("Python", "python"),
    ]  # fmt: skip
