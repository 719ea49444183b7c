from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from everychild.access.policy import require
from everychild.accounts.roles import Capability
from everychild.audit.queries import EventFilter, events
from everychild.audit.services import record_list
from everychild.core.api_auth import api_actor
from everychild.core.schemas import responses

router = Router()


class EventOut(Schema):
    id: str
    chain: str
    seq: int
    at: datetime
    actor_username: str
    role: str
    action: str
    object_type: str
    object_id: str
    division_code: str
    reason: str
    request_id: str


class EventQuery(Schema):
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    division_prefix: str = ""
    since: date | None = None
    until: date | None = None
    limit: int = 100


@router.get("/events", response=responses({200: list[EventOut]}))
def list_events(request: HttpRequest, q: Query[EventQuery]) -> list[dict[str, Any]]:
    """Audit events within the caller's jurisdiction, newest first (audited as a search)."""
    actor = api_actor(request)
    require(actor, Capability.AUDIT_VIEW)
    flt = EventFilter(q.action, q.object_type, q.object_id, q.division_prefix, q.since, q.until)
    rows = list(events(actor, flt)[: max(1, min(q.limit, 500))])
    record_list(actor, "audit.browse", division_code=actor.post.division_id,
                object_type="audit_event", filters=flt.as_dict(), ids=[r.id for r in rows])
    return [
        {**{f: getattr(r, f) for f in EventOut.model_fields}, "id": str(r.id)} for r in rows
    ]
