"""Mandatory reporting use cases: filing a report (from a form, a visit, a call or another
system), acting on it as a receiving unit, amending it, the one-stop interview and its linked
services. The pages and the API call these; each is audited and leaves nothing half-written.

A report always saves and always goes somewhere: with most fields unknown it saves with a
warning; a place with no receiving unit routes to the next level up and alerts administrators;
a missed deadline escalates one level up at the deadline itself (a task enqueued for it, and
the tick as a safety net)."""

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from everychild.access.policy import Actor, can, require
from everychild.accounts.models import Agency
from everychild.accounts.roles import Capability
from everychild.audit.services import record
from everychild.core import outbox
from everychild.core.ids import parse_uuid
from everychild.notifications.services import notify
from everychild.places.codes import Level, prefix_range
from everychild.places.models import Division
from everychild.places.queries import division_name
from everychild.registry import idnumber
from everychild.registry.models import Child, ChildEvent, Sex
from everychild.reports import routing
from everychild.reports.models import (
    POLICE_OUTCOMES,
    ActionKind,
    Channel,
    JointInterview,
    LinkedService,
    Relationship,
    Report,
    ReportAction,
    ReportAmendment,
    ReportTask,
    RoutingEntry,
    ServiceKind,
    TaskState,
    Urgency,
)
from everychild.rules import Reason
from everychild.rules.reporting import (
    BASIS_TERMS,
    DUTY_TERMS,
    ESCALATION_DIGITS,
    RECEIVER_TERMS,
    SITUATION_CODES,
    Deadline,
    Duty,
    Receiver,
    deadlines,
    feedback_deadline,
    next_level,
    policy_for,
    routing_place,
    situation_warnings,
)
from everychild.visits.services import note_report, visible_child

MAX_TEXT = 4000
LEVEL_TERMS = {6: gettext_noop("county"), 4: gettext_noop("prefecture"), 2: gettext_noop("province")}
NEW_TASK = gettext_noop("A report of suspected harm in %(place)s is waiting for you: %(duty_term)s "
                        "by %(due)s.")
ESCALATED_TASK = gettext_noop("Escalated to you: a report of suspected harm in %(place)s was not "
                              "answered in time. %(duty_term)s by %(due)s.")
NOWHERE_HIGHER = gettext_noop("A report of suspected harm in %(place)s missed its deadline and there "
                              "is no %(receiver_term)s unit above: check the routing table.")
WELFARE = gettext_noop("The police found no crime in a report in %(place)s, but a welfare concern: "
                       "civil affairs should open a case.")
LITTLE_KNOWN = Reason.make("report_little_known", gettext_noop(
    "Almost nothing is known yet (no situation and no description): the report is saved and "
    "routed. Add what you learn as an amendment."))
ROUTED_UP = gettext_noop("No %(receiver_term)s unit is configured for the %(missing_term)s: the "
                         "report went to the %(level_term)s unit, and administrators were alerted.")
NOT_ROUTED = gettext_noop("No %(receiver_term)s unit is configured up to the province: "
                          "administrators were alerted, and the report is routed as soon as one is.")
# What each duty is done by; any outcome of the police also acknowledges.
DONE_BY = {Duty.ACKNOWLEDGE: {ActionKind.ACKNOWLEDGED, ActionKind.CHILD_CONTACTED,
                              *POLICE_OUTCOMES, ActionKind.FEEDBACK},
           Duty.ARRANGE_SAFETY: {ActionKind.CHILD_CONTACTED},
           Duty.FEEDBACK: {ActionKind.FEEDBACK}}
AMENDABLE = ("situations", "suspected", "urgency", "what_happened", "happened_on", "happened_place",
             "perpetrator", "safety_actions", "child_name", "child_sex", "child_date_of_birth",
             "child_age", "child_details", "child")


