"""record(), record_list() and the tick's checkpoints."""

import threading
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from everychild.audit.chain import HASHED_FIELDS, canonical_time, clean_detail, event_hash
from everychild.audit.models import AuditEvent, ChainHead, Checkpoint
from everychild.audit.services import MAX_IDS_RECORDED, checkpoint_heads, record, record_list
from everychild.audit.verify import verify_all
from everychild.core.ids import uuid7
from everychild.core.middleware import current_request_id
from everychild.core.tick import run_tick

from .conftest import LONGCHUAN, LONGCHUAN_VILLAGE, YANG, YANG_VILLAGE

pytestmark = pytest.mark.django_db


def test_an_event_records_who_what_where_and_why(make_actor):
    actor = make_actor("child_director", YANG_VILLAGE)
    token = current_request_id.set("req-1")
    try:
        event = record(actor, "child.view", division_code=YANG_VILLAGE, object_type="child",
                       object_id=uuid7(), reason="home visit", detail={"fields": ["name"]})
    finally:
        current_request_id.reset(token)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor_id, stored.post_id, stored.role) == (
        actor.user.pk, actor.post.pk, "child_director")
    assert stored.actor_username == actor.user.username
    assert (stored.action, stored.object_type, stored.division_code) == (
        "child.view", "child", YANG_VILLAGE)
    assert (stored.reason, stored.request_id, stored.chain) == ("home visit", "req-1", YANG)
    assert stored.detail == {"fields": ["name"]}


def test_each_county_has_its_own_chain(make_actor):
    yang = make_actor("child_director", YANG_VILLAGE)
    longchuan = make_actor("child_director", LONGCHUAN_VILLAGE)
    for n in range(3):
        record(yang, "child.view", division_code=YANG_VILLAGE, object_id=n)
        record(longchuan, "child.view", division_code=LONGCHUAN_VILLAGE, object_id=n)
    record(yang, "child.view", division_code="610723100000")
    chains = {
        chain: list(AuditEvent.objects.filter(chain=chain).order_by("seq")
                    .values_list("seq", flat=True))
        for chain in (YANG, LONGCHUAN)
    }
    assert chains == {YANG: [1, 2, 3, 4], LONGCHUAN: [1, 2, 3]}
    assert dict(ChainHead.objects.values_list("chain", "seq")) == {YANG: 4, LONGCHUAN: 3}
    first = AuditEvent.objects.get(chain=LONGCHUAN, seq=1)
    assert first.prev_hash == "0" * 64
    assert verify_all() == []


def test_an_event_without_a_place_goes_to_the_national_chain():
    event = record(None, "system.start", division_code="")
    assert (event.chain, event.division_code, event.seq) == ("000000", "000000000000", 1)


def test_a_failed_change_leaves_no_event_and_the_head_unchanged(make_actor, two_chains):
    actor = make_actor("child_director", YANG_VILLAGE)
    head = ChainHead.objects.get(chain=YANG)
    before = AuditEvent.objects.count()

    def service() -> None:
        with transaction.atomic():
            record(actor, "child.edit", division_code=YANG_VILLAGE, object_id="c1")
            raise RuntimeError("the change itself failed")

    with pytest.raises(RuntimeError):
        service()
    assert AuditEvent.objects.count() == before
    after = ChainHead.objects.get(chain=YANG)
    assert (after.seq, after.hash) == (head.seq, head.hash)
    event = record(actor, "child.edit", division_code=YANG_VILLAGE, object_id="c1")
    assert event.seq == head.seq + 1 and event.prev_hash == head.hash
    assert verify_all() == []


def test_a_failed_first_event_leaves_no_head(make_actor):
    with pytest.raises(RuntimeError), transaction.atomic():
        record(None, "child.view", division_code=LONGCHUAN_VILLAGE)
        raise RuntimeError
    assert not ChainHead.objects.filter(chain=LONGCHUAN).exists()


def test_a_list_records_its_filter_and_the_ids_it_returned(make_actor):
    actor = make_actor("child_director", YANG_VILLAGE)
    ids = [uuid7() for _ in range(3)]
    event = record_list(actor, "child.search", division_code=YANG_VILLAGE, object_type="child",
                        filters={"village": YANG_VILLAGE, "age_under": 14}, ids=ids)
    assert AuditEvent.objects.get(pk=event.pk).detail == {
        "filter": {"village": YANG_VILLAGE, "age_under": 14},
        "count": 3,
        "ids": [str(i) for i in ids],
    }


def test_a_long_list_records_the_count_and_the_first_ids(make_actor):
    actor = make_actor("child_director", YANG_VILLAGE)
    event = record_list(actor, "child.export", division_code=YANG_VILLAGE, object_type="child",
                        filters={}, ids=range(MAX_IDS_RECORDED + 5))
    detail = AuditEvent.objects.get(pk=event.pk).detail
    assert detail["count"] == MAX_IDS_RECORDED + 5 and len(detail["ids"]) == MAX_IDS_RECORDED
    assert detail["ids_truncated"] is True


