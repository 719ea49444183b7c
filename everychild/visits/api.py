"""/api/v1/visits: monitoring over HTTP (the same services and queries as the pages).

A phone form reads ``/instrument`` to render the risk assessment, then posts the visit with an
identifier it made (``client_id``): sending the same form again answers 200 with the visit
already recorded, never a second visit."""

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from everychild.access.policy import Actor, mask
from everychild.core.api_auth import api_actor
from everychild.core.schemas import enum_of as _enum
from everychild.core.schemas import responses
from everychild.places.codes import Level
from everychild.places.models import Division
from everychild.registry.models import Child
from everychild.rules.findings import Reason
from everychild.rules.risk import RiskLevel, instrument_for
from everychild.rules.visit_plans import Unit, days_overdue
from everychild.visits import plans, queries, services
from everychild.visits.models import RISK_RANK, ChildRisk, Visit, VisitPlan

router = Router()

T = TypeVar("T")

# How a phone form names the places of a visit (the codes are services.PLACES; the same
# words as the visit form's).
PLACE_LABELS = {
    "home": gettext_lazy("at home"),
    "school": gettext_lazy("at school"),
    "village_committee": gettext_lazy("at the village committee"),
    "phone": gettext_lazy("by phone or video"),
    "other": gettext_lazy("elsewhere"),
}
PROVISIONAL = gettext_lazy("Provisional, not validated: the items, weights and thresholds are a "
                           "transparent starting point, to be validated before they are relied on.")
LEVEL_OF_RANK = {rank: str(level) for level, rank in RISK_RANK.items()}
RISK_LEVELS = [level.value for level in RiskLevel]
UNITS = [unit.value for unit in Unit]
LEVEL_NAMES = {level: level.name.lower() for level in Level}



# --- schemas ---------------------------------------------------------------------------------------


class WorkItemOut(Schema):
    child_id: str
    child_name: str | None = Field(None, description="Only for roles that see identities.")
    division_code: str
    next_due: date | None
    due_for: str = Field(description="first_visit, routine, report_response or none.")
    risk_level: str = Field(description="low, medium, high, or empty when not yet assessed.")
    last_visit_on: date | None
    days_overdue: int


class WorkCountsOut(Schema):
    overdue: int
    due_this_week: int
    never_visited: int


class WorklistOut(Schema):
    today: date
    overdue: list[WorkItemOut]
    due_this_week: list[WorkItemOut]
    never_visited: list[WorkItemOut]
    counts: WorkCountsOut


class OverviewRowOut(Schema):
    code: str
    name: str
    overdue: int
    due_this_week: int
    never_visited: int


class OverviewOut(Schema):
    place: str = Field(description="The division the rows are one level below.")
    level: str = Field(description="What the rows are: township (a county's), village (a "
                                   "township's), or county, prefecture, province.")
    rows: list[OverviewRowOut]


class IntervalOut(Schema):
    count: int
    unit: str = Field(description="days, weeks, months or working_days.")


class PlanOut(Schema):
    policy_interval: IntervalOut | None = Field(description="None: no routine visits required.")
    tightened_interval: IntervalOut | None = Field(description="A supervisor's tighter interval.")
    tightened_reason: str
    identified_on: date
    last_visit_on: date | None
    next_due: date | None
    due_for: str
    contact_due: date | None
    reasons: list[str] = Field(description="Why, in the request's language.")
    rule_version: str
    source: str


class RiskOut(Schema):
    level: str
    source: str = Field(description="visit_assessment, report, case_assessment or supervisor.")
    since: date


class VisitOut(Schema):
    id: str
    visited_on: date
    place: str
    child_seen: bool
    caregiver_met: bool
    risk_level: str
    risk_version: str
    drivers: list[str] = Field(description="The score, then the answers that drove the level, "
                                           "in the request's language.")
    report_requested: bool
    recorded_at: datetime


class MonitoringOut(Schema):
    child_id: str
    plan: PlanOut | None
    risk: RiskOut | None
    visits: list[VisitOut] = Field(description="Newest first.")


