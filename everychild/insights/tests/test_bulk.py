"""On PostgreSQL, ``rollup rebuild`` counts the children inside the database (insights.bulk):
it must find exactly the base rows that ``sources.children`` finds in Python, on the days where
the readings of the rules could part — a 29 February birthday in a common year, the 18th
birthday, a parent away exactly half a year from a month's last day, a situation ending today,
an urban, a rural and an unknown village, a hukou elsewhere, allowances paid and not."""

from dataclasses import replace
from datetime import date

import pytest
from django.db import connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from everychild.insights import bulk
from everychild.insights.models import ChildCount, StateCount
from everychild.insights.sources import CHILDREN, STATES, Places, children
from everychild.places.models import Division
from everychild.registry.models import Child, ChildCategory, ParentSituation
from everychild.registry.services import register_child
from everychild.registry.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    OTHER_VILLAGE_SAME_TOWNSHIP,
    VILLAGE,
    left_behind,
)
from everychild.services.models import Benefit, BenefitStatus

pytestmark = pytest.mark.skipif("connection.vendor != 'postgresql'")

REGISTERED = date(2026, 6, 1)
DAYS = (date(2026, 2, 28), date(2026, 3, 1), date(2026, 8, 31), date(2027, 2, 27),
        date(2027, 2, 28), date(2027, 3, 1), date(2028, 2, 28), date(2028, 2, 29),
        date(2028, 7, 9), date(2028, 7, 10))
VILLAGES = (VILLAGE, OTHER_VILLAGE_SAME_TOWNSHIP, OTHER_COUNTY_VILLAGE)


@pytest.fixture
def world(make_actor):
    """Six children whose facts sit on the edges above."""
    actors = {v: make_actor("child_director", v) for v in VILLAGES}
    born = (date(2008, 2, 29), date(2010, 7, 10), date(2012, 2, 29), date(2015, 3, 1),
            date(2020, 8, 31), date(2024, 1, 5))
    for i, day in enumerate(born):
        village = VILLAGES[i % 3]
        registration = left_behind(name=f"张{'一二三四五六'[i]}", village=village,
                                   born=date(2012, 1, i + 1))  # the real one set below
        sex = "female" if i % 2 else "male"
        hukou = ("rural", "urban", "none", "unknown", "rural", "urban")[i]
        registration = replace(registration, input=replace(
            registration.input, sex=sex, hukou_type=hukou,
            hukou_division_code=(OTHER_COUNTY_VILLAGE if i == 3 else "")))
        child = register_child(actors[village], registration, today=REGISTERED)
        Child.objects.filter(pk=child.pk).update(date_of_birth=day)
    Division.objects.filter(code=VILLAGE).update(urban_rural="111")
    Division.objects.filter(code=OTHER_VILLAGE_SAME_TOWNSHIP).update(urban_rural="")
    Division.objects.filter(code=OTHER_COUNTY_VILLAGE).update(urban_rural="220")
    kids = list(Child.objects.order_by("date_of_birth"))
    situations = list(ParentSituation.objects.order_by("child__date_of_birth", "id"))
    # Away from a month's last day (half a year ends on the last day of February), one parent
    # back since 2027-03-01, one whose start is not known, one away since the day of the count.
    ParentSituation.objects.filter(pk=situations[0].pk).update(since=date(2026, 8, 31))
    ParentSituation.objects.filter(pk=situations[1].pk).update(until=date(2027, 3, 1))
    ParentSituation.objects.filter(pk=situations[2].pk).update(since=None)
    ParentSituation.objects.filter(pk=situations[4].pk).update(since=date(2027, 8, 31))
    for kid, category in ((kids[0], "orphan"), (kids[1], "de_facto_unsupported"),
                          (kids[2], "orphan"), (kids[2], "de_facto_unsupported")):
        ChildCategory.objects.create(child=kid, division_code=kid.division_code,
                                     category=category, rule_version="1", since=REGISTERED)
    ChildCategory.objects.create(child=kids[3], division_code=kids[3].division_code,
                                 category="orphan", rule_version="1", since=REGISTERED,
                                 until=REGISTERED)  # no longer held
    Benefit.objects.create(child=kids[0], division_code=kids[0].division_code,
                           kind="orphan_allowance", status=BenefitStatus.PAYING,
                           updated_by=kids[0].registered_by)
    Benefit.objects.create(child=kids[1], division_code=kids[1].division_code,
                           kind="de_facto_allowance", status=BenefitStatus.APPLIED,
                           updated_by=kids[1].registered_by)
    return kids


