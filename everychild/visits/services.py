"""Monitoring use cases: recording a visit, tightening a plan, a supervisor lowering a risk
level. The pages and the API call these; each is audited and leaves nothing half-written."""

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from everychild.access.policy import Actor, can, require
from everychild.accounts.models import Post
from everychild.accounts.roles import Capability
from everychild.audit.services import record
from everychild.core.ids import parse_uuid
from everychild.notifications.services import notify
from everychild.places.codes import prefix_range
from everychild.places.models import Division
from everychild.registry.models import Child, ChildEvent
from everychild.registry.updates import check_photo
from everychild.rules.risk import (
    CurrentRisk,
    LoweringRefused,
    RiskLevel,
    RiskSignal,
    RiskSource,
    current_risk_level,
    instrument_for,
    score,
)
from everychild.rules.visit_plans import Interval, LooserThanPolicy, Unit, check_interval
from everychild.visits import plans
from everychild.visits.models import ChildRisk, Visit, VisitPhoto, VisitPlan

PLACES = ("home", "school", "village_committee", "phone", "other")
MAX_TEXT = 2000
RISK_ROSE = gettext_noop("The risk level rose to high.")
RISK_CHANGED = gettext_noop("Risk level changed.")
HIGH_RISK_MESSAGE = gettext_noop("A child in %(village)s was assessed at high risk on %(day)s.")


@dataclass
class VisitInput:
    visited_on: date
    place: str
    child_seen: bool
    answers: dict[str, Any]  # risk item code -> option code (or several for a multiple item)
    caregiver_met: bool = False
    met_whom: str = ""
    notes: dict[str, str] = field(default_factory=dict)  # risk item code -> what was seen
    needs: str = ""
    actions: str = ""
    next_steps: str = ""
    report_requested: bool = False


def visible_child(actor: Actor, child_id: Any, capability: str) -> Child:
    """The child, if the actor may see it (else Child.DoesNotExist: a 404, never a 403 that
    would confirm the record exists), and may do ``capability`` there (else 403)."""
    pk = parse_uuid(child_id)
    child = Child.objects.filter(pk=pk).first() if pk else None
    if child is None or not can(actor, Capability.CHILD_VIEW, child.division_code):
        raise Child.DoesNotExist
    require(actor, capability, child.division_code)
    return child


def _validate(child: Child, data: VisitInput, today: date) -> None:
    errors: dict[str, str] = {}
    if data.visited_on > today:
        errors["visited_on"] = _("The visit cannot be dated in the future.")
    elif data.visited_on < child.date_of_birth:
        errors["visited_on"] = _("The visit cannot be dated before the child's birth.")
    if data.place not in PLACES:
        errors["place"] = _("Choose where the visit took place.")
    for name in ("met_whom", "needs", "actions", "next_steps"):
        if len(getattr(data, name) or "") > MAX_TEXT:
            errors[name] = _("At most %(n)s characters.") % {"n": MAX_TEXT}
    if any(len(str(v)) > MAX_TEXT for v in data.notes.values()):
        errors["notes"] = _("At most %(n)s characters.") % {"n": MAX_TEXT}
    if errors:
        raise ValidationError(errors)


def _score(child: Child, data: VisitInput) -> Any:
    instrument = instrument_for(child.division_code[:2], data.visited_on)
    try:
        return score(data.answers, instrument)
    except ValueError:
        raise ValidationError({"answers": _("Answer every question of the risk assessment with "
                                            "one of its options.")}) from None


def record_visit(actor: Actor, child_id: Any, data: VisitInput, *, client_id: Any = None,
                 today: date | None = None) -> Visit:
    """Record a visit made on the phone as ``client_id`` (a UUID the form made). The same
    ``client_id`` sent again (a retry, a double tap, a draft sent twice) returns the visit
    already recorded and records nothing more."""
    today = today or timezone.localdate()
    child = visible_child(actor, child_id, Capability.VISIT_RECORD)
    pk = parse_uuid(client_id) if client_id else None
    if client_id and pk is None:
        raise ValidationError({"client_id": _("The form's identifier is not valid.")})
    existing = _same_visit(pk, child)
    if existing is not None:
        return existing
    _validate(child, data, today)
    result = _score(child, data)
    try:
        with transaction.atomic():
            visit = _save(actor, child, data, result, pk)
            _after_visit(actor, child, visit, result)
    except IntegrityError:  # the same form, sent twice at once: the other one won
        existing = _same_visit(pk, child)
        if existing is None:
            raise
        return existing
    return visit


