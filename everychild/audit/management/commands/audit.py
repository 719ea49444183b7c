from django.core.management.base import BaseCommand, CommandError

from everychild.audit.verify import all_chains, verify_all


class Command(BaseCommand):
    help = "Audit log tools. 'verify' walks every hash chain and names the first broken event."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, action: str, **options):
        breaks = verify_all()
        if breaks:
            for item in breaks:
                self.stderr.write(f"BROKEN {item}")
            raise CommandError(f"{len(breaks)} audit chain(s) broken")
        self.stdout.write(f"audit log verified: {len(all_chains())} chain(s) intact")
