"""Walking every audit chain: edited, inserted or removed events are detected."""

from dataclasses import dataclass

from everychild.audit.chain import GENESIS, HASHED_FIELDS, checkpoint_mac, event_hash
from everychild.audit.models import AuditEvent, ChainHead, Checkpoint


@dataclass(frozen=True)
class Break:
    chain: str
    seq: int
    event_id: str
    reason: str

    def __str__(self) -> str:
        return f"chain {self.chain} event #{self.seq} ({self.event_id}): {self.reason}"


def verify_chain(chain: str) -> Break | None:
    """The first break in one chain, or None when the chain is whole."""
    prev_hash, expected_seq, last_id = GENESIS, 1, ""
    checkpoints = list(Checkpoint.objects.filter(chain=chain).order_by("seq"))
    wanted = {cp.seq for cp in checkpoints}
    hashes: dict[int, str] = {}
    rows = AuditEvent.objects.filter(chain=chain).order_by("seq").values(*HASHED_FIELDS, "hash")
    for row in rows.iterator(chunk_size=2000):
        event_id = str(row["id"])
        if row["seq"] != expected_seq:
            return Break(chain, expected_seq, event_id,
                         f"sequence jumps to #{row['seq']}: an event was removed or inserted")
        if row["prev_hash"] != prev_hash:
            return Break(chain, row["seq"], event_id, "does not follow the previous event")
        if event_hash(row) != row["hash"]:
            return Break(chain, row["seq"], event_id, "content does not match its hash (edited)")
        if row["seq"] in wanted:
            hashes[row["seq"]] = row["hash"]
        prev_hash, expected_seq, last_id = row["hash"], expected_seq + 1, event_id
    last_seq = expected_seq - 1
    head = ChainHead.objects.filter(chain=chain).first()
    if head is not None and (head.seq != last_seq or head.hash != prev_hash):
        return Break(chain, head.seq, last_id,
                     f"head says #{head.seq} but the chain ends at #{last_seq}")
    for cp in checkpoints:
        if checkpoint_mac(cp.chain, cp.seq, cp.hash, cp.at) != cp.mac:
            return Break(chain, cp.seq, str(cp.id), "checkpoint was altered")
        if cp.seq > last_seq:
            return Break(chain, cp.seq, last_id,
                         f"checkpoint records #{cp.seq} but the chain ends at #{last_seq}: "
                         "newest events were removed")
        if cp.seq and hashes.get(cp.seq) != cp.hash:
            return Break(chain, cp.seq, "", "event differs from its checkpoint")
    return None


def all_chains() -> list[str]:
    chains = set(AuditEvent.objects.values_list("chain", flat=True).distinct())
    chains |= set(ChainHead.objects.values_list("chain", flat=True))
    chains |= set(Checkpoint.objects.values_list("chain", flat=True).distinct())
    return sorted(chains)


def verify_all() -> list[Break]:
    """The first break of every broken chain (empty when everything verifies)."""
    return [b for chain in all_chains() if (b := verify_chain(chain)) is not None]
