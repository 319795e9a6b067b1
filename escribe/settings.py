"""E-Scribe settings: one module, configured from the environment (ESCRIBE_*).

Every name read here is listed, with its default, in the
configuration table of docs/CONFIGURATION.md. Defaults are safe for development; production sets
ESCRIBE_SECRET_KEY (or a key file) and ESCRIBE_ALLOWED_HOSTS.
"""

import os
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from escribe import cache_url, database, theme

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name, default):
    return _env_number(name, default, int, "a whole number")


def env_float(name, default):
    return _env_number(name, default, float, "a number")


def _env_number(name, default, convert, what):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return convert(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be {what}, not {value!r}") from None


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key():
    key = env_str("ESCRIBE_SECRET_KEY")
    if key:
        return key
    key_file = Path(env_str("ESCRIBE_SECRET_KEY_FILE", str(BASE_DIR / "var" / "secret_key")))
    if key_file.is_file():
        return key_file.read_text().strip()
    if DEBUG:
        return "django-insecure-dev-only"
    raise ImproperlyConfigured(
        "Set ESCRIBE_SECRET_KEY (or ESCRIBE_SECRET_KEY_FILE pointing at a file holding it); "
        "only ESCRIBE_DEBUG=1 runs without one."
    )


DEBUG = env_bool("ESCRIBE_DEBUG", default=False)
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ESCRIBE_ALLOWED_HOSTS", "127.0.0.1,localhost")
# Served over HTTPS (behind nginx, which says so in X-Forwarded-Proto).
# `make run` serves plain HTTP on 127.0.0.1 and turns this off.
HTTPS = env_bool("ESCRIBE_HTTPS", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # monitors may probe over plain HTTP
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("ESCRIBE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("ESCRIBE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# "preload" only makes the site eligible for browsers' built-in HTTPS list;
# joining it is a separate, manual step.
SECURE_HSTS_PRELOAD = env_bool("ESCRIBE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# The public address of the blog, used where no request is at hand (emails,
# Akismet's blog URL default, absolute links from management commands).
SITE_URL = env_str("ESCRIBE_SITE_URL", "http://127.0.0.1:8000").rstrip("/")


def _site_settings_from_env():
    """The ESCRIBE_* variables that only give a site setting its first value: {field: (variable, value)}, those set.

    The blog's identity and policies live in the database (blog.SiteSettings,
    edited in the admin); these variables fill it when the database is created
    (migration blog 0009) and are ignored after that: `check` warns when one
    differs from the stored value.
    """
    readers = {
        "title": ("ESCRIBE_SITE_TITLE", env_str),
        "tagline": ("ESCRIBE_SITE_TAGLINE", env_str),
        "author_name": ("ESCRIBE_SITE_AUTHOR", env_str),
        "posts_per_page": ("ESCRIBE_POSTS_PER_PAGE", lambda name: env_int(name, 10)),
        "feed_length": ("ESCRIBE_FEED_LENGTH", lambda name: env_int(name, 10)),
        "comments_open": ("ESCRIBE_COMMENTS_OPEN", env_bool),
        "comments_close_after_days": ("ESCRIBE_COMMENTS_CLOSE_AFTER_DAYS", lambda name: env_int(name, 0)),
        "notify_email": ("ESCRIBE_COMMENT_NOTIFY_EMAIL", lambda name: ", ".join(env_list(name))),
    }
    return {field: (name, read(name)) for field, (name, read) in readers.items() if os.environ.get(name, "") != ""}


SITE_SETTINGS_FROM_ENV = _site_settings_from_env()
INSTALLED_APPS = [
    "escribe.admin_site.BlogAdminConfig",  # django.contrib.admin under the blog's name
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django.forms",  # the built-in widget templates, for FORM_RENDERER below
    "axes",  # login throttling; see "Login protection" below
    "reversion",  # revisions of posts, pages and blurbs (blog/revisions.py)
    "escribe",
    "blog",
    "comments",
    "moving",
]

MIDDLEWARE = [
    # Outermost: it keeps a page as a file only as the reader gets it, after
    # every other middleware has had its say (cookies, Vary, Cache-Control).
    "escribe.page_middleware.PageFileMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "escribe.security.ContentSecurityPolicyMiddleware",
    "escribe.errors.MethodNotAllowedPageMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "escribe.conditional.ConditionalGetMiddleware",  # Django's, for HEAD as well as GET
    # The blog's settings, read once per request; its dates in the blog's language and time zone.
    "blog.middleware.SiteSettingsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Only answers what would be a 404 (and /?p=ID); before CommonMiddleware, so APPEND_SLASH mends a URL first.
    "blog.middleware.RedirectFallbackMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a login it refused into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "escribe.urls"
WSGI_APPLICATION = "escribe.wsgi.application"

# Form widgets render through TEMPLATES too, so templates/ can mend Django's own (templates/admin/widgets/:
# the date and the time of a publication time each get a label).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# One template engine, Django's, for readers' pages and the admin alike (the
# admin's preview renders the readers' own post template). With no "loaders"
# given, Django uses the cached loader: templates are parsed once per process.
THEME_DIR = theme.folder(env_str("ESCRIBE_THEME_DIR"))  # its templates/ and static/ first (escribe/theme.py)
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [*theme.dirs(THEME_DIR, "templates"), BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                # Both are lazy: public templates never touch `user` or
                # `messages`, so anonymous pages never read the session.
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "blog.context_processors.site",
                "escribe.page_middleware.generation_context",
            ],
        },
    },
]

# SQLite in ESCRIBE_DB_PATH, or PostgreSQL when ESCRIBE_DATABASE_URL names
# it; what differs between them is in escribe/database.py. The URL is not kept
# as a setting of its own: it holds a password, and only DATABASES' PASSWORD
# is masked on debug pages.
DB_PATH = Path(env_str("ESCRIBE_DB_PATH", str(BASE_DIR / "var" / "escribe.sqlite3")))
DATABASES = {"default": database.connection_settings(env_str("ESCRIBE_DATABASE_URL"), DB_PATH)}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The admin's and commands' language and zone, and the first values of the
# blog's own (blog.SiteSettings), which each request then follows.
LANGUAGE_CODE = env_str("ESCRIBE_LANGUAGE_CODE", "en-us")
TIME_ZONE = env_str("ESCRIBE_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [*theme.dirs(THEME_DIR, "static"), BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("ESCRIBE_STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed file names let nginx and browsers cache static files forever.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_MAX_AGE = 31536000

# The author's uploads (blog.Upload): images and files, kept through Django's
# storage API (STORAGES["default"]) so an object store can replace the folder.
# Names are unique and never reused, so they may be cached forever.
MEDIA_ROOT = Path(env_str("ESCRIBE_MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"
# Several hosts share one S3-compatible store instead (escribe/storage.py):
# s3://BUCKET?endpoint_url=...&region=..., read and written by every host,
# its files linked at their public address ESCRIBE_MEDIA_URL.
MEDIA_STORAGE_URL = env_str("ESCRIBE_MEDIA_STORAGE_URL")
if MEDIA_STORAGE_URL:
    from escribe import storage

    MEDIA_URL = env_str("ESCRIBE_MEDIA_URL")
    STORAGES["default"] = {
        "BACKEND": "escribe.storage.MediaStorage",
        "OPTIONS": storage.options(MEDIA_STORAGE_URL, MEDIA_URL),
    }
# Pages may show the store's images (plain http on a loopback store); the local folder is 'self' already.
MEDIA_ORIGIN = "" if MEDIA_URL.startswith("/") else " " + "/".join(MEDIA_URL.split("/", 3)[:3])
UPLOAD_MAX_MB = env_int("ESCRIBE_UPLOAD_MAX_MB", 10)
# Larger images are refused before they are decoded (a 50-megapixel RGBA
# image is 200 MB in memory); Pillow's own bomb check stops at twice its limit.
UPLOAD_MAX_PIXELS = env_int("ESCRIBE_UPLOAD_MAX_PIXELS", 50_000_000)
# Without nginx in front (`make run`), Django serves /media/ itself.
SERVE_MEDIA = env_bool("ESCRIBE_SERVE_MEDIA", default=False)

LOGIN_URL = "admin:login"


# The default cache is shared by gunicorn's workers and management commands
# (files on local disk: no extra server needed). Pages are not kept in it.
CACHE_DIR = env_str("ESCRIBE_CACHE_DIR", str(BASE_DIR / "var" / "cache"))
CACHES = {"default": cache_url.cache_settings(env_str("ESCRIBE_CACHE_URL", f"file://{CACHE_DIR}"))}
# Readers' pages as files for nginx (escribe/pages.py): a folder the app may
# write and nginx may read. Empty (the default, and `make run`): no files are
# written and every page is rendered per request.
PAGES_DIR = env_str("ESCRIBE_PAGES_DIR")
# What browsers are told about public pages (and page files, through
# `manage.py page_headers`): revalidate every time, cheaply, with ETag/Last-Modified.
PAGE_CACHE_CONTROL = "max-age=0, must-revalidate"

# Public pages run no script and use no inline style: everything comes from
# our own static files. Images may come from anywhere over HTTPS (posts link them).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'none'",
        "style-src 'self'",
        f"img-src 'self' data: https:{MEDIA_ORIGIN}",
        "font-src 'self'",
        "connect-src 'none'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Django's admin loads its scripts from static files but still sets a few
# style attributes inline.
ADMIN_CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        f"img-src 'self' data: https:{MEDIA_ORIGIN}",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# Comments.
COMMENT_RATE = env_int("ESCRIBE_COMMENT_RATE", 10)  # per client IP per hour
SPAM_RETENTION_DAYS = env_int("ESCRIBE_SPAM_RETENTION_DAYS", 15)
# Who may set the client address header: "unix" (nginx on a unix socket, where
# REMOTE_ADDR is empty) and/or IP addresses. Empty: no proxy is trusted.
TRUSTED_PROXIES = env_list("ESCRIBE_TRUSTED_PROXIES")

# Backups (manage.py backup and restore) and personal data: commenters' IP
# addresses and user agents are blanked after this many days (purge_personal_data).
BACKUP_DIR = Path(env_str("ESCRIBE_BACKUP_DIR", str(BASE_DIR / "var" / "backups")))
PERSONAL_DATA_DAYS = env_int("ESCRIBE_PERSONAL_DATA_DAYS", 90)
# Posts and pages deleted in the admin stay in its trash this many days (manage.py empty_trash).
TRASH_DAYS = env_int("ESCRIBE_TRASH_DAYS", 30)
# While the author types, the editor of posts, pages and blurbs keeps the text on the server this often
# (an autosave, never published).
AUTOSAVE_SECONDS = env_int("ESCRIBE_AUTOSAVE_SECONDS", 30)

# Login protection (django-axes). Failed logins are counted per client
# address and, separately, per account name: one address guessing many
# accounts and many addresses guessing one account are both stopped, for
# LOGIN_COOLOFF_MINUTES after the last failure that counted. The address is
# the one escribe.client_ip decides (what nginx saw), never a header the
# client chose. nginx's limit_req on /admin/login/ (deploy/nginx) keeps a
# flood from reaching gunicorn at all; it cannot tell accounts apart.
# The author unlocks with `manage.py axes_reset` (docs/CONFIGURATION.md, docs/DEPLOY.md).
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out login before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("ESCRIBE_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("ESCRIBE_LOGIN_COOLOFF_MINUTES", 60))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_CLIENT_IP_CALLABLE = "escribe.client_ip.client_ip"
# The author's own typo earlier on no longer counts once they are in.
AXES_RESET_ON_SUCCESS = True
# Attempts while locked out are refused without being recorded: the retry
# time the lockout page gives stays true, and a flood writes nothing.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# What is kept stays bounded: failed attempts older than the cool-off are
# deleted by axes at each login attempt; the per-attempt failure log (a row per
# failed POST, however many) stays off; the log of successful logins (one
# row per login of the author, shown in the admin) is trimmed to 30 days by
# `axes_reset_logs` on the daily purge timer (deploy/systemd).
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_LOCKOUT_CALLABLE = "escribe.lockout.lockout_response"
# axes logs "AXES: BEGIN version ..." from every process that starts Django
# (each manage.py command, each gunicorn worker): five times per `make run`.
AXES_VERBOSE = False

# Akismet: the client's own variables. Without a key, comments are queued unchecked.
AKISMET_API_KEY = env_str("PYTHON_AKISMET_API_KEY")
AKISMET_BLOG_URL = env_str("PYTHON_AKISMET_BLOG_URL", SITE_URL)
AKISMET_TIMEOUT = env_float("PYTHON_AKISMET_TIMEOUT", 3.0)

# Mail (the author's comment notifications). Console by default.
EMAIL_BACKEND = env_str("ESCRIBE_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("ESCRIBE_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("ESCRIBE_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("ESCRIBE_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("ESCRIBE_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("ESCRIBE_EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env_int("ESCRIBE_EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("ESCRIBE_DEFAULT_FROM_EMAIL", "E-Scribe <escribe@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The project's own loggers at ESCRIBE_LOG_LEVEL (INFO: a comment received,
# Akismet unreachable, page files switched); libraries say only what needs
# attention, not their start-up chatter, which every process would repeat.
LOG_LEVEL = env_str("ESCRIBE_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        # Django's own default is INFO; its errors (django.request) still reach the console.
        "django": {"level": "WARNING"},
        **{app: {"level": LOG_LEVEL} for app in ("escribe", "blog", "comments", "moving")},
    },
}
