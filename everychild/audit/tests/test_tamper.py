"""Audit chain tests: an edited, deleted or inserted row — each detected, on either database,
by ``verify_all()`` and by ``everychild audit verify``."""

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connections
from django.utils import timezone

from everychild.audit.chain import HASHED_FIELDS, canonical_time
from everychild.audit.models import AuditEvent, ChainHead, Checkpoint
from everychild.audit.services import checkpoint_heads
from everychild.audit.verify import verify_all
from everychild.cli import main as everychild_main
from everychild.core.ids import uuid7

from .conftest import LONGCHUAN, YANG, attacker, db_value, delete_events, set_event_field

pytestmark = pytest.mark.django_db


def assert_detected(chain: str, seq: int, *words: str, event_id: str | None = None) -> None:
    """verify_all() and the command both name ``chain`` event ``#seq`` (and its id)."""
    breaks = verify_all()
    assert [(b.chain, b.seq) for b in breaks] == [(chain, seq)], breaks
    text = str(breaks[0])
    assert f"chain {chain} event #{seq}" in text
    if event_id is not None:
        assert event_id in text
    for word in words:
        assert word in text
    with pytest.raises(CommandError) as error:
        call_command("audit", "verify")
    assert f"chain {chain} event #{seq}" in str(error.value)


def test_an_untouched_log_verifies(two_chains, capsys):
    checkpoint_heads()
    assert verify_all() == []
    call_command("audit", "verify")
    assert "2 chain(s) intact" in capsys.readouterr().out


def test_the_cli_exits_non_zero_naming_the_event(two_chains, capsys, monkeypatch):
    # run_from_argv closes every connection when it ends; keep the test's transaction open.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    victim = two_chains[YANG][2]
    set_event_field(YANG, 3, "reason", "nothing to see")
    with pytest.raises(SystemExit) as exit_:
        everychild_main(["everychild", "audit", "verify"])
    assert exit_.value.code not in (0, None)
    err = capsys.readouterr().err
    assert f"chain {YANG} event #3 ({victim.id})" in err and "edited" in err


EDITS = {
    "id": lambda e: uuid7(),
    "at": lambda e: e.at - timedelta(seconds=1),
    "actor_id": lambda e: uuid7(),
    "actor_username": lambda e: "mallory",
    "post_id": lambda e: uuid7(),
    "role": lambda e: "system_admin",
    "action": lambda e: "child.edit",
    "object_type": lambda e: "case",
    "object_id": lambda e: "child-99",
    "division_code": lambda e: "610723001213",
    "reason": lambda e: "",
    "request_id": lambda e: str(uuid7()),
    "detail": lambda e: {"n": 99},
    "hash": lambda e: "f" * 64,
}


@pytest.mark.parametrize("field", sorted(EDITS))
def test_an_edited_field_is_detected(two_chains, field):
    victim = two_chains[YANG][2]
    set_event_field(YANG, 3, field, EDITS[field](victim))
    expected_id = None if field == "id" else str(victim.id)
    assert_detected(YANG, 3, event_id=expected_id)


def test_every_hashed_field_is_covered_by_an_edit_test():
    assert set(HASHED_FIELDS) - {"chain", "seq", "prev_hash"} <= set(EDITS)


def test_an_edited_prev_hash_is_detected(two_chains):
    set_event_field(YANG, 3, "prev_hash", two_chains[YANG][0].hash)
    assert_detected(YANG, 3, event_id=str(two_chains[YANG][2].id))


def test_a_renumbered_event_is_detected(two_chains):
    set_event_field(YANG, 5, "seq", 9)
    assert_detected(YANG, 5, "removed")


def test_an_event_moved_to_another_chain_is_detected(two_chains):
    set_event_field(YANG, 5, "chain", LONGCHUAN)
    set_event_field(LONGCHUAN, 5, "seq", 4)
    breaks = {b.chain: b.seq for b in verify_all()}
    assert breaks == {YANG: 5, LONGCHUAN: 4}


