"""Each child's visit plan, kept current from the rules of ``everychild.rules.visit_plans``.

A plan follows the child: the outbox consumer ``refresh_plans`` recomputes it when the child
is registered or its categories change; a visit, a risk change and a supervisor's tightening
recompute it at once. A supervisor's tighter interval stays while it is still at least as
tight as the policy; if the policy becomes tighter still, the policy's interval applies.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from everychild.core import outbox
from everychild.registry.models import Child, ChildCategory
from everychild.rules.risk import RiskLevel
from everychild.rules.visit_plans import (
    Interval,
    LooserThanPolicy,
    Unit,
    policy_for,
    tighten,
    visit_plan,
)
from everychild.rules.visit_plans import VisitPlan as PlanRule
from everychild.visits import due_counts
from everychild.visits.models import RISK_RANK, ChildRisk, Escalation, VisitPlan

BATCH = 500

VISIT_CHANGED = "visit.changed"  # a child's visits or plan: the insights recount


def interval_text(interval: Interval | None) -> str:
    return f"{interval.count} {interval.unit.value}" if interval else ""


def parse_interval(text: str) -> Interval | None:
    if not text:
        return None
    count, unit = text.split()
    return Interval(int(count), Unit(unit))


def compute(categories: Iterable[str], risk: str, *, province: str, identified_on: date,
            last_visit: date | None, report_on: date | None, tightened: str,
            today: date) -> tuple[PlanRule, str]:
    """The plan the rules give, and the supervisor's interval still in force ("" if none)."""
    rule = policy_for(province, today)
    plan = visit_plan(categories, RiskLevel(risk or RiskLevel.LOW), rule=rule,
                      last_visit=last_visit, identified_on=identified_on, report_on=report_on)
    if tightened:
        try:
            plan = tighten(plan, parse_interval(tightened), last_visit)
        except LooserThanPolicy:  # the policy is now tighter than the supervisor's setting
            tightened = ""
    return plan, tightened


def apply(row: VisitPlan, plan: PlanRule, tightened: str, risk: str) -> None:
    """Copy a computed plan onto its row; a new due date restarts the escalation."""
    if row.next_due != plan.next_due:
        row.escalated = Escalation.NONE
    row.risk_rank = RISK_RANK.get(risk, 0)
    row.policy_interval = interval_text(plan.policy_interval)
    row.tightened_interval = tightened
    if not tightened:
        row.tightened_reason, row.tightened_by = "", None
    row.rule_version, row.rule_source = plan.rule_version, plan.source[:200]
    row.reasons = [r.as_dict() for r in plan.reasons]
    row.next_due, row.due_for, row.contact_due = plan.next_due, plan.due_for.value, plan.contact_due


def refresh(child: Child, today: date | None = None, *, last_visit_on: date | None = None,
            report_on: date | None = None) -> VisitPlan:
    """Recompute one child's plan (after a visit, a risk change, a tightening, a report); a
    visit in person passes its day as ``last_visit_on``, a report of harm its day as
    ``report_on`` (each kept only if it is later than the one held)."""
    return _refresh([child.pk], today, last_visit_on, report_on)[0]


def refresh_plans(child_ids: list[str], today: date | None = None) -> int:
    """The outbox consumer of "child.changed": recompute these children's plans, in batches."""
    done = 0
    for start in range(0, len(child_ids), BATCH):
        done += len(_refresh(child_ids[start:start + BATCH], today))
    return done


def _refresh(child_ids: list[Any], today: date | None, last_visit_on: date | None = None,
             report_on: date | None = None) -> list[VisitPlan]:
    """The one writer of plans' due dates: each plan and the overviews' rollup change together."""
    today = today or timezone.localdate()
    with transaction.atomic():
        children = list(Child.objects.filter(pk__in=child_ids).only("pk", "division_code",
                                                                      "created_at"))
        ids = [c.pk for c in children]
        categories: dict[Any, list[str]] = defaultdict(list)
        for child_id, code in ChildCategory.objects.filter(child_id__in=ids, until=None) \
                .values_list("child_id", "category"):
            categories[child_id].append(code)
        risks = dict(ChildRisk.objects.filter(child_id__in=ids).values_list("child_id", "level"))
        rows = {p.child_id: p for p in VisitPlan.objects.select_for_update()
                .filter(child_id__in=ids).order_by("child_id")}
        saved, changes = [], []
        for child in children:
            row = rows.get(child.pk) or VisitPlan(
                child=child, identified_on=timezone.localdate(child.created_at))
            before = None if row._state.adding else due_counts.plan_key(row)
            row.division_code = child.division_code
            row.last_visit_on = _later(row.last_visit_on, last_visit_on)
            row.report_on = _later(row.report_on, report_on)
            risk = risks.get(child.pk, "")
            plan, tightened = compute(
                categories[child.pk], risk, province=child.division_code[:2],
                identified_on=row.identified_on, last_visit=row.last_visit_on,
                report_on=row.report_on, tightened=row.tightened_interval, today=today)
            apply(row, plan, tightened, risk)
            saved.append(row)
            changes.append((before, due_counts.plan_key(row)))
        # New plans (a registration, an import) in one INSERT; changed ones saved one by one.
        VisitPlan.objects.bulk_create([row for row in saved if row.child_id not in rows])
        for row in saved:
            if row.child_id in rows:
                row.save()
        due_counts.apply_deltas(due_counts.deltas(changes))
        outbox.emit_each(VISIT_CHANGED, [row.child_id for row in saved],
                         [row.division_code for row in saved])
    return saved


def _later(held: date | None, new: date | None) -> date | None:
    return new if new and (held is None or new > held) else held


def child_moved(child: Child, old_code: str, new_code: str, actor: Any, now: Any
                ) -> dict[str, int]:
    """A transfer moved the child (``registry.transfers``; its plan row already carries the new
    village): the overviews' rollup counts the plan at the new village instead of the old, and
    the plan is computed again under the new place's policy. Called in the transfer's
    transaction (settings.EVERYCHILD_CHILD_MOVED)."""
    plan = VisitPlan.objects.select_for_update().filter(child=child).first()
    if plan is None:
        return {}
    after = due_counts.plan_key(plan)
    before = (old_code, *after[1:]) if after else None
    due_counts.apply_deltas(due_counts.deltas([(before, after)]))
    refresh(child, timezone.localdate(now))
    return {"visits.DueCount": 2 if after else 0}
