from django.core.management.base import BaseCommand

from everychild.accounts.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo places and demo users (idempotent; refused in production)."

    def handle(self, **options):
        users = load_demo()
        self.stdout.write(f"demo loaded: {len(users)} demo users")
