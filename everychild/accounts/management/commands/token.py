from django.core.management.base import BaseCommand, CommandError

from everychild.accounts.models import User
from everychild.accounts.services import issue_token


class Command(BaseCommand):
    help = "Issue an API bearer token for USERNAME (audited). The token is shown once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--label", default="")
        parser.add_argument("--days", type=int, default=365)

    def handle(self, username: str, label: str, days: int, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError("no active user with that username")
        try:
            raw = issue_token(None, user, label=label, days=days)
        except Exception as exc:  # noqa: BLE001 - shown as a command error, never a traceback
            raise CommandError(str(exc)) from None
        self.stdout.write(raw)