EVERYWHERE = bulk.Part(0, None, None)


def in_database(today: date, part: bulk.Part = EVERYWHERE, ranges: tuple = ((None, None),)
                ) -> dict[str, dict[str, dict[tuple, tuple]]]:
    """What insights.bulk writes from the rows per child of these ranges of ids, for the
    part's places (the village rows into a table of their own, the allowance states of every
    place into the live table here), read back, then rolled back."""
    found: dict = {CHILDREN: {}, STATES: {}}
    with transaction.atomic(), connection.cursor() as cursor:
        StateCount.objects.all().delete()
        kids = [f"kids{i}" for i in range(len(ranges))]
        holdings = [row for name, ids in zip(kids, ranges, strict=True)
                    for row in bulk.write_kids(cursor, today, name, ids)]
        bulk.write_children(cursor, "counted", kids, part, bulk.held_ranks(cursor))
        bulk.write_holdings(holdings, today, StateCount._meta.db_table)
        cursor.execute("SELECT level, code, category, sex, age, area, n FROM counted")
        for level, code, *key, n in cursor.fetchall():
            assert level == 5
            found[CHILDREN].setdefault(code, {})[tuple(key)] = (n,)
        for code, measure, key, n in StateCount.objects.filter(level=5).values_list(
                "code", "measure", "key", "n"):
            assert measure == "children.entitled_not_receiving"
            found[STATES].setdefault(code, {})[("entitled_not_receiving", key)] = (n,)
        transaction.set_rollback(True)
    return found


@pytest.mark.parametrize("today", DAYS)
def test_the_database_counts_as_python_does(world, today):
    assert connection.vendor == "postgresql"
    expected = children(Places(codes=VILLAGES), today)
    got = in_database(today)
    assert got[CHILDREN] == expected.get(CHILDREN, {})
    assert got[STATES] == expected.get(STATES, {})


def test_a_part_counts_the_places_of_its_provinces(world):
    """Split at Shaanxi (61): Yunnan's village on one side, Shaanxi's two on the other, each
    with all its rows."""
    whole = in_database(DAYS[5])[CHILDREN]
    below, above = (in_database(DAYS[5], part)[CHILDREN]
                    for part in (bulk.Part(0, None, "61"), bulk.Part(1, "61", None)))
    assert set(below) == {OTHER_COUNTY_VILLAGE}
    assert set(above) == {VILLAGE, OTHER_VILLAGE_SAME_TOWNSHIP}
    assert below | above == whole


def test_before_any_rollup_the_parts_weigh_the_provinces_by_their_villages(demo_places):
    """With no rollup rows yet, two provinces without villages in front of the demo's Yunnan
    (53: 77 villages) and Shaanxi (61: 287) go with Yunnan: by villages, not by provinces
    (which would split two and two, at 53). Once counted, the children weigh instead."""
    for code, name in (("110000000000", "北京市"), ("120000000000", "天津市")):
        Division.objects.create(code=code, level=1, name=name)
    assert bulk.parts(2) == [bulk.Part(0, None, "61"), bulk.Part(1, "61", None)]
    ChildCount.objects.create(level=1, code="110000000000", category="all", sex="male", age=3,
                              area="U", n=1000)
    assert bulk.parts(2) == [bulk.Part(0, None, "12"), bulk.Part(1, "12", None)]


def test_ranges_of_ids_count_as_the_whole(world):
    """The rows per child written a range of ids at a time (split between the third and the
    fourth child, so each range holds children of two villages) count as all at once, their
    categories, parents away and allowances read by the same ranges."""
    ids = sorted(str(pk) for pk in Child.objects.values_list("pk", flat=True))
    split = ((None, ids[3]), (ids[3], None))
    assert in_database(DAYS[5], ranges=split) == in_database(DAYS[5])
    assert bulk.id_ranges(1) == [(None, None)]


def test_the_world_reaches_the_edges(world):
    """The days above do tell the readings apart: ages change, the census count changes,
    allowances are missed."""
    before, after = (children(Places(codes=VILLAGES), day) for day in DAYS[4:6])
    assert before[CHILDREN] != after[CHILDREN]
    found = children(Places(codes=VILLAGES), DAYS[0])
    assert any(key[0] == "census_affected_by_migration" for rows in found[CHILDREN].values()
               for key in rows)
    assert found[STATES]


