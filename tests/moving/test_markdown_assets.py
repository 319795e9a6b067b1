"""import_markdown brings the images and files another engine's posts link to as uploads, and relinks them."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError

from blog.models import Post, Upload
from tests.support.images import image_bytes
from tests.support.markdown_folders import run, write

pytestmark = pytest.mark.django_db


def media_files():
    return sorted(str(path) for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file())


def post(folder, name, body, title="A post"):
    return write(folder, f"_posts/{name}.md", f'---\ntitle: "{title}"\n---\n{body}')


EVERY_FORM = """\
![Markdown](/images/a.png "A title")
[![Thumbnail](/images/a.png)](/images/big.png)
Inline: [the slides](/files/slides.pdf) and [a page](/about/) and [elsewhere](https://example.com/x.png).
{% img left /images/a.png 300 200 'The title' 'The alt text' %}
![Liquid]({{ site.url }}/images/a.png) ![Root]({{ root_url }}/images/a.png)
![Filtered]({{ "/images/a.png" | relative_url }}) ![Host](http://old.example.org/images/a.png)
<img src="/images/a.png" srcset="/images/a.png 1x, /images/big.png 2x" alt="raw">
<a href='/files/slides.pdf'>download</a>

In `![code](/images/a.png)` nothing changes.

```markdown
![in a fence](/images/a.png)
```

[ref]: /images/big.png "Big"
"""


def test_every_kind_of_link_to_a_site_file_is_relinked_to_one_upload_per_file(tmp_path):
    write(tmp_path, "_config.yml", "url: http://old.example.org\n")
    write(tmp_path, "images/a.png", image_bytes(40, 30))
    write(tmp_path, "images/big.png", image_bytes(60, 40, colour=(0, 0, 200)))
    write(tmp_path, "files/slides.pdf", b"%PDF-1.4\n%%EOF\n")
    post(tmp_path, "2020-01-01-first", EVERY_FORM)
    post(tmp_path, "2020-01-02-second", "![Again](/images/a.png)\n", title="Second")
    out, err = run(tmp_path)
    assert Upload.objects.count() == 3, out
    a, big, pdf = (Upload.objects.get(original_name=name) for name in ("a.png", "big.png", "slides.pdf"))
    body = Post.objects.get(slug="first").body
    assert body == (
        EVERY_FORM.replace("{% img left /images/a.png 300 200 'The title' 'The alt text' %}",
                           f'![The alt text]({a.url} "The title")')
        .replace("{{ site.url }}/images/a.png", a.url).replace("{{ root_url }}/images/a.png", a.url)
        .replace('{{ "/images/a.png" | relative_url }}', a.url).replace("http://old.example.org/images/a.png", a.url)
        .replace("](/images/a.png", f"]({a.url}").replace('"/images/a.png', f'"{a.url}')
        .replace("/images/big.png", big.url).replace("/files/slides.pdf", pdf.url)
        .replace(f"`![code]({a.url})`", "`![code](/images/a.png)`")
        .replace(f"![in a fence]({a.url})", "![in a fence](/images/a.png)")
    )  # fmt: skip
    assert Post.objects.get(slug="second").body == f"![Again]({a.url})\n"
    assert f'srcset="{a.url} 1x, {big.url} 2x"' in body
    assert "{% img" not in err  # converted, so not listed as a tag left as text
    assert "missing" not in err  # nor the link it became taken for a file of the old site
    for upload in (a, big, pdf):
        assert upload.url.startswith("/media/uploads/imported/")
        assert Path(settings.MEDIA_ROOT, upload.file.name).is_file()


def test_a_fence_is_closed_only_by_a_bare_fence_so_a_link_after_a_fence_with_a_language_stays_code(tmp_path):
    write(tmp_path, "images/a.png", image_bytes(40, 30))
    fenced = "```\nHow a fence opens:\n```python\n![in a fence](/images/a.png)\n```\n"
    post(tmp_path, "2020-01-01-first", fenced + "\n![outside](/images/a.png)\n")
    run(tmp_path)
    a = Upload.objects.get(original_name="a.png")
    assert Post.objects.get(slug="first").body == fenced + f"\n![outside]({a.url})\n"


def test_a_second_run_makes_no_upload_and_changes_nothing(tmp_path):
    write(tmp_path, "images/a.png", image_bytes(40, 30))
    post(tmp_path, "2020-01-01-first", "![A](/images/a.png)\n")
    run(tmp_path)
    files, rows = media_files(), list(Upload.objects.values_list("pk", "file"))
    posts = list(Post.objects.values_list("body", "body_html", "updated_at"))
    out, _ = run(tmp_path)
    assert (media_files(), list(Upload.objects.values_list("pk", "file"))) == (files, rows)
    assert list(Post.objects.values_list("body", "body_html", "updated_at")) == posts
    assert "0 created, 0 updated" in out


def test_missing_and_refused_files_are_reported_and_the_rest_imports(tmp_path):
    write(tmp_path, "images/drawing.svg", '<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    write(tmp_path, "images/fake.png", "not an image")
    post(tmp_path, "2020-01-01-first", "![](/images/gone.png) ![](/images/drawing.svg) ![](/images/fake.png)\n")
    _, err = run(tmp_path)
    assert f"/images/gone.png is missing (looked under {tmp_path})" in err
    assert "/images/drawing.svg: refused: SVG images are not accepted" in err
    assert "/images/fake.png: refused: “fake.png” is named like an image" in err
    assert Post.objects.get().body == "![](/images/gone.png) ![](/images/drawing.svg) ![](/images/fake.png)\n"
    assert not Upload.objects.exists()


def test_a_dry_run_writes_no_file(tmp_path):
    write(tmp_path, "images/a.png", image_bytes(40, 30, colour=(1, 2, 3)))
    post(tmp_path, "2020-01-01-first", "![A](/images/a.png)\n")
    before = media_files()
    out, _ = run(tmp_path, "--dry-run")
    assert "created upload 'uploads/imported/a-" in out
    assert media_files() == before
    assert not Upload.objects.exists()


def test_a_symbolic_link_or_a_path_out_of_the_folder_is_refused(tmp_path):
    outside = write(tmp_path, "outside/secret.png", image_bytes(40, 30, colour=(9, 9, 9)))
    site = tmp_path / "site"
    os.makedirs(site / "images")
    os.symlink(outside, site / "images" / "linked.png")
    os.symlink(outside.parent, site / "linked-folder")
    post(
        site, "2020-01-01-first", "![](/images/linked.png) ![](/linked-folder/secret.png) ![](/../outside/secret.png)\n"
    )
    _, err = run(site)
    assert "/images/linked.png: refused: images/linked.png is a symbolic link" in err
    assert "/linked-folder/secret.png: refused: linked-folder/secret.png is a symbolic link out of" in err
    assert "/../outside/secret.png: refused: ../outside/secret.png leads outside" in err
    assert not Upload.objects.exists()


def test_the_static_option_names_where_site_files_are_and_page_bundles_bring_their_own(tmp_path):
    write(tmp_path, "static/images/banner.png", image_bytes(40, 30, colour=(5, 5, 5)))
    write(tmp_path, "posts/trip/index.md", (
        "---\ntitle: Trip\ndate: 2020-05-05\n---\n![](/images/banner.png) ![](map.png)\n\n"
        '{{< figure src="map.png" alt="The map" caption="Where we went" >}}\n\n{{< figure src="gone.png" >}}\n'
    ))  # fmt: skip
    write(tmp_path, "posts/trip/map.png", image_bytes(40, 30, colour=(6, 6, 6)))
    out, err = run(tmp_path / "posts", "--static", tmp_path / "static")
    assert f"Images and files: under {tmp_path / 'static'} and beside posts." in out
    banner, map_ = Upload.objects.get(original_name="banner.png"), Upload.objects.get(original_name="map.png")
    assert Post.objects.get().body == (
        f"![]({banner.url}) ![]({map_.url})\n\n![The map]({map_.url})\n\n*Where we went*\n\n![](gone.png)\n"
    )
    assert err.count("gone.png is missing") == 1 and "shortcode" not in err


def test_a_file_that_stops_the_import_takes_the_uploads_already_written_with_it(tmp_path):
    write(tmp_path, "images/a.png", image_bytes(900, 600, colour=(7, 7, 7)))
    post(tmp_path, "2020-01-01-first", "![A](/images/a.png)\n")
    post(tmp_path, "2020-01-02-second", "Too long a title.\n", title="x" * 1001)
    before = media_files()
    with pytest.raises(CommandError, match="second.md: title: "):
        run(tmp_path)
    assert media_files() == before
    assert not Upload.objects.exists()