@dataclass
class ReportInput:
    """What a reporter knows; everything may be unknown."""

    situations: list[str] = field(default_factory=list)
    suspected: list[str] = field(default_factory=list)  # of ``situations``, those only suspected
    urgency: str = Urgency.UNKNOWN
    what_happened: str = ""
    happened_on: date | None = None
    happened_place: str = ""
    happened_division_code: str = ""
    perpetrator: str = Relationship.UNKNOWN
    safety_actions: str = ""
    child_id: str = ""  # a registered child the filer may see (from a profile or a visit)
    child_name: str = ""
    child_sex: str = ""
    child_date_of_birth: date | None = None
    child_age: int | None = None
    child_id_number: str = ""
    child_division_code: str = ""
    child_details: str = ""
    caller_name: str = ""
    caller_phone: str = ""
    caller_relationship: str = ""
    visit_id: str = ""


@dataclass
class Filed:
    report: Report
    created: bool


# --- filing --------------------------------------------------------------------------------------

REPORT_CHANGED = "report.changed"  # filed, acknowledged, acted on: the insights recount


def file_report(actor: Actor, data: ReportInput, *, channel: str = Channel.FORM,
                idempotency_key: str = "", now: datetime | None = None) -> Filed:
    """File a report: saved, routed to every receiving unit with its deadline, audited. The
    same ``idempotency_key`` from the same filer returns the report already filed (and refuses
    a different report under it)."""
    require(actor, Capability.REPORT_CREATE)
    now = now or timezone.now()
    key = (idempotency_key or "").strip()[:100]
    digest = _digest(data)
    existing = _same_report(actor, key, digest)
    if existing is not None:
        return Filed(existing, False)
    child = _validate(actor, data, timezone.localtime(now).date())
    try:
        with transaction.atomic():
            report = _save(actor, data, channel, key, digest, child, now)
            _route(report, now)
            record(actor, "report.create", division_code=report.division_code,
                   object_type="report", object_id=report.pk,
                   detail={"channel": channel, "situations": report.situations,
                           "child": str(report.child_id or ""), "tasks": report.tasks.count()})
            if report.child_id:
                _on_child(report, now)
    except IntegrityError:  # the same key, sent twice at once: the other one won
        existing = _same_report(actor, key, digest)
        if existing is None:
            raise
        return Filed(existing, False)
    return Filed(report, True)


