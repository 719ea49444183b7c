import time

from django.core.management.base import BaseCommand

from everychild.core.tick import run_tick


class Command(BaseCommand):
    help = "Run the periodic jobs once (idempotent). --loop repeats every N seconds."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=int, default=0, metavar="SECONDS")

    def handle(self, loop: int, **options):
        while True:
            for name, result in run_tick().items():
                self.stdout.write(f"{name}: {result}")
            if not loop:
                return
            time.sleep(loop)
