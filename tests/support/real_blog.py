"""A blog shaped like a real one's history, as Octopress and Hugo left it on disk: for tests and bench/.

    octopress_blog(folder) -> Blog     319 posts over 2009-2024 (source/_posts), _config.yml, source/images
    hugo_blog(folder) -> Blog          30 page bundles and posts (content/posts), config.toml, static/

Shaped on the author's years, not on our importer: a weekly `links` post
(the same file slug on different days), `permalink:` kept from an older
engine on the first posts, categories as a list, a string and a single
`category:`, a few drafts, {% codeblock %} and backtick fences, images under
source/images linked as /images/..., {% img %}, <img srcset>, a logo and a
PDF linked from many posts, a few images that were never uploaded.

The text is generated: sentences drawn by a seeded random.Random from a
fixed vocabulary written for this file (no one's posts are copied), so the
same call always gives the same blog. Each Blog lists, per post, what the
old site answered for it (the addresses are written here from the engines'
documented rules, not computed by moving/markdown/permalinks.py).
"""

import io
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from PIL import Image

WORDS = (
    "django python release notes weekend garden train coffee server backup database query index cache "
    "deploy laptop keyboard editor terminal shell script tests review patch upstream bug fix migration "
    "template feed reader bicycle rain walk river book chapter talk conference slides meetup friend "
    "library package version upgrade kernel memory disk network proxy header cookie session static file"
).split()
CATEGORIES = ["Python", "Django", "Life", "Links", "Ruby on Rails", "Travel", "Music", "Linux"]


@dataclass
class Written:
    """One post file as the old site published it."""

    path: Path
    title: str
    day: date
    draft: bool = False
    addresses: list[str] = field(default_factory=list)  # what the old site answered, main form
    images: list[str] = field(default_factory=list)  # links as written that should lead to uploads
    files: list[str] = field(default_factory=list)  # the files they name (keys of Blog.files)
    missing: list[str] = field(default_factory=list)  # links to files that are not there


@dataclass
class Blog:
    root: Path  # the folder to import
    static: Path
    posts: list[Written]
    files: dict[str, bytes]  # /images/... -> bytes


def _sentence(rng, words=12):
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, words)))
    return text[0].upper() + text[1:] + "."


def _paragraphs(rng, count):
    return "\n\n".join(" ".join(_sentence(rng) for _ in range(rng.randint(2, 5))) for _ in range(count))


