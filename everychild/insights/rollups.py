"""Keeping the rollups: the incremental refresh of a few places, and the rebuild of everything.

``refresh(codes, sources)`` recounts what those places contribute (``sources``), compares it
with the base rows stored for them and adds the difference to every level above, in one
transaction: idempotent, so the outbox may hand the same place twice. ``rebuild()`` recounts
every place a prefix at a time (a county's, or on PostgreSQL a prefecture's, where the children
are counted by the database, a range of provinces per connection: insights.bulk), writes the
base rows in bulk and sums each level from the one below in SQL. The two give identical rows
(tests compare them).
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models.functions import Substr
from django.utils import timezone

from everychild.insights import bulk
from everychild.insights.models import (
    ChildCount,
    ChildMargin,
    EventCount,
    RollupMark,
    StateCount,
)
from everychild.insights.sources import CHILDREN, EVENTS, SOURCES, STATES, Places
from everychild.places.codes import CODE_LENGTH, PREFIX_LENGTH, Level
from everychild.places.models import Division

CLOCK = "clock"  # the RollupMark of insights.jobs.follow_the_clock
BASE = int(Level.VILLAGE)  # level of the base rows: each place's own contribution
BANDS = ((0, 2), (3, 5), (6, 11), (12, 14), (15, 17))  # the census report's age bands


@dataclass(frozen=True)
class Table:
    model: type[models.Model]
    dims: tuple[str, ...]
    values: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.model._meta.db_table

    @property
    def key(self) -> tuple[str, ...]:
        return ("level", "code", *self.dims)


TABLES = {CHILDREN: Table(ChildCount, ("category", "sex", "age", "area"), ("n",)),
          EVENTS: Table(EventCount, ("measure", "month"), ("n", "total")),
          STATES: Table(StateCount, ("measure", "key"), ("n",))}
MARGINS = Table(ChildMargin, ("category", "key"), ("n",))
SOURCE_TABLES = {"children": (CHILDREN, STATES), "visits": (EVENTS, STATES),
                 "reports": (EVENTS,), "cases": (EVENTS, STATES),
                 "referrals": (EVENTS, STATES), "workforce": (STATES,)}
OWNED = (EVENTS, STATES)  # tables whose measures are named "<source>.<measure>"

Rows = dict[tuple, tuple[int, ...]]


def band_of(age: int) -> str:
    return next(f"{low}-{high}" for low, high in BANDS if low <= age <= high)


def code_at(code: str, level: int) -> str:
    return code[:PREFIX_LENGTH[Level(level)]].ljust(CODE_LENGTH, "0")


def ancestors(code: str, level: int) -> list[tuple[int, str]]:
    """The (level, code) rows a place at ``level`` counts in: its own base row, and every
    level from its own (at most the township) up to the nation."""
    return [(BASE, code)] + [(lv, code_at(code, lv)) for lv in range(min(level, BASE - 1) + 1)]


def margins_of(category: str, sex: str, age: int, area: str) -> list[tuple[str, str]]:
    return [(category, "total"), (category, f"sex:{sex}"), (category, f"band:{band_of(age)}"),
            (category, f"area:{area}")]


def _owned(source: str, table: str, found: dict[str, Rows]) -> dict[str, Rows]:
    if table not in OWNED:
        return found
    return {place: {(f"{source}.{key[0]}", *key[1:]): v for key, v in rows.items()}
            for place, rows in found.items()}


def _stored(table: Table, codes: list[str], source: str) -> dict[str, Rows]:
    rows = table.model.objects.filter(level=BASE, code__in=codes)
    if table is not TABLES[CHILDREN]:
        rows = rows.filter(measure__startswith=f"{source}.")
    found: dict[str, Rows] = {}
    for row in rows.values_list("code", *table.dims, *table.values):
        width = len(table.dims)
        found.setdefault(row[0], {})[tuple(row[1:1 + width])] = tuple(row[1 + width:])
    return found


def levels_of(codes: Iterable[str]) -> dict[str, int]:
    """Each place's level (a code with no division counts in its base row only)."""
    codes = list(codes)
    known = dict(Division.objects.filter(code__in=codes).values_list("code", "level"))
    return {code: known.get(code, -1) for code in codes}


def refresh(codes: Iterable[str], sources: Iterable[str] = tuple(SOURCES),
            today: date | None = None) -> int:
    """Recount these places for these sources and bring every level in step. Returns the
    number of rows changed."""
    today = today or timezone.localdate()
    codes = sorted(set(codes))
    if not codes:
        return 0
    levels = levels_of(codes)
    changed = 0
    with transaction.atomic():
        for source in sources:
            found = SOURCES[source](Places(codes=tuple(codes)), today)
            for name in SOURCE_TABLES[source]:
                table = TABLES[name]
                new = _owned(source, name, found.get(name, {}))
                deltas = _deltas(_stored(table, codes, source), new)
                changed += apply(table, _spread(deltas, levels))
                if name == CHILDREN:
                    apply(MARGINS, _margin_deltas(deltas, levels))
    return changed


