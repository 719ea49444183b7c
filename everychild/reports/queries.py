"""Reads of reports, each scoped and audited: a receiving unit's inbox and a report's whole
record (only for the units it was routed or escalated to), a reporter's own reports (their
status, never the details), and the metrics of acknowledgement (aggregates only)."""

import json
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from everychild.access.policy import Actor, jurisdiction_q, require
from everychild.accounts.roles import Capability
from everychild.audit.services import record_list
from everychild.core.ids import parse_uuid
from everychild.registry.models import Child
from everychild.reports.models import (
    JointInterview,
    LinkedService,
    Report,
    ReportAction,
    ReportAmendment,
    ReportTask,
    RoutingEntry,
    TaskState,
)
from everychild.reports.services import receiver_tasks
from everychild.visits.models import Visit
from everychild.visits.services import visible_child

LIMIT = 200
RECENT_DAYS = 30


@dataclass
class Inbox:
    """A unit's tasks: open ones by deadline (overdue first), missed ones, recently done."""

    open: list[ReportTask]
    missed: list[ReportTask]
    done: list[ReportTask]
    now: datetime


def _unit(actor: Actor) -> Any:
    require(actor, Capability.REPORT_RECEIVE)
    agency = actor.post.agency_id if actor.post else None
    if agency is None:  # a receiving post belongs to a unit: nothing is routed to a person
        return None
    return agency


def inbox(actor: Actor, now: datetime | None = None) -> Inbox:
    """The actor's unit's tasks (its index: agency, state, due). No child's name is shown, so
    the read is audited as a list of the reports listed."""
    now = now or timezone.now()
    agency = _unit(actor)
    tasks = ReportTask.objects.filter(agency_id=agency).select_related("report")
    found = Inbox(
        open=list(tasks.filter(state=TaskState.OPEN).order_by("due_at")[:LIMIT]),
        missed=list(tasks.filter(state=TaskState.ESCALATED).order_by("due_at")[:LIMIT]),
        done=list(tasks.filter(state=TaskState.DONE, done_at__gte=now - timedelta(
            days=RECENT_DAYS)).order_by("-done_at")[:LIMIT]), now=now)
    if agency is not None:
        record_list(actor, "report.inbox", division_code=actor.post.division_id,
                    object_type="report", filters={"agency": str(agency)},
                    ids=[t.report_id for t in found.open + found.missed + found.done])
    return found


@dataclass
class ReportRecord:
    """Everything a receiving unit sees of a report."""

    report: Report
    tasks: list[ReportTask]
    mine: list[ReportTask]
    actions: list[ReportAction]
    amendments: list[ReportAmendment]
    services: list[LinkedService]
    interview: JointInterview | None
    interview_held: bool
    attendees: list[dict[str, str]] = field(default_factory=list)


def report_detail(actor: Actor, report_id: Any) -> ReportRecord:
    """The report, if it was routed or escalated to the actor's unit (else Report.DoesNotExist,
    a 404). The reporter's identity is shown here, to receiving units only; the joint interview
    only to those who take part in it (police, procurators, one-stop staff). Audited."""
    pk = parse_uuid(report_id)
    report = (Report.objects.select_related("filed_by", "filed_by_post__agency",
                                            "filed_by_post__role", "child")
              .filter(pk=pk).first()) if pk else None
    mine = receiver_tasks(actor, report) if report else []
    if not mine:
        raise Report.DoesNotExist
    interview = JointInterview.objects.filter(report=report).first()
    sees_interview = actor.has(Capability.REPORT_INTERVIEW)
    record_list(actor, "report.read", division_code=report.division_code, object_type="report",
                filters={"report": str(report.pk)}, ids=[report.pk])
    return ReportRecord(
        report=report,
        tasks=list(report.tasks.select_related("agency").order_by("created_at")),
        mine=mine,
        actions=list(report.actions.select_related("by", "agency").order_by("at")),
        amendments=list(report.amendments.select_related("by").order_by("at")),
        services=list(report.services.order_by("on")) if sees_interview else [],
        interview=interview if sees_interview else None,
        interview_held=interview is not None,
        attendees=json.loads(interview.attendees) if interview and sees_interview else [])


# --- the report form ---------------------------------------------------------------------------


def child_for_report(actor: Actor, child_id: str | None) -> Child | None:
    """The registered child a report form is about (from a profile or a visit), if the actor
    may see it (else Child.DoesNotExist, a 404). The form shows its name: an audited read."""
    if not child_id:
        return None
    child = visible_child(actor, child_id, Capability.CHILD_VIEW)
    record_list(actor, "report.form", division_code=child.division_code, object_type="child",
                filters={"child": str(child.pk)}, ids=[child.pk])
    return child


def visit_prefill(child: Child | None, visit_id: str | None) -> dict[str, Any]:
    """What a visit of ``child`` that raised the report already says: its reporting situations,
    its day and the child's village (nothing for another child's visit)."""
    if not visit_id or child is None:
        return {}
    visit = Visit.objects.filter(pk=visit_id, child=child).only(
        "pk", "visited_on", "observations").first()
    if visit is None:
        return {}
    seen = json.loads(visit.observations or "{}").get("reporting_situations") or {}
    answer = seen.get("answer") or []
    return {"visit_id": visit.pk, "situations": answer if isinstance(answer, list) else [answer],
            "happened_on": visit.visited_on, "happened_division_code": child.division_code}


