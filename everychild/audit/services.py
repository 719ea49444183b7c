"""Writing to the audit log. Services call ``record`` inside the transaction of the change it
records, so the event and the change commit or fail together."""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from everychild.access.policy import Actor
from everychild.audit.chain import GENESIS, checkpoint_mac, event_hash
from everychild.audit.models import AuditEvent, ChainHead, Checkpoint
from everychild.core.middleware import current_request_id
from everychild.places.codes import NATION_CODE, county_of

MAX_IDS_RECORDED = 1000


def _lock_head(chain: str) -> ChainHead:
    """The chain's head row, locked until the transaction ends (one lock per county)."""
    ChainHead.objects.get_or_create(chain=chain, defaults={"seq": 0, "hash": GENESIS})
    return ChainHead.objects.select_for_update().get(chain=chain)


def record(
    actor: Actor | None,
    action: str,
    *,
    division_code: str,
    object_type: str = "",
    object_id: Any = "",
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain of ``division_code``'s county."""
    if not transaction.get_connection().in_atomic_block:
        with transaction.atomic():
            return record(
                actor, action, division_code=division_code, object_type=object_type,
                object_id=object_id, reason=reason, detail=detail,
            )
    division_code = division_code or NATION_CODE
    chain = county_of(division_code)
    head = _lock_head(chain)
    user = actor.user if actor else None
    post = actor.post if actor else None
    fields: dict[str, Any] = {
        "id": None,
        "chain": chain,
        "seq": head.seq + 1,
        "at": timezone.now(),
        "actor_id": user.pk if user else None,
        "actor_username": user.get_username() if user else "",
        "post_id": post.pk if post else None,
        "role": post.role_id if post else "",
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id or ""),
        "division_code": division_code,
        "reason": reason,
        "request_id": current_request_id.get(),
        "detail": detail or {},
        "prev_hash": head.hash,
    }
    event = AuditEvent(**{k: v for k, v in fields.items() if k != "id"})
    fields["id"] = event.id
    event.hash = event_hash(fields)
    event.save()
    head.seq, head.hash = event.seq, event.hash
    head.save(update_fields=["seq", "hash"])
    return event


def record_list(
    actor: Actor,
    action: str,
    *,
    division_code: str,
    object_type: str,
    filters: dict[str, Any],
    ids: Iterable[Any],
) -> AuditEvent:
    """One event for a list or search: the filter used and the ids it returned."""
    ids = [str(i) for i in ids]
    detail = {"filter": filters, "count": len(ids), "ids": ids[:MAX_IDS_RECORDED]}
    return record(actor, action, division_code=division_code, object_type=object_type,
                  detail=detail)


def checkpoint_heads() -> int:
    """Record a keyed checkpoint of every head that moved since its last checkpoint."""
    written = 0
    for head in ChainHead.objects.all().order_by("chain"):
        with transaction.atomic():
            last = Checkpoint.objects.filter(chain=head.chain).order_by("-seq").first()
            if last is not None and last.seq == head.seq and last.hash == head.hash:
                continue
            at = timezone.now()
            Checkpoint(
                chain=head.chain, seq=head.seq, hash=head.hash, at=at,
                mac=checkpoint_mac(head.chain, head.seq, head.hash, at),
            ).save()
            written += 1
    return written