def _deltas(old: dict[str, Rows], new: dict[str, Rows]) -> dict[str, Rows]:
    found: dict[str, Rows] = {}
    for place in old.keys() | new.keys():
        before, after = old.get(place, {}), new.get(place, {})
        for key in before.keys() | after.keys():
            a = after.get(key) or tuple(0 for _ in (before.get(key) or ()))
            b = before.get(key) or tuple(0 for _ in a)
            diff = tuple(x - y for x, y in zip(a, b, strict=True))
            if any(diff):
                found.setdefault(place, {})[key] = diff
    return found


def _spread(deltas: dict[str, Rows], levels: dict[str, int]) -> Rows:
    out: Rows = {}
    for place, rows in deltas.items():
        for lv, code in ancestors(place, levels[place]):
            for key, diff in rows.items():
                _sum_into(out, (lv, code, *key), diff)
    return out


def _margin_deltas(deltas: dict[str, Rows], levels: dict[str, int]) -> Rows:
    out: Rows = {}
    for place, rows in deltas.items():
        for lv, code in ancestors(place, levels[place]):
            if lv == BASE:
                continue
            for key, diff in rows.items():
                for margin in margins_of(*key):
                    _sum_into(out, (lv, code, *margin), diff)
    return out


def _sum_into(out: Rows, key: tuple, values: tuple[int, ...]) -> None:
    old = out.get(key)
    out[key] = values if old is None else tuple(a + b for a, b in zip(old, values, strict=True))


def apply(table: Table, deltas: Rows) -> int:
    """Add ``deltas`` to the table (sorted, so concurrent writers lock rows in one order) and
    drop the rows that fell to zero."""
    rows = [(*key, *values) for key, values in sorted(deltas.items()) if any(values)]
    if not rows:
        return 0
    columns = (*table.key, *table.values)
    sets = ", ".join(f"{v} = {table.name}.{v} + excluded.{v}" for v in table.values)
    sql = (f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "
           f"({', '.join(['%s'] * len(columns))}) ON CONFLICT ({', '.join(table.key)}) "
           f"DO UPDATE SET {sets}")
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    touched: dict[int, set[str]] = {}
    for row in rows:
        touched.setdefault(row[0], set()).add(row[1])
    for level, codes in touched.items():  # one DELETE per level, not per division
        table.model.objects.filter(level=level, code__in=codes, n=0).delete()
    return len(rows)


# -- rebuild ------------------------------------------------------------------------------------

def chunks(level: Level = Level.COUNTY) -> Iterator[Places]:
    """Every place exactly once: the places below ``level`` a prefix of that level at a time
    (the prefixes found among them, so townships straight under a prefecture, as in 东莞, have
    theirs though no county has it), then the places at or above it that no such prefix
    holds."""
    width = PREFIX_LENGTH[level]
    prefixes = sorted(Division.objects.filter(level__gt=level).annotate(
        prefix=Substr("code", 1, width)).values_list("prefix", flat=True).distinct())
    for prefix in prefixes:
        yield Places(under=prefix)
    held = set(prefixes)
    yield Places(codes=tuple(code for code in Division.objects.filter(level__lte=level)
                             .values_list("code", flat=True) if code[:width] not in held))


def rebuild(today: date | None = None) -> dict[str, int]:
    """Recount every rollup from the lower apps' tables; returns the rows per table.

    On PostgreSQL the tables are built anew beside the old ones (dashboards go on reading those
    meanwhile; refreshes wait), indexed and swapped in, all in one transaction; the children
    are counted by the database (insights.bulk), a range of provinces per connection when no
    other transaction holds this one. Elsewhere the tables are emptied and filled in place."""
    now = timezone.now()
    today = today or timezone.localdate(now)
    tables = (*TABLES.values(), MARGINS)
    in_sql = connection.vendor == "postgresql"
    connections = 1 if connection.in_atomic_block else settings.EVERYCHILD_ROLLUP_CONNECTIONS
    into: dict[Table, str] = {}
    try:
        with transaction.atomic():
            RollupMark.objects.update_or_create(name=CLOCK, defaults={"day": today, "at": now})
            into.update(bulk.begin(tables) if in_sql else _empty(tables))
            known = _recount(today, into, in_sql, connections)
            return {table.name: known[table] if table in known else table.model.objects.count()
                    for table in tables}
    except BaseException:
        if in_sql and connections > 1 and into:
            bulk.drop(bulk.scratch(into[TABLES[CHILDREN]], into[MARGINS]))
        raise


def _recount(today: date, into: dict, in_sql: bool, connections: int) -> dict[Table, int]:
    """Fill the tables ``into``; returns the rows of those it knows without a scan."""
    counts = TABLES[CHILDREN]
    if not in_sql:
        _count_sources(today, into, Level.COUNTY)
        for name, table in TABLES.items():
            _sum_levels(table, into[table], by_level=name != CHILDREN)
        _sum_margins(into[counts], into[MARGINS])
        return {}
    # The children are counted by the database (on connections of their own meanwhile);
    # without them, a prefecture's events are few enough to hold at once: 340 rounds of
    # queries instead of 2,850.
    # The other tables are finished meanwhile too.
    with bulk.children_counted(today, into[counts], into[MARGINS], connections) as counting:
        _count_sources(today, into, Level.PREFECTURE, skip=CHILDREN)
        bulk.write_holdings(counting.holdings(), today, into[TABLES[STATES]])
        for table in TABLES.values():
            if table is not counts:
                _sum_levels(table, into[table], by_level=True)
        bulk.key(into)
        children = counting.counted()
    rows = bulk.attach(into[counts], into[MARGINS], children)
    bulk.swap(into)
    return dict(zip((counts, MARGINS), rows, strict=True))