def test_a_deleted_middle_event_is_detected(two_chains):
    delete_events(YANG, 3)
    assert_detected(YANG, 3, "removed", str(two_chains[YANG][3].id))
    assert [b.chain for b in verify_all()] == [YANG]  # the other county is untouched


def test_a_deleted_first_event_is_detected(two_chains):
    delete_events(LONGCHUAN, 1)
    assert_detected(LONGCHUAN, 1, "removed")


def _forge(template: AuditEvent, seq: int, prev_hash: str, **changes) -> None:
    """Insert an event the way an attacker without the HMAC key would: plausible content, a
    hash made with a guessed key."""
    fields = {name: getattr(template, name) for name in HASHED_FIELDS}
    fields.update(id=uuid7(), seq=seq, prev_hash=prev_hash, at=timezone.now(), **changes)
    body = json.dumps({k: str(v) for k, v in fields.items()}, sort_keys=True)
    fields["hash"] = hmac.new(b"guess", body.encode(), hashlib.sha256).hexdigest()
    columns = list(fields)
    with attacker() as cursor:
        cursor.execute(
            f"INSERT INTO audit_auditevent ({', '.join(columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})",
            [db_value(AuditEvent, name, fields[name]) for name in columns],
        )


def test_a_forged_event_inserted_in_the_middle_is_detected(two_chains):
    yang = two_chains[YANG]
    with attacker() as cursor:  # make room after #2, as the unique (chain, seq) demands
        cursor.execute("UPDATE audit_auditevent SET seq = seq + 100 WHERE chain = %s AND seq > 2",
                       [YANG])
        cursor.execute("UPDATE audit_auditevent SET seq = seq - 99 WHERE chain = %s AND seq > 100",
                       [YANG])
        cursor.execute("UPDATE audit_chainhead SET seq = 6 WHERE chain = %s", [YANG])
    _forge(yang[1], 3, yang[1].hash, reason="planted")
    assert_detected(YANG, 3, "without the key")


def test_a_forged_event_appended_at_the_end_is_detected(two_chains):
    yang = two_chains[YANG]
    _forge(yang[-1], 6, yang[-1].hash, action="child.edit")
    with attacker() as cursor:
        forged = AuditEvent.objects.get(chain=YANG, seq=6)
        cursor.execute("UPDATE audit_chainhead SET seq = 6, hash = %s WHERE chain = %s",
                       [forged.hash, YANG])
    assert_detected(YANG, 6, "without the key", event_id=str(forged.id))


def test_a_forged_event_without_moving_the_head_is_detected(two_chains):
    yang = two_chains[YANG]
    _forge(yang[-1], 6, yang[-1].hash)
    assert_detected(YANG, 6)


def test_removing_the_newest_events_is_detected_by_the_head(two_chains):
    delete_events(YANG, 4, 5)
    assert_detected(YANG, 4, "newest events were removed")


def test_removing_the_newest_events_and_the_head_is_detected_by_a_checkpoint(two_chains):
    assert checkpoint_heads() == 2
    yang = two_chains[YANG]
    delete_events(YANG, 4, 5)
    with attacker() as cursor:  # and move the head back so it names #3
        cursor.execute("UPDATE audit_chainhead SET seq = 3, hash = %s WHERE chain = %s",
                       [yang[2].hash, YANG])
    assert_detected(YANG, 4, "checkpoint", "newest events were removed")


def test_removing_a_whole_chain_is_detected_by_its_checkpoint(two_chains):
    checkpoint_heads()
    delete_events(LONGCHUAN, 1, 2, 3)
    with attacker() as cursor:
        cursor.execute("DELETE FROM audit_chainhead WHERE chain = %s", [LONGCHUAN])
    assert_detected(LONGCHUAN, 1, "checkpoint")


def test_the_tick_does_not_bless_a_head_moved_back(two_chains):
    checkpoint_heads()
    yang = two_chains[YANG]
    delete_events(YANG, 5)
    with attacker() as cursor:
        cursor.execute("UPDATE audit_chainhead SET seq = 4, hash = %s WHERE chain = %s",
                       [yang[3].hash, YANG])
    assert checkpoint_heads() == 0
    assert_detected(YANG, 5, "checkpoint")


