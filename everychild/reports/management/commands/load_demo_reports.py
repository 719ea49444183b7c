from django.core.management.base import BaseCommand

from everychild.reports.demo import load_reports


class Command(BaseCommand):
    help = "The demo routing table and demo reports of suspected harm (idempotent; refused in production)."

    def handle(self, **options):
        made = load_reports()
        self.stdout.write(f"demo reporting: {made['routing']} routing rows, "
                          f"{made['reports']} reports filed")