class VisitIn(Schema):
    client_id: UUID = Field(description="Made by the form; sending it again is the same visit.")
    visited_on: date
    place: str = Field(json_schema_extra=_enum(services.PLACES))
    child_seen: bool
    caregiver_met: bool = False
    met_whom: str = ""
    answers: dict[str, str | list[str]] = Field(
        description="Risk item code -> option code (a list for a multiple-answer item).")
    notes: dict[str, str] = Field(default_factory=dict,
                                  description="Risk item code -> what was seen.")
    needs: str = ""
    actions: str = ""
    next_steps: str = ""
    report_requested: bool = False


class TightenIn(Schema):
    count: int
    unit: str = Field(json_schema_extra=_enum(UNITS))
    reason: str


class RiskIn(Schema):
    level: str = Field(json_schema_extra=_enum(RISK_LEVELS))
    reason: str = ""


class OptionOut(Schema):
    code: str
    label: str
    points: int
    forces_high: bool


class ItemOut(Schema):
    code: str
    title: str
    weight: int
    multiple: bool = Field(description="Several answers (or none) may be chosen.")
    options: list[OptionOut]


class PlaceOut(Schema):
    code: str
    label: str


class InstrumentOut(Schema):
    code: str
    version: str
    title: str
    provisional: bool
    notice: str
    medium_from: int
    high_from: int
    items: list[ItemOut]
    places: list[PlaceOut]


# --- rendering -------------------------------------------------------------------------------------


