"""The Akismet adapter: built lazily once, never raises, never inside a transaction."""

import akismet
import pytest
from django.db import connection

from comments import moderation, spam
from comments.models import Comment
from tests.support.akismet_clients import CONFIG, HamClient
from tests.support.comment_helpers import make_comment, post_comment
from tests.support.factories import make_author, make_post


def test_no_key_means_no_client_and_unchecked(settings):
    settings.AKISMET_API_KEY = ""
    assert spam.get_client() is None
    assert spam.check({"user_ip": "192.0.2.1"}).verdict == spam.Verdict.UNCHECKED


def test_client_is_built_on_first_use_once_per_process(settings):
    settings.AKISMET_API_KEY = "some-key"
    settings.AKISMET_BLOG_URL = "https://blog.example/"
    settings.AKISMET_TIMEOUT = 2.5
    assert spam._client is None  # nothing was built at import time
    first = spam.get_client()
    assert isinstance(first, akismet.SyncClient)
    assert spam.get_client() is first
    assert first._http_client.timeout.read == 2.5
    assert first._config == akismet.Config(key="some-key", url="https://blog.example/")
    first._http_client.close()


class TransactionSpy(HamClient):
    """Notes, at each call, whether a transaction is open and the comment is committed."""

    def comment_check(self, user_ip, **kwargs):
        self.seen = (connection.in_atomic_block, Comment.objects.filter(body=kwargs["comment_content"]).exists())
        return super().comment_check(user_ip, **kwargs)

    def submit_spam(self, user_ip, **kwargs):
        self.seen_report = connection.in_atomic_block
        return super().submit_spam(user_ip, **kwargs)


@pytest.mark.django_db(transaction=True)
def test_akismet_is_asked_outside_any_transaction_after_the_comment_is_committed(client, use_akismet):
    spy = use_akismet(TransactionSpy(config=CONFIG))
    post = make_post()
    assert post_comment(client, post, body="Committed before the check").status_code == 302
    assert spy.seen == (False, True)

    moderation.mark_spam([Comment.objects.get()], make_author())
    assert spy.seen_report is False


@pytest.mark.django_db
def test_reports_without_stored_arguments_are_errors_not_exceptions(use_akismet):
    use_akismet(HamClient(config=CONFIG))
    assert spam.submit_spam({}).verdict == spam.Verdict.ERROR


@pytest.mark.django_db
def test_unexpected_client_errors_are_turned_into_error_verdicts(use_akismet):
    class Exploding(HamClient):
        def comment_check(self, user_ip, **kwargs):
            raise RuntimeError("something nobody expected")

    use_akismet(Exploding(config=CONFIG))
    comment = make_comment(make_post())
    outcome = spam.check(comment.akismet_arguments)
    assert outcome.verdict == spam.Verdict.ERROR and "something nobody expected" in outcome.error
