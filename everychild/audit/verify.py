"""Walking every audit chain: edited, inserted or removed events are detected.

Per chain, in order of ``seq``:

1. every event follows the one before (``seq`` one higher, ``prev_hash`` its hash) and its
   stored hash is the HMAC of its content — an edited, inserted or removed event breaks this;
2. the head names the last event — a head moved back over removed events, or left ahead of
   them, breaks this;
3. every checkpoint carries a valid HMAC and names an event that is still there with the same
   hash — removing the newest events *and* moving the head back is caught here, as long as a
   tick took a checkpoint after them.
"""

from dataclasses import dataclass

from everychild.audit.chain import GENESIS, HASHED_FIELDS, checkpoint_mac, event_hash
from everychild.audit.models import AuditEvent, ChainHead, Checkpoint


@dataclass(frozen=True)
class Break:
    """The first thing wrong with one chain."""

    chain: str
    seq: int
    event_id: str
    reason: str

    def __str__(self) -> str:
        named = f" ({self.event_id})" if self.event_id else ""
        return f"chain {self.chain} event #{self.seq}{named}: {self.reason}"


def verify_chain(chain: str) -> Break | None:
    """The first break in one chain, or None when the chain is whole."""
    checkpoints = list(Checkpoint.objects.filter(chain=chain).order_by("seq", "at"))
    wanted = {cp.seq for cp in checkpoints}
    seen: dict[int, tuple[str, str]] = {0: ("", GENESIS)}  # checkpointed seq -> (id, hash)
    prev_hash, expected_seq, last_id = GENESIS, 1, ""
    rows = AuditEvent.objects.filter(chain=chain).order_by("seq").values(*HASHED_FIELDS, "hash")
    for row in rows.iterator(chunk_size=2000):
        event_id, seq = str(row["id"]), row["seq"]
        if seq < expected_seq:  # only possible if the unique constraint was dropped
            return Break(chain, seq, event_id, "a second event with this number was inserted")
        if seq > expected_seq:
            missing = f"#{expected_seq}" if seq == expected_seq + 1 else \
                f"#{expected_seq}–#{seq - 1}"
            return Break(chain, expected_seq, "",
                         f"missing: event {missing} was removed (the next event is #{seq}, "
                         f"{event_id})")
        if event_hash(row) != row["hash"]:
            return Break(chain, seq, event_id,
                         "content does not match its hash: edited, or inserted without the key")
        if row["prev_hash"] != prev_hash:
            return Break(chain, seq, event_id,
                         "does not follow the previous event: an event before it was replaced")
        if seq in wanted:
            seen[seq] = (event_id, row["hash"])
        prev_hash, expected_seq, last_id = row["hash"], expected_seq + 1, event_id
    last_seq = expected_seq - 1

    head = ChainHead.objects.filter(chain=chain).first()
    if head is None:
        if last_seq:
            return Break(chain, last_seq, last_id, "the chain's head is missing")
    elif head.seq > last_seq:
        return Break(chain, last_seq + 1, "",
                     f"missing: the head names event #{head.seq} but the chain ends at "
                     f"#{last_seq}; the newest events were removed")
    elif head.seq < last_seq or head.hash != prev_hash:
        return Break(chain, last_seq, last_id,
                     f"the head (#{head.seq}) does not name the newest event #{last_seq}")

    for cp in checkpoints:
        if checkpoint_mac(cp.chain, cp.seq, cp.hash, cp.at) != cp.mac:
            return Break(chain, cp.seq, "",
                         f"checkpoint {cp.id} was altered (its HMAC does not match)")
        if cp.seq > last_seq:
            return Break(chain, last_seq + 1, "",
                         f"missing: checkpoint {cp.id} of {cp.at:%Y-%m-%d %H:%M} names event "
                         f"#{cp.seq} but the chain ends at #{last_seq}; the newest events "
                         "were removed")
        event_id, event_hash_ = seen[cp.seq]
        if event_hash_ != cp.hash:
            return Break(chain, cp.seq, event_id,
                         f"differs from checkpoint {cp.id}: the event was replaced")
    return None


def all_chains() -> list[str]:
    """Every chain anything in the database mentions: events, heads or checkpoints."""
    chains = set(AuditEvent.objects.values_list("chain", flat=True).distinct())
    chains |= set(ChainHead.objects.values_list("chain", flat=True))
    chains |= set(Checkpoint.objects.values_list("chain", flat=True).distinct())
    return sorted(chains)


def verify_all() -> list[Break]:
    """The first break of every broken chain (empty when everything verifies)."""
    return [b for chain in all_chains() if (b := verify_chain(chain)) is not None]
