import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from everychild.insights.rollups import rebuild


class Command(BaseCommand):
    help = "Rollups of the insights: `rollup rebuild` recounts every level from the registry."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild"])

    def handle(self, action: str, **options):
        started = time.perf_counter()
        rows = rebuild()
        took = time.perf_counter() - started
        for table, n in rows.items():
            self.stdout.write(_("%(table)s: %(rows)s rows") % {"table": table, "rows": n})
        self.stdout.write(_("rebuilt in %(seconds).1f s") % {"seconds": took})
