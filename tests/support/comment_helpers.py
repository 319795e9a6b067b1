"""Shared helpers for the comment tests."""

from comments.models import Comment, CommentEvent


def comment_data(**overrides):
    data = {
        "author_name": "Ada Reader",
        "author_email": "ada@example.com",
        "author_url": "https://ada.example/",
        "body": "Thanks, this helped me move my blog to SQLite.",
        "homepage": "",
    }
    data.update(overrides)
    return data


def post_comment(client, post, headers=None, **overrides):
    return client.post(
        f"/post/{post.slug}/comment/",
        comment_data(**overrides),
        headers={
            "User-Agent": "Mozilla/5.0 test",
            "Referer": f"http://testserver/post/{post.slug}/",
            **(headers or {}),
        },
        REMOTE_ADDR="203.0.113.7",
    )


def history(comment):
    return list(CommentEvent.objects.filter(comment_ref=comment.pk).values_list("kind", flat=True))


def make_comment(post, status=Comment.Status.PENDING, **fields):
    from django.utils import timezone

    fields.setdefault("author_name", "Someone")
    fields.setdefault("author_email", "someone@example.com")
    fields.setdefault("body", "A comment.")
    fields.setdefault("ip_address", "198.51.100.1")
    fields.setdefault("created_at", timezone.now())
    fields.setdefault(
        "akismet_arguments",
        {"user_ip": fields["ip_address"], "comment_type": "comment", "comment_content": fields["body"]},
    )
    return Comment.objects.create(post=post, status=status, **fields)


def send_comment_mail():
    """What the sender thread (or the timer's send_comment_mail) does after a request: send the due mail."""
    from comments import outbox

    return outbox.send_due()
