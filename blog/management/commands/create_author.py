import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.urls import reverse


def box(lines):
    """`lines` framed in ASCII (any terminal, any locale), so the one line that matters stands out of a log."""
    width = max(len(line) for line in lines)
    rule = f"+{'-' * (width + 2)}+"
    return "\n".join([rule, *(f"| {line.ljust(width)} |" for line in lines), rule])


class Command(BaseCommand):
    help = "Create the author's admin account on first run and print its login once."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="author")
        parser.add_argument("--email", default="author@example.com")

    def handle(self, *args, username, email, **options):
        User = get_user_model()
        admin = settings.SITE_URL + reverse("admin:index")
        existing = User.objects.filter(is_superuser=True).order_by("pk").first()
        if existing:
            name = existing.get_username()
            self.stdout.write(
                f"Author account: {name!r} at {admin} (password forgotten? manage.py changepassword {name})"
            )
            return
        # Printed once and never stored in clear: the author changes it in the admin.
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email=email, password=password)
        login = [
            "Your blog's author account:",
            "",
            f"  address:   {admin}",
            f"  username:  {username}",
            f"  password:  {password}",
            "",
            "This is the only time the password is shown: change it in the admin",
            f"(or later with: manage.py changepassword {username}).",
        ]
        self.stdout.write(self.style.SUCCESS(box(login)))