@pytest.mark.parametrize("change", ["hash", "seq", "chain"])
def test_head_tampering_is_detected(two_chains, change):
    yang = two_chains[YANG]
    value = {"hash": yang[1].hash, "seq": 7, "chain": LONGCHUAN}[change]
    with attacker() as cursor:
        if change == "chain":  # swap the two heads
            cursor.execute("UPDATE audit_chainhead SET chain = 'x' WHERE chain = %s", [YANG])
            cursor.execute("UPDATE audit_chainhead SET chain = %s WHERE chain = %s",
                           [YANG, LONGCHUAN])
            cursor.execute("UPDATE audit_chainhead SET chain = %s WHERE chain = 'x'", [value])
        else:
            cursor.execute(f"UPDATE audit_chainhead SET {change} = %s WHERE chain = %s",
                           [value, YANG])
    breaks = verify_all()
    assert YANG in {b.chain for b in breaks}
    with pytest.raises(CommandError, match=f"chain {YANG}|chain {LONGCHUAN}"):
        call_command("audit", "verify")


def test_a_deleted_head_is_detected(two_chains):
    with attacker() as cursor:
        cursor.execute("DELETE FROM audit_chainhead WHERE chain = %s", [YANG])
    assert_detected(YANG, 5, "head is missing")


@pytest.mark.parametrize("field", ["seq", "hash", "at", "mac", "chain"])
def test_checkpoint_tampering_is_detected(two_chains, field):
    checkpoint_heads()
    cp = Checkpoint.objects.get(chain=YANG)
    value = {
        "seq": 3, "hash": two_chains[YANG][2].hash, "at": cp.at - timedelta(days=1),
        "mac": "0" * 64, "chain": LONGCHUAN,
    }[field]
    with attacker() as cursor:
        cursor.execute(f"UPDATE audit_checkpoint SET {field} = %s WHERE chain = %s",
                       [db_value(Checkpoint, field, value), YANG])
    breaks = verify_all()
    assert breaks and "checkpoint" in str(breaks[0])
    with pytest.raises(CommandError, match="checkpoint"):
        call_command("audit", "verify")


def test_a_forged_checkpoint_is_detected(two_chains):
    checkpoint_heads()
    at = timezone.now()
    with attacker() as cursor:
        cursor.execute(
            "INSERT INTO audit_checkpoint (id, chain, seq, hash, at, mac) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            [db_value(Checkpoint, "id", uuid7()), YANG, 3, two_chains[YANG][2].hash,
             db_value(Checkpoint, "at", at),
             hmac.new(b"guess", canonical_time(at).encode(), hashlib.sha256).hexdigest()],
        )
    assert_detected(YANG, 3, "altered")


def test_a_checkpoint_naming_a_replaced_event_is_detected(two_chains):
    checkpoint_heads()
    yang = two_chains[YANG]
    # Replace the newest event wholesale: same number, a hash that no checkpoint knows.
    set_event_field(YANG, 5, "hash", "a" * 64)
    with attacker() as cursor:
        cursor.execute("UPDATE audit_chainhead SET hash = %s WHERE chain = %s", ["a" * 64, YANG])
    assert_detected(YANG, 5, event_id=str(yang[4].id))


def test_all_broken_chains_are_named(two_chains):
    set_event_field(YANG, 2, "reason", "x")
    delete_events(LONGCHUAN, 2)
    assert [(b.chain, b.seq) for b in verify_all()] == [(LONGCHUAN, 2), (YANG, 2)]
    with pytest.raises(CommandError, match="2 audit chain"):
        call_command("audit", "verify")


def test_heads_match_the_newest_events(two_chains):
    heads = {h.chain: (h.seq, h.hash) for h in ChainHead.objects.all()}
    assert heads == {YANG: (5, two_chains[YANG][-1].hash),
                     LONGCHUAN: (3, two_chains[LONGCHUAN][-1].hash)}
