"""Worklists: what is due, overdue or never visited, for a director, a township and a county.
Every list is a scoped range on ``visitplan_division_due`` (division code, next due date) and
reads only the plans due, never every child of the jurisdiction."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from everychild.access.policy import Actor, can, require, visible
from everychild.accounts.roles import Capability
from everychild.audit.services import record_list
from everychild.places.codes import CODE_LENGTH, PREFIX_LENGTH, Level, prefix_range
from everychild.places.models import Division
from everychild.visits import due_counts
from everychild.visits.models import ChildRisk, DueCount, Visit, VisitPlan
from everychild.visits.services import visible_child

WEEK = 7
LIMIT = 200
COUNTS = ("overdue", "due_this_week", "never_visited")
# What a worklist row shows: not the plan's reasons nor the child's other (encrypted) fields.
LISTED = ("division_code", "child__name", "risk_rank", "next_due", "due_for", "last_visit_on",
          "escalated")


@dataclass
class Worklist:
    overdue: list[VisitPlan]
    due_this_week: list[VisitPlan]
    never_visited: list[VisitPlan]
    counts: dict[str, int]
    village: Division | None = None  # a supervisor's look at one village's children


@dataclass
class Overview:
    """Counts per place one level below ``place``: its ``level`` names what the rows are."""

    place: Division
    level: Level
    rows: list[dict[str, Any]]


def place_in_reach(actor: Actor, code: str | None, capability: str) -> Division:
    """The division ``code`` (default: the actor's own), if it lies inside the actor's
    jurisdiction and they may do ``capability`` there; else Division.DoesNotExist (a 404)."""
    code = code or (actor.post.division_id if actor.post else "")
    division = Division.objects.filter(pk=code).first() if code else None
    if division is None or not can(actor, capability, division.code):
        raise Division.DoesNotExist
    return division


def _plans_in(actor: Actor, capability: str, prefix: str, today: date) -> QuerySet:
    plans = visible(actor, VisitPlan.objects.all(), capability)
    if len(prefix) == CODE_LENGTH:
        plans = plans.filter(division_code=prefix)
    return plans.filter(next_due__lte=today + timedelta(days=WEEK))


def worklist(actor: Actor, today: date | None = None, village: str | None = None) -> Worklist:
    """A director's list (or, with ``village``, a supervisor's look at one village's
    children): overdue, due this week, never visited; by risk, then lateness. Reading it
    shows children's names, so it is audited as a list."""
    today = today or timezone.localdate()
    capability = Capability.VISIT_SUPERVISE if village else Capability.VISIT_RECORD
    require(actor, capability)
    place = place_in_reach(actor, village, capability) if village else None
    if place is not None and place.level != Level.VILLAGE:
        raise Division.DoesNotExist
    prefix = place.code if place else actor.jurisdiction or ""
    due = (_plans_in(actor, capability, prefix, today).select_related("child")
           .only(*LISTED).order_by("-risk_rank", "next_due", "child_id"))
    overdue = list(due.filter(next_due__lt=today)[:LIMIT])
    this_week = list(due.filter(next_due__gte=today)[:LIMIT])
    never = [p for p in overdue + this_week if p.last_visit_on is None]
    rollup = visible(actor, DueCount.objects.all(), capability).filter(
        division_code__range=prefix_range(prefix))
    totals = due_counts.counts(rollup, today, 0)
    counts = {k: totals[0][k] if totals else 0 for k in COUNTS}
    record_list(actor, "visit.worklist", division_code=place.code if place else
                actor.post.division_id, object_type="child",
                filters={"today": today.isoformat(), "village": place.code if place else ""},
                ids=[p.child_id for p in overdue + this_week])
    return Worklist(overdue, this_week, never, counts, place)


def overview(actor: Actor, place: str | None = None, today: date | None = None) -> Overview:
    """Overdue, due this week and never visited per place one level below ``place`` (default:
    the actor's jurisdiction; a county's townships, a township's villages), from the rollup.
    No names: a supervisor's or county officer's view."""
    today = today or timezone.localdate()
    require(actor, Capability.VISIT_SUPERVISE)
    division = place_in_reach(actor, place, Capability.VISIT_SUPERVISE)
    level = Level(min(division.level + 1, Level.VILLAGE))
    rollup = visible(actor, DueCount.objects.all(), Capability.VISIT_SUPERVISE).filter(
        division_code__range=prefix_range(division.prefix))
    found = due_counts.counts(rollup, today, PREFIX_LENGTH[level])
    names = dict(Division.objects.filter(pk__in=[r["place"].ljust(12, "0") for r in found])
                 .values_list("code", "name"))
    for row in found:
        row["code"] = row["place"].ljust(12, "0")
        row["name"] = names.get(row["code"], row["code"])
    return Overview(division, level, found)


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