AWKWARD_DETAIL = {
    "uuid": uuid7(),
    "when": datetime(2026, 3, 1, 8, 30, 0, 123456, tzinfo=ZoneInfo("Asia/Shanghai")),
    "day": date(2026, 3, 1),
    "money": Decimal("12.50"),
    "big": 1e20,
    "whole": 2.0,
    "tenth": 0.1,
    "tiny": 1.5e-7,
    "huge_int": 2**70,
    "flags": [True, False, None],
    "nested": {"b": [1, {"z": "洋县"}], "a": ()},
    "zh": "陇川县 章凤镇",
    "nul": "a\x00b",
    "surrogate": "\ud800x",
    3: "int key",
}


def test_hashes_survive_the_round_trip_through_the_database():
    """Datetimes, UUIDs and JSON come back from SQLite and PostgreSQL in other forms; the hash
    computed from what was read must be the hash computed from what was written."""
    with timezone.override("Asia/Shanghai"):
        event = record(None, "child.search", division_code=YANG_VILLAGE, object_id=uuid7(),
                       reason="原因\x00", detail=AWKWARD_DETAIL)
    row = AuditEvent.objects.filter(pk=event.pk).values(*HASHED_FIELDS, "hash").get()
    assert event_hash(row) == row["hash"] == event.hash
    stored = AuditEvent.objects.get(pk=event.pk)
    assert event_hash({f: getattr(stored, f) for f in HASHED_FIELDS}) == event.hash
    assert stored.detail["big"] == 10**20 and stored.detail["whole"] == 2
    assert stored.detail["tenth"] == 0.1 and stored.detail["tiny"] == 1.5e-7
    assert stored.detail["nul"] == "a\ufffdb" and stored.reason == "原因\ufffd"
    assert stored.detail["3"] == "int key" and stored.detail["nested"]["a"] == []
    assert verify_all() == []


def test_the_same_instant_hashes_alike_in_any_zone():
    instant = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
    shanghai = instant.astimezone(ZoneInfo("Asia/Shanghai"))
    assert canonical_time(instant) == canonical_time(shanghai) == "2026-01-01T00:00:00.000000Z"
    with pytest.raises(ValueError):
        canonical_time(datetime(2026, 1, 1))


def test_detail_that_cannot_be_stored_faithfully_is_refused():
    with pytest.raises(ValueError):
        clean_detail({"x": float("nan")})
    with pytest.raises(TypeError):
        clean_detail({"x": object()})


@pytest.mark.parametrize("kwargs", [
    {"division_code": "610723"},
    {"division_code": "61072300121x"},
    {"division_code": "６１０７２３００１２１２"},
    {"division_code": YANG_VILLAGE, "object_id": "x" * 65},
    {"division_code": YANG_VILLAGE, "action": ""},
    {"division_code": YANG_VILLAGE, "action": "a" * 61},
])
def test_bad_arguments_are_refused_alike_on_every_database(kwargs):
    kwargs = {"action": "child.view", **kwargs}
    action = kwargs.pop("action")
    with pytest.raises(ValueError):
        record(None, action, **kwargs)
    assert not AuditEvent.objects.exists()


def test_checkpoints_are_written_once_per_moved_head(two_chains):
    assert checkpoint_heads() == 2
    assert checkpoint_heads() == 0  # the tick is idempotent
    assert Checkpoint.objects.count() == 2
    record(None, "child.view", division_code=LONGCHUAN_VILLAGE)
    assert checkpoint_heads() == 1
    latest = Checkpoint.objects.filter(chain=LONGCHUAN).order_by("-seq").first()
    assert (latest.seq, latest.hash) == (4, ChainHead.objects.get(chain=LONGCHUAN).hash)
    assert verify_all() == []


def test_the_tick_takes_the_checkpoints(two_chains):
    assert run_tick()["checkpoint_heads"] == 2
    assert run_tick()["checkpoint_heads"] == 0
    assert Checkpoint.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_counties_never_wait_for_each_other():
    """record() locks only its own county's head: while one transaction holds 洋县's head,
    陇川县 appends at once and another 洋县 append waits (PostgreSQL; SQLite has one writer)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serialises all writers")
    record(None, "child.view", division_code=YANG_VILLAGE)
    record(None, "child.view", division_code=LONGCHUAN_VILLAGE)
    holding, release, failures = threading.Event(), threading.Event(), []

    def hold_yang() -> None:
        try:
            with transaction.atomic():
                record(None, "child.edit", division_code=YANG_VILLAGE)
                holding.set()
                release.wait(10)
        except Exception as exc:  # noqa: BLE001 - reported to the main thread
            failures.append(exc)
        finally:
            connection.close()

    worker = threading.Thread(target=hold_yang)
    worker.start()
    try:
        assert holding.wait(10)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            record(None, "child.view", division_code=LONGCHUAN_VILLAGE)  # does not wait
        with pytest.raises(OperationalError), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '300ms'")
            record(None, "child.view", division_code=YANG_VILLAGE)  # waits for the holder
    finally:
        release.set()
        worker.join(10)
    assert failures == []
    assert dict(ChainHead.objects.values_list("chain", "seq")) == {YANG: 2, LONGCHUAN: 2}
    assert verify_all() == []
