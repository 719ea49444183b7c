"""The children source counted inside PostgreSQL, for ``rollup rebuild`` at national scale.

``sources.children`` reads every child into Python, which is right for the few places the
outbox names but takes an hour for tens of millions of children. This module counts the same
base rows in the database on several connections at once, all reading one snapshot: a row
per child (one statement) a range of ids per connection, then from those rows a range of
provinces (a ``Part``) per connection: one CREATE TABLE AS ... GROUP BY for its village rows,
the levels above up to the provinces, their margins and the part's primary keys. The parts'
tables become the partitions of the children rollup and of its margins (partitioned by
division code) without being copied, the nation is summed from the provinces, and the tables
of ``rollup rebuild`` are swapped in. It reads the rules as the Python source does: the age
as ``rules.dates.age_on`` counts it (a period in years ends on the same day of the month, or
the month's last day), a parent away "half a year" as ``months_elapsed`` does, the village's
urban-rural code, the child's hukou for the census figures. tests/test_bulk.py holds the two
readings to the same rows on the days where they could part, and the rebuild-equals-
incremental tests run on PostgreSQL too, on one connection and on several.
"""

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import partial
from itertools import accumulate
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.db.models.functions import Substr

from everychild.insights.models import ChildCount, ChildMargin
from everychild.insights.sources import (
    ADULT,
    ALL,
    ANY,
    CENSUS_AFFECTED,
    CENSUS_AWAY_MONTHS,
    CENSUS_BOTH_AWAY,
    CENSUS_MIGRANT,
    POLICY_CATEGORIES,
)
from everychild.places.codes import CODE_LENGTH, PREFIX_LENGTH, Level
from everychild.places.models import Division
from everychild.registry.models import (
    Child,
    ChildCategory,
    HukouType,
    ParentSituation,
    Sex,
    SituationKind,
)
from everychild.rules.benefits import entitlements, entitling_categories, policy_for
from everychild.services.models import Benefit, BenefitStatus

BASE = 5  # rollups.BASE (not imported: rollups imports this module)
REBUILT = "_rebuilt"  # suffix of the tables a rebuild fills before they replace the live ones
# Step one's plan (see _KIDS): one process, the tables merged in id order.
_MERGED = {"max_parallel_workers_per_gather": "0", "enable_hashjoin": "off"}
# Step two's plan: sorted, so that its rows come out in the primary key's order (the sums and
# the key's index build read them so); a part's fewer children could make the planner hash.
_SORTED = {"enable_hashagg": "off"}


def _tables() -> dict[str, str]:
    return {"child": Child._meta.db_table, "category": ChildCategory._meta.db_table,
            "situation": ParentSituation._meta.db_table, "benefit": Benefit._meta.db_table,
            "division": "places_division"}


# Step one: one row per child under 18 on %(today)s (of a range of ids), with its age, the
# categories it holds and the parents away. The three tables are read in the children's id
# order and merged (their indexes give that order; the categories' from the index alone), not
# hashed: a hash of ten million children would be built again by every parallel worker. A
# child's age is y or y - 1 where y is the difference of the years: y - 1 when the y-th
# birthday (born + y years, clamped to the month's end like rules.dates.add_months) is still
# ahead.
_KIDS = """
WITH held AS (SELECT child_id, array_agg(category::text) AS categories,
                     bool_or(category = ANY(%(policy)s)) AS in_policy
              FROM {category} WHERE until IS NULL{child_ids} GROUP BY child_id),
away AS (SELECT child_id, COUNT(DISTINCT parent_id) AS parents FROM {situation}
         WHERE kind = %(migrant_worker)s AND since IS NOT NULL
           AND since + make_interval(months => %(away_months)s) <= %(today)s
           AND (until IS NULL OR until > %(today)s){child_ids}
         GROUP BY child_id)
SELECT c.id, c.division_code AS place, c.sex, c.hukou_type, c.hukou_division_code,
       CASE WHEN c.date_of_birth + make_interval(years => y.n) > %(today)s THEN y.n - 1
            ELSE y.n END AS age,
       COALESCE(h.categories, '{{}}'::text[]) AS categories, COALESCE(h.in_policy, false)
       AS in_policy, COALESCE(a.parents, 0) AS parents
FROM {child} c
CROSS JOIN LATERAL (SELECT (EXTRACT(YEAR FROM %(today)s::date)
                            - EXTRACT(YEAR FROM c.date_of_birth))::int AS n) y
LEFT JOIN held h ON h.child_id = c.id LEFT JOIN away a ON a.child_id = c.id
WHERE c.date_of_birth <= %(today)s
  AND c.date_of_birth + make_interval(years => %(adult)s) > %(today)s{ids}
"""

