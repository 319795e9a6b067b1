"""import_markdown on a folder someone else made: links refused, bombs and huge or non-UTF-8 files named in a line."""

import os
import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from blog.frontmatter import FrontMatterError
from blog.models import Post, Upload
from moving import safe_files
from tests.support.markdown_folders import write

pytestmark = pytest.mark.django_db

POST = '---\ntitle: "Fine"\ndate: 2020-01-01T00:00:00+00:00\nslug: fine\n---\n\nFine.\n'
JEKYLL_POST = "---\ntitle: Fine\n---\nFine.\n"


def refused(folder, match):
    """Import `folder`, expecting a refusal matching `match`; returns the message and how long it took."""
    started = time.monotonic()
    with pytest.raises(CommandError, match=match) as raised:
        call_command("import_markdown", str(folder), stdout=StringIO(), stderr=StringIO())
    assert "Nothing was imported" in str(raised.value)
    assert not Post.objects.exists()
    return str(raised.value), time.monotonic() - started


def own_folder_with_a_leak(folder, target):
    """An E-Scribe export whose uploads.yaml lists a file that is a link to `target`."""
    write(folder, "blog.yaml", "tags: []\n")
    write(folder, "2020-01-01-fine.md", POST)
    name = "uploads/2024/01/leak.txt"
    write(folder, "uploads.yaml", f"- file: {name}\n  uploaded: 2024-01-01T00:00:00+00:00\n")
    (folder / "media" / "uploads" / "2024" / "01").mkdir(parents=True)
    (folder / "media" / name).symlink_to(target)
    return name


@pytest.mark.parametrize("target", ["/etc/passwd", str(Path(settings.BASE_DIR) / "var" / "secret_key")])
def test_an_upload_linking_outside_the_folder_is_refused_and_nothing_is_served(tmp_path, target):
    if not Path(target).is_file():
        pytest.skip(f"{target} is not here to link to")
    name = own_folder_with_a_leak(tmp_path, target)
    message, _ = refused(tmp_path, r"leak\.txt: a symbolic link")
    assert target in message
    assert not Upload.objects.exists() and not default_storage.exists(name)


def test_a_link_anywhere_in_an_own_folder_refuses_it_though_nothing_lists_it(tmp_path):
    write(tmp_path, "blog.yaml", "tags: []\n")
    write(tmp_path, "2020-01-01-fine.md", POST)
    (tmp_path / "media" / "uploads").mkdir(parents=True)
    (tmp_path / "media" / "uploads" / "unlisted.txt").symlink_to("/etc/passwd")
    refused(tmp_path, r"media/uploads/unlisted\.txt: a symbolic link")


def test_an_upload_linking_inside_the_folder_is_refused_too(tmp_path):
    write(tmp_path, "elsewhere.txt", "not listed\n")
    own_folder_with_a_leak(tmp_path, tmp_path / "elsewhere.txt")
    refused(tmp_path, r"leak\.txt: a symbolic link")


def test_a_linked_post_in_an_own_folder_is_refused(tmp_path):
    outside = write(tmp_path / "outside", "post.md", POST.replace("fine", "linked"))
    write(tmp_path / "blog", "blog.yaml", "tags: []\n")
    write(tmp_path / "blog", "2020-01-01-fine.md", POST)
    (tmp_path / "blog" / "2020-01-02-linked.md").symlink_to(outside)
    refused(tmp_path / "blog", r"2020-01-02-linked\.md: a symbolic link")


def test_a_linked_markdown_file_is_never_published(tmp_path):
    outside = write(tmp_path / "outside", "secret.md", "---\ntitle: Secret\n---\nSecret.\n")
    write(tmp_path / "site", "_posts/2020-01-01-fine.md", JEKYLL_POST)
    (tmp_path / "site" / "_posts" / "2020-01-02-secret.md").symlink_to(outside)
    refused(tmp_path / "site", r"2020-01-02-secret\.md: a symbolic link")


def test_a_linked_folder_is_not_walked(tmp_path):
    write(tmp_path / "outside", "hidden.md", "---\ntitle: Hidden\ndate: 2020-01-01\n---\nHidden.\n")
    write(tmp_path / "content", "posts/fine.md", "---\ntitle: Fine\ndate: 2020-01-01\n---\nFine.\n")
    (tmp_path / "content" / "posts" / "linked").symlink_to(tmp_path / "outside")
    message, _ = refused(tmp_path / "content", r"posts/linked: a symbolic link")
    assert "hidden.md" not in message


def test_links_in_a_jekyll_site_outside_its_posts_are_left_unread(tmp_path):
    # Jekyll's own test site has such links (symlink-test/); they are no post of it.
    write(tmp_path, "_posts/2020-01-01-fine.md", JEKYLL_POST)
    (tmp_path / "symlink-test").mkdir()
    (tmp_path / "symlink-test" / "passwd").symlink_to("/etc/passwd")
    err = StringIO()
    call_command("import_markdown", str(tmp_path), stdout=StringIO(), stderr=err)
    assert Post.objects.get().slug == "fine"
    assert "1 symbolic links outside _posts and _drafts, not followed" in err.getvalue()


def test_a_link_in_a_parent_folder_of_a_file_is_refused(tmp_path):
    write(tmp_path / "real", "a.txt", "x")
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "sub").symlink_to(tmp_path / "real")
    with pytest.raises(FrontMatterError, match=r"root/sub: a symbolic link"):
        safe_files.read_text(tmp_path / "root" / "sub" / "a.txt", tmp_path / "root")


