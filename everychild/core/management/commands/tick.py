import logging
import signal
import threading

from django.core.management.base import BaseCommand
from django.db import connections

from everychild.core.tick import run_tick

logger = logging.getLogger("everychild.tick")


class Command(BaseCommand):
    help = (
        "Run the periodic jobs once (idempotent; run it every few minutes from cron or a "
        "systemd timer). --loop SECONDS repeats until SIGINT or SIGTERM (the demo uses it)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=int, default=0, metavar="SECONDS")

    def handle(self, loop: int, **options):
        if not loop:
            self.run_once()
            return
        stop = threading.Event()

        def request_stop(signum, frame):
            stop.set()

        # A signal lets the current run finish; the wait between runs ends at once.
        previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            while not stop.is_set():
                try:
                    self.run_once()
                except Exception:
                    # A failed run (the database restarting, say) is retried at the next one.
                    logger.exception("tick failed; the next run is in %d s", loop)
                finally:
                    connections.close_all()  # hold no connection (nor lock) while waiting
                stop.wait(loop)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def run_once(self) -> None:
        results = run_tick()
        if results is None:
            self.stdout.write("another tick is running; nothing to do")
            return
        for name, result in results.items():
            self.stdout.write(f"{name}: {result}")
