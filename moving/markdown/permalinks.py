"""The addresses a Jekyll, Octopress or Hugo site gave its posts, kept as 301s (blog.Redirect) to the new ones.

An address comes from the post's own `permalink:` (placeholders expanded, as
Jekyll does) or `url:`, from Hugo's `aliases:`, and otherwise from the site's
pattern: --permalink, else `permalink:` in _config.yml (Jekyll's named styles
too) or `[permalinks]` in Hugo's config, else the engine's default. The old
server answered /x/, /x, /x.html and /x/index.html alike; each is kept
(the middleware finds /x through /x/).
"""

import posixpath
import re
import tomllib
import unicodedata
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.text import slugify

from blog.frontmatter import FrontMatterError, loads
from blog.models import Redirect
from moving.safe_files import Refused, read_inside

# Nearest first; Octopress keeps _config.yml two levels above source/_posts.
CONFIG_FILES = ("_config.yml", "_config.yaml", "hugo.toml", "config.toml", "hugo.yaml", "config.yaml")
CONFIG_LEVELS = 3
CONFIG_MAX_BYTES = 1024 * 1024
JEKYLL_STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
HUGO_DEFAULT = "/:sections/:slugorfilename/"
PLACEHOLDER = re.compile(r":([a-z_]+)")
# An address ending in one of these was a file of that kind: kept as it is, without the other forms.
OTHER_EXTENSIONS = (".htm", ".php", ".asp", ".aspx", ".shtml", ".xml", ".txt", ".cgi")
# Jekyll's DATE_FILENAME_MATCHER: 2017-2-5-name is dated too.
_DATED_NAME = re.compile(r"(?P<year>\d{2,4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})-(?P<slug>.+)")
OLD_PATH_MAX = Redirect._meta.get_field("old_path").max_length
FORMS = "each with and without the slash, .html and /index.html"


@dataclass
class OldSite:
    """What the old site's configuration says about its addresses and files."""

    engine: str  # "jekyll" (Octopress too) or "hugo"
    config: Path | None = None
    pattern: str | None = None  # None: Hugo's per-section patterns or its default
    sections: dict = field(default_factory=dict)  # Hugo's [permalinks]
    prefix: str = ""  # the path the site lived under (baseurl, Octopress's root, Hugo's baseURL)
    host: str = ""  # scheme://host of the old site's url, for links written with it
    time_zone: ZoneInfo | None = None
    content: Path | None = None  # Hugo's content folder
    static: list[Path] = field(default_factory=list)


def read_old_site(source, *, static=None, permalink=None) -> OldSite:
    """The old site around the folder `source`: its config in or up to two levels above; errors name the file."""
    source = Path(source)
    config, data = _find_config(source)
    engine = "hugo" if config is not None and config.name.startswith(("config.", "hugo.")) else "jekyll"
    site = OldSite(engine, config)
    name = str(config)
    base = data.get("baseURL") or data.get("baseurl") or data.get("root") or ""
    url = data.get("url") if isinstance(data.get("url"), str) else ""
    if engine == "hugo":
        url = base if isinstance(base, str) else ""
        base = urlsplit(url).path
        site.content = config.parent / str(data.get("contentDir") or "content")
        sections = data.get("permalinks") or {}
        if not isinstance(sections, dict):
            raise FrontMatterError(f"{name}: [permalinks] must map sections to patterns.")
        site.sections = {
            key: value for key, value in {**sections, **(sections.get("page") or {})}.items() if isinstance(value, str)
        }
    else:
        style = data.get("permalink", "date")
        if not isinstance(style, str):
            raise FrontMatterError(f"{name}: permalink must be a pattern or date, pretty, ordinal or none.")
        site.pattern = JEKYLL_STYLES.get(style, style)
        if isinstance(data.get("timezone"), str):
            try:
                site.time_zone = ZoneInfo(data["timezone"])
            except (ZoneInfoNotFoundError, ValueError):
                raise FrontMatterError(f"{name}: unknown timezone {data['timezone']!r}.") from None
    if not isinstance(base, str):
        raise FrontMatterError(f"{name}: baseurl must be a path like /blog.")
    site.prefix = "/" + base.strip("/") if base.strip("/") else ""
    parts = urlsplit(url)
    site.host = f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""
    if permalink is not None:
        _check_pattern(permalink, engine, "--permalink")
        site.pattern, site.sections = JEKYLL_STYLES.get(permalink, permalink), {}
    for pattern in [site.pattern, *site.sections.values()]:
        if pattern:
            _check_pattern(pattern, engine, name)
    site.static = [Path(static)] if static else _static_folders(source, config, data, engine)
    return site


