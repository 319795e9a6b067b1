"""The author's uploads in an S3-compatible object store, for blogs served by several hosts.

Chosen by ESCRIBE_MEDIA_STORAGE_URL (escribe/settings.py); without it the
uploads stay in the local folder. Every host writes and reads the same bucket
through Django's storage API, so a file uploaded on one host is there for all
of them at once. Readers fetch files from the store's public address
(ESCRIBE_MEDIA_URL), never through the blog.
"""

import mimetypes
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ImproperlyConfigured
from storages.backends.s3 import S3Storage

from escribe import media

# The query parameters ESCRIBE_MEDIA_STORAGE_URL may carry, as S3Storage's options.
STORE_PARAMETERS = {"endpoint_url": "endpoint_url", "region": "region_name"}


def options(storage_url, media_url):
    """S3Storage options from s3://BUCKET?endpoint_url=...&region=... and the store's public address."""
    parts = urlsplit(storage_url)
    bad_bucket = not parts.netloc or "@" in parts.netloc or ":" in parts.netloc or parts.path.strip("/")
    if parts.scheme != "s3" or bad_bucket:
        raise ImproperlyConfigured(
            f"ESCRIBE_MEDIA_STORAGE_URL: expected s3://BUCKET?endpoint_url=...&region=..., got {storage_url!r}"
        )
    query = parse_qs(parts.query)
    unknown = sorted(set(query) - set(STORE_PARAMETERS))
    if unknown:
        raise ImproperlyConfigured(f"ESCRIBE_MEDIA_STORAGE_URL: unknown parameter {unknown[0]!r}")
    public = urlsplit(media_url)
    if public.scheme not in ("http", "https") or not public.netloc or not media_url.endswith("/"):
        raise ImproperlyConfigured(
            "ESCRIBE_MEDIA_URL: the store's public address, such as https://media.example.org/ "
            f"(ending in /), is required with ESCRIBE_MEDIA_STORAGE_URL; got {media_url!r}"
        )
    found = {STORE_PARAMETERS[key]: values[-1] for key, values in query.items()}
    return {
        # Bucket and credentials stay with the store (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, read by boto3).
        "bucket_name": parts.netloc,
        **found,
        # URLs go into page files and stored Markdown: signed ones would expire there.
        "querystring_auth": False,
        # Names are unique (blog/uploads.storage_name); a clash gets a new name, never overwrites.
        "file_overwrite": False,
        # Who may read is the bucket's policy, not a per-object ACL (many stores refuse ACLs).
        "default_acl": None,
        # .url() is the public address, path-style included (http://127.0.0.4:9000/BUCKET/...).
        "custom_domain": (public.netloc + public.path).rstrip("/"),
        "url_protocol": f"{public.scheme}:",
    }


class MediaStorage(S3Storage):
    """S3Storage with the headers nginx gives local uploads (escribe/media.py), stored on each object.

    A store cannot send the sandbox Content-Security-Policy or nosniff of
    media.headers_for: uploaded documents are isolated by the store's own
    origin instead, and are still sent as attachments.
    """

    def get_object_parameters(self, name):
        parameters = super().get_object_parameters(name)
        headers = media.headers_for(name)
        parameters["CacheControl"] = headers["Cache-Control"]
        # From the name the upload's content decided, never from what the browser claimed.
        parameters["ContentType"] = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if "Content-Disposition" in headers:
            parameters["ContentDisposition"] = headers["Content-Disposition"]
        return parameters
