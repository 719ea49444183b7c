"""``everychild serve-demo``: the web server, a task worker and the tick loop, together.

Each child runs in its own process group, so Ctrl-C in the terminal reaches this command
only; it then sends every child one SIGTERM (a graceful stop), waits, and kills whatever is
left of each child's group. On Linux the children also get SIGTERM if this command dies
without cleaning up (PR_SET_PDEATHSIG). If one child exits, the others are stopped too.
"""

import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_tasks import task_backends
from django_tasks_db import DatabaseBackend
from django_tasks_rq import RQBackend

ACCESS_LOG = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'  # %(U)s: path without query
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
GRACE_SECONDS = 10  # gunicorn gets --graceful-timeout 5, the worker finishes its task
PR_SET_PDEATHSIG = 1


def _child_setup():
    """Runs in each child between fork and exec: own process group, die with the parent."""
    libc = None
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        except OSError:
            libc = None
    parent = os.getpid()

    def setup() -> None:
        os.setpgid(0, 0)
        if libc is not None:
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
            if os.getppid() != parent:  # the parent died before prctl took effect
                os._exit(1)

    return setup


class Command(BaseCommand):
    help = "Serve the demo: the web server, a task worker and the tick, together."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")

    def worker_command(self, everychild: list[str]) -> list[str]:
        """The worker of the default task backend."""
        backend = task_backends["default"]
        queues = sorted(backend.queues) or ["default"]
        if isinstance(backend, DatabaseBackend):
            return [*everychild, "db_worker", "--no-reload", "--interval", "2",
                    "--queue-name", ",".join(queues)]
        if isinstance(backend, RQBackend):
            # The scheduler enqueues deferred tasks (enqueue_at) when they are due.
            return [*everychild, "rqworker", *queues, "--with-scheduler",
                    "--job-class", "django_tasks_rq.Job"]
        raise CommandError(f"serve-demo has no worker for {type(backend).__name__}")

    def handle(self, port: int, host: str, **options):
        everychild = [sys.executable, "-m", "everychild.cli"]
        commands = {
            "web": [
                sys.executable, "-m", "gunicorn", "everychild.wsgi", "--bind", f"{host}:{port}",
                "--workers", "2", "--threads", "4", "--graceful-timeout", "5",
                "--no-control-socket",  # its default path is shared by every gunicorn
                "--access-logfile", "-", "--access-logformat", ACCESS_LOG,
            ],
            "worker": self.worker_command(everychild),
            "tick": [*everychild, "tick", "--loop", str(settings.EVERYCHILD_TICK_SECONDS)],
        }
        stop: list[int] = []

        def request_stop(signum, frame):
            stop.append(signum)

        previous = {sig: signal.signal(sig, request_stop) for sig in STOP_SIGNALS}
        children: dict[str, subprocess.Popen] = {}
        failed = ""
        try:
            setup = _child_setup()
            for name, argv in commands.items():
                if stop:
                    break
                children[name] = subprocess.Popen(argv, preexec_fn=setup)  # noqa: PLW1509
            if not stop:
                self.stdout.write(
                    f"everychild is serving at http://{host}:{port}/ (Ctrl-C stops it)"
                )
                self.stdout.flush()
            while not stop:
                for name, child in children.items():
                    if child.poll() is not None:
                        failed = f"{name} exited with status {child.returncode}"
                        break
                if failed:
                    break
                time.sleep(0.2)
        finally:
            self.stop_children(children)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if failed:
            raise CommandError(f"{failed}; the demo was stopped")
        self.stdout.write("everychild stopped")

    def stop_children(self, children: dict[str, subprocess.Popen]) -> None:
        """One SIGTERM each (web first), a grace period, then SIGKILL to what is left."""
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + GRACE_SECONDS
        for name, child in children.items():
            try:
                child.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"{name} did not stop in {GRACE_SECONDS} s; killing it")
                child.kill()
                child.wait()
        for child in children.values():
            # Anything the child left behind in its process group (gunicorn's workers,
            # the RQ scheduler) goes with it.
            try:
                os.killpg(child.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
