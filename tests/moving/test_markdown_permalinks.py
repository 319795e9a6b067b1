"""import_markdown keeps a Jekyll, Octopress or Hugo blog's old addresses: each answers 301 to the imported post."""

import os
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from blog.models import Post, Redirect
from tests.support import real_fixtures
from tests.support.factories import make_post
from tests.support.markdown_folders import run, write

pytestmark = pytest.mark.django_db


def assert_leads_to(client, paths, post):
    for path in paths:
        response = client.get(path)
        assert (path, response.status_code, response.get("Location")) == (path, 301, post.get_absolute_url())


def marathon(folder, front=""):
    write(
        folder,
        "_posts/2000-10-23-marathon.markdown",
        f'---\ntitle: "Ran it"\ndate: 2000-10-23 09:00\n{front}---\nPhew.\n',
    )


def test_octopress_addresses_from_config_two_levels_up_answer_301_in_every_form(tmp_path, client):
    write(tmp_path, "_config.yml", "root: /\npermalink: /blog/:year/:month/:day/:title/\n")
    marathon(tmp_path / "source")
    out, _ = run(tmp_path / "source")
    post = Post.objects.get()
    assert f"from {tmp_path.resolve() / '_config.yml'}" in out
    assert "created redirect /blog/2000/10/23/marathon/ (to 'marathon')" in out
    base = "/blog/2000/10/23/marathon"
    assert_leads_to(client, [f"{base}/", base, f"{base}.html", f"{base}/index.html"], post)
    assert client.get("/blog/2000/10/23/").status_code == 404


def test_without_a_config_jekylls_default_pattern_with_its_categories_is_kept(tmp_path, client):
    write(tmp_path, "_posts/2013-01-05-Hello-World.md", (
        "---\ntitle: Hello\ndate: 2013-01-05 10:00:00 -0500\ncategories: [Python, Ruby on Rails]\n---\nHi.\n"
    ))  # fmt: skip
    out, _ = run(tmp_path)
    post = Post.objects.get()
    assert "Jekyll's default" in out
    # :title is the file name's own spelling; categories are lower-cased as Jekyll writes them, and slugified.
    for categories in ("python/ruby on rails", "python/ruby-on-rails"):
        base = f"/{categories}/2013/01/05/Hello-World"
        assert_leads_to(client, [f"{base}.html", base, f"{base}/"], post)


def test_without_categories_the_default_address_starts_with_the_year_and_drops_the_names_trailing_dots(
    tmp_path, client
):
    write(tmp_path, "_posts/2018-10-12-trailing-dots...markdown", "---\ntitle: Ellipsis\n---\nx\n")
    run(tmp_path)
    assert_leads_to(client, ["/2018/10/12/trailing-dots.html", "/2018/10/12/trailing-dots"], Post.objects.get())


@pytest.mark.parametrize(
    "style, path",
    [
        ("pretty", "/life/2000/10/23/marathon/"),
        ("ordinal", "/life/2000/297/marathon.html"),
        ("none", "/life/marathon.html"),
        ("date", "/life/2000/10/23/marathon.html"),
        ("/:short_year/:i_month/:i_day/:slug", "/00/10/23/marathon"),
    ],
)
def test_jekylls_named_styles_and_placeholders(tmp_path, client, style, path):
    write(tmp_path, "_config.yml", f"permalink: {style}\n")
    marathon(tmp_path, "category: Life\n")
    run(tmp_path)
    assert_leads_to(client, [path], Post.objects.get())


def test_the_permalink_option_wins_over_the_config_and_the_posts_own_permalink_over_both(tmp_path, client):
    write(tmp_path, "_config.yml", "permalink: pretty\n")
    marathon(tmp_path)
    write(tmp_path, "_posts/2001-01-01-moved.md", "---\ntitle: Moved\npermalink: /archives/:year/moved.html\n---\nx\n")
    run(tmp_path, "--permalink", "/:year/:title/")
    assert_leads_to(client, ["/2000/marathon/"], Post.objects.get(slug="marathon"))
    assert_leads_to(client, ["/archives/2001/moved.html", "/archives/2001/moved/"], Post.objects.get(slug="moved"))
    assert not Redirect.objects.filter(old_path__startswith="/2001/").exists()


