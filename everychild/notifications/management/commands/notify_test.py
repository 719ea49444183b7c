from django.core.management.base import BaseCommand, CommandError

from everychild.accounts.models import User
from everychild.notifications.services import send_test


class Command(BaseCommand):
    help = ("Send a test notification to USERNAME through every configured channel "
            "(checks the e-mail settings).")

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, username: str, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError("no active user with that username")
        [notification] = send_test(user)
        self.stdout.write(f"notification {notification.pk} sent"
                          + ("" if user.email else " (in-app only: the user has no e-mail address)"))
