"""The rollups kept from the outbox equal a rebuild from scratch, and count what they should."""

from dataclasses import replace
from datetime import date

import pytest
import time_machine
from django.db import connection

from everychild.cases.tests.factories import NOW
from everychild.core.outbox import deliver
from everychild.insights.jobs import follow_the_clock
from everychild.insights.models import ChildCount, ChildMargin, EventCount, StateCount
from everychild.insights.rollups import rebuild, refresh
from everychild.registry.services import register_child
from everychild.registry.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    OTHER_VILLAGE_SAME_TOWNSHIP,
    VILLAGE,
    left_behind,
)
from everychild.registry.transfers import move_child

TODAY = NOW.date()
TABLES = (ChildCount, ChildMargin, EventCount, StateCount)


def snapshot() -> dict[str, set[tuple]]:
    return {model.__name__: {tuple(row) for row in model.objects.values_list()}
            for model in TABLES}


def children(level: int, code: str, category: str = "all", **where) -> int:
    rows = ChildCount.objects.filter(level=level, code=code, category=category, **where)
    return sum(rows.values_list("n", flat=True))


@pytest.fixture
def world(director, clock, make_actor):
    """Three children in two villages of one township and one of another county."""
    other = make_actor("child_director", OTHER_COUNTY_VILLAGE)
    register_child(director, left_behind(), today=TODAY)
    girl = left_behind(name="王芳", village=OTHER_VILLAGE_SAME_TOWNSHIP, born=date(2010, 7, 9))
    girl = replace(girl, input=replace(girl.input, sex="female"))
    register_child(make_actor("child_director", OTHER_VILLAGE_SAME_TOWNSHIP), girl, today=TODAY)
    register_child(other, left_behind(name="李强", village=OTHER_COUNTY_VILLAGE,
                                      born=date(2020, 1, 2)), today=TODAY)
    deliver()
    follow_the_clock(TODAY)  # the directors' posts


def test_counts_every_level(world):
    assert children(5, VILLAGE) == 1
    assert children(4, VILLAGE[:9] + "000") == 2
    assert children(3, "610723000000") == 2
    assert children(2, "610700000000") == 2
    assert children(1, "610000000000") == 2
    assert children(0, "000000000000") == 3
    assert children(0, "000000000000", sex="female") == 1
    assert children(4, VILLAGE[:9] + "000", "left_behind", age=10) == 1  # born 2015-03-01
    assert children(0, "000000000000", "any") == 3


def test_margins_sum_the_counts(world):
    margin = dict(ChildMargin.objects.filter(level=0, category="all").values_list("key", "n"))
    assert margin["total"] == 3
    assert margin["sex:male"] == 2 and margin["sex:female"] == 1
    assert margin["band:6-11"] == 1 and margin["band:12-14"] == 1 and margin["band:3-5"] == 1
    assert not ChildMargin.objects.filter(level=5).exists()


def test_rebuild_equals_incremental(world):
    incremental = snapshot()
    assert incremental["ChildCount"] and incremental["StateCount"]
    rebuild(TODAY)
    assert snapshot() == incremental


def test_rebuild_counts_townships_straight_under_a_prefecture(world, make_actor):
    """东莞 has no counties: its townships' codes carry a county part (441900) that no division
    has. A rebuild goes a prefix at a time and must still count their children."""
    from everychild.places.models import Division

    province = Division.objects.create(code="440000000000", level=1, name="广东省")
    city = Division.objects.create(code="441900000000", level=2, name="东莞市", parent=province)
    town = Division.objects.create(code="441900003000", level=4, name="东城街道", parent=city)
    village = Division.objects.create(code="441900003001", level=5, name="东城社区居委会",
                                      parent=town, urban_rural="111")
    register_child(make_actor("child_director", village.code),
                   left_behind(name="陈明", village=village.code, born=date(2016, 4, 3)),
                   today=TODAY)
    deliver()
    refresh([village.code], ["workforce"], TODAY)  # the clock's daily recount of the posts
    assert children(5, village.code) == 1 and children(2, city.code) == 1
    incremental = snapshot()
    rebuild(TODAY)
    assert snapshot() == incremental


def test_refresh_is_idempotent(world):
    before = snapshot()
    refresh([VILLAGE, OTHER_COUNTY_VILLAGE], today=TODAY)
    assert snapshot() == before


def test_a_move_counts_the_child_once(world, director, officer):
    from everychild.registry.models import Child

    child = Child.objects.get(division_code=VILLAGE)
    move_child(child, OTHER_VILLAGE_SAME_TOWNSHIP, officer, NOW)
    deliver()
    assert children(5, VILLAGE) == 0
    assert children(5, OTHER_VILLAGE_SAME_TOWNSHIP) == 2
    assert children(0, "000000000000") == 3
    moved = snapshot()
    rebuild(TODAY)
    assert snapshot() == moved