def _find_config(source):
    folder = source.resolve()
    for _ in range(CONFIG_LEVELS):
        for name in CONFIG_FILES:
            if (folder / name).is_file() or (folder / name).is_symlink():
                return folder / name, _read_config(folder / name)
        folder = folder.parent
    return None, {}


def _read_config(path):
    try:
        text = read_inside(path.parent, path.name, CONFIG_MAX_BYTES).decode("utf-8-sig")
    except (Refused, OSError, UnicodeDecodeError) as error:
        raise FrontMatterError(f"{path}: cannot be read: {error}.") from None
    if path.suffix == ".toml":
        try:
            data = tomllib.loads(text)
        except (tomllib.TOMLDecodeError, RecursionError) as error:
            raise FrontMatterError(f"{path}: not valid TOML: {error}") from None
    else:
        # The front matter's own loader, with whatever guards it has against hostile YAML.
        data, _ = loads(f"---\n{text.removeprefix('---')}\n---\n", str(path))
    if not isinstance(data, dict):
        raise FrontMatterError(f"{path}: must be a mapping of settings.")
    return data


def _check_pattern(pattern, engine, name):
    known = JEKYLL_VALUES if engine == "jekyll" else HUGO_VALUES
    for token in PLACEHOLDER.findall(pattern):
        if token not in known:
            raise FrontMatterError(
                f"{name}: the permalink {pattern!r} has :{token}, which {engine.capitalize()} does not know "
                f"(it knows :{', :'.join(sorted(known))})."
            )


def _static_folders(source, config, data, engine):
    """Where site-absolute links (/images/x.png) were served from, when --static does not say."""
    folders = [source]
    if config is not None and engine == "jekyll":
        folders.append(config.parent / str(data.get("source") or "."))
    elif config is not None:
        named = data.get("staticDir") or "static"
        folders += [config.parent / str(name) for name in (named if isinstance(named, list) else [named])]
    # The same folder named twice (source, and /site/source from the config) is looked in once.
    unique = {folder.resolve(): folder for folder in reversed(folders) if folder.is_dir()}
    return list(reversed(unique.values()))


def old_addresses(site, folder, path, post_file, meta) -> list[str]:
    """The addresses (each in its main form) the old site gave the post file at `path`."""
    permalink, url = meta.get("permalink"), meta.get("url")
    if isinstance(permalink, str) and permalink.strip():
        addresses = _expanded(site, folder, permalink.strip(), path, post_file, meta)
    elif isinstance(url, str) and url.strip():
        addresses = [url]
    else:
        addresses = _expanded(site, folder, _pattern(site, path, folder), path, post_file, meta)
    aliases = meta.get("aliases") or []
    addresses += [alias for alias in (aliases if isinstance(aliases, list) else [aliases]) if isinstance(alias, str)]
    paths = []
    for address in map(_path, addresses):
        if address != "/":
            paths += [f"{site.prefix}{address}", address] if site.prefix else [address]
    return list(dict.fromkeys(paths))


def _path(address):
    """The path a reader's browser asks for: decoded, without the host, doubled slashes or dot segments."""
    address = address.strip()
    if re.match(r"[a-z][a-z0-9+.-]*://", address, re.IGNORECASE):
        address = urlsplit(address).path
    # Collapsed before anything else: //2018/... (a pattern whose categories are empty) is a path, not a host.
    address = unquote(re.sub(r"/{2,}", "/", address).partition("?")[0].partition("#")[0])
    normal = posixpath.normpath("/" + address.lstrip("/"))
    return "/" if normal == "/" else normal + ("/" if address.endswith("/") else "")