def test_a_file_swapped_for_a_link_after_the_check_does_not_open(tmp_path, monkeypatch):
    # O_NOFOLLOW: the check and the open are two steps; a link put there between them still fails.
    write(tmp_path, "target.txt", "secret")
    (tmp_path / "post.md").symlink_to(tmp_path / "target.txt")
    monkeypatch.setattr(safe_files, "check", lambda path, root: None)
    with pytest.raises(FrontMatterError, match=r"post\.md: cannot be opened"):
        safe_files.read_text(tmp_path / "post.md", tmp_path)


def test_a_path_leading_out_of_the_folder_is_refused(tmp_path):
    write(tmp_path, "secret.txt", "secret")
    (tmp_path / "root").mkdir()
    with pytest.raises(FrontMatterError, match="leads outside"):
        safe_files.read_text(tmp_path / "root" / ".." / "secret.txt", tmp_path / "root")


def billion_laughs():
    lines, previous = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'], "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [{','.join(f'*{previous}' for _ in range(9))}]")
        previous = name
    return "\n".join(lines)


def test_a_yaml_alias_bomb_as_a_title_is_refused_at_once(tmp_path):
    write(tmp_path, "_posts/2020-01-01-fine.md", JEKYLL_POST)
    write(tmp_path, "_posts/2020-01-02-bomb.md", f"---\n{billion_laughs()}\ntitle: *i\n---\nBoom.\n")
    message, seconds = refused(tmp_path, r"2020-01-02-bomb\.md: line 7: its aliases expand to more than 100,000")
    assert seconds < 2 and len(message.splitlines()) == 1


def test_an_alias_bomb_in_an_own_data_file_is_refused(tmp_path):
    write(tmp_path, "blog.yaml", f"{billion_laughs()}\ntags: *i\n")
    write(tmp_path, "2020-01-01-fine.md", POST)
    refused(tmp_path, r"blog\.yaml: line 6: its aliases expand")


def test_ordinary_aliases_are_still_read(tmp_path):
    write(tmp_path, "_posts/2020-01-01-fine.md", "---\ntitle: &t Fine\nsummary: *t\n---\nFine.\n")
    call_command("import_markdown", str(tmp_path), stdout=StringIO(), stderr=StringIO())
    assert Post.objects.get().summary == "Fine"


@pytest.mark.parametrize(
    ("name", "text", "match"),
    [
        ("deep.md", "+++\na = " + "[" * 100_000 + "\n+++\n", r"deep\.md: line 2: the TOML is nested too deeply"),
        ("deep.md", "---\na: " + "[" * 100_000 + "\n---\n", r"deep\.md: line 2: nested more than 100 deep"),
        ("deep.md", '{"a": ' + "[" * 100_000 + "}\n", r"deep\.md: line 1: the JSON is nested too deeply"),
        # Block sequences on one line nest too, without a bracket: PyYAML's composer recurses.
        ("deep.md", "---\n" + "- " * 20_000 + "x\n---\n", r"deep\.md: the YAML is nested too deeply"),
    ],
    ids=["toml", "yaml", "json", "yaml-blocks"],
)
def test_deeply_nested_front_matter_is_refused_at_once(tmp_path, name, text, match):
    write(tmp_path, "fine.md", "---\ntitle: Fine\ndate: 2020-01-01\n---\nFine.\n")
    write(tmp_path, name, text)
    message, seconds = refused(tmp_path, match)
    assert seconds < 2 and len(message.splitlines()) == 1


def test_a_huge_file_is_refused_without_being_read(tmp_path):
    write(tmp_path, "_posts/2020-01-01-fine.md", JEKYLL_POST)
    with open(tmp_path / "_posts" / "2020-01-02-huge.md", "wb") as huge:
        huge.truncate(100 * 1024 * 1024)  # sparse: 100 MB without writing them
    message, seconds = refused(tmp_path, r"2020-01-02-huge\.md: 100 MB, more than the 10 MB")
    assert seconds < 2


def test_a_file_that_is_not_utf8_is_named_with_its_line(tmp_path):
    write(tmp_path, "_posts/2020-01-01-fine.md", JEKYLL_POST)
    (tmp_path / "_posts" / "2020-01-02-latin.md").write_bytes("---\ntitle: Fine\n---\nCaf\u00e9\n".encode("latin-1"))
    refused(tmp_path, r"2020-01-02-latin\.md: line 4: not UTF-8 text")


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    os.mkfifo(tmp_path / "pipe.md")
    started = time.monotonic()
    with pytest.raises(FrontMatterError, match=r"pipe\.md: cannot be opened: pipe\.md is not a regular file"):
        safe_files.read_text(tmp_path / "pipe.md", tmp_path)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("path", ["swapped.jpg", "swapped-folder/outside.jpg"])
def test_a_link_put_in_after_the_check_is_not_followed(tmp_path, monkeypatch, path):
    folder = tmp_path / "folder"
    folder.mkdir()
    """O_NOFOLLOW: even were the resolved-path check fooled (a link swapped in meanwhile), no link is followed."""
    (tmp_path / "outside.jpg").write_bytes(b"secret")
    (folder / "swapped.jpg").symlink_to(tmp_path / "outside.jpg")
    (folder / "swapped-folder").symlink_to(tmp_path)
    monkeypatch.setattr(safe_files.os.path, "realpath", lambda path: os.path.normpath(os.path.abspath(path)))
    with pytest.raises(safe_files.Refused, match="is a symbolic link"):
        safe_files.open_inside(folder, path)


def test_a_fifo_is_not_a_file(tmp_path):
    os.mkfifo(tmp_path / "pipe.jpg")
    with pytest.raises(safe_files.Refused, match="not a regular file"):
        safe_files.open_inside(tmp_path, "pipe.jpg")
