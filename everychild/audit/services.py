"""Writing to the audit log. Services call ``record`` inside the transaction of the change it
records, so the event and the change commit or fail together."""

import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from everychild.access.policy import Actor
from everychild.audit.chain import (
    GENESIS,
    HASHED_FIELDS,
    checkpoint_mac,
    clean_detail,
    clean_text,
    event_hash,
)
from everychild.audit.models import AuditEvent, ChainHead, Checkpoint
from everychild.core.middleware import current_request_id
from everychild.places.codes import CODE_LENGTH, NATION_CODE, county_of

logger = logging.getLogger(__name__)

MAX_IDS_RECORDED = 1000
_TEXT_LIMITS = {
    field.name: field.max_length
    for field in AuditEvent._meta.get_fields()
    if getattr(field, "max_length", None) and field.get_internal_type() == "CharField"
}


def _lock_head(chain: str) -> ChainHead:
    """The chain's head row, locked until the transaction ends.

    One row lock per county (``SELECT ... FOR UPDATE`` on the head's primary key): appends to
    one chain queue behind each other, other counties never wait. SQLite has no row locks;
    its single writer (BEGIN IMMEDIATE) serialises every append anyway.
    """
    try:
        return ChainHead.objects.select_for_update().get(chain=chain)
    except ChainHead.DoesNotExist:
        # First event of a county. A concurrent first append inserts the same key: the
        # loser's insert waits for the winner's commit, fails, and get_or_create reads it.
        ChainHead.objects.get_or_create(chain=chain, defaults={"seq": 0, "hash": GENESIS})
        return ChainHead.objects.select_for_update().get(chain=chain)


def _text(name: str, value: Any) -> str:
    """A text field cleaned as both databases store it; too long is a programming error
    (PostgreSQL would refuse it, SQLite would silently keep it)."""
    text = clean_text(str(value if value is not None else ""))
    limit = _TEXT_LIMITS.get(name)
    if limit and len(text) > limit:
        raise ValueError(f"audit {name} is longer than {limit} characters: {text[:80]!r}")
    return text


def _uuid(name: str, value: Any) -> Any:
    """As the UUID field reads it back (a UUID), so the hash survives the round trip."""
    return AuditEvent._meta.get_field(name).to_python(value)


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
    """Append one event to the chain of ``division_code``'s county.

    Call it inside the ``transaction.atomic()`` of the change it records: the county's head
    stays locked until that transaction ends, and a rollback takes the event with it.
    ``actor`` is None for operators on the command line and for the system itself.
    """
    if not transaction.get_connection().in_atomic_block:
        with transaction.atomic():
            return record(
                actor, action, division_code=division_code, object_type=object_type,
                object_id=object_id, reason=reason, detail=detail,
            )
    division_code = division_code or NATION_CODE
    if len(division_code) != CODE_LENGTH or not division_code.isascii() \
            or not division_code.isdigit():
        raise ValueError(f"audit division code must be 12 digits: {division_code!r}")
    if not action:
        raise ValueError("audit action is required")
    user = actor.user if actor else None
    post = actor.post if actor else None
    values: dict[str, Any] = {
        "actor_id": _uuid("actor_id", user.pk if user else None),
        "actor_username": _text("actor_username", user.get_username() if user else ""),
        "post_id": _uuid("post_id", post.pk if post else None),
        "role": _text("role", post.role_id if post else ""),
        "action": _text("action", action),
        "object_type": _text("object_type", object_type),
        "object_id": _text("object_id", object_id or ""),
        "division_code": division_code,
        "reason": _text("reason", reason),
        "request_id": _text("request_id", current_request_id.get()),
        "detail": clean_detail(detail),
    }
    chain = county_of(division_code)
    head = _lock_head(chain)  # from here until commit, this county's appends wait for us
    event = AuditEvent(
        chain=chain, seq=head.seq + 1, at=timezone.now(), prev_hash=head.hash, **values
    )
    event.hash = event_hash({name: getattr(event, name) for name in HASHED_FIELDS})
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
    reason: str = "",
) -> AuditEvent:
    """One event for a list, search or export: the filter used and the ids it returned
    (the first ``MAX_IDS_RECORDED`` of them; ``count`` is always the full number)."""
    ids = [str(i) for i in ids]
    detail = {"filter": filters, "count": len(ids), "ids": ids[:MAX_IDS_RECORDED]}
    if len(ids) > MAX_IDS_RECORDED:
        detail["ids_truncated"] = True
    return record(actor, action, division_code=division_code, object_type=object_type,
                  reason=reason, detail=detail)


def checkpoint_heads() -> int:
    """Record a keyed checkpoint of every head that moved since its last checkpoint.

    A tick job: a second run with no new events writes nothing. Heads are read without a
    lock (a committed head always names a committed event), so appends never wait for it.
    Each checkpoint is also logged, a copy outside the database.
    """
    written = 0
    for head in ChainHead.objects.all().order_by("chain"):
        last = Checkpoint.objects.filter(chain=head.chain).order_by("-seq", "-at").first()
        if head.seq == 0 or (last is not None and (last.seq, last.hash) == (head.seq, head.hash)):
            continue
        if last is not None and head.seq < last.seq:
            # Never bless a head that went backwards; `audit verify` names the break.
            logger.error("audit chain %s: head #%d is behind checkpoint #%d",
                         head.chain, head.seq, last.seq)
            continue
        at = timezone.now()
        checkpoint = Checkpoint(
            chain=head.chain, seq=head.seq, hash=head.hash, at=at,
            mac=checkpoint_mac(head.chain, head.seq, head.hash, at),
        )
        checkpoint.save()
        logger.info("audit checkpoint chain=%s seq=%d hash=%s mac=%s",
                    checkpoint.chain, checkpoint.seq, checkpoint.hash, checkpoint.mac)
        written += 1
    return written
