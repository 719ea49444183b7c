"""Reads of cases, each scoped by the access gate and audited: a caseload (mine, unassigned,
overdue, waiting for a decision, by stage), one case's whole record, and the counts by stage a
supervisor watches. Lists read the (division, next due) and (caseworker, next due) indexes."""

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from everychild.access.policy import Actor, can, jurisdiction_q
from everychild.accounts.models import Post
from everychild.accounts.roles import Capability
from everychild.audit.services import record_list
from everychild.cases import lifecycle
from everychild.cases.lifecycle import Stage
from everychild.cases.models import Assessment, Case, CaseNote, CasePlan, CaseStep
from everychild.cases.services import case_for, caseworker_posts, plan_goals
from everychild.core.ids import parse_uuid
from everychild.registry.models import Child

LIMIT = 200
LISTED = ("reference", "division_code", "stage", "risk_level", "next_due", "due_for", "escalated",
          "caseworker", "opened_at", "child__name", "child__sex", "child__date_of_birth")
VIEWS = ("mine", "unassigned", "overdue", "decisions", "open", "closed")


def visible_cases(actor: Actor) -> QuerySet[Case]:
    """The cases the actor may see: ``case.manage`` or ``case.approve`` in their jurisdiction."""
    if not (actor.has(Capability.CASE_MANAGE) or actor.has(Capability.CASE_APPROVE)):
        return Case.objects.none()
    return Case.objects.filter(jurisdiction_q(actor))


def _view(actor: Actor, cases: QuerySet[Case], view: str, now: datetime) -> QuerySet[Case]:
    if view == "mine":
        return cases.filter(caseworker=actor.user).exclude(stage=Stage.CLOSED)
    if view == "unassigned":
        return cases.filter(caseworker=None).exclude(stage=Stage.CLOSED)
    if view == "overdue":
        return cases.filter(next_due__lt=now).exclude(stage=Stage.CLOSED)
    if view == "decisions":
        return cases.filter(stage__in=[Stage.PLAN_REVIEW, Stage.CLOSURE_REVIEW])
    if view == "closed":
        return cases.filter(stage=Stage.CLOSED)
    return cases.exclude(stage=Stage.CLOSED)


def caseload(actor: Actor, view: str = "open", *, stage: str = "", place: str = "",
             now: datetime | None = None, limit: int = LIMIT) -> list[Case]:
    """One list of the actor's cases, most urgent first. Names are shown, so the list is audited
    with the ids it returned."""
    now = now or timezone.now()
    cases = _view(actor, visible_cases(actor), view if view in VIEWS else "open", now)
    if stage in Stage.values:
        cases = cases.filter(stage=stage)
    if place and place.isascii() and place.isdigit():
        cases = cases.filter(division_code__startswith=place[:12])
    order = ("-closed_at",) if view == "closed" else ("next_due", "opened_at")
    rows = list(cases.select_related("child", "caseworker").only(*LISTED).order_by(*order)[:limit])
    record_list(actor, "case.list", division_code=actor.post.division_id, object_type="case",
                filters={"view": view, "stage": stage, "place": place}, ids=[c.pk for c in rows])
    return rows


def counts(actor: Actor, now: datetime | None = None) -> dict[str, int]:
    """How many cases the actor sees at each stage, unassigned and overdue (no names)."""
    now = now or timezone.now()
    cases = visible_cases(actor)
    found = {row["stage"]: row["n"] for row in cases.values("stage").annotate(n=Count("pk"))}
    open_cases = cases.exclude(stage=Stage.CLOSED)
    found["unassigned"] = open_cases.filter(caseworker=None).count()
    found["overdue"] = open_cases.filter(next_due__lt=now).count()
    found["mine"] = open_cases.filter(caseworker=actor.user).count() if actor.user else 0
    return found


@dataclass
class CaseRecord:
    """Everything one case shows."""

    case: Case
    child: Child
    steps: list[CaseStep]
    assessments: list[Assessment]
    plan: CasePlan | None
    goals: list[dict[str, Any]]
    notes: list[CaseNote]
    referrals: list[Any]
    allowed: list[str]
    can_manage: bool
    can_approve: bool
    caseworkers: list[Post] = field(default_factory=list)

    @property
    def loop_closed(self) -> bool:
        """Every referral of the case came back (completed, declined or cancelled)."""
        return bool(self.referrals) and all(r.loop_closed for r in self.referrals)


def case_record(actor: Actor, case_id: Any) -> CaseRecord:
    """One case, if the actor may see it (else Case.DoesNotExist, a 404). Audited."""
    case = case_for(actor, case_id)
    approve = can(actor, Capability.CASE_APPROVE, case.division_code)
    manage = can(actor, Capability.CASE_MANAGE, case.division_code)
    record_list(actor, "case.read", division_code=case.division_code, object_type="case",
                filters={"case": str(case.pk)}, ids=[case.pk])
    plan = CasePlan.objects.filter(case=case).select_related("saved_by", "decided_by").first()
    allowed = [a for a in lifecycle.allowed(case.stage)
               if (approve if lifecycle.capability_for(a) == Capability.CASE_APPROVE else manage)]
    return CaseRecord(
        case=case, child=case.child,
        steps=list(case.steps.select_related("by").order_by("at")),
        assessments=list(case.assessments.select_related("by").order_by("-at")),
        plan=plan, goals=plan_goals(plan),
        notes=list(case.notes.select_related("by").order_by("-held_on", "-at")),
        referrals=list(case.referrals.select_related("provider").order_by("-sent_at")),
        allowed=allowed, can_manage=manage, can_approve=approve,
        caseworkers=caseworker_posts(case) if approve or case.caseworker_id is None else [])


def needs(assessment: Assessment) -> dict[str, str]:
    return json.loads(assessment.needs or "{}")


def child_cases(actor: Actor, child: Child) -> list[Case]:
    """A child's cases, for the child's profile (the profile's read is audited already)."""
    if not (can(actor, Capability.CASE_MANAGE, child.division_code)
            or can(actor, Capability.CASE_APPROVE, child.division_code)):
        return []
    return list(Case.objects.filter(child=child).order_by("-opened_at"))


def referral_case_id(actor: Actor, referral_id: Any) -> Any:
    """The id of the case a referral was made from, if the actor may see that case (else
    Case.DoesNotExist: a 404). Reads ids only, nothing of the child."""
    pk = parse_uuid(referral_id)
    found = (visible_cases(actor).filter(referrals__pk=pk).values_list("pk", flat=True).first()
             if pk else None)
    if found is None:
        raise Case.DoesNotExist
    return found

