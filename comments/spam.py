"""The Akismet adapter: the only module that imports `akismet`.

Callers get the project's own verdicts and never an exception: Akismet being
down, slow, misconfigured or answering garbage must never cost a comment.
"""

import enum
import logging
import threading
from dataclasses import dataclass
from datetime import UTC

import akismet
import httpx
from django.conf import settings

from blog import site

logger = logging.getLogger(__name__)


class Verdict(enum.Enum):
    HAM = "ham"
    SPAM = "spam"
    DISCARD = "discard"
    UNCHECKED = "unchecked"
    ERROR = "error"


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    error: str = ""
    # True when Akismet said the key or blog URL is wrong: retrying is pointless.
    invalid_key: bool = False


_NO_CLIENT = object()
_client = None
_client_lock = threading.Lock()


def get_client():
    """The process's Akismet client, built on first use; None without a key."""
    global _client
    if _client is None:
        with _client_lock:
            if _client is None:
                _client = _build_client()
    return None if _client is _NO_CLIENT else _client


def configured():
    """True when there is a key to ask Akismet with (without one, comments are queued unchecked)."""
    return get_client() is not None


def reset_client():
    """Forget the client (settings changed, or a test swapped it)."""
    global _client
    with _client_lock:
        _client = None


def _build_client():
    if not settings.AKISMET_API_KEY:
        return _NO_CLIENT
    config = akismet.Config(key=settings.AKISMET_API_KEY, url=settings.AKISMET_BLOG_URL)
    # Not validated_client(): that would call Akismet while building. A bad
    # key shows up as APIKeyError on the first check instead.
    http_client = httpx.Client(headers={"User-Agent": akismet.USER_AGENT}, timeout=settings.AKISMET_TIMEOUT)
    return akismet.SyncClient(config=config, http_client=http_client)


def arguments(comment, permalink):
    """Every field Akismet uses, as sent; stored so reports can replay them."""
    post = comment.post
    return {
        "user_ip": comment.ip_address or "",
        "user_agent": comment.user_agent,
        "referrer": comment.referrer,
        "permalink": permalink,
        "comment_type": "comment",
        "comment_author": comment.author_name,
        "comment_author_email": comment.author_email,
        "comment_author_url": comment.author_url,
        "comment_content": comment.body,
        "comment_date_gmt": _gmt(comment.created_at),
        "comment_post_modified_gmt": _gmt(post.updated_at),
        "blog_lang": site.current().language.split("-")[0],
        "blog_charset": "UTF-8",
    }


def _gmt(moment):
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def check(stored_arguments, recheck_reason=None) -> Outcome:
    """Ask Akismet about a comment; no key -> UNCHECKED, any failure -> ERROR."""
    client = get_client()
    if client is None:
        return Outcome(Verdict.UNCHECKED)
    kwargs = dict(stored_arguments)
    if recheck_reason:
        kwargs["recheck_reason"] = recheck_reason
    user_ip = kwargs.pop("user_ip", "")
    try:
        response = client.comment_check(user_ip, **kwargs)
    except Exception as error:  # noqa: BLE001 - nothing Akismet does may lose a comment
        return _failure("comment-check", error)
    if response == akismet.CheckResponse.DISCARD:
        return Outcome(Verdict.DISCARD)
    if response == akismet.CheckResponse.SPAM:
        return Outcome(Verdict.SPAM)
    return Outcome(Verdict.HAM)


def submit_spam(stored_arguments) -> Outcome:
    """Tell Akismet it missed a spam; returns ERROR on any failure, never raises."""
    return _submit("submit_spam", stored_arguments)


def submit_ham(stored_arguments) -> Outcome:
    """Tell Akismet a comment it flagged is fine; returns ERROR on any failure."""
    return _submit("submit_ham", stored_arguments)


def _submit(method, stored_arguments):
    client = get_client()
    if client is None:
        return Outcome(Verdict.UNCHECKED)
    if not stored_arguments:
        return Outcome(Verdict.ERROR, "Nothing was ever sent to Akismet for this comment; nothing to report.")
    kwargs = dict(stored_arguments)
    user_ip = kwargs.pop("user_ip", "")
    try:
        getattr(client, method)(user_ip, **kwargs)
    except Exception as error:  # noqa: BLE001
        return _failure(method.replace("_", "-"), error)
    return Outcome(Verdict.SPAM if method == "submit_spam" else Verdict.HAM)


def _failure(operation, error):
    invalid_key = isinstance(error, akismet.APIKeyError)
    cause = error.__cause__
    message = f"{operation}: {type(error).__name__}: {error}"
    if cause is not None:
        message += f" ({type(cause).__name__}: {cause})"
    logger.warning("Akismet %s", message)
    return Outcome(Verdict.ERROR, message, invalid_key=invalid_key)
