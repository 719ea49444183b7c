"""/api/v1/reports: mandatory reporting over HTTP (the same services and queries as the pages).

Intake for other systems (a hotline, a school system): ``POST /reports`` with an
``Idempotency-Key`` header, so a retried submission answers 200 with the report already filed,
never a second report. Receiving units read their inbox and a report, and record what they do;
a reporter reads only the status of their own reports. Times are in local time."""

from datetime import date, datetime
from typing import Any, TypeVar

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Header, Router, Schema, Status

from everychild.core.api_auth import api_actor
from everychild.core.schemas import enum_of as _enum
from everychild.core.schemas import local_time as _local
from everychild.core.schemas import or_404 as _found
from everychild.core.schemas import responses, schema_of
from everychild.reports import queries, services
from everychild.reports.models import ActionKind, Channel, RoutingEntry, ServiceKind
from everychild.rules import Reason
from everychild.rules.reporting import SITUATION_CODES, SITUATION_LABELS, Receiver

router = Router()
T = TypeVar("T")



ReportIn = schema_of(services.ReportInput, "ReportIn")


class FiledOut(Schema):
    id: str
    reference: str = Field(description="Give it when asking about the report.")
    created: bool = Field(description="False: this idempotency key was used before; this is "
                                      "the report filed then.")
    warnings: list[str]


class StatusOut(Schema):
    id: str
    reference: str
    filed_at: datetime
    received: bool = Field(description="Routed to the receiving units.")
    acknowledged_at: datetime | None
    acted_on: bool
    outcome_told_at: datetime | None = Field(description="When the police told the reporting "
                                                         "unit the outcome (not what it is).")


class TaskOut(Schema):
    id: str
    report_id: str
    reference: str
    receiver: str
    unit: str
    level: str = Field(description="county, prefecture or province.")
    duty: str = Field(description="acknowledge, arrange_safety or feedback.")
    due_at: datetime
    overdue: bool
    state: str = Field(description="open, done or escalated (missed).")
    done_at: datetime | None
    escalated: bool = Field(description="It came to this unit because a lower one missed it.")
    situations: list[str]
    urgency: str


class InboxOut(Schema):
    open: list[TaskOut]
    missed: list[TaskOut]
    done: list[TaskOut]


class ActionOut(Schema):
    kind: str
    at: datetime
    unit: str | None
    note: str


class AmendmentOut(Schema):
    field: str
    before: str
    after: str
    reason: str
    at: datetime


class ReportOut(Schema):
    id: str
    reference: str
    filed_at: datetime
    channel: str
    situations: list[dict[str, Any]]
    urgency: str
    what_happened: str
    happened_on: date | None
    happened_place: str
    division_code: str
    routing_basis: str
    perpetrator: str
    safety_actions: str
    child: dict[str, Any]
    reporter: dict[str, Any] = Field(description="The reporter's identity: receiving units only.")
    warnings: list[str]
    tasks: list[TaskOut]
    actions: list[ActionOut]
    amendments: list[AmendmentOut]
    interview_held: bool
    interview: dict[str, Any] | None = Field(None, description="Only for those who take part.")
    services: list[dict[str, Any]]
    original: dict[str, Any] = Field(description="The report as filed.")


class ActIn(Schema):
    kind: str = Field(json_schema_extra=_enum(ActionKind.values))
    note: str = ""


class AmendIn(Schema):
    field: str = Field(json_schema_extra=_enum(services.AMENDABLE))
    value: Any = None
    reason: str


InterviewIn = schema_of(services.InterviewInput, "InterviewIn")


class ServiceIn(Schema):
    kind: str = Field(json_schema_extra=_enum(ServiceKind.values))
    on: date
    provider: str = ""
    notes: str = ""


class RouteIn(Schema):
    division_code: str
    receiver: str = Field(json_schema_extra=_enum([r.value for r in Receiver]))
    agency_id: str | None = None
    agency_name: str = ""


class RouteOut(Schema):
    id: str
    division_code: str
    receiver: str
    agency_id: str
    agency: str
    active: bool


class MetricsOut(Schema):
    units: list[dict[str, Any]]
    counties: list[dict[str, Any]]


class ReportingSituationOut(Schema):
    code: str
    number: int
    label: str


# --- rendering -------------------------------------------------------------------------------------




def _sentences(reasons: list[dict[str, Any]]) -> list[str]:
    return [Reason.from_dict(r).render() for r in reasons or []]


