import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the author's admin account on first run and print its login once."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="author")
        parser.add_argument("--email", default="author@example.com")

    def handle(self, *args, username, email, **options):
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("An author account exists already; its password is not shown again.")
            return
        # Printed once and never stored in clear: the author changes it in the admin.
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email=email, password=password)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created the author account. Log in at /admin/ as {username!r} with password {password!r}.\n"
                "This is the only time the password is shown: change it in the admin."
            )
        )
