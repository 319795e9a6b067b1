"""Every page a reader can reach from the front page, the robots.txt and the sitemap, written as a file."""

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree

from django.conf import settings
from django.urls import reverse

from escribe import page_files

# Where crawling starts; everything else is found by following links.
SEEDS = ("/", "/robots.txt", "/sitemap.xml")
# The page files' kinds, and the custom CSS from the site settings (blog/custom_css.py): never a page file on
# the live site (its cache lifetime is its own), but the copy's pages link it, and a static server names it by .css.
EXTENSIONS = {**page_files.EXTENSIONS, "text/css": "css"}


def crawl(client, secure, directory, base, prefix, warn):
    """Fetch and write every page reachable from SEEDS; returns how many were written."""
    queue, seen, written = deque(SEEDS), set(SEEDS), 0
    while queue:
        path = queue.popleft()
        response = client.get(path, secure=secure)
        if response.status_code != 200:
            if response.status_code not in (301, 302, 404):
                warn(f"{path}: {response.status_code}, left out")
            continue
        content_type = response.get("Content-Type", "")
        relative = page_files.file_for(path, content_type, EXTENSIONS)
        if relative is None:
            warn(f"{path}: no file name for {content_type}, left out")
            continue
        page_files.write_file(directory, relative, response.content)
        if relative.name.startswith("index.") and relative.suffix != ".html":
            # Any static web server answers a folder's address with its
            # index.html; feed readers read the feed whatever it is called.
            page_files.write_file(directory, relative.with_name("index.html"), response.content)
        written += 1
        for link in links(response.content, content_type, f"{base.scheme}://{base.netloc}{prefix}{path}"):
            own = own_path(link, base, prefix)
            if own and own not in seen:
                seen.add(own)
                queue.append(own)
    return written


def links(body, content_type, page_url):
    """The addresses a page links to: href and src in HTML, <loc> and <link> in XML, Sitemap: in robots.txt."""
    text = body.decode("utf-8", errors="replace")
    kind = content_type.split(";")[0].strip()
    if kind == "text/html":
        parser = _LinkParser()
        parser.feed(text)
        return [urljoin(page_url, link) for link in parser.links]
    if kind.endswith("xml"):
        found = []
        for element in ElementTree.fromstring(body).iter():
            name = element.tag.rsplit("}", 1)[-1]
            if name == "loc" and element.text:
                found.append(element.text.strip())
            elif name == "link":
                found.append(element.get("href") or (element.text or "").strip())
        return [urljoin(page_url, link) for link in found if link]
    if kind == "text/plain":
        return [line.split(":", 1)[1].strip() for line in text.splitlines() if line.lower().startswith("sitemap:")]
    return []


class _LinkParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def own_path(url, base, prefix):
    """The path (without the base's own path) of a link to a GET-able page of this site, else None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.netloc != base.netloc or parts.query:
        return None
    path = parts.path
    if prefix:
        if not path.startswith(prefix + "/"):
            return None
        path = path[len(prefix) :]
    if path.startswith(("/static/", "/admin/", settings.MEDIA_URL)) or path.endswith("/comment/"):
        return None  # files come from collectstatic and copy_media; the rest is not for readers to GET
    if path == reverse("blog:search").removeprefix(prefix):
        # Searching needs the site's server; a written /search/ would answer
        # every query on a static host with the same empty page.
        return None
    return path