def forms(address):
    """Every form of an address the old server answered: /x/ (which also finds /x), /x.html, /x/index.html."""
    if address.lower().endswith(OTHER_EXTENSIONS):
        return [address]
    stem = address
    for ending in ("/index.html", ".html", "/"):
        if stem.endswith(ending):
            stem = stem.removesuffix(ending)
            break
    return [f"{stem}/", f"{stem}.html", f"{stem}/index.html"] if stem else []


def _pattern(site, path, folder):
    if site.engine == "jekyll" or site.pattern:
        return site.pattern or JEKYLL_STYLES["date"]
    section = _sections(site, path, folder).partition("/")[0]
    return site.sections.get(section) or HUGO_DEFAULT


def _sections(site, path, folder):
    """Hugo's section path of a post: its folders under content/ (the bundle's own folder not counted)."""
    parent = path.parent.parent if path.stem == "index" else path.parent
    for root in (site.content, folder.source.parent):
        if root is not None and parent.is_relative_to(root):
            return "/".join(parent.relative_to(root).parts)
    return ""


def _expanded(site, folder, pattern, path, post_file, meta):
    values = (_jekyll_values if site.engine == "jekyll" else _hugo_values)(site, folder, path, post_file, meta)
    expanded = []
    for each in values:
        address = PLACEHOLDER.sub(lambda match, each=each: each.get(match[1], match[0]), pattern)
        expanded.append(address.lower() if site.engine == "hugo" else address)
    return list(dict.fromkeys(expanded))


def _dates(site, path, moment):
    """The post's date as the old site may have used it: as written, in the site's zone, the file name's day."""
    moments = [moment]
    if site.time_zone is not None:
        moments.append(moment.astimezone(site.time_zone))
    dated = _DATED_NAME.fullmatch(path.stem)
    if dated:
        with suppress(ValueError):
            moments.append(datetime(int(dated["year"]), int(dated["month"]), int(dated["day"])))
    return list(dict.fromkeys(moments))


def _jekyll_slugify(text, keep="", cased=False):
    """Jekyll's Utils.slugify: each run of other characters becomes one hyphen, one hyphen trimmed at each end."""
    slug = re.sub("\0+", "-", "".join(ch if ch.isalnum() or ch in keep else "\0" for ch in text))
    slug = slug.removeprefix("-").removesuffix("-")
    return slug if cased else slug.lower()


def _jekyll_values(site, folder, path, post_file, meta):
    stem = path.parent.name if path.stem == "index" else path.stem
    dated = _DATED_NAME.fullmatch(stem)
    # Jekyll drops a file name's trailing dots (2018-10-12-trailing-dots...markdown).
    slug = str(meta.get("slug") or (dated["slug"] if dated else stem).rstrip("."))
    titles = [_jekyll_slugify(slug, "._~!$&'()+,;=@", cased=True), slug]
    categories = _jekyll_categories(path.relative_to(folder.source).parts, meta)
    values = []
    for moment in _dates(site, path, post_file.date):
        for title in dict.fromkeys(titles):
            values.append(_date_values(moment) | {
                "title": title, "slug": _jekyll_slugify(slug), "name": _jekyll_slugify(stem),
                "categories": "/".join(dict.fromkeys(name.lower() for name in categories)),
                "slugified_categories": "/".join(dict.fromkeys(slugify(name) for name in categories)),
                "output_ext": ".html",
            })  # fmt: skip
    # The old server's folders for categories with spaces were Jekyll's; the slugified ones are a guess worth keeping.
    values += [dict(each, categories=each["slugified_categories"]) for each in values]
    return values


def _jekyll_categories(parts, meta):
    # Folders between the site and _posts (ruby/_posts/...) are categories too.
    names = list(parts[: parts.index("_posts")]) if "_posts" in parts else []
    for key in ("category", "categories"):
        value = meta.get(key)
        if isinstance(value, str):
            names += value.split() if key == "categories" else [value]
        elif isinstance(value, list):
            names += [str(item) for item in value if isinstance(item, (str, int, float))]
    return names