def _task(task: Any, now: datetime) -> dict[str, Any]:
    report = task.report
    return {"id": str(task.pk), "report_id": str(report.pk), "reference": report.reference,
            "receiver": task.receiver, "unit": task.agency.name,
            "level": {6: "county", 4: "prefecture", 2: "province"}.get(task.level_digits, ""),
            "duty": task.duty, "due_at": _local(task.due_at),
            "overdue": task.state != "done" and task.due_at < now, "state": task.state,
            "done_at": _local(task.done_at), "escalated": task.escalated_from_id is not None,
            "situations": report.situations, "urgency": report.urgency}


def _status(status: dict[str, Any]) -> dict[str, Any]:
    return {**status, "filed_at": _local(status["filed_at"]),
            "acknowledged_at": _local(status["acknowledged_at"]),
            "outcome_told_at": _local(status["outcome_told_at"])}


def report_out(found: queries.ReportRecord) -> dict[str, Any]:
    import json

    r, now = found.report, timezone.now()
    child = {"registered_child_id": str(r.child_id) if r.child_id else None,
             "name": r.child.name if r.child else r.child_name,
             "sex": r.child.sex if r.child else r.child_sex,
             "date_of_birth": r.child.date_of_birth if r.child else r.child_date_of_birth,
             "age": r.child_age, "division_code": r.child_division_code,
             "details": r.child_details}
    reporter = {"name": r.filed_by.full_name or r.filed_by.username,
                "unit": r.filed_by_post.agency.name if r.filed_by_post.agency else "",
                "role": r.filed_by_post.role.name, "division_code": r.reporter_division_code,
                "caller_name": r.caller_name, "caller_phone": r.caller_phone,
                "caller_relationship": r.caller_relationship}
    interview = None
    if found.interview is not None:
        i = found.interview
        interview = {"held_at": _local(i.held_at), "place": i.place, "attendees": found.attendees,
                     "av_recorded": i.av_recorded, "woman_present": i.woman_present,
                     "appropriate_adult": i.appropriate_adult, "notes": i.notes}
    return {
        "id": str(r.pk), "reference": r.reference, "filed_at": _local(r.filed_at),
        "channel": r.channel,
        "situations": [{"code": c, "label": _(SITUATION_LABELS[c]), "suspected": c in r.suspected}
                       for c in r.situations],
        "urgency": r.urgency, "what_happened": r.what_happened, "happened_on": r.happened_on,
        "happened_place": r.happened_place, "division_code": r.division_code,
        "routing_basis": r.routing_basis, "perpetrator": r.perpetrator,
        "safety_actions": r.safety_actions, "child": child, "reporter": reporter,
        "warnings": _sentences(r.warnings),
        "tasks": [_task(t, now) for t in found.tasks],
        "actions": [{"kind": a.kind, "at": _local(a.at), "unit": a.agency.name if a.agency else None,
                     "note": a.note} for a in found.actions],
        "amendments": [{"field": a.field, "before": a.before, "after": a.after,
                        "reason": a.reason, "at": _local(a.at)} for a in found.amendments],
        "interview_held": found.interview_held, "interview": interview,
        "services": [{"kind": s.kind, "on": s.on, "provider": s.provider, "notes": s.notes}
                     for s in found.services],
        "original": json.loads(r.original or "{}"),
    }


# --- intake and the reporter's view ----------------------------------------------------------------


@router.post("", response=responses({200: FiledOut, 201: FiledOut}))
def file_report(request: HttpRequest, payload: ReportIn,
                idempotency_key: str = Header("", alias="Idempotency-Key")):
    """File a report of suspected harm. Everything may be unknown: it saves and routes with a
    warning. 201 when filed, 200 with the report filed before under the same
    ``Idempotency-Key`` (422 if that key was used for a different report)."""
    actor = api_actor(request)
    data = services.ReportInput(**payload.dict())
    channel = Channel.HOTLINE if data.caller_name or data.caller_phone else Channel.API
    filed = _found(services.file_report, actor, data, channel=channel,
                   idempotency_key=idempotency_key)
    body = {"id": str(filed.report.pk), "reference": filed.report.reference,
            "created": filed.created, "warnings": _sentences(filed.report.warnings)}
    return Status(201 if filed.created else 200, body)


@router.get("/situations", response=responses({200: list[ReportingSituationOut]}))
def situations(request: HttpRequest):
    """The nine situations of the mandatory-reporting opinion, in the request's language."""
    api_actor(request)
    return [{"code": c, "number": n, "label": _(SITUATION_LABELS[c])}
            for n, c in enumerate(SITUATION_CODES, 1)]


