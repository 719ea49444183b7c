import json

from django.core.management.base import BaseCommand

from everychild.accounts.demo import demo_users


class Command(BaseCommand):
    help = "Print the demo users: username, role, jurisdiction and password."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="machine-readable output")

    def handle(self, json: bool = False, **options):
        users = demo_users()
        if json:
            self.stdout.write(_dumps([u.as_dict() for u in users]))
            return
        self.stdout.write(f"{'username':34} {'password':16} {'role':26} jurisdiction")
        for u in users:
            self.stdout.write(
                f"{u.username:34} {u.password:16} {u.role_name:26} {u.jurisdiction_name} "
                f"({u.jurisdiction})"
            )


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