def test_birthdays_move_the_age_rows(world):
    """The girl born 2010-07-09 turns 15 on 2025-07-09; the clock job recounts her village."""
    birthday = date(2025, 7, 9)
    with time_machine.travel(birthday, tick=False):
        follow_the_clock(birthday)
        assert children(5, OTHER_VILLAGE_SAME_TOWNSHIP, "all", age=15) == 1
        assert children(5, OTHER_VILLAGE_SAME_TOWNSHIP, "all", age=14) == 0
        assert ChildMargin.objects.get(level=0, code="000000000000", category="all",
                                       key="band:15-17").n == 1
        aged = snapshot()
        rebuild(birthday)
        assert snapshot() == aged


def partitions() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT r.relname, pg_get_expr(r.relpartbound, r.oid) FROM pg_inherits i "
                       "JOIN pg_class r ON r.oid = i.inhrelid WHERE r.relkind = 'r' AND "
                       "i.inhparent = 'insights_childcount'::regclass ORDER BY 1")
        return cursor.fetchall()


def scratch_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relname LIKE 'insights%%rebuilt%%'")
        return [name for (name,) in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_rebuild_on_connections_of_its_own_equals_incremental(world, settings):
    """Outside any transaction, PostgreSQL counts the children on connections of their own,
    the rows per child a range of ids each, then a range of provinces each (Yunnan 53 and
    Shaanxi 61 here, one child each side at least), and attaches the provinces' ranges as
    partitions; the rows are those kept from the outbox all the same."""
    from everychild.insights import bulk

    settings.EVERYCHILD_ROLLUP_CONNECTIONS = 2
    if connection.vendor == "postgresql":  # the planner's histogram splits the ids in two
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE registry_child")
        assert len(bulk.id_ranges(2)) == 2
    incremental = snapshot()
    rows = rebuild(TODAY)
    assert snapshot() == incremental
    assert rows == {model._meta.db_table: model.objects.count() for model in TABLES}
    if connection.vendor == "postgresql":
        assert partitions() == [
            ("insights_childcount_p0", "FOR VALUES FROM (MINVALUE) TO ('61')"),
            ("insights_childcount_p1", "FOR VALUES FROM ('61') TO (MAXVALUE)")]
        assert not scratch_tables()
        rebuild(TODAY)  # the live parts' names are free for the next one
        assert snapshot() == incremental


@pytest.mark.django_db(transaction=True)
def test_more_parts_than_connections_take_them_in_turn(world, settings):
    """Where the registry holds more children than a part should (one each here), PostgreSQL
    cuts the provinces into more parts than there are connections, which count them in turn:
    an empty Beijing, Yunnan and Shaanxi, three parts on two connections. The rows are those
    kept from the outbox all the same (elsewhere the rebuild fills the tables in place)."""
    from everychild.insights import bulk
    from everychild.places.models import Division

    settings.EVERYCHILD_ROLLUP_CONNECTIONS = 2
    settings.EVERYCHILD_ROLLUP_PART_CHILDREN = 1
    Division.objects.create(code="110000000000", level=1, name="北京市")
    postgresql = connection.vendor == "postgresql"
    if postgresql:
        with connection.cursor() as cursor:  # the planner's count of the children: three
            cursor.execute("ANALYZE registry_child")
        assert len(bulk.parts(2)) == 3
    incremental = snapshot()
    rebuild(TODAY)
    assert snapshot() == incremental
    if postgresql:
        assert partitions() == [
            ("insights_childcount_p0", "FOR VALUES FROM (MINVALUE) TO ('53')"),
            ("insights_childcount_p1", "FOR VALUES FROM ('53') TO ('61')"),
            ("insights_childcount_p2", "FOR VALUES FROM ('61') TO (MAXVALUE)")]
        assert not scratch_tables()


@pytest.mark.django_db(transaction=True)
def test_a_failed_rebuild_leaves_the_live_tables_and_no_scratch(world, settings, monkeypatch):
    """The rebuild fails while the other sources are read. On PostgreSQL the children's
    connections have committed their tables by the time it gives up: it drops them. The live
    tables are as they were."""
    from everychild.insights import rollups

    def fail(*args):
        raise RuntimeError("the base rows could not be written")

    settings.EVERYCHILD_ROLLUP_CONNECTIONS = 2
    before = snapshot()
    live = partitions() if connection.vendor == "postgresql" else []
    monkeypatch.setattr(rollups, "_write_base", fail)
    with pytest.raises(RuntimeError):
        rebuild(TODAY)
    assert snapshot() == before
    if connection.vendor == "postgresql":
        assert partitions() == live and not scratch_tables()