@router.get("/mine", response=responses({200: list[StatusOut]}))
def mine(request: HttpRequest):
    """The status of the caller's own reports: received, acknowledged, acted on."""
    return [_status(s) for s in queries.my_reports(api_actor(request))]


@router.get("/{report_id}/status", response=responses({200: StatusOut}))
def status(request: HttpRequest, report_id: str):
    """The status of one of the caller's own reports (404 for anyone else's)."""
    return _status(_found(queries.report_status, api_actor(request), report_id))


# --- receiving units ---------------------------------------------------------------------------------


@router.get("/inbox", response=responses({200: InboxOut}))
def inbox(request: HttpRequest):
    """The caller's unit's tasks: open by deadline, missed (escalated), recently done."""
    found = queries.inbox(api_actor(request))
    return {name: [_task(t, found.now) for t in getattr(found, name)]
            for name in ("open", "missed", "done")}


@router.get("/metrics", response=responses({200: MetricsOut}))
def metrics(request: HttpRequest):
    """Time to acknowledgement and the share within the deadline, by unit and county, in the
    caller's jurisdiction over the last year (aggregates only)."""
    return queries.metrics(api_actor(request))


@router.get("/routing", response=responses({200: list[RouteOut]}))
def routing_table(request: HttpRequest):
    """The routing table's active units in the caller's jurisdiction (administrators)."""
    return [_route(e) for e in queries.routing_entries(api_actor(request))]


@router.post("/routing", response=responses({201: RouteOut}))
def set_route(request: HttpRequest, payload: RouteIn):
    """Name the unit receiving one kind of report for a county, prefecture or province."""
    entry = services.set_route(api_actor(request), payload.division_code, payload.receiver,
                               agency_id=payload.agency_id, agency_name=payload.agency_name)
    return Status(201, _route(entry))


@router.post("/routing/{entry_id}/deactivate", response=responses({200: RouteOut}))
def deactivate_route(request: HttpRequest, entry_id: str):
    """Take a unit out of the routing table (reports then go one level up)."""
    return _route(_found(services.deactivate_route, api_actor(request), entry_id))


def _route(entry: RoutingEntry) -> dict[str, Any]:
    return {"id": str(entry.pk), "division_code": entry.division_id, "receiver": entry.receiver,
            "agency_id": str(entry.agency_id), "agency": entry.agency.name,
            "active": entry.active}


@router.get("/{report_id}", response=responses({200: ReportOut}))
def report(request: HttpRequest, report_id: str):
    """A report routed or escalated to the caller's unit, with every step (audited)."""
    return report_out(_found(queries.report_detail, api_actor(request), report_id))


@router.post("/{report_id}/actions", response=responses({201: ActionOut}))
def act(request: HttpRequest, report_id: str, payload: ActIn):
    """Record what the caller's unit did (acknowledged, child contacted, an outcome, the
    feedback to the reporter); it does the duties it satisfies."""
    actor = api_actor(request)
    action = _found(services.act, actor, report_id, payload.kind, payload.note)
    return Status(201, {"kind": action.kind, "at": _local(action.at),
                        "unit": action.agency.name if action.agency else None,
                        "note": action.note})


@router.post("/{report_id}/amendments", response=responses({201: AmendmentOut}))
def amend(request: HttpRequest, report_id: str, payload: AmendIn):
    """Correct a field with a reason (the filer or a receiving unit); the original is kept."""
    a = _found(services.amend, api_actor(request), report_id, payload.field, payload.value,
               payload.reason)
    return Status(201, {"field": a.field, "before": a.before, "after": a.after,
                        "reason": a.reason, "at": _local(a.at)})


@router.post("/{report_id}/interview", response=responses({201: dict[str, str]}))
def interview(request: HttpRequest, report_id: str, payload: InterviewIn):
    """Record the child's one joint interview (refused if it is already recorded)."""
    data = services.InterviewInput(**payload.dict())
    done = _found(services.record_interview, api_actor(request), report_id, data)
    return Status(201, {"id": str(done.pk)})


@router.post("/{report_id}/services", response=responses({201: dict[str, str]}))
def link_service(request: HttpRequest, report_id: str, payload: ServiceIn):
    """Link a service (forensic examination, psychological support, ...) to the report."""
    done = _found(services.link_service, api_actor(request), report_id, payload.kind, payload.on,
                  payload.provider, payload.notes)
    return Status(201, {"id": str(done.pk)})

