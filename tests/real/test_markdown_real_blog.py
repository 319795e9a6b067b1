"""import_markdown on a blog shaped like a real one's history (tests/support/real_blog.py): posts, addresses, images."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from blog.models import Post, Redirect, Upload
from tests.support.markdown_folders import run
from tests.support.real_blog import hugo_blog, octopress_blog

pytestmark = pytest.mark.django_db


def imported(written):
    """The post a file became, found by what the file says (its title and day), not by its slug."""
    return Post.objects.get(title=written.title, published_at__date=written.day)


def snapshot():
    return (
        list(Post.objects.order_by("pk").values_list("slug", "body", "body_html", "updated_at")),
        list(Redirect.objects.order_by("pk").values_list("old_path", "post_id")),
        list(Upload.objects.order_by("pk").values_list("file", "variants")),
        sorted(str(path) for path in Path(settings.MEDIA_ROOT).rglob("*")),
    )


def outside_code(body):
    return re.sub(r"```.*?```", "", body, flags=re.DOTALL)


def check(client, blog, out, err):
    assert Post.objects.count() == len(blog.posts), out
    public = [written for written in blog.posts if not written.draft]
    assert len(public) > 0.9 * len(blog.posts)
    for written in blog.posts:
        post = imported(written)
        assert post.is_public != written.draft, written.path
        body = outside_code(post.body)
        for link in written.images:
            assert link not in body, (written.path, link)
        for link in written.missing:
            assert link in body and f"{written.path}: {link} is missing" in err
        assert "/media/uploads/imported/" in body or not written.images
        if written.draft:
            assert not post.redirects.exists()
            continue
        for address in written.addresses:
            stem = address.removesuffix("/").removesuffix(".html")
            for path in (address, stem, f"{stem}/", f"{stem}.html", f"{stem}/index.html"):
                response = client.get(path)
                assert (path, response.status_code, response.get("Location")) == (path, 301, post.get_absolute_url())
    assert Upload.objects.count() == len({name for written in blog.posts for name in written.files})


def test_an_octopress_blog_of_319_posts_comes_in_whole_with_its_addresses_and_images(tmp_path, client):
    blog = octopress_blog(tmp_path)
    assert len([post for post in blog.posts if "_posts" in post.path.parts]) == 319
    out, err = run(blog.root)
    # source/ is both the folder imported and the site folder _config.yml names: looked in once.
    assert f"Images and files: under {blog.root} and beside posts." in out
    check(client, blog, out, err)
    assert sum(post.missing != [] for post in blog.posts) >= 5
    before = snapshot()
    out, _ = run(blog.root)
    assert snapshot() == before
    assert re.search(r": 0 created, 0 updated, [0-9]+ skipped\.", out)


def test_a_hugo_blog_with_page_bundles_and_aliases_comes_in_whole(tmp_path, client):
    blog = hugo_blog(tmp_path)
    out, err = run(blog.root)
    assert f"from {tmp_path.resolve() / 'config.toml'}" in out
    check(client, blog, out, err)
    before = snapshot()
    run(blog.root)
    assert snapshot() == before
