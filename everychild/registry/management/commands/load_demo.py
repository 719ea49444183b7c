from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from everychild.accounts.demo import load_demo
from everychild.core import outbox
from everychild.registry.demo import DEFAULT_COUNT, DEFAULT_SEED, load_children, summary
from everychild.rules import CATALOGUE


class Command(BaseCommand):
    help = ("Load the demo places, the demo users and about 2,000 synthetic children "
            "(idempotent; refused in production).")

    def add_arguments(self, parser):
        parser.add_argument("--children", type=int, default=DEFAULT_COUNT,
                            help=f"synthetic children across the two demo counties ({DEFAULT_COUNT})")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")

    def handle(self, **options):
        if options["children"] < 0:
            raise CommandError("--children must be 0 or more")
        users = load_demo()
        self.stdout.write(f"demo loaded: {len(users)} demo users")
        created = load_children(options["children"], options["seed"])
        self.stdout.write(f"demo children: {created} created")
        # The higher apps react now (visit plans...), not at the first tick of the demo.
        self.stdout.write(f"outbox delivered: {outbox.deliver()} events")
        titles = {rule.code: rule.title for rule in CATALOGUE}
        for county in summary():
            self.stdout.write(
                f"{county['name']} {county['county'][:6]}: {county['children']} children, "
                f"{county['without_id_number']} without an ID number, "
                f"{county['in_no_category']} in no category")
            for code, number in county["categories"].items():
                self.stdout.write(f"  {number:6d}  {code:30s} {_(titles[code])}")