# --- the reporter's view -------------------------------------------------------------------------


def own_reports(actor: Actor) -> QuerySet[Report]:
    require(actor, Capability.REPORT_CREATE)
    return Report.objects.filter(filed_by=actor.user).order_by("-filed_at")


def status_of(report: Report) -> dict[str, Any]:
    """What a reporter may know: that the report was received and acted on, never the details."""
    return {"id": str(report.pk), "reference": report.reference, "filed_at": report.filed_at,
            "received": bool(report.tasks.all()),  # prefetched for a list
            "acknowledged_at": report.acknowledged_at,
            "acted_on": report.acted_at is not None, "outcome_told_at": report.feedback_at}


def report_status(actor: Actor, report_id: Any) -> dict[str, Any]:
    """The status of one of the actor's own reports (else Report.DoesNotExist, a 404). Audited."""
    pk = parse_uuid(report_id)
    report = own_reports(actor).filter(pk=pk).first() if pk else None
    if report is None:
        raise Report.DoesNotExist
    record_list(actor, "report.status", division_code=report.division_code,
                object_type="report", filters={"report": str(report.pk)}, ids=[report.pk])
    return status_of(report)


def my_reports(actor: Actor, limit: int = 100) -> list[dict[str, Any]]:
    """The status of the actor's own reports, newest first (audited as a list)."""
    reports = list(own_reports(actor).prefetch_related("tasks")[:limit])
    record_list(actor, "report.mine", division_code=actor.post.division_id,
                object_type="report", filters={}, ids=[r.pk for r in reports])
    return [status_of(r) for r in reports]


def missed_here(actor: Actor) -> list[ReportTask]:
    """Deadlines missed in the actor's jurisdiction by any receiving unit (oversight: the
    reference, the unit, the duty and the deadline; the report itself stays with its units)."""
    require(actor, Capability.REPORT_RECEIVE)
    return list(ReportTask.objects.filter(jurisdiction_q(actor), state=TaskState.ESCALATED)
                .select_related("agency", "report").order_by("-due_at")[:LIMIT])


# --- metrics -------------------------------------------------------------------------------------


def _row(key: dict[str, str]) -> dict[str, Any]:
    return {**key, "tasks": 0, "answered": 0, "within_deadline": 0, "missed": 0, "waiting": 0,
            "_minutes": []}


def metrics(actor: Actor, since: datetime | None = None, now: datetime | None = None
            ) -> dict[str, list[dict[str, Any]]]:
    """Time to acknowledgement and the share within the deadline, by receiving unit and by
    county, from the tasks recorded in the actor's jurisdiction (routing place) since ``since``
    (default: a year). Aggregates only: no report, child or reporter is named."""
    if not (actor.has(Capability.REPORT_RECEIVE) or actor.has(Capability.INSIGHTS_VIEW)):
        require(actor, Capability.INSIGHTS_VIEW)
    now = now or timezone.now()
    since = since or now - timedelta(days=365)
    tasks = (ReportTask.objects.filter(jurisdiction_q(actor), created_at__gte=since,
                                       escalated_from=None)
             .values_list("agency__name", "agency_id", "division_code", "duty", "created_at",
                          "due_at", "done_at"))
    units: dict[Any, dict[str, Any]] = {}
    counties: dict[str, dict[str, Any]] = {}
    for name, agency, code, _duty, created, due, done in tasks.iterator():
        for row in (units.setdefault(agency, _row({"unit": name})),
                    counties.setdefault(code[:6], _row({"county": code[:6].ljust(12, "0")}))):
            row["tasks"] += 1
            if done is not None:
                row["answered"] += 1
                row["within_deadline"] += done <= due
                row["_minutes"].append((done - created).total_seconds() / 60)
            elif due < now:
                row["missed"] += 1
            else:
                row["waiting"] += 1
            row["missed"] += done is not None and done > due
    return {"units": [_finish(r) for r in units.values()],
            "counties": [_finish(r) for r in sorted(counties.values(), key=lambda r: r["county"])]}


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    minutes = row.pop("_minutes")
    due = row["tasks"] - row["waiting"]
    row["share_within_deadline"] = round(row["within_deadline"] / due, 3) if due else None
    row["median_minutes_to_answer"] = round(statistics.median(minutes), 1) if minutes else None
    return row


def reports_in(actor: Actor) -> QuerySet[Report]:
    """Reports routed or escalated to the actor's unit (for lists that need the reports)."""
    agency = _unit(actor)
    return Report.objects.filter(Exists(ReportTask.objects.filter(report=OuterRef("pk"),
                                                                  agency_id=agency)))


def routing_entries(actor: Actor) -> QuerySet[RoutingEntry]:
    """The active routing table in the actor's jurisdiction (administrators)."""
    require(actor, Capability.ROUTING_MANAGE)
    return (RoutingEntry.objects.filter(jurisdiction_q(actor, "division__code"), active=True)
            .select_related("agency", "division").order_by("division_id", "receiver"))