def test_an_unknown_placeholder_is_refused_in_one_line_and_nothing_is_imported(tmp_path):
    marathon(tmp_path)
    with pytest.raises(CommandError, match=r"^--permalink: the permalink '/:yr/:title/' has :yr, which Jekyll"):
        run(tmp_path, "--permalink", "/:yr/:title/")
    assert not Post.objects.exists()


def test_hugo_permalinks_section_url_and_aliases(tmp_path, client):
    write(tmp_path, "hugo.toml", 'baseURL = "https://example.net/"\n[permalinks]\nposts = "/:year/:month/:title/"\n')
    write(tmp_path, "content/posts/first/index.md", '+++\ntitle = "A First Post"\ndate = 2019-05-06\n+++\nx\n')
    write(tmp_path, "content/posts/second.md", (
        "---\ntitle: Second\ndate: 2019-06-01\nurl: /custom/second/\naliases: [/old/second/, old/two.html]\n---\ny\n"
    ))  # fmt: skip
    run(tmp_path / "content" / "posts")
    assert_leads_to(client, ["/2019/05/a-first-post/", "/2019/05/a-first-post"], Post.objects.get(title="A First Post"))
    second = Post.objects.get(title="Second")
    assert_leads_to(client, ["/custom/second/", "/old/second", "/old/two.html", "/old/two/"], second)
    assert not Redirect.objects.filter(old_path__startswith="/2019/06/").exists()


def test_a_blog_under_a_path_keeps_its_addresses_with_and_without_it_and_says_so(tmp_path, client):
    write(tmp_path, "_config.yml", "baseurl: /journal\npermalink: /:year/:title/\n")
    marathon(tmp_path)
    out, _ = run(tmp_path)
    assert "The old site lived under /journal" in out
    assert_leads_to(client, ["/journal/2000/marathon/", "/2000/marathon/"], Post.objects.get())


def test_another_posts_old_address_is_never_taken_over(tmp_path, client):
    other = make_post(slug="older")
    Redirect.objects.record("/2000/marathon/", post=other)
    write(tmp_path, "_config.yml", "permalink: /:year/:title/\n")
    marathon(tmp_path)
    _, err = run(tmp_path)
    assert "/2000/marathon/ already leads to /post/older/; left so." in err
    assert_leads_to(client, ["/2000/marathon/"], other)
    assert_leads_to(client, ["/2000/marathon.html"], Post.objects.get(slug="marathon"))


def test_a_redirect_that_led_to_an_old_address_now_leads_to_the_post_in_one_step(tmp_path, client):
    Redirect.objects.record("/even-older/", new_path="/2000/marathon/")
    write(tmp_path, "_config.yml", "permalink: /:year/:title/\n")
    marathon(tmp_path)
    run(tmp_path)
    assert_leads_to(client, ["/even-older/"], Post.objects.get())


def test_an_old_address_too_long_to_keep_is_reported(tmp_path):
    marathon(tmp_path, f"permalink: /{'x' * 600}/\n")
    _, err = run(tmp_path)
    assert f"the old address /{'x' * 600}/ is too long to keep; readers of it get a 404." in err
    assert Post.objects.exists() and not Redirect.objects.exists()


def test_a_second_run_changes_no_redirect_and_drafts_get_none(tmp_path):
    write(tmp_path, "_config.yml", "permalink: /:year/:title/\n")
    marathon(tmp_path)
    write(tmp_path, "_drafts/plan.md", "---\ntitle: Plan\n---\nx\n")
    write(tmp_path, "_posts/2002-02-02-hidden.md", "---\ntitle: Hidden\npublished: false\n---\nx\n")
    run(tmp_path)
    before = list(Redirect.objects.values_list("old_path", "post_id", "created_at"))
    out, _ = run(tmp_path)
    assert list(Redirect.objects.values_list("old_path", "post_id", "created_at")) == before
    assert "skipped redirect /2000/marathon/ (unchanged)" in out
    assert not Redirect.objects.filter(old_path__contains="hidden").exists()
    assert not Redirect.objects.filter(old_path__contains="plan").exists()