def _not_found(call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        return call(*args, **kwargs)
    except Child.DoesNotExist:
        raise HttpError(404, "not found") from None


def _place_or_404(call: Callable[..., T], *args: Any) -> T:
    try:
        return call(*args)
    except Division.DoesNotExist:
        raise HttpError(404, "not found") from None


def _sentences(reasons: list[dict[str, Any]]) -> list[str]:
    return [Reason.from_dict(r).render() for r in reasons or []]


def _interval(text: str) -> dict[str, Any] | None:
    interval = plans.parse_interval(text)
    return {"count": interval.count, "unit": interval.unit.value} if interval else None


def _work_item(actor: Actor, plan: VisitPlan, today: date) -> dict[str, Any]:
    row = {"child_id": str(plan.child_id), "division_code": plan.division_code,
           "next_due": plan.next_due, "due_for": plan.due_for,
           "risk_level": LEVEL_OF_RANK.get(plan.risk_rank, ""),
           "last_visit_on": plan.last_visit_on,
           "days_overdue": days_overdue(plan.next_due, today) if plan.next_due else 0}
    shown = mask(actor, {"name": plan.child.name})
    if "name" in shown:
        row["child_name"] = shown["name"]
    return row


def _plan_out(plan: VisitPlan) -> dict[str, Any]:
    return {"policy_interval": _interval(plan.policy_interval),
            "tightened_interval": _interval(plan.tightened_interval),
            "tightened_reason": plan.tightened_reason, "identified_on": plan.identified_on,
            "last_visit_on": plan.last_visit_on, "next_due": plan.next_due,
            "due_for": plan.due_for, "contact_due": plan.contact_due,
            "reasons": _sentences(plan.reasons), "rule_version": plan.rule_version,
            "source": plan.rule_source}


def _risk_out(risk: ChildRisk) -> dict[str, Any]:
    return {"level": risk.level, "source": risk.source, "since": risk.since}


def _visit_out(visit: Visit) -> dict[str, Any]:
    return {"id": str(visit.pk), "visited_on": visit.visited_on, "place": visit.place,
            "child_seen": visit.child_seen, "caregiver_met": visit.caregiver_met,
            "risk_level": visit.risk_level, "risk_version": visit.risk_version,
            "drivers": _sentences(visit.risk_drivers),
            "report_requested": visit.report_requested, "recorded_at": visit.recorded_at}


# --- endpoints -------------------------------------------------------------------------------------


@router.get("/worklist", response=responses({200: WorklistOut}))
def worklist(request: HttpRequest, village: str | None = None):
    """The caller's visits: overdue, due this week and never visited, by risk then lateness;
    with ``village`` (a supervisor, a county officer), that village's children. Names only
    for roles that see identities (the read is audited)."""
    actor = api_actor(request)
    today = timezone.localdate()
    work = _place_or_404(queries.worklist, actor, today, village)
    return {"today": today,
            "overdue": [_work_item(actor, p, today) for p in work.overdue],
            "due_this_week": [_work_item(actor, p, today) for p in work.due_this_week],
            "never_visited": [_work_item(actor, p, today) for p in work.never_visited],
            "counts": {key: work.counts.get(key) or 0
                       for key in ("overdue", "due_this_week", "never_visited")}}


@router.get("/overview", response=responses({200: OverviewOut}))
def overview(request: HttpRequest, place: str | None = None):
    """Visits due per place one level below ``place`` (default: the caller's jurisdiction):
    a county officer's townships, a township's villages. Counts only, no names."""
    actor = api_actor(request)
    found = _place_or_404(queries.overview, actor, place)
    return {"place": found.place.code, "level": LEVEL_NAMES[found.level], "rows": found.rows}


@router.get("/instrument", response=responses({200: InstrumentOut}))
def instrument(request: HttpRequest):
    """The risk instrument in force for the caller's province today, in the request's language,
    and the places of a visit: what a phone form needs to render the assessment."""
    actor = api_actor(request)
    rule = instrument_for((actor.jurisdiction or "")[:2], timezone.localdate())
    return {
        "code": rule.code, "version": rule.version, "title": _(rule.title),
        "provisional": rule.provisional, "notice": str(PROVISIONAL) if rule.provisional else "",
        "medium_from": rule.param("medium_from"), "high_from": rule.param("high_from"),
        "items": [{"code": item.code, "title": _(item.title), "weight": item.weight,
                   "multiple": item.multiple,
                   "options": [{"code": o.code, "label": _(o.label), "points": o.points,
                                "forces_high": o.forces_high} for o in item.options]}
                  for item in rule.param("items")],
        "places": [{"code": code, "label": str(PLACE_LABELS.get(code, code))}
                   for code in services.PLACES],
    }


@router.get("/children/{child_id}", response=responses({200: MonitoringOut}))
def child_monitoring(request: HttpRequest, child_id: str):
    """A child's visit plan (with its reasons), current risk level and visits (audited)."""
    actor = api_actor(request)
    found = _not_found(queries.child_monitoring, actor, child_id)
    return {"child_id": str(found.child.pk),
            "plan": _plan_out(found.plan) if found.plan else None,
            "risk": _risk_out(found.risk) if found.risk else None,
            "visits": [_visit_out(v) for v in found.visits]}


@router.post("/children/{child_id}/visits", response=responses({200: VisitOut, 201: VisitOut}))
def record_visit(request: HttpRequest, child_id: str, payload: VisitIn):
    """Record a visit with its risk assessment: 201 when recorded, 200 with the visit already
    recorded when ``client_id`` was sent before (a retry or a double tap)."""
    actor = api_actor(request)
    data = services.VisitInput(**payload.dict(exclude={"client_id"}))
    existed = Visit.objects.filter(pk=payload.client_id).exists()
    visit = _not_found(services.record_visit, actor, child_id, data, client_id=payload.client_id)
    return Status(200 if existed else 201, _visit_out(visit))


@router.post("/children/{child_id}/plan/tighten", response=responses({200: PlanOut}))
def tighten_plan(request: HttpRequest, child_id: str, payload: TightenIn):
    """A supervisor sets a tighter interval than policy, with a reason (never a looser one)."""
    actor = api_actor(request)
    plan = _not_found(services.tighten_plan, actor, child_id, payload.count, payload.unit,
                      payload.reason)
    return _plan_out(plan)


@router.post("/children/{child_id}/risk", response=responses({200: RiskOut}))
def set_risk(request: HttpRequest, child_id: str, payload: RiskIn):
    """A supervisor sets the child's risk level; lowering a standing high needs a reason."""
    actor = api_actor(request)
    return _risk_out(_not_found(services.lower_risk, actor, child_id, payload.level,
                                payload.reason))
