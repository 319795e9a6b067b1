"""import_wxr on files made to break it: a one-line refusal naming the file and line, fast, nothing imported."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management.base import CommandError

from blog.models import Page, Post, Tag
from comments.models import Comment
from tests.moving.test_import_wxr import PUBLISHED, comment, gmt, item, run, wxr_text

pytestmark = pytest.mark.django_db

DECLARATION = '<?xml version="1.0" encoding="UTF-8" ?>\n'
FAR = datetime(9999, 12, 31, 23, 59, tzinfo=UTC)
COMMENTED = PUBLISHED + timedelta(minutes=5)  # comment(..., 5)'s date
TEXT = wxr_text([item(1, "日本語のタイトル", "nihongo", comments=comment(2, "1", 5))])


def declared(encoding):
    return TEXT.replace('encoding="UTF-8"', f'encoding="{encoding}"')


HOSTILE = {
    "shift_jis-declared": (declared("Shift_JIS").encode("shift_jis"), "line 1: the XML declaration names Shift_JIS"),
    "shift_jis-undeclared": (TEXT.replace(DECLARATION, "").encode("shift_jis"), r"line 15 is not UTF-8"),
    "euc-jp-declared": (declared("EUC-JP").encode("euc-jp"), "line 1: the XML declaration names EUC-JP"),
    "utf-32-declared": (declared("UTF-32").encode("utf-32"), "line 1: the file is in UTF-32"),
    "utf-32-undeclared": (TEXT.replace(DECLARATION, "").encode("utf-32"), "line 1: the file is in UTF-32"),
    "utf-32-big-endian-without-bom": (TEXT.encode("utf-32-be"), "line 1: the file is in UTF-32"),
    "post-id-10**30": (
        wxr_text([item(10**30, "Big", "big")]).encode(),
        r"line \d+: <wp:post_id> of the item at line \d+ is larger than any WordPress id",
    ),
    "comment-id-10**30": (
        wxr_text([item(1, "Big", "big", comments=comment(10**30, "1", 5))]).encode(),
        r"line \d+: the <wp:comment>'s <wp:comment_id> is larger than any WordPress id",
    ),
    "post-id-of-100000-digits": (
        wxr_text([item(int("9" * 4000), "Big", "big")]).encode(),
        "is larger than any WordPress id",
    ),
    "post-id-in-other-digits": (
        wxr_text([item(1, "Big", "big")]).replace("<wp:post_id>1<", "<wp:post_id>\u0661\u0662<").encode(),
        r"<wp:post_id> of the item at line \d+ is not a number",
    ),
    "date-in-9999": (
        wxr_text([item(1, "Far", "far", when=FAR)]).encode(),
        r"<wp:post_date> of the item at line \d+ is outside the years 1000 to 9998: '9999-12-31 23:59:00'",
    ),
    "comment-date-in-9999": (
        wxr_text([item(1, "Far", "far", comments=comment(2, "1", 5))]).replace(gmt(COMMENTED), gmt(FAR)).encode(),
        r"the <wp:comment> 2's date is outside the years",
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_file_is_refused_in_one_line_naming_the_file_and_line_fast_and_nothing_is_imported(
    author, tmp_path, name
):
    content, message = HOSTILE[name]
    path = tmp_path / "export.xml"
    path.write_bytes(content)
    started = time.perf_counter()
    with pytest.raises(CommandError, match=message) as refused:
        run(path)
    assert time.perf_counter() - started < 0.5
    text = str(refused.value)
    assert text.startswith(f"{path}: line ") and "\n" not in text
    assert not (Post.objects.exists() or Page.objects.exists() or Tag.objects.exists() or Comment.objects.exists())


@pytest.mark.parametrize(
    "encoding, title", [("UTF-16", "日本語のタイトル"), ("ISO-8859-1", "Café"), ("windows-1252", "€uro")]
)
def test_utf_16_and_one_byte_encodings_that_expat_reads_are_imported(author, tmp_path, encoding, title):
    path = tmp_path / "export.xml"
    path.write_bytes(declared(encoding).replace("日本語のタイトル", title).encode(encoding.lower()))
    run(path)
    assert Post.objects.get().title == title