def _digest(data: ReportInput) -> str:
    blob = json.dumps(asdict(data), sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def _same_report(actor: Actor, key: str, digest: str) -> Report | None:
    if not key:
        return None
    found = Report.objects.filter(filed_by=actor.user, idempotency_key=key).first()
    if found is not None and found.payload_hash != digest:
        raise ValidationError({"idempotency_key": _(
            "This idempotency key was already used for a different report.")})
    return found


def _validate(actor: Actor, data: ReportInput, today: date) -> Child | None:
    errors: dict[str, str] = {}
    unknown = [c for c in [*data.situations, *data.suspected] if c not in SITUATION_CODES]
    if unknown:
        errors["situations"] = _("Choose situations from the list.")
    if set(data.suspected) - set(data.situations):
        errors["suspected"] = _("Only a situation chosen can be marked as suspected.")
    if data.urgency not in Urgency.values:
        errors["urgency"] = _("Choose how urgent it is.")
    if data.perpetrator not in Relationship.values:
        errors["perpetrator"] = _("Choose the relationship from the list.")
    if data.child_sex and data.child_sex not in Sex.values:
        errors["child_sex"] = _("Choose the child's sex, or leave it empty.")
    for name in ("happened_on", "child_date_of_birth"):
        day = getattr(data, name)
        if day is not None and day > today:
            errors[name] = _("The date cannot be in the future.")
    if data.child_age is not None and not 0 <= data.child_age <= 17:
        errors["child_age"] = _("A child is 0 to 17 years old.")
    for name in ("happened_division_code", "child_division_code"):
        code = getattr(data, name)
        if code and not Division.objects.filter(pk=code).exists():
            errors[name] = _("No such place.")
    for name in ("what_happened", "happened_place", "safety_actions", "child_details",
                 "child_name", "caller_name", "caller_phone", "caller_relationship"):
        if len(getattr(data, name) or "") > MAX_TEXT:
            errors[name] = _("At most %(n)s characters.") % {"n": MAX_TEXT}
    if data.child_id_number:
        try:
            idnumber.parse(data.child_id_number)
        except ValueError as exc:
            errors["child_id_number"] = str(exc)
    if errors:
        raise ValidationError(errors)
    return _registered_child(actor, data)


def _registered_child(actor: Actor, data: ReportInput) -> Child | None:
    """The registered child named by the filer (who must be able to see it: else a 404)."""
    return visible_child(actor, data.child_id, Capability.CHILD_VIEW) if data.child_id else None


def _match(data: ReportInput, county: str) -> Child | None:
    """A registered child matching what an outside reporter knows, linked silently (the reporter
    is never told whether the child is registered): the ID number, else the name and date of
    birth in the routing county."""
    if data.child_id_number:
        found = Child.objects.filter(id_number_hash=idnumber.blind_key(data.child_id_number)).first()
        if found is not None:
            return found
    name = data.child_name.strip()
    if name and data.child_date_of_birth:
        same = Child.objects.filter(date_of_birth=data.child_date_of_birth,
                                    division_code__range=prefix_range(county))
        matches = [c for c in same[:50] if c.name == name]
        if len(matches) == 1:
            return matches[0]
    return None


def _reference(now: datetime) -> str:
    return f"{timezone.localtime(now):%y%m%d}-{secrets.token_hex(3).upper()}"


def _save(actor: Actor, data: ReportInput, channel: str, key: str, digest: str,
          child: Child | None, now: datetime) -> Report:
    reporter_code = actor.post.division_id
    residence = child.division_code if child else data.child_division_code
    code, basis = routing_place(data.happened_division_code, residence, reporter_code)
    child = child or _match(data, code[:6])
    if child is not None and not residence:
        residence = child.division_code
    content = {k: v for k, v in asdict(data).items() if k not in ("child_id", "visit_id")}
    number = idnumber.normalise(data.child_id_number) if data.child_id_number else ""
    warnings = [] if data.situations or data.what_happened.strip() else [LITTLE_KNOWN]
    warnings += situation_warnings(data.situations, data.child_sex or (child.sex if child else ""),
                                   data.child_date_of_birth or (child.date_of_birth if child
                                                                else None), data.happened_on)
    report = Report(
        reference=_reference(now), division_code=code, routing_basis=basis.value,
        situations=list(dict.fromkeys(data.situations)),
        suspected=list(dict.fromkeys(data.suspected)), urgency=data.urgency,
        what_happened=data.what_happened.strip(), happened_on=data.happened_on,
        happened_place=data.happened_place.strip(),
        happened_division_code=data.happened_division_code, perpetrator=data.perpetrator,
        safety_actions=data.safety_actions.strip(), child=child,
        child_name=data.child_name.strip(), child_sex=data.child_sex,
        child_date_of_birth=data.child_date_of_birth, child_age=data.child_age,
        child_id_number=number, child_id_number_hash=idnumber.blind_key(number) if number else "",
        child_division_code=residence or "", child_details=data.child_details.strip(),
        channel=channel, filed_by=actor.user, filed_by_post=actor.post,
        reporter_division_code=reporter_code, caller_name=data.caller_name.strip(),
        caller_phone=data.caller_phone.strip(),
        caller_relationship=data.caller_relationship.strip(),
        visit_id=parse_uuid(data.visit_id) if data.visit_id else None, idempotency_key=key,
        payload_hash=digest, original=json.dumps(content, default=str, ensure_ascii=False),
        warnings=[w.as_dict() for w in warnings], filed_at=now)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                report.save(force_insert=True)
                outbox.emit(REPORT_CHANGED, [report.pk], report.division_code)
            return report
        except IntegrityError:
            if Report.objects.filter(reference=report.reference).exists():
                report.reference = _reference(now)  # a reference drawn twice in a day
                continue
            raise
    raise IntegrityError("could not draw a unique report reference")


# --- routing and deadlines -----------------------------------------------------------------------


_place_name = division_name


def _route(report: Report, now: datetime, receivers: list[str] | None = None) -> None:
    """Give every receiver's duty to its unit (only ``receivers``, when routing again those
    that found none); a receiver with no unit up to the province waits in ``unrouted``."""
    rule = policy_for(report.division_code[:2], timezone.localtime(now).date())
    imminent = report.urgency == Urgency.IMMINENT
    warnings, unrouted = list(report.warnings), []
    for deadline in deadlines(report.situations, imminent, rule):
        if receivers is not None and deadline.receiver not in receivers:
            continue
        warning, routed = _assign(report, deadline, now)
        if warning is not None and warning.as_dict() not in warnings:
            warnings.append(warning.as_dict())
        if not routed:
            unrouted.append(deadline.receiver.value)
    report.warnings, report.unrouted, report.routing_pending = warnings, unrouted, bool(unrouted)
    report.save(update_fields=["warnings", "unrouted", "routing_pending"])


def _assign(report: Report, deadline: Deadline, now: datetime,
            from_digits: int = ESCALATION_DIGITS[0]) -> tuple[Reason | None, bool]:
    """Give the deadline's duty to the first unit found from ``from_digits`` up: a warning (and
    an administrators' alert) when it had to go higher than asked, or found none; and whether
    it found a unit."""
    route = routing.resolve(deadline.receiver, report.division_code, from_digits)
    terms = {"receiver_term": RECEIVER_TERMS[deadline.receiver]}
    place = _place_name(report.division_code)
    if route is None:
        routing.alert_administrators(
            report.division_code, terms["receiver_term"], LEVEL_TERMS[2], place,
            f"routing_gap:{report.pk}:{deadline.receiver}:none")
        return Reason.make("report_not_routed", NOT_ROUTED, terms=terms), False
    _task(report, deadline, route, now, None)
    if route.digits != from_digits:
        missing = LEVEL_TERMS[from_digits]
        routing.alert_administrators(report.division_code, terms["receiver_term"], missing, place,
                                     f"routing_gap:{report.pk}:{deadline.receiver}:{from_digits}")
        return Reason.make("report_routed_up", ROUTED_UP, terms={
            **terms, "missing_term": missing, "level_term": LEVEL_TERMS[route.digits]}), True
    return None, True


def _task(report: Report, deadline: Deadline, route: routing.Route, now: datetime,
          escalated_from: ReportTask | None) -> ReportTask:
    task = ReportTask.objects.create(
        report=report, division_code=report.division_code, receiver=deadline.receiver.value,
        agency=route.agency, unit_division_code=route.division_code, level_digits=route.digits,
        duty=deadline.duty.value, due_at=deadline.due(now),
        deadline_reason={**deadline.reason.as_dict(), "hours": deadline.hours},
        escalated_from=escalated_from, created_at=now)
    message = ESCALATED_TASK if escalated_from else NEW_TASK
    notify(routing.receiving_posts(route.agency), kind="report_task", message=message,
           params={"place": _place_name(report.division_code),
                   "duty_term": DUTY_TERMS[deadline.duty],
                   "due": timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M")},
           link=f"/reports/{report.pk}/", division_code=report.division_code,
           dedupe_key=f"report_task:{task.pk}")
    transaction.on_commit(lambda: _enqueue_escalation(task))
    return task


def _enqueue_escalation(task: ReportTask) -> None:
    """Run the escalation at the deadline itself (the tick catches it if the queue fails)."""
    import logging

    from everychild.core.tasks import enqueue_at
    from everychild.reports.tasks import escalate_task

    try:
        enqueue_at(escalate_task, task.due_at, str(task.pk))
    except Exception:
        logging.getLogger(__name__).warning("could not enqueue a report escalation", exc_info=True)


def escalate(task_id: Any, now: datetime | None = None) -> bool:
    """A task still open after its deadline escalates one level up (once): the unit above gets a
    task with the same time again, or administrators an alert when there is none. True when it
    escalated now."""
    now = now or timezone.now()
    with transaction.atomic():
        task = (ReportTask.objects.select_for_update().select_related("report")
                .filter(pk=task_id).first())
        if task is None or task.state != TaskState.OPEN or task.due_at > now:
            return False
        task.state, task.escalated_at = TaskState.ESCALATED, now
        task.save(update_fields=["state", "escalated_at"])
        report = task.report
        higher = next_level(task.unit_division_code, task.level_digits)
        deadline = Deadline(Receiver(task.receiver), Duty(task.duty),
                            int(task.deadline_reason.get("hours", 24)),
                            Reason.from_dict(task.deadline_reason))
        terms = {"receiver_term": RECEIVER_TERMS[deadline.receiver]}
        route = routing.resolve(task.receiver, report.division_code, higher[1]) if higher else None
        if route is None:
            notify(routing.administrators_over(report.division_code), kind="routing_gap",
                   message=NOWHERE_HIGHER, params={"place": _place_name(report.division_code),
                                                   **terms},
                   link=f"/reports/{report.pk}/", division_code=report.division_code,
                   dedupe_key=f"report_nowhere:{task.pk}")
        else:
            _task(report, deadline, route, now, task)
        record(None, "report.escalate", division_code=report.division_code,
               object_type="report", object_id=report.pk,
               detail={"task": str(task.pk), "receiver": task.receiver, "duty": task.duty,
                       "to": route.division_code if route else ""})
    return True


def escalate_missed(now: datetime | None = None) -> int:
    """The tick's safety net: escalate every task past its deadline that is still open (a lost
    queue entry, a worker that was down). Idempotent; reads the (state, due) index."""
    now = now or timezone.now()
    due = list(ReportTask.objects.filter(state=TaskState.OPEN, due_at__lte=now)
               .order_by("due_at").values_list("pk", flat=True)[:5000])
    return sum(escalate(pk, now) for pk in due)


def route_unrouted(now: datetime | None = None) -> int:
    """Route again the reports whose receivers found no unit (the routing table was missing a
    row): never nowhere. Idempotent; reads the index of reports still waiting."""
    now = now or timezone.now()
    done = 0
    for pk in Report.objects.filter(routing_pending=True).values_list("pk", flat=True)[:1000]:
        with transaction.atomic():
            report = Report.objects.select_for_update().get(pk=pk)
            if not report.unrouted:
                continue
            _route(report, now, list(report.unrouted))
            done += not report.unrouted
    return done


# --- acting on a report --------------------------------------------------------------------------


def receiver_tasks(actor: Actor, report: Report) -> list[ReportTask]:
    """The actor's unit's tasks on the report (empty: the report is not theirs)."""
    agency = actor.post.agency_id if actor.post else None
    if not agency or not actor.has(Capability.REPORT_RECEIVE):
        return []
    return list(ReportTask.objects.filter(report=report, agency_id=agency).order_by("created_at"))


def report_for_receiver(actor: Actor, report_id: Any, *, lock: bool = False) -> Report:
    """The report if a task of it is the actor's unit's (else Report.DoesNotExist: a 404)."""
    pk = parse_uuid(report_id)
    rows = Report.objects.select_for_update() if lock else Report.objects
    report = rows.filter(pk=pk).first() if pk else None
    if report is None or not receiver_tasks(actor, report):
        raise Report.DoesNotExist
    return report


def act(actor: Actor, report_id: Any, kind: str, note: str = "", *,
        now: datetime | None = None) -> ReportAction:
    """Record a step of the actor's unit (acknowledging, contacting the child, an outcome, the
    feedback to the reporter), with its time. It does the unit's duties it satisfies."""
    now = now or timezone.now()
    if kind not in ActionKind.values:
        raise ValidationError({"kind": _("Choose what was done.")})
    if len(note or "") > MAX_TEXT:
        raise ValidationError({"note": _("At most %(n)s characters.") % {"n": MAX_TEXT}})
    with transaction.atomic():
        report = report_for_receiver(actor, report_id, lock=True)
        tasks = receiver_tasks(actor, report)
        receiver = tasks[0].receiver
        if kind in POLICE_OUTCOMES and receiver != Receiver.POLICE:
            raise ValidationError({"kind": _("Only the police record this outcome.")})
        action = ReportAction.objects.create(
            report=report, division_code=report.division_code, task=tasks[-1], kind=kind,
            note=(note or "").strip(), at=now, by=actor.user, agency=actor.post.agency)
        _do_duties(report, receiver, kind, actor, now)
        _after_action(report, kind, now)
        record(actor, "report.act", division_code=report.division_code, object_type="report",
               object_id=report.pk, detail={"kind": kind, "action": str(action.pk)})
    return action


def _do_duties(report: Report, receiver: str, kind: str, actor: Actor, now: datetime) -> None:
    """Every open or missed task of this receiver that the action satisfies is done, at every
    level (a county answering late also answers the prefecture it escalated to)."""
    duties = [d.value for d, kinds in DONE_BY.items() if kind in kinds]
    ReportTask.objects.filter(report=report, receiver=receiver, duty__in=duties,
                              state__in=[TaskState.OPEN, TaskState.ESCALATED]).update(
        state=TaskState.DONE, done_at=now, done_by=actor.user)


def _after_action(report: Report, kind: str, now: datetime) -> None:
    changed = []
    if report.acknowledged_at is None and kind in DONE_BY[Duty.ACKNOWLEDGE]:
        report.acknowledged_at = now
        changed.append("acknowledged_at")
    if report.acted_at is None and kind not in (ActionKind.ACKNOWLEDGED, ActionKind.NOTE):
        report.acted_at = now
        changed.append("acted_at")
    if kind == ActionKind.FEEDBACK and report.feedback_at is None:
        report.feedback_at = now
        changed.append("feedback_at")
    if kind in POLICE_OUTCOMES:
        report.police_outcome = kind
        changed.append("police_outcome")
    if changed:
        report.save(update_fields=changed)
        outbox.emit(REPORT_CHANGED, [report.pk], report.division_code)
    if kind in (ActionKind.CASE_ACCEPTED, ActionKind.CASE_FILED):
        _feedback_task(report, now)
    if kind == ActionKind.WELFARE_CONCERN:
        _welfare_concern(report)


def _feedback_task(report: Report, now: datetime) -> None:
    """After 受案 or 立案 the police owe the reporting unit the outcome within 3 days."""
    if report.feedback_at or ReportTask.objects.filter(report=report, duty=Duty.FEEDBACK).exists():
        return
    police = ReportTask.objects.filter(report=report, receiver=Receiver.POLICE) \
        .select_related("agency").order_by("created_at").first()
    if police is None:
        return
    rule = policy_for(report.division_code[:2], timezone.localtime(now).date())
    route = routing.Route(police.agency, police.unit_division_code, police.level_digits)
    _task(report, feedback_deadline(rule), route, now, None)


def _welfare_concern(report: Report) -> None:
    """No crime, but a welfare concern: civil affairs are told, and the case-management app opens
    a case (for a registered child) from the outbox topic ``report.welfare_concern``."""
    outbox.emit("report.welfare_concern", [report.pk], report.division_code)
    civil = ReportTask.objects.filter(report=report, receiver=Receiver.CIVIL_AFFAIRS) \
        .values_list("agency", flat=True)
    posts = [p for agency in Agency.objects.filter(pk__in=list(civil))
             for p in routing.receiving_posts(agency)]
    notify(posts, kind="report_welfare", message=WELFARE,
           params={"place": _place_name(report.division_code)}, link=f"/reports/{report.pk}/",
           division_code=report.division_code, dedupe_key=f"report_welfare:{report.pk}")


def _on_child(report: Report, now: datetime) -> None:
    """A registered child: the timeline says a report was made (never by whom), the risk rises
    and the visit plan asks for contact within 24 hours (visits.note_report)."""
    ChildEvent.objects.create(child=report.child, division_code=report.child.division_code,
                              kind="report", summary=gettext_noop(
                                  "A report of suspected harm was made."),
                              actor=None, detail={"report": str(report.pk)})
    high = bool(report.situations) or report.urgency == Urgency.IMMINENT
    note_report(report.child, timezone.localtime(now).date(), high=high,
                report_id=str(report.pk))


# --- amendments ----------------------------------------------------------------------------------


def amend(actor: Actor, report_id: Any, field_name: str, value: Any, reason: str, *,
          now: datetime | None = None) -> ReportAmendment:
    """Correct a field of a report with a reason: the value before, the value after, who and
    when are kept; the report as filed (``original``) is never changed. The filer and the
    receiving units may amend."""
    now = now or timezone.now()
    if field_name not in AMENDABLE:
        raise ValidationError({"field": _("This part of a report cannot be amended.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for the correction.")})
    with transaction.atomic():
        report = _amendable(actor, report_id)
        before = _value(report, field_name)
        after = _checked(actor, report, field_name, value)
        if after == before:
            raise ValidationError({"value": _("The value is unchanged.")})
        amendment = ReportAmendment.objects.create(
            report=report, division_code=report.division_code, field=field_name,
            before=json.dumps(before, default=str, ensure_ascii=False),
            after=json.dumps(after, default=str, ensure_ascii=False), reason=reason.strip(),
            by=actor.user, at=now)
        _set(report, field_name, after)
        record(actor, "report.amend", division_code=report.division_code, object_type="report",
               object_id=report.pk, reason=reason.strip()[:200], detail={"field": field_name})
    return amendment


def _amendable(actor: Actor, report_id: Any) -> Report:
    pk = parse_uuid(report_id)
    report = Report.objects.select_for_update().filter(pk=pk).first() if pk else None
    if report is None:
        raise Report.DoesNotExist
    if report.filed_by_id == getattr(actor.user, "pk", None) and actor.has(Capability.REPORT_CREATE):
        return report
    if receiver_tasks(actor, report):
        return report
    raise Report.DoesNotExist


def _value(report: Report, name: str) -> Any:
    if name == "child":
        return str(report.child_id) if report.child_id else None
    value = getattr(report, name)
    return value.isoformat() if isinstance(value, date) else value


def _checked(actor: Actor, report: Report, name: str, value: Any) -> Any:
    """The new value, validated as at filing (dates as ISO text, the child as its id)."""
    if name == "child":
        if not value:
            return None
        child = _registered_child(actor, ReportInput(child_id=str(value)))
        return str(child.pk)
    data = ReportInput(situations=list(report.situations), suspected=list(report.suspected))
    if name in ("happened_on", "child_date_of_birth"):
        try:
            value = date.fromisoformat(str(value)) if value else None
        except ValueError:
            raise ValidationError({"value": _("Enter a date as YYYY-MM-DD.")}) from None
    elif name == "child_age":
        try:
            value = int(value) if value not in (None, "") else None
        except (TypeError, ValueError):
            raise ValidationError({"value": _("Enter a whole number of years.")}) from None
    elif name in ("situations", "suspected"):
        value = list(value or []) if isinstance(value, list | tuple) else [value] if value else []
    else:
        value = str(value or "").strip()
    setattr(data, name, value)
    try:
        _validate(actor, data, timezone.localdate())
    except ValidationError as exc:
        raise ValidationError({"value": [m for ms in exc.message_dict.values() for m in ms]}) \
            from None
    return value.isoformat() if isinstance(value, date) else value


def _set(report: Report, name: str, value: Any) -> None:
    if name == "child":
        report.child_id = UUID(value) if value else None
        report.save(update_fields=["child"])
        return
    if name in ("happened_on", "child_date_of_birth") and value:
        value = date.fromisoformat(value)
    setattr(report, name, value)
    report.save(update_fields=[name])


# --- the one-stop interview and linked services ----------------------------------------------


@dataclass
class InterviewInput:
    held_at: datetime
    place: str
    attendees: list[dict[str, str]]  # [{"role": "police", "name": "..."}]
    av_recorded: bool = False
    woman_present: bool = False
    appropriate_adult: bool = False
    recorded_by_name: str = ""
    notes: str = ""


def _for_interview(actor: Actor, report_id: Any) -> Report:
    if not actor.has(Capability.REPORT_INTERVIEW):
        raise PermissionDenied(_("You do not have permission to do this here."))
    return report_for_receiver(actor, report_id, lock=True)


def record_interview(actor: Actor, report_id: Any, data: InterviewInput) -> JointInterview:
    """The child's one joint interview: recorded once, so the child is not asked again."""
    if not data.attendees or not all((a.get("role") or "").strip() for a in data.attendees):
        raise ValidationError({"attendees": _("Name who attended, with their role.")})
    if timezone.is_naive(data.held_at):
        data.held_at = timezone.make_aware(data.held_at)
    if data.held_at > timezone.now():
        raise ValidationError({"held_at": _("The interview cannot be in the future.")})
    if not data.place.strip():
        raise ValidationError({"place": _("Say where the interview was held.")})
    with transaction.atomic():
        report = _for_interview(actor, report_id)
        if JointInterview.objects.filter(report=report).exists():
            raise ValidationError({"held_at": _(
                "The joint interview of this report is already recorded: the child is not asked "
                "again. Correct it with an amendment if something is wrong.")})
        interview = JointInterview.objects.create(
            report=report, division_code=report.division_code, held_at=data.held_at,
            place=data.place.strip(), attendees=json.dumps(data.attendees, ensure_ascii=False),
            av_recorded=data.av_recorded, woman_present=data.woman_present,
            appropriate_adult=data.appropriate_adult,
            recorded_by_name=data.recorded_by_name.strip(), notes=data.notes.strip(),
            by=actor.user)
        record(actor, "report.interview", division_code=report.division_code,
               object_type="report", object_id=report.pk, detail={"interview": str(interview.pk)})
    return interview


def link_service(actor: Actor, report_id: Any, kind: str, on: date, provider: str = "",
                 notes: str = "") -> LinkedService:
    """A service linked to the report (forensic examination, psychological support, ...)."""
    if kind not in ServiceKind.values:
        raise ValidationError({"kind": _("Choose the service.")})
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date cannot be in the future.")})
    with transaction.atomic():
        report = _for_interview(actor, report_id)
        service = LinkedService.objects.create(
            report=report, division_code=report.division_code, kind=kind,
            provider=provider.strip()[:120], on=on, notes=notes.strip(), by=actor.user)
        record(actor, "report.service", division_code=report.division_code,
               object_type="report", object_id=report.pk, detail={"kind": kind})
    return service


__all__ = ["AMENDABLE", "BASIS_TERMS", "Filed", "InterviewInput", "ReportInput", "act", "amend",
           "escalate", "file_report", "link_service", "receiver_tasks", "record_interview",
           "report_for_receiver", "route_unrouted", "escalate_missed", "set_route", "deactivate_route"]


# --- the routing table ---------------------------------------------------------------------------


def set_route(actor: Actor, division_code: str, receiver: str, *, agency_id: Any = None,
              agency_name: str = "") -> RoutingEntry:
    """An administrator names the unit receiving ``receiver`` reports for a county, prefecture
    or province of their jurisdiction (an existing agency there, or a new one by name); the
    unit it replaces is kept, inactive."""
    if receiver not in [r.value for r in Receiver]:
        raise ValidationError({"receiver": _("Choose police, civil affairs or procuratorate.")})
    division = Division.objects.filter(pk=division_code).first()
    if division is None or division.level not in (Level.PROVINCE, Level.PREFECTURE, Level.COUNTY):
        raise ValidationError({"division": _("Choose a county, a prefecture or a province.")})
    require(actor, Capability.ROUTING_MANAGE, division.code)
    pk = parse_uuid(agency_id) if agency_id else None
    with transaction.atomic():
        if pk is not None:
            agency = Agency.objects.filter(pk=pk, division=division).first()
            if agency is None:
                raise ValidationError({"agency": _("Choose a unit of this place.")})
        elif agency_name.strip():
            agency, _created = Agency.objects.get_or_create(
                division=division, kind=receiver, name=agency_name.strip()[:120])
        else:
            raise ValidationError({"agency": _("Choose the receiving unit or give its name.")})
        RoutingEntry.objects.filter(division=division, receiver=receiver, active=True).update(
            active=False, updated_by=actor.user)
        entry = RoutingEntry.objects.create(division=division, receiver=receiver, agency=agency,
                                            updated_by=actor.user)
        record(actor, "routing.set", division_code=division.code, object_type="routing",
               object_id=entry.pk, detail={"receiver": receiver, "agency": str(agency.pk)})
    return entry


def deactivate_route(actor: Actor, entry_id: Any) -> RoutingEntry:
    """An administrator takes a unit out of the routing table (reports then go one level up)."""
    pk = parse_uuid(entry_id)
    entry = RoutingEntry.objects.filter(pk=pk).first() if pk else None
    if entry is None or not can(actor, Capability.ROUTING_MANAGE, entry.division_id):
        raise RoutingEntry.DoesNotExist
    with transaction.atomic():
        entry.active, entry.updated_by = False, actor.user
        entry.save(update_fields=["active", "updated_by", "updated_at"])
        record(actor, "routing.deactivate", division_code=entry.division_id,
               object_type="routing", object_id=entry.pk, detail={"receiver": entry.receiver})
    return entry