def test_a_config_that_is_a_symbolic_link_is_refused(tmp_path):
    secret = write(tmp_path, "secret.yml", "permalink: /:title/\n")
    site = tmp_path / "site"
    marathon(site)
    os.symlink(secret, site / "_config.yml")
    with pytest.raises(CommandError, match=r"_config.yml: cannot be read: .*symbolic link"):
        run(site)
    assert not Post.objects.exists()


# Jekyll's own test posts and the addresses Jekyll's own tests assert for them (default permalink style "date").
JEKYLL_ADDRESSES = {
    # test/test_excerpt.rb: categories from the front matter, lower-cased, not slugified.
    "_posts/2013-07-22-post-excerpt-with-layout.markdown": "/bar/baz/z_category/mixedcase/2013/07/22/post-excerpt-with-layout.html",  # noqa: E501
    # test/test_document.rb: a file name's trailing dots are dropped.
    "_posts/2018-10-12-trailing-dots...markdown": "/2018/10/12/trailing-dots.html",
    # test/test_generated_site.rb: a category from the front matter.
    "_posts/2008-02-02-published.markdown": "/publish_test/2008/02/02/published.html",
    # test/test_tag_post_url.rb asserts /2016/11/26/special-chars-(+)/ under "pretty": the same :title.
    "_posts/2016-11-26-special-chars-(+).markdown": "/2016/11/26/special-chars-(+).html",
}
# A category from the folder above _posts (test/test_site.rb lists "z_category" among the site's categories).
JEKYLL_FOLDER_CATEGORY = ("z_category/_posts/2008-09-23-categories.markdown", "/z_category/2008/09/23/categories.html")


def test_jekylls_own_test_posts_keep_the_addresses_jekylls_own_tests_give_them(tmp_path, client):
    jekyll = real_fixtures.jekyll_site()
    for name in JEKYLL_ADDRESSES:
        write(tmp_path, name, (jekyll / name).read_text(encoding="utf-8"))
    run(tmp_path)
    # Posts in a category's own _posts are read when the folder has no _posts of its own (other_engines.py).
    name, address = JEKYLL_FOLDER_CATEGORY
    write(tmp_path / "categorised", name, (jekyll / name).read_text(encoding="utf-8"))
    run(tmp_path / "categorised")
    for name, address in [*JEKYLL_ADDRESSES.items(), JEKYLL_FOLDER_CATEGORY]:
        post = Post.objects.get(title=frontmatter_title(jekyll / name))
        stem = address.removesuffix(".html")
        assert_leads_to(client, [address, stem, f"{stem}/"], post)


def frontmatter_title(path):
    return next(line.partition(":")[2].strip() for line in path.read_text().splitlines() if line.startswith("title:"))


def test_hugos_yaml_config_names_the_pattern_of_its_section(tmp_path, client):
    write(tmp_path, "config.yaml", "baseURL: https://example.net/blog/\npermalinks:\n  post: /:year/:slug/\n")
    write(tmp_path, "content/post/trip.md", "---\ntitle: Trip\nslug: the-trip\ndate: 2021-03-04\n---\nx\n")
    out, _ = run(tmp_path / "content" / "post")
    assert "Old addresses: post: /:year/:slug/" in out
    assert_leads_to(client, ["/blog/2021/the-trip/", "/2021/the-trip"], Post.objects.get())


def test_an_address_written_with_its_host_or_percent_encoded_is_kept_as_a_browser_asks_for_it(tmp_path, client):
    write(
        tmp_path,
        "_posts/2010-05-01-hello.md",
        "---\ntitle: Hello\nurl: https://old.example.org/2010/05/hello/\n---\nx\n",
    )
    write(tmp_path, "_posts/2010-05-02-cafe.md", "---\ntitle: Café\npermalink: /caf%C3%A9/./menu/\n---\ny\n")
    run(tmp_path)
    assert_leads_to(client, ["/2010/05/hello/"], Post.objects.get(title="Hello"))
    assert_leads_to(client, ["/café/menu/", "/caf%C3%A9/menu.html"], Post.objects.get(title="Café"))


def test_an_own_folder_with_static_or_permalink_is_refused(tmp_path):
    make_post(slug="kept")
    call_command("export_markdown", str(tmp_path / "out"), stdout=StringIO())
    with pytest.raises(CommandError, match=r"is E-Scribe's own folder: --static and --permalink are for other"):
        run(tmp_path / "out", "--permalink", "/:title/")