def _count_sources(today: date, into: dict, level: Level, skip: str = "") -> None:
    """Every source's base rows (but ``skip``'s), a prefix of ``level`` at a time."""
    for places in chunks(level):
        for source, count in SOURCES.items():
            if source == skip:
                continue
            found = count(places, today)
            for name in SOURCE_TABLES[source]:
                table = TABLES[name]
                _write_base(table, into[table], _owned(source, name, found.get(name, {})))


def _empty(tables: Iterable[Table]) -> dict[Table, str]:
    """Empty the tables, to be filled in place: {table: the name to write to}."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {table.name}")
    return {table: table.name for table in tables}


def _write_base(table: Table, into: str, found: dict[str, Rows]) -> None:
    rows = ((BASE, place, *key, *values) for place, keyed in found.items()
            for key, values in keyed.items() if any(values))
    columns = ", ".join((*table.key, *table.values))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {into} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * (len(table.key) + len(table.values)))
            cursor.executemany(f"INSERT INTO {into} ({columns}) VALUES ({marks})",
                               list(rows))


def code_sql(level: int, column: str = "code") -> str:
    """SQL: ``code_at`` of ``column`` (the division at ``level`` above a row's place)."""
    width = PREFIX_LENGTH[Level(level)]
    pad = "0" * (CODE_LENGTH - width)
    return f"SUBSTR({column}, 1, {width}) || '{pad}'" if width else f"'{pad}'"


def _sum_levels(table: Table, into: str, by_level: bool, base: str | None = None,
                levels: Iterable[int] = range(BASE - 1, -1, -1)) -> None:
    """Each level from the one below (the base rows read from ``base``, by default ``into``);
    with ``by_level``, plus the base rows of places at that very level (reports routed to a
    county, say), found through their division's level."""
    dims = ", ".join(table.dims)
    sums = ", ".join(f"SUM({v})" for v in table.values)
    columns = ", ".join((*table.key, *table.values))
    base = base or into
    with connection.cursor() as cursor:
        for level in levels:
            code = code_sql(level, "t.code")
            group = f"{code}, {dims}" if level else dims  # the nation: one constant code
            below = f"SELECT t.code, {dims}, {', '.join(table.values)} FROM {{}} t "
            if level == BASE - 1:
                where = (f"{below.format(base)} JOIN places_division d ON d.code = t.code "
                         f"WHERE t.level = {BASE} AND d.level >= {level}" if by_level else
                         f"{below.format(base)} WHERE t.level = {BASE}")
            else:
                where = f"{below.format(into)} WHERE t.level = {level + 1}"
                if by_level:
                    where += (f" UNION ALL {below.format(base)} JOIN places_division d "
                              f"ON d.code = t.code WHERE t.level = {BASE} AND d.level = {level}")
            cursor.execute(f"INSERT INTO {into} ({columns}) SELECT {level}, {code}, "
                           f"{dims}, {sums} FROM ({where}) t GROUP BY {group}")


def _sum_margins(counts: str, into: str, above: int | None = None, top: int = 0) -> None:
    """The margins above the villages up to level ``top``: the townships' from their children
    rows (unless the margins of level ``above`` are there already), each level above from the
    margins of the level below (a few rows per division, not one per age)."""
    with connection.cursor() as cursor:
        if above is None:
            above = BASE - 1
            cursor.execute(f"INSERT INTO {into} (level, code, category, key, n) "
                           f"{_township_margins(counts)}")
        for level in range(above - 1, top - 1, -1):
            code = code_sql(level)
            group = f"{code}, category, key" if level else "category, key"
            cursor.execute(f"INSERT INTO {into} (level, code, category, key, n) "
                           f"SELECT {level}, {code}, category, key, SUM(n) FROM {into} "
                           f"WHERE level = {level + 1} GROUP BY {group}")


def band_sql() -> str:
    """SQL: the margin key of a row's age band (``band_of``)."""
    return "CASE " + " ".join(f"WHEN age <= {high} THEN 'band:{low}-{high}'"
                              for low, high in BANDS) + " END"


def _township_margins(counts: str) -> str:
    """SQL: (level, code, category, key, n) of the townships' margins."""
    township = BASE - 1
    keys = ("'total'", "'sex:' || sex", band_sql(), "'area:' || area")
    parts = " UNION ALL ".join(f"SELECT code, category, {key} AS key, n FROM {counts} "
                               f"WHERE level = {township}" for key in keys)
    return (f"SELECT {township}, code, category, key, SUM(n) FROM ({parts}) m "
            "GROUP BY code, category, key")
