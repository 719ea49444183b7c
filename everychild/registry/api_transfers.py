"""/api/v1/transfers: a child moving to another place, over HTTP (the same functions as the pages).

The sending county proposes (a move inside the caller's own jurisdiction takes effect at once:
the answer's ``state`` says ``accepted``); the receiving county accepts or declines; the sender
may cancel while it waits. The list is the trace both sides keep: places, dates, states and the
rows moved; the child's name (and why it moves) only for those who may still see the child or who
decide transfers at either end. Times are in local time; no personal data in URLs (ids only)."""

from datetime import datetime
from typing import Any, TypeVar

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from everychild.access.policy import Actor, mask
from everychild.core.api_auth import api_actor
from everychild.core.schemas import local_time as _local
from everychild.core.schemas import or_404 as _found
from everychild.core.schemas import responses
from everychild.places.queries import division_names
from everychild.registry import transfers
from everychild.registry.models import ChildTransfer, TransferState

router = Router()
T = TypeVar("T")
LIMIT = 200


class TransferOut(Schema):
    id: str
    state: str = Field(json_schema_extra={"enum": TransferState.values},
                       description="proposed (waiting for the receiving county), accepted (the "
                                   "child's records moved), declined or cancelled.")
    from_division_code: str
    from_name: str
    to_division_code: str
    to_name: str
    proposed_at: datetime
    decided_at: datetime | None
    moved: dict[str, int] = Field(description="Rows moved per table (after acceptance).")
    child_id: str | None = Field(None, description="Only for those who may still see the child "
                                                   "or decide transfers at either end.")
    child_name: str | None = Field(None, description="As child_id, and only for roles that see "
                                                     "identities.")
    reason: str | None = Field(None, description="Why the child moves (as child_id).")
    decline_reason: str | None = Field(None, description="As child_id.")
    may_decide: bool = Field(description="The caller may accept or decline it now.")
    may_cancel: bool = Field(description="The caller may withdraw it now.")


class TransferProposeIn(Schema):
    child_id: str
    to_division_code: str = Field(description="The 12-digit code of the village or community the "
                                              "child moves to.")
    reason: str


class TransferDeclineIn(Schema):
    reason: str




def _names(rows: list[ChildTransfer]) -> dict[str, str]:
    return division_names(c for t in rows for c in (t.from_division_code, t.to_division_code))


def transfer_out(actor: Actor, row: transfers.TransferRow, names: dict[str, str]
                 ) -> dict[str, Any]:
    t = row.transfer
    found = {"id": str(t.pk), "state": t.state, "from_division_code": t.from_division_code,
             "from_name": names.get(t.from_division_code, ""),
             "to_division_code": t.to_division_code, "to_name": names.get(t.to_division_code, ""),
             "proposed_at": _local(t.proposed_at), "decided_at": _local(t.decided_at),
             "moved": t.moved or {}, "may_decide": row.may_decide, "may_cancel": row.may_cancel}
    if row.knows_child:
        found.update({"child_id": str(t.child_id), "reason": t.reason,
                      "decline_reason": t.decline_reason,
                      "child_name": mask(actor, {"name": t.child.name}).get("name")})
    return found


def _one(actor: Actor, transfer: ChildTransfer) -> dict[str, Any]:
    return transfer_out(actor, transfers.transfer_row(actor, transfer.pk), _names([transfer]))


@router.get("", response=responses({200: list[TransferOut]}))
def transfers_seen(request: HttpRequest):
    """The transfers out of and into the caller's jurisdiction, newest first. A list naming
    children is recorded in the audit log with their ids."""
    actor = api_actor(request)
    rows = transfers.transfer_list(actor)
    names = _names([r.transfer for r in rows])
    return [transfer_out(actor, row, names) for row in rows]


@router.post("", response=responses({201: TransferOut}))
def propose(request: HttpRequest, payload: TransferProposeIn):
    """Propose moving a child to another village. Inside the caller's own jurisdiction it takes
    effect at once (``state``: accepted); otherwise the receiving county is asked (``state``:
    proposed). Refused when nobody there can receive the child."""
    actor = api_actor(request)
    transfer = _found(transfers.propose, actor, payload.child_id, payload.to_division_code,
                      payload.reason)
    return Status(201, _one(actor, transfer))


@router.post("/{transfer_id}/accept", response=responses({200: TransferOut}))
def accept(request: HttpRequest, transfer_id: str):
    """The receiving county accepts: the child and every child-scoped row move together."""
    actor = api_actor(request)
    return _one(actor, _found(transfers.accept, actor, transfer_id))


@router.post("/{transfer_id}/decline", response=responses({200: TransferOut}))
def decline(request: HttpRequest, transfer_id: str, payload: TransferDeclineIn):
    """The receiving county declines, with the reason: nothing moves, the sender is told."""
    actor = api_actor(request)
    return _one(actor, _found(transfers.decline, actor, transfer_id, payload.reason))


@router.post("/{transfer_id}/cancel", response=responses({200: TransferOut}))
def cancel(request: HttpRequest, transfer_id: str):
    """The sending side withdraws a transfer not yet decided."""
    actor = api_actor(request)
    return _one(actor, _found(transfers.cancel, actor, transfer_id))