def test_a_rebuild_leaves_the_tables_as_the_migrations_made_them(world):
    """The tables swapped in keep their columns (types, NOT NULL, byte-order keys), their
    checks and their primary keys' names; the children rollup and its margins stay partitioned
    by code, their parts covering every code, each with its own key."""
    from everychild.insights.rollups import rebuild

    def shape():
        with connection.cursor() as cursor:
            cursor.execute("SELECT conrelid::regclass::text, conname, contype FROM pg_constraint "
                           "JOIN pg_class r ON r.oid = conrelid WHERE NOT r.relispartition "
                           "AND r.relname LIKE 'insights_%%' ORDER BY 1, 2")
            constraints = cursor.fetchall()
            cursor.execute("SELECT table_name, column_name, collation_name, is_nullable, "
                           "data_type, character_maximum_length, ordinal_position "
                           "FROM information_schema.columns JOIN pg_class r ON r.relname = "
                           "table_name AND NOT r.relispartition WHERE table_name LIKE "
                           "'insights_%%' ORDER BY 1, 2")
            return constraints, cursor.fetchall()

    def parts():
        with connection.cursor() as cursor:
            cursor.execute("SELECT i.inhparent::regclass::text, pg_get_expr(r.relpartbound, "
                           "r.oid), (SELECT count(*) FROM pg_constraint k WHERE k.conrelid = "
                           "r.oid AND k.contype = 'p') FROM pg_inherits i JOIN pg_class r ON "
                           "r.oid = i.inhrelid WHERE r.relkind = 'r' ORDER BY 1, 2")
            return cursor.fetchall()

    before = shape()
    assert ("insights_childcount", "code", "C", "NO", "character varying", 12, 2) in before[1]
    whole = "FOR VALUES FROM (MINVALUE) TO (MAXVALUE)"
    assert parts() == [("insights_childcount", whole, 1), ("insights_childmargin", whole, 1)]
    rebuild(DAYS[0])
    assert shape() == before
    assert parts() == [("insights_childcount", whole, 1), ("insights_childmargin", whole, 1)]
    assert ChildCount.objects.filter(level=0, category="all").exists()


ROW = st.tuples(st.from_regex(r"[0-9]{12}", fullmatch=True),
                st.sampled_from(["orphan", "all", "any", "left_behind", "Zeta", "census_migrant"]),
                st.sampled_from(["male", "female"]), st.integers(0, 17),
                st.sampled_from(["U", "R", "?"]))


def test_the_key_of_step_two_reads_back_and_sorts_as_the_primary_key(db):
    """A village row's columns are read back whole from its integer key, and the keys sort as
    the rows do in byte order (the primary key's), whatever the codes and categories."""
    key, back = bulk._key()

    @settings(max_examples=40, deadline=None)
    @given(rows=st.lists(ROW, min_size=1, max_size=30))
    def check(rows):
        params = dict(bulk.ranks(sorted({row[1] for row in rows})))
        values = []
        for i, row in enumerate(rows):
            params.update({f"v{i}_{j}": value for j, value in enumerate(row)})
            values.append(f"(%(v{i}_0)s, %(v{i}_1)s, %(v{i}_2)s, %(v{i}_3)s::int, %(v{i}_4)s)")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(back)} FROM (SELECT {key} AS key FROM (VALUES "  # noqa: S608
                           f"{', '.join(values)}) c (place, category, sex, age, area) CROSS "
                           "JOIN LATERAL (SELECT c.category, c.area) u (category, area)) t "
                           "ORDER BY key", params)
            found = cursor.fetchall()
        assert found == sorted(rows, key=lambda row: tuple(
            value.encode() if isinstance(value, str) else value for value in row))

    check()


def test_the_ranks_are_in_byte_order_and_bounded():
    ranked = bulk.ranks(["orphan", "Zeta"])
    assert ranked["category"][:2] == ["Zeta", "all"]
    assert ranked["sex"] == ["female", "male"] and ranked["area"] == ["?", "R", "U"]
    with pytest.raises(ValueError, match="key holds"):
        bulk.ranks(f"c{i}" for i in range(2 ** 14))
