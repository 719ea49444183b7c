from django.core.management.base import BaseCommand

from everychild.cases.demo import load_cases


class Command(BaseCommand):
    help = ("The demo service directory, allowances and cases with their referrals "
            "(idempotent; refused in production).")

    def handle(self, **options):
        made = load_cases()
        self.stdout.write(f"demo cases: {made['providers']} providers, {made['allowances']} "
                          f"allowances, {made['cases']} cases")