def _date_values(moment):
    return {
        "year": f"{moment:%Y}", "month": f"{moment:%m}", "day": f"{moment:%d}", "i_month": str(moment.month),
        "i_day": str(moment.day), "short_year": f"{moment:%y}", "y_day": f"{moment:%j}", "hour": f"{moment:%H}",
        "minute": f"{moment:%M}", "second": f"{moment:%S}", "short_month": f"{moment:%b}",
        "long_month": f"{moment:%B}", "week": f"{moment:%V}", "w_year": f"{moment:%G}", "w_day": f"{moment:%u}",
        "short_day": f"{moment:%a}", "long_day": f"{moment:%A}",
    }  # fmt: skip


def _hugo_urlize(text):
    """Hugo's urlize: spaces as hyphens, letters, digits and ._-#+~ kept, the rest left out."""
    kept = (
        "-" if ch.isspace() else ch
        for ch in text.strip()
        if ch.isspace() or ch.isalnum() or ch in "._-#+~" or unicodedata.category(ch).startswith("M")
    )
    return "".join(kept)


def _hugo_values(site, folder, path, post_file, meta):
    filename = path.parent.name if path.stem == "index" else path.stem
    slug = meta.get("slug") if isinstance(meta.get("slug"), str) else None
    sections = _sections(site, path, folder)
    moment = post_file.date
    return [
        {
            "year": f"{moment:%Y}", "month": f"{moment:%m}", "monthname": f"{moment:%B}", "day": f"{moment:%d}",
            "weekday": str(moment.isoweekday() % 7), "weekdayname": f"{moment:%A}",
            "yearday": str(moment.timetuple().tm_yday),
            "section": sections.partition("/")[0], "sections": sections, "title": _hugo_urlize(post_file.title),
            "slug": _hugo_urlize(slug or post_file.title), "filename": filename, "slugorfilename": slug or filename,
            "contentbasename": filename,
        }
    ]  # fmt: skip


JEKYLL_VALUES = {
    *_date_values(datetime(2000, 1, 1)),
    *("title", "slug", "name", "categories", "slugified_categories", "output_ext"),
}
HUGO_VALUES = {
    *("year", "month", "monthname", "day", "weekday", "weekdayname", "yearday", "section", "sections"),
    *("title", "slug", "filename", "slugorfilename", "contentbasename"),
}


def record_redirects(site, folder, path, post, post_file, report):
    """Make the post's old addresses answer 301 to it, never taking over another post's; lines in `report`."""
    if post_file.draft:
        return  # never on the old site
    meta = folder.front_matter.get(path, {})
    for address in old_addresses(site, folder, path, post_file, meta):
        paths = [each for each in forms(address) if each != post.get_absolute_url()]
        if any(len(each) > OLD_PATH_MAX for each in paths):
            report.notes.append(f"{path}: the old address {address} is too long to keep; readers of it get a 404.")
            continue
        existing = {redirect.old_path: redirect for redirect in Redirect.objects.filter(old_path__in=paths)}
        actions = set()
        for each in [each for each in paths if each in existing]:
            other = existing[each]
            if other.post_id not in (None, post.pk):
                report.notes.append(f"{path}: the old address {each} already leads to {other.target()}; left so.")
                continue
            _redirect, changed = Redirect.objects.record(each, post=post)
            actions.add("updated" if changed else "unchanged")
        new = [each for each in paths if each not in existing]
        if new:
            # What record() does for each, in two queries: the typical import makes a thousand of these.
            Redirect.objects.filter(new_path__in=new).update(post=post, new_path="")
            Redirect.objects.bulk_create([Redirect(old_path=each, post=post) for each in new])
            actions.add("created")
        if actions:
            action = "created" if "created" in actions else "updated" if "updated" in actions else "skipped"
            report.add(action, f"redirect {address}", f"to {post.slug!r}" if action != "skipped" else "unchanged")