_HUKOU_AREA = ("CASE k.hukou_type WHEN %(rural)s THEN 'R' WHEN %(urban)s THEN 'U' "
               "ELSE '?' END")

# Step two, from those rows: each child's rows (category, area) unnested from the categories it
# holds (the village's area) and the census counts it is in (its hukou's area), each keyed by
# one integer whose order is the primary key's: the place's twelve digits, then the rank in byte
# order (as the rollup's keys compare) of the category, of the sex, the age, the rank of the
# area (see ``_KEY``). The rows are sorted and grouped on that integer and only the groups turned
# back into the columns: at 10 M children, a part of 0.95 M children took 10.1 s against 20.9 s
# sorting on the five text columns.
_CHILDREN = """
WITH counted AS (
    SELECT k.place, k.sex, k.age,
           CASE left(COALESCE(d.urban_rural, ''), 1) WHEN '1' THEN 'U' WHEN '2' THEN 'R'
                ELSE '?' END AS area,
           {hukou_area} AS hukou_area,
           ARRAY[%(all)s::text]
           || CASE WHEN k.in_policy THEN ARRAY[%(any)s::text] ELSE '{{}}'::text[] END
           || k.categories AS categories,
           CASE WHEN k.parents >= 1 THEN ARRAY[%(affected)s::text] ELSE '{{}}'::text[] END
           || CASE WHEN k.parents >= 2 THEN ARRAY[%(both_away)s::text] ELSE '{{}}'::text[] END
           || CASE WHEN COALESCE(k.hukou_division_code, '') <> ''
                    AND left(k.hukou_division_code, 9) <> left(k.place, 9)
                   THEN ARRAY[%(migrant)s::text] ELSE '{{}}'::text[] END AS census
    FROM {kids} k LEFT JOIN {division} d ON d.code = k.place),
keyed AS (
    SELECT {key} AS key
    FROM counted c CROSS JOIN LATERAL (
        SELECT x, c.area FROM unnest(c.categories) x
        UNION ALL SELECT x, c.hukou_area FROM unnest(c.census) x) u (category, area))
SELECT {columns}
FROM (SELECT key, COUNT(*) AS n FROM keyed GROUP BY key) g
"""
# The fields of step two's key below the place, from the lowest bit: (name, bits, value); a
# rank counts from 1 in the field's values listed by ``_ranks``. The place takes the 40 bits
# above them (twelve digits < 2**40): the key stays below 2**63.
_KEY = (("area", 2, "array_position(%(area)s::text[], u.area)"),
        ("age", 5, "c.age"),
        ("sex", 2, "array_position(%(sex)s::text[], c.sex::text)"),
        ("category", 14, "array_position(%(category)s::text[], u.category)"))
_PLACE = sum(bits for _name, bits, _value in _KEY)  # the bit where the place's digits start
_AREAS = ("?", "R", "U")


def _key() -> tuple[str, tuple[str, ...]]:
    """SQL: step two's key of a row, and the columns (code, category, sex, age, area) read
    back from it (``key``)."""
    shifts = list(accumulate((bits for _name, bits, _value in _KEY), initial=0))
    terms = [f"(({value})::bigint << {shift})"
             for (_name, _bits, value), shift in zip(_KEY, shifts, strict=False)]
    fields = {name: f"((key >> {shift}) & {2 ** bits - 1})"
              for (name, bits, _value), shift in zip(_KEY, shifts, strict=False)}
    back = {name: field if name == "age" else f"(%({name})s::text[])[{field}::int]"
            for name, field in fields.items()}
    code = f"lpad((key >> {_PLACE})::text, {CODE_LENGTH}, '0')"
    return (" | ".join([*terms, f"(c.place::bigint << {_PLACE})"]),
            (code, back["category"], back["sex"], back["age"], back["area"]))


# The children holding a category that entitles to an allowance, from step one's rows, grouped
# by place, the entitling categories held (all that ``entitlements`` reads) and the allowances
# paid.
_HOLDINGS = """
SELECT k.place, ARRAY(SELECT x FROM unnest(k.categories) x WHERE x = ANY(%(entitling)s)
                      ORDER BY x), COALESCE(p.kinds, '{{}}'), COUNT(*)
FROM {kids} k
LEFT JOIN (SELECT child_id, array_agg(kind ORDER BY kind) AS kinds FROM {benefit}
           WHERE status = %(paying)s{child_ids} GROUP BY child_id) p ON p.child_id = k.id
WHERE k.categories && %(entitling)s::text[]
GROUP BY 1, 2, 3
"""