def _same_visit(pk: UUID | None, child: Child) -> Visit | None:
    if pk is None:
        return None
    visit = Visit.objects.filter(pk=pk).first()
    if visit is not None and visit.child_id != child.pk:
        raise ValidationError({"client_id": _("This form was already used for another child.")})
    return visit


def _save(actor: Actor, child: Child, data: VisitInput, result: Any, pk: UUID | None) -> Visit:
    observations = {code: {"answer": data.answers.get(code), "note": data.notes.get(code, "")}
                    for code in data.answers}
    visit = Visit(
        division_code=child.division_code, child=child, visited_on=data.visited_on,
        place=data.place, child_seen=data.child_seen, caregiver_met=data.caregiver_met,
        met_whom=data.met_whom.strip(), observations=json.dumps(observations, ensure_ascii=False),
        needs=data.needs.strip(), actions=data.actions.strip(), next_steps=data.next_steps.strip(),
        risk_level=result.level.value, risk_version=result.rule_version,
        risk_drivers=[r.as_dict() for r in result.reasons],
        report_requested=data.report_requested, recorded_by=actor.user)
    if pk is not None:
        visit.pk = pk
    visit.save(force_insert=True)
    record(actor, "visit.create", division_code=child.division_code, object_type="visit",
           object_id=visit.pk, detail={"child": str(child.pk), "risk_level": visit.risk_level,
                                       "report_requested": data.report_requested})
    ChildEvent.objects.create(child=child, division_code=child.division_code, kind="visit",
                              summary=gettext_noop("Visited."), actor=actor.user,
                              detail={"visit": str(visit.pk), "on": data.visited_on.isoformat(),
                                      "risk_level": visit.risk_level,
                                      "reasons": visit.risk_drivers})
    return visit


def _after_visit(actor: Actor, child: Child, visit: Visit, result: Any) -> None:
    """The visit's risk signal, then the plan from the new last visit (in person only)."""
    set_risk(actor, child, RiskSignal(result.level, RiskSource.VISIT, visit.visited_on),
             source_id=str(visit.pk))
    plans.refresh(child, last_visit_on=visit.visited_on if visit.child_seen else None)


# --- the one current risk level ------------------------------------------------------------------

def _current(child: Child) -> tuple[ChildRisk | None, CurrentRisk | None]:
    row = ChildRisk.objects.select_for_update().filter(child=child).first()
    if row is None:
        return None, None
    return row, CurrentRisk(RiskLevel(row.level), RiskSource(row.source), row.since)


def set_risk(actor: Actor | None, child: Child, signal: RiskSignal, *,
             source_id: str = "") -> ChildRisk:
    """Apply a risk signal (a visit, a report, a case assessment, a supervisor): a standing
    high is lowered only by a supervisor with a reason. A rise to high alerts the township's
    supervisors at once. Call inside the transaction of what produced the signal."""
    row, current = _current(child)
    if current is not None and signal.on < current.since:
        signal = RiskSignal(signal.level, signal.source, current.since, signal.note)
    new = current_risk_level(current, signal)
    if row is not None and (row.level, row.source, row.since) == (
            new.level.value, new.source.value, new.since):
        return row
    before = row.level if row is not None else ""
    row = row or ChildRisk(child=child)
    row.division_code = child.division_code
    row.level, row.source, row.since = new.level.value, new.source.value, new.since
    row.source_id, row.reason = source_id, signal.note
    row.set_by = actor.user if actor else None
    row.save()
    if before != row.level:
        ChildEvent.objects.create(
            child=child, division_code=child.division_code, kind="risk_changed",
            summary=RISK_CHANGED, actor=actor.user if actor else None,
            detail={"from": before, "to": row.level, "reasons": [r.as_dict() for r in new.reasons]})
        if row.level == RiskLevel.HIGH:
            _alert_supervisors(child, new.since)
    return row


def _alert_supervisors(child: Child, day: date) -> None:
    township = child.division_code[:9]
    posts = Post.objects.filter(active=True, role_id="child_supervisor",
                                division__code__range=prefix_range(township)).select_related("user")
    village = Division.objects.filter(pk=child.division_code).values_list("name", flat=True)
    notify(list(posts), kind="risk_high", message=HIGH_RISK_MESSAGE,
           params={"village": village.first() or child.division_code, "day": day.isoformat()},
           link=f"/children/{child.pk}/", division_code=child.division_code,
           dedupe_key=f"risk_high:{child.pk}:{day.isoformat()}")


