from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from everychild.audit.verify import all_chains, verify_all


class Command(BaseCommand):
    help = (
        "Audit log tools. 'verify' walks every hash chain and its checkpoints, names the first "
        "broken event of each broken chain and exits non-zero if any."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        breaks = verify_all()
        if breaks:
            for item in breaks:
                self.stderr.write(f"BROKEN {item}")
            raise CommandError(
                f"{len(breaks)} audit chain(s) broken; first: {breaks[0]}"
            )
        self.stdout.write(f"audit log verified: {len(all_chains())} chain(s) intact")