def _png(rng, width, height):
    buffer = io.BytesIO()
    colour = tuple(rng.randrange(256) for _ in range(3))
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def octopress_blog(folder, *, posts=319, seed=18) -> Blog:
    """An Octopress site in `folder`: _config.yml at the top, posts in source/_posts; import source/."""
    rng = random.Random(seed)
    folder = Path(folder)
    source = folder / "source"
    _write(folder / "_config.yml", (
        "url: http://blog.example.org\n"
        'title: "Notes from the shed"\n'
        "author: A. Writer\n"
        "root: /\n"
        "permalink: /blog/:year/:month/:day/:title/\n"
        "source: source\n"
        "destination: public\n"
        "plugins: plugins\n"
        "code_dir: downloads/code\n"
        "category_dir: blog/categories\n"
        "markdown: rdiscount\n"
        "paginate: 10\n"
    ))  # fmt: skip
    _write(source / "about" / "index.markdown", "---\nlayout: page\ntitle: About\n---\nWho writes here.\n")
    files = {"/images/logo.png": _png(rng, 120, 40), "/downloads/slides.pdf": b"%PDF-1.4\n% slides\n%%EOF\n"}
    for year in range(2009, 2025):
        for number in range(3):
            size = (1200, 800) if number == 0 and year % 4 == 0 else (rng.randint(200, 640), rng.randint(150, 480))
            files[f"/images/{year}/photo-{number}.png"] = _png(rng, *size)
    for name, data in files.items():
        (source / name.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        (source / name.lstrip("/")).write_bytes(data)

    written = []
    start, end = date(2009, 3, 1), date(2024, 11, 30)
    # Two years of a Sunday links post, as many blogs had for a while.
    weekly = [date(2013, 1, 6) + timedelta(weeks=week) for week in range(110)]
    other_days = sorted(rng.sample(range((end - start).days), posts - len(weekly)))
    days = sorted([(day, True) for day in weekly] + [(start + timedelta(days=n), False) for n in other_days])
    for index, (day, links) in enumerate(days):
        if links:
            slug = "links"  # weekly, as real blogs name them: the same slug on many days
            title = f"Links for the week of {day:%B} {day.day}, {day.year}"
        else:
            words = rng.sample(WORDS, 3)
            slug = "-".join(words)
            title = " ".join(words).capitalize() + rng.choice(["", "?", ": a note", " (part 2)"])
            while any(post.day == day and post.path.stem.endswith(slug) for post in written):
                slug += "-again"
        path = source / "_posts" / f"{day:%Y-%m-%d}-{slug}.markdown"
        post = Written(path, title, day)
        moment = f"{day:%Y-%m-%d} {rng.randint(6, 23):02d}:{rng.randint(0, 59):02d}"
        front = ["layout: post", f'title: "{title}"', f"date: {moment}", "comments: true"]
        kind = index % 4
        categories = rng.sample(CATEGORIES, 2)
        front.append(
            [f"categories: [{', '.join(categories)}]", f"categories: {categories[0].split()[0]}",
             f"category: {categories[1]}", "categories:\n- " + "\n- ".join(categories)][kind]
        )  # fmt: skip
        body = [_paragraphs(rng, rng.randint(1, 3))]
        if index < 25:
            # Moved from Blogger before Octopress: the old address kept by hand.
            front.append(f"permalink: /{day:%Y/%m}/{slug}.html")
            post.addresses.append(f"/{day:%Y/%m}/{slug}.html")
        else:
            post.addresses.append(f"/blog/{day:%Y/%m/%d}/{slug}/")
        if index % 97 == 5:
            front.append("published: false")
            post.draft = True
        if links:
            body.append(
                "\n".join(f"* [{_sentence(rng, 6)}](https://example.com/{rng.randrange(10**6)})" for _ in range(5))
            )
        year_images = [name for name in files if name.startswith(f"/images/{day.year}/")]
        if kind == 0:
            image = rng.choice(year_images)
            body.append(f"{{% img center {image} 400 300 'A {rng.choice(WORDS)}' 'What it shows' %}}")
            post.images.append(image)
        elif kind == 1:
            image = rng.choice(year_images)
            body.append(f"![A {rng.choice(WORDS)}]({image})")
            post.images.append(image)
        elif kind == 2:
            image = rng.choice(year_images)
            body.append(f'<img src="{image}" srcset="{image} 1x, /images/logo.png 2x" alt="Both">')
            post.images += [image, "/images/logo.png"]
        if index % 10 == 3:
            body.append("The slides are [here][slides].\n\n[slides]: /downloads/slides.pdf")
            post.images.append("/downloads/slides.pdf")
        post.files = list(post.images)
        if index % 53 == 7:
            body.append(f"![Lost]({{{{ root_url }}}}/images/{day.year}/never-uploaded.jpg)")
            post.missing.append(f"/images/{day.year}/never-uploaded.jpg")
        if index % 6 == 1:
            body.append("{% codeblock hello.py lang:python %}\nprint('hello /images/logo.png')\n{% endcodeblock %}")
        if index % 6 == 4:
            body.append("```ruby\nputs '![not an image](/images/logo.png)'\n```")
        _write(path, "---\n" + "\n".join(front) + "\n---\n\n" + "\n\n".join(body) + "\n")
        written.append(post)
    for number in range(3):
        day = end + timedelta(days=number + 1)
        path = source / "_drafts" / f"unfinished-{number}.markdown"
        _write(path, f'---\nlayout: post\ntitle: "Unfinished {number}"\ndate: {day:%Y-%m-%d}\n---\n\nSoon.\n')
        written.append(Written(path, f"Unfinished {number}", day, draft=True))
    return Blog(source, source, written, files)


def hugo_blog(folder, *, posts=30, seed=81) -> Blog:
    """A Hugo site in `folder`: config.toml, content/posts (half of them page bundles), static/; import the posts."""
    rng = random.Random(seed)
    folder = Path(folder)
    _write(folder / "config.toml", (
        'baseURL = "https://example.net/"\n'
        'title = "A Hugo blog"\n'
        "[permalinks]\n"
        '  posts = "/:year/:month/:title/"\n'
    ))  # fmt: skip
    files = {"/images/banner.png": _png(rng, 300, 100)}
    (folder / "static" / "images").mkdir(parents=True)
    (folder / "static" / "images" / "banner.png").write_bytes(files["/images/banner.png"])
    written = []
    for index in range(posts):
        day = date(2016, 1, 1) + timedelta(days=40 * index)
        words = rng.sample(WORDS, 3)
        title = " ".join(words).title()
        post_slug = "-".join(words)
        bundle = index % 2 == 0
        content = folder / "content" / "posts"
        path = content / post_slug / "index.md" if bundle else content / f"{post_slug}.md"
        post = Written(path, title, day)
        post.addresses.append(f"/{day:%Y/%m}/{title.lower().replace(' ', '-')}/")
        front = [
            "+++",
            f'title = "{title}"',
            f"date = {day:%Y-%m-%d}T09:00:00+01:00",
            f'tags = ["{rng.choice(WORDS)}"]',
        ]
        if index % 5 == 0:
            front.append(f'aliases = ["/old/{post_slug}/", "/p/{index}.html"]')
            post.addresses += [f"/old/{post_slug}/", f"/p/{index}.html"]
        front.append("+++")
        body = [_paragraphs(rng, 2), "![Banner](/images/banner.png)"]
        post.images.append("/images/banner.png")
        post.files.append("/images/banner.png")
        if bundle:
            picture = _png(rng, 320, 200)
            path.parent.mkdir(parents=True, exist_ok=True)
            (path.parent / "cover.png").write_bytes(picture)
            files[f"{post_slug}/cover.png"] = picture
            body.append('{{< figure src="cover.png" alt="The cover" >}}\n\n![Cover again](cover.png)')
            post.images += ['src="cover.png"', "(cover.png)"]
            post.files.append(f"{post_slug}/cover.png")
        _write(path, "\n".join(front) + "\n\n" + "\n\n".join(body) + "\n")
        written.append(post)
    return Blog(folder / "content" / "posts", folder / "static", written, files)
