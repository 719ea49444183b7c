"""Worklists: what is due, overdue or never visited, for a director, a township and a county.
Every list is a scoped range on ``visitplan_division_due`` (division code, next due date) and
reads only the plans due, never every child of the jurisdiction."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from everychild.access.policy import Actor, require, visible
from everychild.accounts.roles import Capability
from everychild.audit.services import record_list
from everychild.places.models import Division
from everychild.visits import due_counts
from everychild.visits.models import ChildRisk, DueCount, Visit, VisitPlan
from everychild.visits.services import visible_child

WEEK = 7
LIMIT = 200
COUNTS = ("overdue", "due_this_week", "never_visited")


@dataclass
class Worklist:
    overdue: list[VisitPlan]
    due_this_week: list[VisitPlan]
    never_visited: list[VisitPlan]
    counts: dict[str, int]


def due_plans(actor: Actor, today: date, capability: str = Capability.VISIT_RECORD) -> QuerySet:
    """The actor's plans due within the week (overdue ones included)."""
    plans = visible(actor, VisitPlan.objects.all(), capability)
    return plans.filter(next_due__lte=today + timedelta(days=WEEK))


def worklist(actor: Actor, today: date | None = None) -> Worklist:
    """A director's list: overdue, due this week, never visited; by risk, then lateness.
    Reading it shows children's names, so it is audited as a list."""
    today = today or timezone.localdate()
    require(actor, Capability.VISIT_RECORD)
    due = (due_plans(actor, today).select_related("child")
           .order_by("-risk_rank", "next_due", "child_id"))
    overdue = list(due.filter(next_due__lt=today)[:LIMIT])
    this_week = list(due.filter(next_due__gte=today)[:LIMIT])
    never = [p for p in overdue + this_week if p.last_visit_on is None]
    totals = due_counts.counts(visible(actor, DueCount.objects.all(), Capability.VISIT_RECORD),
                               today, 0)
    counts = {k: totals[0][k] if totals else 0 for k in COUNTS}
    record_list(actor, "visit.worklist", division_code=actor.post.division_id,
                object_type="child", filters={"today": today.isoformat()},
                ids=[p.child_id for p in overdue + this_week])
    return Worklist(overdue, this_week, never, counts)


def overview(actor: Actor, digits: int, today: date | None = None) -> list[dict[str, Any]]:
    """Counts per place one level down (``digits`` of the code: 12 villages, 9 townships):
    overdue, due this week, never visited, from the rollup. No names: a supervisor's or
    county view."""
    today = today or timezone.localdate()
    require(actor, Capability.VISIT_SUPERVISE)
    found = due_counts.counts(visible(actor, DueCount.objects.all(), Capability.VISIT_SUPERVISE),
                              today, digits)
    names = dict(Division.objects.filter(pk__in=[r["place"].ljust(12, "0") for r in found])
                 .values_list("code", "name"))
    for row in found:
        row["code"] = row["place"].ljust(12, "0")
        row["name"] = names.get(row["code"], row["code"])
    return found


def township_overview(actor: Actor, today: date | None = None) -> list[dict[str, Any]]:
    """Each village (each director) of a supervisor's township."""
    return overview(actor, 12, today)


def county_overview(actor: Actor, today: date | None = None) -> list[dict[str, Any]]:
    """Each township of a county officer's county."""
    return overview(actor, 9, today)


@dataclass
class ChildMonitoring:
    """One child's monitoring record: the plan, the current risk and the visits, newest first."""

    child: Any
    plan: VisitPlan | None
    risk: Any
    visits: list[Any]


def child_for_visit(actor: Actor, child_id: Any) -> Any:
    """The child a visit form is for, if the actor may record visits there (else
    Child.DoesNotExist: a 404, or 403). The form shows the child's name: the read is audited."""
    child = visible_child(actor, child_id, Capability.VISIT_RECORD)
    record_list(actor, "visit.form", division_code=child.division_code, object_type="child",
                filters={"child": str(child.pk)}, ids=[child.pk])
    return child


def child_monitoring(actor: Actor, child_id: Any, limit: int = 50) -> ChildMonitoring:
    """The child's plan, risk level and visits, if the actor may see the child (else
    Child.DoesNotExist: a 404). The read is audited."""
    child = visible_child(actor, child_id, Capability.CHILD_VIEW)
    record_list(actor, "visit.read", division_code=child.division_code, object_type="child",
                filters={"child": str(child.pk)}, ids=[child.pk])
    return ChildMonitoring(
        child=child,
        plan=VisitPlan.objects.filter(child=child).first(),
        risk=ChildRisk.objects.filter(child=child).first(),
        visits=list(Visit.objects.filter(child=child).select_related("recorded_by")
                    .order_by("-visited_on", "-recorded_at")[:limit]),
    )
