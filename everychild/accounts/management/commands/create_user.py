import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from everychild.accounts.services import create_user


class Command(BaseCommand):
    help = ("Create an account with its first post (role + jurisdiction), e.g. the first "
            "system administrator of a deployment. Audited.")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, help="role code, e.g. system_admin")
        parser.add_argument("--division", required=True, help="12-digit division code")
        parser.add_argument("--full-name", default="")
        parser.add_argument("--password", help="prompted for when omitted")

    def handle(self, username, role, division, full_name, password, **options):
        password = password or getpass.getpass("Password: ")
        try:
            user = create_user(None, username=username, full_name=full_name, password=password,
                               role=role, division_code=division)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(f"created {user.username}")
