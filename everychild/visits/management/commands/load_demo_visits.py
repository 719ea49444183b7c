from django.core.management.base import BaseCommand

from everychild.visits.demo import load_visits


class Command(BaseCommand):
    help = "Record demo visits for the demo children (idempotent; refused in production)."

    def handle(self, **options):
        self.stdout.write(f"demo visits: {load_visits()} recorded")