def _labels() -> dict:
    """The parameters of step two: the categories it adds and the hukou types it reads."""
    return {"all": ALL, "any": ANY, "affected": CENSUS_AFFECTED, "both_away": CENSUS_BOTH_AWAY,
            "migrant": CENSUS_MIGRANT, "rural": HukouType.RURAL.value,
            "urban": HukouType.URBAN.value}


def _params(today: date) -> dict:
    return {**_labels(), "today": today, "adult": ADULT, "policy": sorted(POLICY_CATEGORIES),
            "migrant_worker": SituationKind.MIGRANT_WORKER.value,
            "away_months": CENSUS_AWAY_MONTHS, "paying": BenefitStatus.PAYING.value}


def begin(tables) -> dict:
    """Start a rebuild beside the live tables: lock them against writers and other rebuilds
    (readers go on), give this transaction the memory for its big sorts and hashes, and create
    an empty unindexed copy of each (of a partitioned table, an empty partitioned table with
    its primary key, to which ``attach`` adds the parts). Returns {table: the copy's name}."""
    into = {}
    with connection.cursor() as cursor:
        _work_memory(cursor)
        for table in tables:
            name = f"{table.name}{REBUILT}"
            cursor.execute(f"LOCK TABLE {table.name} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
            parted = " PARTITION BY RANGE (code)" if _partitioned(cursor, table.name) else ""
            cursor.execute(f"CREATE TABLE {name} (LIKE {table.name} INCLUDING DEFAULTS "
                           f"INCLUDING CONSTRAINTS){parted}")
            if parted:
                cursor.execute(f"ALTER TABLE {name} ADD CONSTRAINT {name}_pk PRIMARY KEY "
                               f"({', '.join(table.key)})")
            into[table] = name
    return into


def _work_memory(cursor) -> None:
    for name in ("work_mem", "maintenance_work_mem"):  # the sorts, hashes, index builds
        cursor.execute("SELECT set_config(%s, %s, true)",
                       [name, settings.EVERYCHILD_ROLLUP_WORK_MEM])


def _partitioned(cursor, table: str) -> bool:
    cursor.execute("SELECT relkind = 'p' FROM pg_class WHERE oid = %s::regclass", [table])
    return cursor.fetchone()[0]


def key(into: dict) -> None:
    """The primary key of each plain copy, once it is filled (one sort, not an insert at a
    time; a partitioned copy has its key already)."""
    with connection.cursor() as cursor:
        for table, name in into.items():
            if not _partitioned(cursor, name):
                cursor.execute(f"ALTER TABLE {name} ADD CONSTRAINT {name}_pk PRIMARY KEY "
                               f"({', '.join(table.key)})")


def swap(into: dict) -> None:
    """Put each copy, keyed, in the live table's place, under the live table's name and its
    primary key's name; the parts of a partitioned copy take the live parts' names."""
    with connection.cursor() as cursor:
        for table, name in into.items():
            cursor.execute("SELECT conname FROM pg_constraint WHERE contype = 'p' "
                           "AND conrelid = %s::regclass", [table.name])
            (key_name,) = cursor.fetchone()
            parted = _partitioned(cursor, name)
            cursor.execute(f"DROP TABLE {table.name}")
            cursor.execute(f"ALTER TABLE {name} RENAME TO {table.name}")
            cursor.execute(f"ALTER TABLE {table.name} RENAME CONSTRAINT {name}_pk TO {key_name}")
            if parted:
                cursor.execute("SELECT inhrelid::regclass::text FROM pg_inherits "
                               "WHERE inhparent = %s::regclass ORDER BY 1", [table.name])
                for (part,) in cursor.fetchall():
                    live = table.name + part.removeprefix(name)
                    cursor.execute(f"ALTER TABLE {part} RENAME TO {live}")
                    for old, new in (("_pk", "_pkey"), ("_in", "_in")):
                        cursor.execute(f"ALTER TABLE {live} RENAME CONSTRAINT {part}{old} TO "
                                       f"{live}{new}")
            cursor.execute(f"ANALYZE {table.name}")


# --- the children, a range of ids, then of provinces, at a time ------------------------------

@dataclass(frozen=True)
class Part:
    """The places whose code falls in [low, high) (province prefixes; None: no bound): one
    partition of the children rollup and of its margins, counted on a connection of its own."""

    index: int
    low: str | None
    high: str | None

    def __post_init__(self) -> None:
        if not all(bound is None or bound.isdigit() for bound in (self.low, self.high)):
            raise ValueError("a part is bounded by division code prefixes")

    def name(self, table: str) -> str:
        return f"{table}_p{self.index}"

    def within(self, column: str = "division_code", collate: str = ' COLLATE "C"') -> str:
        """SQL: `` AND`` the column (a division code) in the part, compared in byte order
        (a rollup's code compares so already: ``collate=""``)."""
        return "".join(f" AND {column}{collate} {op} '{bound}'"
                       for op, bound in ((">=", self.low), ("<", self.high)) if bound)

    def bounds(self) -> str:
        """SQL: the part's FOR VALUES of a partition by range of code."""
        low, high = (f"'{bound}'" if bound else edge
                     for bound, edge in ((self.low, "MINVALUE"), (self.high, "MAXVALUE")))
        return f"FROM ({low}) TO ({high})"


def parts(connections: int) -> list[Part]:
    """Parts of the provinces in code order, of about as many children each by the rollup's
    own province totals (before there are any, as many villages each: where children live):
    one per connection, or more where the registry holds more than
    ``EVERYCHILD_ROLLUP_PART_CHILDREN`` children per connection, so that each part's sorts
    stay in memory (the parts then queue for the connections)."""
    provinces = sorted(code[:2] for code in Division.objects.filter(level=Level.PROVINCE)
                       .values_list("code", flat=True))
    count = min(max(connections, -(-_registered() // settings.EVERYCHILD_ROLLUP_PART_CHILDREN)),
                len(provinces))
    if count < 2:
        return [Part(0, None, None)]
    totals = {code[:2]: n for code, n in ChildCount.objects.filter(
        level=Level.PROVINCE, category=ALL).values_list("code").annotate(n=Sum("n"))}
    if not totals:
        totals = dict(Division.objects.filter(level=Level.VILLAGE).annotate(
            prefix=Substr("code", 1, 2)).values_list("prefix").annotate(n=Count("code")))
    before = [0, *accumulate(1 + totals.get(prefix, 0) for prefix in provinces)]
    starts = [0]
    for k in range(1, count):  # the k-th part starts where the children before come nearest
        target = before[-1] * k / count  # k / count of them, leaving a province for each after
        starts.append(min(range(starts[-1] + 1, len(provinces) - count + k + 1),
                          key=lambda i: abs(before[i] - target)))
    bounds = [None, *(provinces[i] for i in starts[1:]), None]
    return [Part(i, bounds[i], bounds[i + 1]) for i in range(count)]


def _registered() -> int:
    """The children in the registry as the planner last counted them (no scan)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                       [Child._meta.db_table])
        return max(cursor.fetchone()[0], 0)


@dataclass(frozen=True)
class Counted:
    """The children's parts and each part's (children rows, margin rows)."""

    parts: list[Part]
    sizes: list[tuple[int, int]]


@dataclass(frozen=True)
class Counting:
    """The children's count under way: ``holdings()`` waits for the rows per child and returns
    the rows of allowance holdings (``write_holdings``); ``counted()`` waits for the parts."""

    holdings: Callable[[], list[tuple]]
    counted: Callable[[], Counted]


@contextmanager
def children_counted(today: date, counts: str, margins: str,
                     connections: int) -> Iterator[Counting]:
    """Count the children rollup's rows of every place up to the provinces and their margins
    in two steps: the rows per child (``write_kids``) a range of ids at a time, then a part
    of the provinces at a time (``parts``) from those, into tables of the part's own that
    ``attach`` makes partitions of ``counts`` and ``margins``.

    With more than one connection, the ranges and then the parts are counted on that many
    connections of their own while the caller goes on: the ranges each in a transaction that
    reads the snapshot of this one (so this one must not have written what they count), the
    parts from the ranges' committed tables; the block does not end before they have. With
    one, all on this connection, before the block begins."""
    chosen = parts(connections)
    if connections < 2:
        with connection.cursor() as cursor:
            kids = [f"{counts}_kids0"]
            holdings = write_kids(cursor, today=today, name=kids[0], ids=(None, None),
                                  into=chosen)
            ranked = held_ranks(cursor)
            sizes = [_count_part(part, kids, counts, margins, ranked, cursor)
                     for part in chosen]
            cursor.execute(f"DROP TABLE {kids[0]}")
        yield Counting(lambda: holdings, lambda: Counted(chosen, sizes))
        return
    with connection.cursor() as cursor:  # the categories held as the snapshot has them
        cursor.execute(f"SELECT pg_export_snapshot(), ({_HELD.format(**_tables())})")
        snapshot, held = cursor.fetchone()
    ranked = ranks(held)
    ranges = id_ranges(connections)
    kids = [f"{counts}_kids{i}" for i in range(len(ranges))]
    with ThreadPoolExecutor(connections) as pool:  # waits for every job, even on an error
        rows = [pool.submit(_on_own, partial(write_kids, today=today, name=name, ids=ids,
                                             into=chosen), snapshot)
                for name, ids in zip(kids, ranges, strict=True)]
        done = [pool.submit(_on_own, partial(_count_part, part, kids, counts, margins, ranked,
                                             alone=True), after=rows) for part in chosen]
        yield Counting(lambda: [row for future in rows for row in future.result()],
                       lambda: Counted(chosen, [future.result() for future in done]))
    drop(kids)


def id_ranges(count: int) -> list[tuple[str | None, str | None]]:
    """About ``count`` ranges of the children's ids of about as many children each, read off
    the planner's histogram of the ids (one range without it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT histogram_bounds::text::uuid[] FROM pg_stats WHERE schemaname = "
                       "current_schema() AND tablename = %s AND attname = 'id'",
                       [Child._meta.db_table])
        found = cursor.fetchone()
    bounds = found[0] if found and found[0] else []
    cuts = sorted({str(bounds[len(bounds) * k // count]) for k in range(1, count)} if bounds
                  else set())
    edges = [None, *cuts, None]
    return list(zip(edges, edges[1:], strict=False))


def _on_own(job, snapshot: str | None = None, after: Sequence[Future] = ()):
    """``job(cursor)`` on this thread's own connection, once the jobs ``after`` are done
    (and raised nothing), in a transaction that sees what ``snapshot`` saw (or what was
    committed) and commits what the job wrote."""
    try:
        for future in after:
            future.result()
        with transaction.atomic(), connection.cursor() as cursor:
            if snapshot:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
            return job(cursor)
    finally:
        connection.close()


def scratch(counts: str, margins: str) -> list[str]:
    """Every table that counting into ``counts`` and ``margins`` on connections of their own
    may have left behind (their names begin so; a failed rebuild drops them: they were
    committed)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relnamespace = current_schema()::"
                       "regnamespace AND relkind IN ('r', 'p') AND (starts_with(relname, %s) "
                       "OR starts_with(relname, %s)) ORDER BY 1", [f"{counts}_", f"{margins}_"])
        return [name for (name,) in cursor.fetchall()]


def drop(names: list[str]) -> None:
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"DROP TABLE IF EXISTS {name}")


def _count_part(part: Part, kids: list[str], counts: str, margins: str,
                ranked: dict[str, list[str]], cursor, alone: bool = False) -> tuple[int, int]:
    """One part's tables from the rows per child in ``kids``: its village rows (a scratch
    table), the levels above up to the provinces and their margins, each table with the live
    table's constraints, its primary key and a CHECK that its codes are in the part (so that
    attaching it reads nothing); returns the rows of each. On a connection of its own
    (``alone``), in one process: the parts beside it use the other cores (measured at 10 M
    children on two cores, 353 s against 399 s with parallel workers in each part)."""
    from everychild.insights.rollups import MARGINS, TABLES

    mine, margins_mine = part.name(counts), part.name(margins)
    villages = f"{mine}_villages"
    _work_memory(cursor)
    if alone:
        for name in ("max_parallel_workers_per_gather", "max_parallel_maintenance_workers"):
            cursor.execute("SELECT set_config(%s, '0', true)", [name])
    cursor.execute(f"DROP TABLE IF EXISTS {mine}, {margins_mine}, {villages}, {villages}_levels, "
                   f"{villages}_upper")
    write_children(cursor, villages, kids, part, ranked)
    cursor.execute(f"CREATE TABLE {margins_mine} (LIKE {ChildMargin._meta.db_table} "
                   "INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    rows = sum_children(cursor, villages, mine, margins_mine, ranked, top=Level.PROVINCE)
    cursor.execute(f"DROP TABLE {villages}")
    cursor.execute(f"SELECT count(*) FROM {margins_mine}")  # noqa: S608 - our table's name
    margin_rows = cursor.fetchone()[0]
    within = part.within("code", collate="").removeprefix(" AND ") or "true"
    for name, table in ((mine, TABLES["children"]), (margins_mine, MARGINS)):
        keys = (f"ADD CONSTRAINT {name}_in CHECK ({within})",
                f"ADD CONSTRAINT {name}_pk PRIMARY KEY ({', '.join(table.key)})")
        if name == mine:  # created by CREATE TABLE AS: without the live table's constraints
            _constrain(cursor, table.name, name, *keys)
        else:
            cursor.execute(f"ALTER TABLE {name} {', '.join(keys)}")
    return rows, margin_rows


def attach(counts: str, margins: str, counted: Counted) -> tuple[int, int]:
    """Make the parts' tables the partitions of the copies, then sum the nation's rows and
    margins from the provinces'. Returns the rows of each copy (counted, not scanned)."""
    from everychild.insights.rollups import TABLES, _sum_levels, _sum_margins

    with connection.cursor() as cursor:
        for part in counted.parts:
            for table in (counts, margins):
                cursor.execute(f"ALTER TABLE {table} ATTACH PARTITION {part.name(table)} "
                               f"FOR VALUES {part.bounds()}")
        _sum_levels(TABLES["children"], counts, by_level=False, levels=[Level.NATION])
        _sum_margins(counts, margins, above=Level.PROVINCE)
        nation = []
        for table in (counts, margins):  # the nation's rows: on the key's first column
            cursor.execute(f"SELECT count(*) FROM {table} WHERE level = {Level.NATION}")  # noqa: S608
            nation.append(cursor.fetchone()[0])
    rows, margin_rows = (sum(column) for column in zip(*counted.sizes, strict=True))
    return rows + nation[0], margin_rows + nation[1]


def write_holdings(rows: list[tuple], today: date, states: str) -> None:
    """The base rows of children entitled to an allowance and not receiving it, from the
    holdings the parts found."""
    missing = _missing(rows, today)
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {states} (level, code, measure, key, n) FROM STDIN") as copy:
        for (place, kind), n in sorted(missing.items()):
            copy.write_row((BASE, place, "children.entitled_not_receiving", kind, n))


def write_kids(cursor, today: date, name: str, ids: tuple[str | None, str | None],
               into: Sequence[Part] = ()) -> list[tuple]:
    """Step one for the children whose id is in [ids[0], ids[1]) (None: no bound): their rows
    into the table ``name``, partitioned by place ``into`` the parts (an unlogged table each,
    so that a part reads its own children only). Returns their allowance holdings (place,
    entitling categories held, allowances paid, children)."""
    params = {**_params(today), "entitling": _entitling(today)}
    names = {**_tables(), "kids": name, "ids": _between("c.id", ids),
             "child_ids": _between("child_id", ids)}
    _work_memory(cursor)
    cursor.execute(f"DROP TABLE IF EXISTS {name}, {name}_shape")
    kids = _KIDS.format(**names)
    if len(into) > 1:
        cursor.execute(f"CREATE UNLOGGED TABLE {name}_shape AS {kids} WITH NO DATA", params)
        cursor.execute(f"CREATE TABLE {name} (LIKE {name}_shape) "
                       "PARTITION BY RANGE (place COLLATE \"C\")")
        cursor.execute(f"DROP TABLE {name}_shape")
        for part in into:
            cursor.execute(f"CREATE UNLOGGED TABLE {part.name(name)} PARTITION OF {name} "
                           f"FOR VALUES {part.bounds()}")
        _planned(cursor, _MERGED, f"INSERT INTO {name} {kids}", params)
    else:
        _planned(cursor, _MERGED, f"CREATE UNLOGGED TABLE {name} AS {kids}", params)
    cursor.execute(_HOLDINGS.format(**names), params)
    holdings = cursor.fetchall()
    cursor.execute(f"ANALYZE {name}")
    return holdings


def _between(column: str, ids: tuple[str | None, str | None]) -> str:
    """SQL: `` AND`` the column (a child's id) in [ids[0], ids[1])."""
    return "".join(f" AND {column} {op} '{UUID(bound)}'"
                   for op, bound in ((">=", ids[0]), ("<", ids[1])) if bound)


def write_children(cursor, villages: str, kids: list[str], part: Part,
                   ranked: dict[str, list[str]]) -> None:
    """Step two for the part's places, from the rows per child in the tables ``kids``: the
    village rows, in the primary key's order, created by one statement as the unlogged table
    ``villages`` with the live table's columns and the rows' integer ``key``; ``ranked``:
    ``ranks`` of every value the children hold."""
    rows = " UNION ALL ".join(f"SELECT * FROM {name} WHERE true{part.within('place')}"  # noqa: S608
                              for name in kids)
    key, back = _key()
    select = _CHILDREN.format(hukou_area=_HUKOU_AREA, key=key,
                              columns=f"{_typed(ChildCount, (*back, 'n'))}, key",
                              **{**_tables(), "kids": f"({rows})"})
    _planned(cursor, _SORTED, f"CREATE UNLOGGED TABLE {villages} AS {select}",
             {**_labels(), **ranked})
    cursor.execute(f"ANALYZE {villages}")  # a new table: the sums' plans need its figures


# Every category a child has held, read off the index on the registry's categories one
# category at a time (a probe each, not a scan).
_HELD = """
WITH RECURSIVE held (category) AS (
    (SELECT category FROM {category} ORDER BY category LIMIT 1)
    UNION ALL
    SELECT (SELECT category FROM {category} WHERE category > h.category ORDER BY category
            LIMIT 1) FROM held h WHERE h.category IS NOT NULL)
SELECT ARRAY(SELECT category::text FROM held WHERE category IS NOT NULL)
"""


def ranks(held: Iterable[str]) -> dict[str, list[str]]:
    """The values of each field of step two's key that holds a rank, in byte order: the
    categories ``held`` and those the rollup adds, the sexes, the areas."""
    labels = _labels()
    added = (labels[name] for name in ("all", "any", "affected", "both_away", "migrant"))
    found = {name: sorted(set(values), key=str.encode) for name, values in
             (("category", [*held, *added]), ("sex", Sex.values), ("area", _AREAS))}
    room = {name: bits for name, bits, _value in _KEY}
    if ADULT >= 2 ** room["age"] or any(len(found[name]) >= 2 ** room[name] for name in found):
        raise ValueError("more values than the rollup rebuild's key holds")
    return found


def held_ranks(cursor) -> dict[str, list[str]]:
    """``ranks`` of the categories the registry holds now."""
    cursor.execute(f"SELECT ({_HELD.format(**_tables())})")
    return ranks(cursor.fetchone()[0])


def _planned(cursor, plan: dict[str, str], sql: str, params: dict) -> None:
    """Run ``sql`` under the planner settings ``plan``, then put them back."""
    before = {}
    for name, value in plan.items():
        cursor.execute("SELECT current_setting(%s), set_config(%s, %s, true)",
                       [name, name, value])
        before[name] = cursor.fetchone()[0]
    cursor.execute(sql, params)
    for name, value in before.items():
        cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


# The margins' GROUPING SETS (sex), (band), (area), (): the key of each.
MARGIN_SETS = "(sex), (band), (area), ()"
MARGIN_KEY = ("CASE WHEN GROUPING(sex) = 0 THEN 'sex:' || sex WHEN GROUPING(band) = 0 THEN band "
              "WHEN GROUPING(area) = 0 THEN 'area:' || area ELSE 'total' END COLLATE \"C\"")


def sum_children(cursor, villages: str, counts: str, margins: str, ranked: dict[str, list[str]],
                 top: int = Level.NATION) -> int:
    """The children rows of every level above the villages up to ``top`` and their margins:
    the townships' rows from the village rows of ``villages`` (``write_children``), summed on
    their integer keys with the village's digits cleared, so that they too come out in the
    primary key's order; the townships' margins from their rows; the counties' rows from the
    townships' into a small table, the levels above summed there level by level, the counties'
    margins from the counties' rows and those above from them. Then the table ``counts`` of
    every level's rows, created in the primary key's order (level by level, each in code
    order), so that building the key sorts rows already in order; returns its rows."""
    from everychild.insights.rollups import TABLES, _sum_levels, _sum_margins, code_sql

    townships, upper = f"{villages}_levels", f"{villages}_upper"
    county = BASE - 2
    back = _key()[1]
    digits = 10 ** (CODE_LENGTH - PREFIX_LENGTH[Level.TOWNSHIP])  # the village's, cleared
    township = (f"((((key >> {_PLACE}) / {digits}) * {digits}) << {_PLACE}) "
                f"| (key & {2 ** _PLACE - 1})")
    _planned(cursor, _SORTED, f"CREATE UNLOGGED TABLE {townships} AS SELECT "  # noqa: S608
             f"{_typed(ChildCount, (*back, 'n'), level=BASE - 1)} FROM (SELECT {township} AS "
             f"key, SUM(n) AS n FROM {villages} GROUP BY 1) g", ranked)
    cursor.execute(f"ANALYZE {townships}")
    cursor.execute(f"INSERT INTO {margins} (level, code, category, key, n) "
                   f"{_margins(townships, BASE - 1)}")
    code = code_sql(county)
    columns = _typed(ChildCount, (code, "category", "sex", "age", "area", "SUM(n)"),
                     level=county)
    cursor.execute(f"CREATE UNLOGGED TABLE {upper} AS SELECT {columns} "  # noqa: S608
                   f"FROM {townships} GROUP BY {code}, category, sex, age, area")
    cursor.execute(f"ANALYZE {upper}")
    _sum_levels(TABLES["children"], upper, by_level=False, levels=range(county - 1, top - 1, -1))
    cursor.execute(f"INSERT INTO {margins} (level, code, category, key, n) "
                   f"{_margins(upper, county)}")
    _sum_margins(upper, margins, above=county, top=top)
    key = ", ".join(TABLES["children"].key)
    cursor.execute(f"CREATE TABLE {counts} AS SELECT * FROM "  # noqa: S608
                   f"(SELECT * FROM {upper} ORDER BY {key}) u UNION ALL SELECT * FROM {townships} "
                   f"UNION ALL SELECT {key}, n FROM {villages}")
    rows = cursor.rowcount
    cursor.execute(f"DROP TABLE {townships}, {upper}")
    return rows


def _margins(rows: str, level: int) -> str:
    """SQL: (level, code, category, key, n) of the margins of the children rows of ``rows`` at
    ``level``, every margin in one pass (PostgreSQL hashes them)."""
    from everychild.insights.rollups import band_sql

    return (f"SELECT {level}, code, category, {MARGIN_KEY}, SUM(n) FROM (SELECT code, "  # noqa: S608
            f"category, sex, {band_sql()} AS band, area, n FROM {rows} WHERE level = {level}) t "
            f"GROUP BY code, category, GROUPING SETS ({MARGIN_SETS})")


def _typed(model, values: tuple[str, ...], level: int | str = BASE) -> str:
    """SELECT items: ``level``, then ``values``, cast to the model's columns as the database
    has them (type and collation), under their names."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT a.attname, format_type(a.atttypid, a.atttypmod), co.collname "
                       "FROM pg_attribute a LEFT JOIN pg_collation co ON co.oid = a.attcollation "
                       "AND a.attcollation <> 0 WHERE a.attrelid = %s::regclass AND a.attnum > 0 "
                       "AND NOT a.attisdropped ORDER BY a.attnum", [model._meta.db_table])
        columns = cursor.fetchall()
    items = []
    for (name, kind, collation), value in zip(columns, (str(level), *values), strict=True):
        collate = f' COLLATE "{collation}"' if collation and collation != "default" else ""
        items.append(f"({value})::{kind}{collate} AS {name}")
    return ", ".join(items)


def _constrain(cursor, live: str, built: str, *more: str) -> None:
    """The live table's NOT NULLs and CHECK constraints (same names) and ``more`` (clauses
    of ALTER TABLE) on the table built, in one statement: one scan of it checks them all."""
    cursor.execute("SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass "
                   "AND attnum > 0 AND attnotnull AND NOT attisdropped", [live])
    parts = [f"ALTER COLUMN {name} SET NOT NULL" for (name,) in cursor.fetchall()]
    cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conrelid = %s::regclass AND contype = 'c'", [live])
    parts += [f"ADD CONSTRAINT {name} {definition}" for name, definition in cursor.fetchall()]
    parts += more
    if parts:
        cursor.execute(f"ALTER TABLE {built} {', '.join(parts)}")


def _entitling(today: date) -> list[str]:
    """Every category that entitles to an allowance under some province's rule in force."""
    found: set[str] = set()
    for code in Division.objects.filter(level=Level.PROVINCE).values_list("code", flat=True):
        found.update(entitling_categories(policy_for(code[:2], today)))
    return sorted(found)


def _missing(rows: list[tuple[str, list[str], list[str], int]], today: date) -> Counter:
    """(place, allowance) -> children entitled to it and not receiving it; "any" for either."""
    found: Counter = Counter()
    rules: dict[str, object] = {}
    known: dict[tuple, tuple[str, ...]] = {}
    for place, held, paid, n in rows:
        rule = rules.get(place[:2]) or rules.setdefault(place[:2], policy_for(place[:2], today))
        key = (id(rule), tuple(held), tuple(paid))
        if key not in known:
            known[key] = tuple(sorted(set(entitlements(held, rule)) - set(paid)))
        for kind in known[key]:
            found[place, kind] += n
        if known[key]:
            found[place, "any"] += n
    return found
