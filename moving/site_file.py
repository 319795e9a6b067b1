"""The site settings as site.yaml in a Markdown folder: export_markdown writes them, import_markdown and seed_demo read.

    title: My blog
    tagline: ''
    ...
    share_image: uploads/2026/12/card.png    (an upload in uploads.yaml; or share_image_url: https://...)

An export writes every setting, so a round trip is byte-identical; a file may
give only some (demo/site.yaml gives the demo its name and tagline), and the
others stay as they are. notify_email goes out only with --with-emails, as
commenters' addresses do.
"""

from django.core.exceptions import ValidationError

from blog import frontmatter
from blog.frontmatter import FrontMatterError
from blog.models import Upload
from blog.site import SiteSettings, current
from moving import safe_files

SITE_FILE = "site.yaml"
# In the admin's order. share_image is the upload's file name in the folder.
FIELDS = (
    "title", "tagline", "description", "author_name", "footer", "posts_per_page", "feed_length", "language",
    "time_zone", "comments_open", "comments_close_after_days", "notify_email", "share_image", "share_image_url",
    "custom_css",
)  # fmt: skip
NUMBERS = {"posts_per_page", "feed_length", "comments_close_after_days"}


def read(source):
    """The settings site.yaml in `source` gives ({field: value}), or None without the file; checks the types."""
    path = source / SITE_FILE
    if not path.exists():
        return None
    # Read without following a link: the folder may be someone else's (moving/safe_files.py).
    data = frontmatter.load_yaml(safe_files.read_text(path, source), str(path))
    if not isinstance(data, dict) or not set(data) <= set(FIELDS):
        known = ", ".join(FIELDS)
        raise FrontMatterError(f"{path}: must be a mapping of site settings ({known}), not {data!r}.")
    for name, value in data.items():
        if name in NUMBERS:
            expected = isinstance(value, int) and not isinstance(value, bool)
        elif name == "comments_open":
            expected = isinstance(value, bool)
        elif name == "share_image":
            expected = value is None or isinstance(value, str)
        else:
            expected = isinstance(value, str)
        if not expected:
            raise FrontMatterError(f"{path}: {name} cannot be {value!r}.")
    return data


def stored():
    """The stored row (the first values, unsaved, when there is none)."""
    return SiteSettings.objects.filter(pk=1).select_related("share_image").first() or current()


def values(settings=None):
    """The settings as site.yaml holds them: {field: value}, share_image by its upload's file name."""
    settings = settings or stored()
    data = {name: getattr(settings, name) for name in FIELDS if name != "share_image"}
    data["share_image"] = settings.share_image.file.name if settings.share_image_id else None
    return {name: data[name] for name in FIELDS}


def dumps(with_emails=False):
    data = values()
    if not with_emails:
        del data["notify_email"]
    return frontmatter.dumps_data(data)


def apply(data, path):
    """Store the settings `data` gives (a read()); returns the names that changed. Raises ValueError naming `path`."""
    settings = stored()
    before = values(settings)
    changed = [name for name, value in data.items() if before[name] != value]
    if not changed:
        return []
    for name in changed:
        value = data[name]
        if name == "share_image":
            upload = Upload.objects.filter(file=value).first() if value else None
            if value and upload is None:
                raise ValueError(f"{path}: share_image {value!r} is no upload of this blog (nor in uploads.yaml).")
            settings.share_image = upload
        else:
            setattr(settings, name, value)
    try:
        settings.full_clean()
    except ValidationError as error:
        problems = "; ".join(f"{key}: {' '.join(messages)}" for key, messages in error.message_dict.items())
        raise ValueError(f"{path}: {problems}") from error
    settings.save()
    return changed