def lower_risk(actor: Actor, child_id: Any, level: str, reason: str, *,
               today: date | None = None) -> ChildRisk:
    """A supervisor sets the risk level (lowering a standing high needs a reason)."""
    today = today or timezone.localdate()
    child = visible_child(actor, child_id, Capability.VISIT_SUPERVISE)
    if level not in RiskLevel.__members__.values():
        raise ValidationError({"level": _("Choose a risk level.")})
    with transaction.atomic():
        try:
            row = set_risk(actor, child, RiskSignal(RiskLevel(level), RiskSource.SUPERVISOR, today,
                                                    reason.strip()))
        except LoweringRefused as exc:
            raise ValidationError({"reason": exc.reason.render()}) from None
        record(actor, "risk.set", division_code=child.division_code, object_type="child",
               object_id=child.pk, reason=reason.strip()[:200], detail={"level": row.level})
        plans.refresh(child, today)
    return row


def note_report(child: Child, day: date, *, high: bool, report_id: str) -> None:
    """A report of suspected harm about the child (the reporting app calls it in the report's
    transaction): the risk rises (to high when a reporting situation or imminent danger was
    reported), and the plan asks for contact within 24 hours and a visit within the response
    time of the risk level."""
    level = RiskLevel.HIGH if high else RiskLevel.MEDIUM
    set_risk(None, child, RiskSignal(level, RiskSource.REPORT, day), source_id=report_id)
    plans.refresh(child, day, report_on=day)


# --- plans ---------------------------------------------------------------------------------------

def tighten_plan(actor: Actor, child_id: Any, count: int, unit: str, reason: str, *,
                 today: date | None = None) -> VisitPlan:
    """A supervisor sets a tighter interval than policy, with a reason; a looser one is
    refused with the policy's interval in words."""
    child = visible_child(actor, child_id, Capability.VISIT_SUPERVISE)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the tighter plan.")})
    try:
        requested = Interval(int(count), Unit(unit))
    except (TypeError, ValueError):
        raise ValidationError({"interval": _("Enter a whole number of days, weeks or "
                                             "months.")}) from None
    with transaction.atomic():
        plan = VisitPlan.objects.select_for_update().filter(child=child).first()
        if plan is None:
            plan = plans.refresh(child, today)
        checked = check_interval(requested, plans.parse_interval(plan.policy_interval),
                                 plan.rule_source)
        if not checked.allowed:
            raise ValidationError({"interval": checked.reason.render()})
        plan.tightened_interval = plans.interval_text(requested)
        plan.tightened_reason, plan.tightened_by = reason.strip(), actor.user
        plan.save(update_fields=["tightened_interval", "tightened_reason", "tightened_by"])
        plan = plans.refresh(child, today)
        record(actor, "plan.tighten", division_code=child.division_code, object_type="child",
               object_id=child.pk, reason=reason.strip()[:200],
               detail={"interval": plan.tightened_interval})
    return plan


__all__ = ["PLACES", "LooserThanPolicy", "VisitInput", "add_photo", "lower_risk", "note_report",
           "record_visit", "set_risk", "tighten_plan", "visible_child"]


# --- photos --------------------------------------------------------------------------------------

MAX_PHOTOS = 5


def add_photo(actor: Actor, visit_id: Any, data: bytes) -> VisitPhoto:
    """Attach a photo (stored encrypted) to a visit the actor recorded or may supervise. Like
    the child's own photo, it needs the recorded consent for photographs (domain.md §7)."""
    pk = parse_uuid(visit_id)
    visit = Visit.objects.select_related("child").filter(pk=pk).first() if pk else None
    if visit is None:
        raise Visit.DoesNotExist
    visible_child(actor, visit.child_id, Capability.VISIT_RECORD)
    kind = check_photo(visit.child, data)
    with transaction.atomic():
        if VisitPhoto.objects.filter(visit=visit).count() >= MAX_PHOTOS:
            raise ValidationError({"photo": _("At most %(n)s photos per visit.") % {
                "n": MAX_PHOTOS}})
        photo = VisitPhoto.objects.create(division_code=visit.division_code, child=visit.child,
                                          visit=visit, image=data, content_type=kind)
        record(actor, "visit.photo.add", division_code=visit.division_code,
               object_type="visit", object_id=visit.pk, detail={"photo": str(photo.pk)})
    return photo
