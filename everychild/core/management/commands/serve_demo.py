import signal
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

ACCESS_LOG = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'  # %(U)s: path without query


class Command(BaseCommand):
    help = "Serve the demo: the web server, a task worker and the tick, together."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, port: int, host: str, **options):
        everychild = [sys.executable, "-m", "everychild.cli"]
        children = [
            subprocess.Popen([*everychild, "db_worker", "--no-reload", "--interval", "2"]),
            subprocess.Popen([*everychild, "tick", "--loop", str(settings.EVERYCHILD_TICK_SECONDS)]),
        ]
        web = [
            sys.executable, "-m", "gunicorn", "everychild.wsgi", "--bind", f"{host}:{port}",
            "--workers", "2", "--threads", "4", "--access-logfile", "-",
            "--access-logformat", ACCESS_LOG,
        ]
        self.stdout.write(f"everychild is serving at http://{host}:{port}/ (Ctrl-C stops it)")
        server = subprocess.Popen(web)
        try:
            server.wait()
        except KeyboardInterrupt:
            server.send_signal(signal.SIGTERM)
            server.wait()
        finally:
            for child in children:
                child.terminate()
            for child in children:
                child.wait()
