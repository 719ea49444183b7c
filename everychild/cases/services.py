"""Case-management use cases (domain.md §5): opening a case (from a report, a visit, a referral in
or directly), assigning it, each step of the lifecycle, case notes and conferences, the tick's
escalation of overdue steps, and what happens to a case when its child moves. The pages and the
API call these; each writes its case step, the child's timeline event and the audit event in
one transaction, and leaves nothing half-written.

Who may act: ``case.manage`` (caseworkers) and ``case.approve`` (supervisors) inside the
jurisdiction of the child's village; a supervisor never decides on what they submitted, nor on a
case they are the caseworker of. A case the actor may not see does not exist for them (a 404)."""

import json
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from everychild.access.policy import Actor, can, require
from everychild.accounts.models import Post
from everychild.accounts.queries import posts_over
from everychild.accounts.roles import Capability
from everychild.audit.services import record
from everychild.cases import lifecycle
from everychild.cases.lifecycle import Action, IllegalTransition, Stage
from everychild.cases.models import (
    Assessment,
    AssessmentKind,
    Case,
    CaseNote,
    CasePlan,
    CaseStep,
    NoteKind,
    PlanState,
    PlanVersion,
    Source,
)
from everychild.core import outbox
from everychild.core.ids import parse_uuid, uuid7
from everychild.notifications.services import notify
from everychild.places.codes import Level
from everychild.places.queries import division_name, division_names
from everychild.registry.models import Child, ChildCategory, ChildEvent
from everychild.reports.models import Report
from everychild.rules.case_management import (
    STEP_TERMS,
    Closure,
    ClosureFacts,
    Step,
    closure_missing,
    escalation_level,
    policy_for,
    step_due,
)
from everychild.rules.risk import RiskLevel, RiskSignal, RiskSource
from everychild.visits.models import ChildRisk
from everychild.visits.services import set_risk, visible_child

MAX_TEXT = 4000
MAX_GOALS = 20
MAX_ACTIONS = 20
GOAL_STATUSES = ("open", "met", "not_met")
# What the child's timeline says of each step (message ids: shown in the reader's language).
TIMELINE = {
    "open": gettext_noop("Case opened."),
    "assign": gettext_noop("Case assigned to a caseworker."),
    Action.INITIAL_ASSESSMENT: gettext_noop("Case: initial safety assessment recorded."),
    Action.COMPREHENSIVE_ASSESSMENT: gettext_noop("Case: comprehensive assessment recorded."),
    Action.SUBMIT_PLAN: gettext_noop("Case: plan submitted for approval."),
    Action.APPROVE_PLAN: gettext_noop("Case: plan approved."),
    Action.RETURN_PLAN: gettext_noop("Case: plan returned with comments."),
    Action.REVIEW: gettext_noop("Case: review recorded."),
    Action.REVISE_PLAN: gettext_noop("Case: plan reopened for revision."),
    Action.REQUEST_CLOSURE: gettext_noop("Case: closure requested."),
    Action.APPROVE_CLOSURE: gettext_noop("Case closed."),
    Action.RETURN_CLOSURE: gettext_noop("Case: closure request returned."),
    Action.REOPEN: gettext_noop("Case reopened."),
    "moved": gettext_noop("Case moved with the child to another place."),
    "referral_sent": gettext_noop("Referral sent to a service provider."),
    "referral_accepted": gettext_noop("Referral accepted by the provider."),
    "referral_declined": gettext_noop("Referral declined by the provider."),
    "referral_started": gettext_noop("Referral: the service started."),
    "referral_completed": gettext_noop("Referral completed: the provider reported back."),
    "referral_cancelled": gettext_noop("Referral cancelled."),
    "referral_escalated": gettext_noop("Referral unanswered in time: the supervisor was told."),
}
TO_ASSIGN = gettext_noop("A case in %(place)s has no caseworker yet: assign one.")
ASSIGNED = gettext_noop("A case in %(place)s was assigned to you.")
TO_DECIDE = gettext_noop("A case in %(place)s waits for your decision: %(step_term)s.")
DECIDED = gettext_noop("A supervisor decided on a case of yours in %(place)s: %(action_term)s.")
OVERDUE = gettext_noop("A case in %(place)s is overdue: %(step_term)s was due on %(due)s.")
PLAN_TERM = gettext_noop("the case plan")
CLOSURE_TERM = gettext_noop("closing the case")
DECISION_TERMS = {Action.APPROVE_PLAN: gettext_noop("the plan was approved"),
                  Action.RETURN_PLAN: gettext_noop("the plan was returned with comments"),
                  Action.APPROVE_CLOSURE: gettext_noop("the case was closed"),
                  Action.RETURN_CLOSURE: gettext_noop("the closure request was returned")}


class PlanChanged(Exception):
    """The plan was saved by someone else since this version was read: nothing was written."""

    def __init__(self, plan: CasePlan) -> None:
        super().__init__("the case plan changed")
        self.version = plan.version
        self.saved_by = plan.saved_by.get_full_name() or plan.saved_by.full_name or \
            plan.saved_by.username
        self.saved_at = plan.saved_at

    @property
    def message(self) -> str:
        return _("The case plan was changed by %(who)s at %(at)s since you opened it (now version "
                 "%(version)s): your changes were not saved. Check the current plan before saving "
                 "your changes again.") % {"who": self.saved_by, "version": self.version,
                              "at": timezone.localtime(self.saved_at).strftime("%Y-%m-%d %H:%M")}


@dataclass
class OpenInput:
    child_id: str
    summary: str
    source: str = Source.DIRECT
    report_id: str = ""
    visit_id: str = ""
    risk_level: str = ""  # "" : from the report or the child's current risk level
    caseworker_post_id: str = ""


@dataclass
class AssessmentInput:
    risk_level: str
    summary: str = ""
    safe_now: bool = True
    safety_actions: str = ""
    needs: dict[str, str] = field(default_factory=dict)  # need area -> what was found
    strengths: str = ""
    child_views: str = ""
    child_not_heard_reason: str = ""


@dataclass
class ReviewInput:
    risk_level: str
    summary: str
    goal_status: dict[str, str] = field(default_factory=dict)  # goal id -> open / met / not_met
    child_views: str = ""
    child_not_heard_reason: str = ""


@dataclass
class NoteInput:
    text: str
    kind: str = NoteKind.NOTE
    held_on: date | None = None
    attendees: str = ""
    decisions: str = ""


# --- reading one case ----------------------------------------------------------------------------

CASE_CHANGED = "case.changed"  # a step taken: the insights recount


def _sees(actor: Actor, code: str) -> bool:
    return can(actor, Capability.CASE_MANAGE, code) or can(actor, Capability.CASE_APPROVE, code)


def case_for(actor: Actor, case_id: Any, capability: str | None = None, *,
             lock: bool = False) -> Case:
    """The case, if the actor may see it (else Case.DoesNotExist: a 404), and may do
    ``capability`` there (else 403)."""
    pk = parse_uuid(case_id)
    rows = Case.objects.select_for_update() if lock else Case.objects
    case = rows.select_related("child").filter(pk=pk).first() if pk else None
    if case is None or not _sees(actor, case.division_code):
        raise Case.DoesNotExist
    if capability:
        require(actor, capability, case.division_code)
    return case


# --- writing: steps, timeline, audit ---------------------------------------------------------------


def _text(errors: dict[str, str], name: str, value: str, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[name] = _("This field is required.")
    elif len(value) > MAX_TEXT:
        errors[name] = _("At most %(n)s characters.") % {"n": MAX_TEXT}
    return value


def _clean(name: str, value: str, required: bool = True) -> str:
    """One text field, trimmed, or a ValidationError naming it."""
    errors: dict[str, str] = {}
    value = _text(errors, name, value, required=required)
    if errors:
        raise ValidationError(errors)
    return value


def _risk(errors: dict[str, str], value: str) -> str:
    if value not in RiskLevel.__members__.values():
        errors["risk_level"] = _("Choose a risk level.")
    return value


def record_step(actor: Actor | None, case: Case, action: str, before: str, now: datetime, *,
                note: str = "", detail: dict[str, Any] | None = None) -> CaseStep:
    """The case's step, the child's timeline event and the audit event, together."""
    user = actor.user if actor else None
    step = CaseStep.objects.create(case=case, child_id=case.child_id,
                                   division_code=case.division_code, action=action,
                                   from_stage=before, to_stage=case.stage, note=note, at=now,
                                   by=user, detail=detail or {})
    ChildEvent.objects.create(child_id=case.child_id, division_code=case.division_code,
                              kind=f"case_{action}", summary=TIMELINE[action], actor=user, at=now,
                              detail={"case": str(case.pk), "reference": case.reference})
    record(actor, f"case.{action}", division_code=case.division_code, object_type="case",
           object_id=case.pk, detail={"from": before, "to": case.stage, **(detail or {})})
    outbox.emit(CASE_CHANGED, [case.pk], case.division_code)
    return step


def _due(case: Case, step: Step | None, start: datetime) -> None:
    """Set what the case waits for and by when; a new due time restarts the escalation."""
    if step is None:
        case.next_due, case.due_for, case.due_reason, case.escalated = None, "", {}, 0
        return
    rule = policy_for(case.division_code[:2], timezone.localdate(start))
    due = step_due(step, case.risk_level, timezone.localtime(start), rule)
    if case.next_due != due.at or case.due_for != step:
        case.escalated = 0
    case.next_due, case.due_for, case.due_reason = due.at, step.value, due.reason.as_dict()


def _move(case: Case, action: str) -> str:
    """Take ``action`` on the case's stage (ValidationError saying what must happen first);
    returns the stage it was at."""
    before = case.stage
    try:
        case.stage = lifecycle.next_stage(case.stage, action, case.resume_stage)
    except IllegalTransition as exc:
        raise ValidationError({"__all__": exc.message}) from None
    return before


_place = division_name


def supervisors(case: Case) -> list[Post]:
    """Who decides on the case: supervisors of its township, else of its county (never the
    caseworker)."""
    posts = [p for p in posts_over(case.division_code, Capability.CASE_APPROVE,
                                   (Level.TOWNSHIP, Level.COUNTY))
             if p.user_id != case.caseworker_id]
    township = [p for p in posts if p.division.level == Level.TOWNSHIP]
    return township or posts


def _tell_supervisors(case: Case, message: str, key: str, **params: Any) -> None:
    notify(supervisors(case), kind="case", message=message,
           params={"place": _place(case.division_code), **params}, link=f"/cases/{case.pk}/",
           division_code=case.division_code, dedupe_key=f"case:{case.pk}:{key}")


# --- opening and assigning -----------------------------------------------------------------------


def _reference(now: datetime) -> str:
    return f"C{timezone.localtime(now):%y%m%d}-{secrets.token_hex(3).upper()}"


def _opening_risk(data: OpenInput, child: Child, report: Report | None) -> str:
    if data.risk_level:
        return data.risk_level
    if report is not None and (report.situations or report.urgency == "imminent"):
        return RiskLevel.HIGH
    current = ChildRisk.objects.filter(child=child).values_list("level", flat=True).first()
    return current or RiskLevel.MEDIUM


def _report_for(child: Child, report_id: str) -> Report | None:
    """The report the case is opened from: it must be about this child."""
    if not report_id:
        return None
    report = Report.objects.filter(pk=parse_uuid(report_id), child=child).first()
    if report is None:
        raise ValidationError({"report_id": _("This report is not about this child.")})
    return report


def open_case(actor: Actor | None, data: OpenInput, *, now: datetime | None = None) -> Case:
    """Open a case for a registered child the actor may see (``None``: the system, from a report).
    A child has at most one open case: opening a second is refused, naming the open one."""
    now = now or timezone.now()
    if actor is not None:
        child = visible_child(actor, data.child_id, Capability.CASE_MANAGE)
    else:
        child = Child.objects.get(pk=parse_uuid(data.child_id))
    errors: dict[str, str] = {}
    summary = _text(errors, "summary", data.summary, required=True)
    if data.source not in Source.values:
        errors["source"] = _("Choose where the case comes from.")
    if data.risk_level:
        _risk(errors, data.risk_level)
    if errors:
        raise ValidationError(errors)
    _may_assign_at_opening(actor, child, data.caseworker_post_id)
    report = _report_for(child, data.report_id)
    source = Source.REPORT if report else data.source
    try:
        with transaction.atomic():
            _refuse_second(child)
            case = Case(reference=_reference(now), division_code=child.division_code, child=child,
                        risk_level=_opening_risk(data, child, report), source=source,
                        source_id=str(report.pk) if report else (data.visit_id or "")[:64],
                        report=report, summary=summary, opened_at=now, started_at=now,
                        opened_by=actor.user if actor else None)
            _due(case, Step.INITIAL_ASSESSMENT, now)
            case.save(force_insert=True)
            record_step(actor, case, "open", "", now,
                        detail={"source": source, "risk_level": case.risk_level})
            if data.caseworker_post_id:
                _assign(actor, case, data.caseworker_post_id, now)
            else:
                _tell_supervisors(case, TO_ASSIGN, "assign")
    except IntegrityError:
        _refuse_second(child)  # opened at the same moment by someone else
        raise
    return case


def _may_assign_at_opening(actor: Actor | None, child: Child, post_id: str) -> None:
    """Naming the caseworker when opening: a supervisor names anyone eligible, a caseworker only
    themselves (as ``assign``)."""
    if not post_id or actor is None:
        return
    own = actor.post is not None and str(actor.post.pk) == str(post_id)
    if not (own or can(actor, Capability.CASE_APPROVE, child.division_code)):
        raise PermissionDenied(_("You do not have permission to do this here."))


def _refuse_second(child: Child) -> None:
    open_case_ref = Case.objects.filter(child=child).exclude(stage=Stage.CLOSED) \
        .values_list("reference", flat=True).first()
    if open_case_ref:
        raise ValidationError({"child_id": _("This child already has an open case (%(ref)s): "
                                             "work on it instead.") % {"ref": open_case_ref}})


def open_from_reports(report_ids: list[str]) -> int:
    """The outbox consumer of "report.welfare_concern": the police found no crime but a welfare
    concern, so civil affairs get a case (unassigned) for a registered child without one."""
    opened = 0
    for report in Report.objects.filter(pk__in=report_ids).exclude(child=None):
        if Case.objects.filter(child_id=report.child_id).exclude(stage=Stage.CLOSED).exists():
            continue
        open_case(None, OpenInput(child_id=str(report.child_id), report_id=str(report.pk),
                                  source=Source.REPORT, summary=gettext_noop(
                                      "Opened from a report: the police found no crime, but a "
                                      "welfare concern.")))
        opened += 1
    return opened


def caseworker_posts(case: Case) -> list[Post]:
    """The posts a case may be assigned to: active, holding ``case.manage``, with a
    jurisdiction that covers the child's village."""
    levels = (Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY)
    return posts_over(case.division_code, Capability.CASE_MANAGE, levels)


def _assign(actor: Actor | None, case: Case, post_id: Any, now: datetime) -> None:
    post = next((p for p in caseworker_posts(case) if str(p.pk) == str(post_id)), None)
    if post is None:
        raise ValidationError({"caseworker_post_id": _(
            "Choose a caseworker who works where the child lives.")})
    before = case.stage
    case.caseworker, case.caseworker_post, case.assigned_at = post.user, post, now
    case.save(update_fields=["caseworker", "caseworker_post", "assigned_at", "updated_at"])
    record_step(actor, case, "assign", before, now, detail={"post": str(post.pk)})
    notify([post], kind="case", message=ASSIGNED, params={"place": _place(case.division_code)},
           link=f"/cases/{case.pk}/", division_code=case.division_code,
           dedupe_key=f"case:{case.pk}:assigned:{post.pk}:{now.isoformat()}")


def assign(actor: Actor, case_id: Any, post_id: Any, *, now: datetime | None = None) -> Case:
    """A supervisor assigns (or reassigns) the case to a caseworker; a caseworker may take an
    unassigned case themselves."""
    now = now or timezone.now()
    with transaction.atomic():
        case = case_for(actor, case_id, lock=True)
        own = actor.post is not None and str(actor.post.pk) == str(post_id)
        if not (can(actor, Capability.CASE_APPROVE, case.division_code)
                or (own and case.caseworker_id is None)):
            raise PermissionDenied(_("You do not have permission to do this here."))
        if not case.is_open:
            raise ValidationError({"__all__": lifecycle.FIRST[Stage.CLOSED]})
        _assign(actor, case, post_id, now)
    return case


# --- the lifecycle -------------------------------------------------------------------------------


def _views(errors: dict[str, str], data: Any, required: bool) -> tuple[str, str]:
    views = _text(errors, "child_views", data.child_views)
    why_not = (data.child_not_heard_reason or "").strip()[:200]
    if required and not views and not why_not:
        errors["child_views"] = _("Record the child's own views, or why they could not be heard "
                                  "(age, maturity).")
    return views, why_not


def _assessment(actor: Actor, case: Case, kind: str, data: AssessmentInput | ReviewInput,
                now: datetime, **extra: Any) -> Assessment:
    """Validated assessment row (not saved), and the child's risk level from it."""
    errors: dict[str, str] = {}
    _risk(errors, data.risk_level)
    summary = _text(errors, "summary", data.summary, required=kind == AssessmentKind.REVIEW)
    views, why_not = _views(errors, data, required=kind != AssessmentKind.INITIAL)
    for name in ("safety_actions", "strengths"):
        extra[name] = _text(errors, name, extra.get(name, ""))
    if kind == AssessmentKind.INITIAL and not extra.get("safe_now", True) \
            and not extra["safety_actions"]:
        errors["safety_actions"] = _("The child is not safe: record the immediate safety actions.")
    if errors:
        raise ValidationError(errors)
    return Assessment(case=case, child_id=case.child_id, division_code=case.division_code,
                      kind=kind, risk_level=data.risk_level, summary=summary, child_views=views,
                      child_not_heard_reason=why_not, at=now, by=actor.user, **extra)


def _apply_risk(actor: Actor, case: Case, level: str, now: datetime) -> None:
    """The case's risk level, and the child's one current risk level (a standing high stays
    until a supervisor lowers it)."""
    case.risk_level = level
    set_risk(actor, case.child, RiskSignal(RiskLevel(level), RiskSource.CASE,
                                           timezone.localdate(now)), source_id=str(case.pk))


def _needs(data: AssessmentInput) -> str:
    clean = {str(k)[:40]: str(v).strip()[:MAX_TEXT] for k, v in (data.needs or {}).items()
             if str(v).strip()}
    return json.dumps(clean, ensure_ascii=False)


def initial_assessment(actor: Actor, case_id: Any, data: AssessmentInput, *,
                       now: datetime | None = None) -> Assessment:
    """The initial safety assessment: the risk level, whether the child is safe now and what was
    done at once. The comprehensive assessment is then due within the policy's days of opening."""
    return _assess(actor, case_id, data, AssessmentKind.INITIAL, now or timezone.now())


def comprehensive_assessment(actor: Actor, case_id: Any, data: AssessmentInput, *,
                             now: datetime | None = None) -> Assessment:
    """The comprehensive assessment of needs and strengths, with the child's own views; the case
    plan is then due within the policy's days."""
    return _assess(actor, case_id, data, AssessmentKind.COMPREHENSIVE, now or timezone.now())


# kind -> (the lifecycle action, the stamp it sets, the step due next, counted from: opening?)
ASSESSMENTS = {
    AssessmentKind.INITIAL: (Action.INITIAL_ASSESSMENT, "initial_assessed_at",
                             Step.COMPREHENSIVE_ASSESSMENT, True),
    AssessmentKind.COMPREHENSIVE: (Action.COMPREHENSIVE_ASSESSMENT, "assessed_at", Step.CASE_PLAN,
                                   False),
}


def _assess(actor: Actor, case_id: Any, data: AssessmentInput, kind: str, now: datetime
            ) -> Assessment:
    action, stamp, next_step, from_opening = ASSESSMENTS[kind]
    with transaction.atomic():
        case = case_for(actor, case_id, Capability.CASE_MANAGE, lock=True)
        before = _move(case, action)
        assessment = _assessment(actor, case, kind, data, now, safe_now=data.safe_now,
                                 safety_actions=data.safety_actions, strengths=data.strengths,
                                 needs=_needs(data))
        assessment.save()
        _apply_risk(actor, case, data.risk_level, now)
        setattr(case, stamp, now)
        _due(case, next_step, case.started_at if from_opening else now)
        case.save()
        record_step(actor, case, action, before, now,
                    detail={"assessment": str(assessment.pk), "risk_level": data.risk_level,
                            "safe_now": data.safe_now})
    return assessment


# --- the plan ------------------------------------------------------------------------------------


def _clean_goals(goals: Any, today: date) -> list[dict[str, Any]]:
    """The plan's goals, validated: each has words, a known status and actions with what, who
    and by when (an ISO date)."""
    if not isinstance(goals, list) or len(goals) > MAX_GOALS:
        raise ValidationError({"goals": _("Give at most %(n)s goals.") % {"n": MAX_GOALS}})
    clean, problems = [], []
    for n, goal in enumerate(goals, 1):
        goal = goal if isinstance(goal, dict) else {}
        text = str(goal.get("goal") or "").strip()
        actions = goal.get("actions") if isinstance(goal.get("actions"), list) else []
        if not text:
            problems.append(_("Goal %(n)s: say what the goal is.") % {"n": n})
        if goal.get("status", "open") not in GOAL_STATUSES:
            problems.append(_("Goal %(n)s: choose open, met or not met.") % {"n": n})
        if len(text) > 500 or len(actions) > MAX_ACTIONS:
            problems.append(_("Goal %(n)s is too long.") % {"n": n})
        clean_actions = []
        for m, action in enumerate(actions, 1):
            action = action if isinstance(action, dict) else {}
            what, who = (str(action.get(k) or "").strip()[:300] for k in ("what", "who"))
            try:
                by = date.fromisoformat(str(action.get("by") or ""))
            except ValueError:
                by = None
            if not what or not who or by is None:
                problems.append(_("Goal %(n)s, action %(m)s: say what, who and by when "
                                  "(YYYY-MM-DD).") % {"n": n, "m": m})
                continue
            clean_actions.append({"what": what, "who": who, "by": by.isoformat(),
                                  "done": bool(action.get("done"))})
        clean.append({"id": str(goal.get("id") or uuid7()), "goal": text[:500],
                      "status": goal.get("status", "open"), "actions": clean_actions})
    if problems:
        raise ValidationError({"goals": problems})
    return clean


def _write_plan(actor: Actor, case: Case, goals: list[dict[str, Any]], version: int,
                now: datetime, **changes: Any) -> CasePlan:
    """Save the plan if it is still at ``version`` (PlanChanged if not): one conditional
    UPDATE, so of two saves from the same version exactly one wins; every version is kept."""
    content = json.dumps(goals, ensure_ascii=False)
    plan = CasePlan.objects.filter(case=case).first()
    if plan is None:
        if version not in (0, 1):
            raise ValidationError({"version": _("There is no plan of this version.")})
        plan = CasePlan.objects.create(case=case, child_id=case.child_id,
                                       division_code=case.division_code, goals=content,
                                       saved_at=now, saved_by=actor.user, **changes)
    else:
        values = {"goals": content, "saved_at": now, "saved_by": actor.user, **changes}
        if not CasePlan.objects.filter(pk=plan.pk, version=version).update(
                version=plan.version + 1, **values):
            raise PlanChanged(CasePlan.objects.select_related("saved_by").get(pk=plan.pk))
        plan.refresh_from_db()
    PlanVersion.objects.create(plan=plan, child_id=case.child_id, division_code=case.division_code,
                               version=plan.version, goals=content, saved_at=now,
                               saved_by=actor.user)
    return plan


def plan_goals(plan: CasePlan | None) -> list[dict[str, Any]]:
    return json.loads(plan.goals or "[]") if plan else []


def save_plan(actor: Actor, case_id: Any, goals: Any, version: int, *,
              now: datetime | None = None) -> CasePlan:
    """Save the case plan being written (draft); ``version`` is the one the writer read (0 for a
    new plan). A plan changed since is never overwritten: PlanChanged."""
    now = now or timezone.now()
    clean = _clean_goals(goals, timezone.localdate(now))
    with transaction.atomic():
        case = case_for(actor, case_id, Capability.CASE_MANAGE, lock=True)
        if case.stage != Stage.PLANNING:
            raise ValidationError({"__all__": _("The plan can be written only while the case is "
                                                "at the planning stage. %(first)s") % {
                "first": lifecycle.FIRST[Stage(case.stage)]}})
        plan = _write_plan(actor, case, clean, version, now)
        record(actor, "case.plan.save", division_code=case.division_code, object_type="case",
               object_id=case.pk, detail={"version": plan.version, "goals": len(clean)})
    return plan


def _complete(goals: list[dict[str, Any]]) -> None:
    if not goals or any(not g["actions"] for g in goals):
        raise ValidationError({"goals": _("A plan to submit has at least one goal, and each goal "
                                          "at least one action with who and by when.")})


def submit_plan(actor: Actor, case_id: Any, version: int, *, now: datetime | None = None) -> Case:
    """Submit the plan (as read at ``version``) for a supervisor's approval."""
    now = now or timezone.now()
    with transaction.atomic():
        case = case_for(actor, case_id, Capability.CASE_MANAGE, lock=True)
        before = _move(case, Action.SUBMIT_PLAN)
        plan = CasePlan.objects.filter(case=case).first()
        _complete(plan_goals(plan))
        _write_plan(actor, case, plan_goals(plan), version, now, state=PlanState.SUBMITTED)
        case.submitted_by = actor.user
        _due(case, Step.PLAN_APPROVAL, now)
        case.save()
        record_step(actor, case, Action.SUBMIT_PLAN, before, now, detail={"version": version + 1})
        _tell_supervisors(case, TO_DECIDE, f"plan:{now.isoformat()}", step_term=PLAN_TERM)
    return case


def _four_eyes(actor: Actor, case: Case) -> None:
    if actor.user.pk in (case.submitted_by_id, case.caseworker_id):
        raise ValidationError({"__all__": _(
            "You submitted this or are the case's caseworker: another supervisor must decide.")})


def _tell_caseworker(case: Case, action: str) -> None:
    if case.caseworker_post_id:
        notify([case.caseworker_post], kind="case", message=DECIDED,
               params={"place": _place(case.division_code),
                       "action_term": DECISION_TERMS[action]},
               link=f"/cases/{case.pk}/", division_code=case.division_code,
               dedupe_key=f"case:{case.pk}:{action}:{timezone.now().isoformat()}")


def decide_plan(actor: Actor, case_id: Any, approve: bool, comments: str = "", *,
                now: datetime | None = None) -> Case:
    """A supervisor approves the submitted plan (implementation starts, the first review is due
    by the risk level's interval) or returns it with comments."""
    now = now or timezone.now()
    action = Action.APPROVE_PLAN if approve else Action.RETURN_PLAN
    comments = _clean("comments", comments, required=not approve)
    with transaction.atomic():
        case = case_for(actor, case_id, Capability.CASE_APPROVE, lock=True)
        before = _move(case, action)
        _four_eyes(actor, case)
        CasePlan.objects.filter(case=case).update(
            state=PlanState.APPROVED if approve else PlanState.RETURNED, decided_at=now,
            decided_by=actor.user, comments=comments)
        if approve:
            case.plan_approved_at = now
            _due(case, Step.REVIEW, now)
        else:
            _due(case, Step.CASE_PLAN, case.assessed_at or now)
            _later_due(case, Step.PLAN_APPROVAL, now)
        case.save()
        record_step(actor, case, action, before, now, note=comments)
        _tell_caseworker(case, action)
    return case


def _later_due(case: Case, step: Step, start: datetime) -> None:
    """Give the step already due at least ``step``'s time from ``start`` (a plan or closure
    returned late is not overdue at once)."""
    rule = policy_for(case.division_code[:2], timezone.localdate(start))
    floor = step_due(step, case.risk_level, timezone.localtime(start), rule).at
    if case.next_due is None or case.next_due < floor:
        case.next_due, case.escalated = floor, 0


def record_review(actor: Actor, case_id: Any, data: ReviewInput, *,
                  now: datetime | None = None) -> Assessment:
    """A review of the case: progress on each goal, the risk level and the child's views; the
    next review is due by the (new) risk level's interval."""
    now = now or timezone.now()
    with transaction.atomic():
        case = case_for(actor, case_id, Capability.CASE_MANAGE, lock=True)
        before = _move(case, Action.REVIEW)
        review = _assessment(actor, case, AssessmentKind.REVIEW, data, now)
        plan = CasePlan.objects.filter(case=case).first()
        goals = plan_goals(plan)
        unknown = set(data.goal_status) - {g["id"] for g in goals}
        bad = [s for s in data.goal_status.values() if s not in GOAL_STATUSES]
        if unknown or bad:
            raise ValidationError({"goal_status": _("Give each goal of the plan a status: open, "
                                                    "met or not met.")})
        if data.goal_status:
            for goal in goals:
                goal["status"] = data.goal_status.get(goal["id"], goal["status"])
            _write_plan(actor, case, goals, plan.version, now)
        review.save()
        _apply_risk(actor, case, data.risk_level, now)
        case.last_review_at = now
        _due(case, Step.REVIEW, now)
        case.save()
        record_step(actor, case, Action.REVIEW, before, now,
                    detail={"assessment": str(review.pk), "risk_level": data.risk_level})
    return review


def revise_plan(actor: Actor, case_id: Any, reason: str, *, now: datetime | None = None) -> Case:
    """Reopen the approved plan for revision (it needs approval again)."""
    now = now or timezone.now()
    reason = _clean("reason", reason)
    with transaction.atomic():
        case = case_for(actor, case_id, Capability.CASE_MANAGE, lock=True)
        before = _move(case, Action.REVISE_PLAN)
        CasePlan.objects.filter(case=case).update(state=PlanState.DRAFT)
        _due(case, Step.CASE_PLAN, now)
        case.save()
        record_step(actor, case, Action.REVISE_PLAN, before, now, note=reason)
    return case


# --- closure and reopening -------------------------------------------------------------------------


def closure_facts(case: Case, note: str, today: date) -> ClosureFacts:
    """What the closure check reads: open referrals, the plan's goals, the risk, the child's age
    and categories, a referral on, a handover, a recorded death."""
    from everychild.registry.services import age_on
    from everychild.services.models import OPEN_REFERRAL_STATES, ReferralState

    referrals = case.referrals.all()
    goals = plan_goals(CasePlan.objects.filter(case=case).first())
    risk = ChildRisk.objects.filter(child_id=case.child_id).values_list("level", flat=True).first()
    return ClosureFacts(
        open_referrals=referrals.filter(state__in=OPEN_REFERRAL_STATES).count(),
        goals=len(goals), goals_met=sum(g["status"] == "met" for g in goals),
        risk=risk or case.risk_level, age=age_on(case.child.date_of_birth, today),
        in_category=ChildCategory.objects.filter(child_id=case.child_id, until=None).exists(),
        referred_on=referrals.filter(state=ReferralState.COMPLETED).exists()
        or CaseNote.objects.filter(case=case, kind=NoteKind.HANDOVER).exists(),
        handed_over=case.child.transfers.filter(state="accepted", decided_at__gte=case.started_at)
        .exists() or CaseNote.objects.filter(case=case, kind=NoteKind.HANDOVER).exists(),
        death_recorded=CaseNote.objects.filter(case=case, kind=NoteKind.DEATH).exists(),
        note=note)


def _closable(case: Case, criterion: str, note: str, today: date) -> None:
    """ValidationError listing everything missing before the case can close."""
    if criterion not in Closure.__members__.values():
        raise ValidationError({"criterion": _("Choose why the case can close.")})
    missing = closure_missing(Closure(criterion), closure_facts(case, note, today))
    if missing:
        raise ValidationError({"criterion": [reason.render() for reason in missing]})


def request_closure(actor: Actor, case_id: Any, criterion: str, note: str, *,
                    now: datetime | None = None) -> Case:
    """Ask a supervisor to close the case; refused with the list of what is missing (open
    referrals, unmet goals, a child still at high risk...)."""
    now = now or timezone.now()
    note = _clean("note", note, required=False)
    with transaction.atomic():
        case = case_for(actor, case_id, Capability.CASE_MANAGE, lock=True)
        resume = case.stage
        before = _move(case, Action.REQUEST_CLOSURE)
        _closable(case, criterion, note, timezone.localdate(now))
        case.resume_stage, case.closure_criterion, case.closure_note = resume, criterion, note
        case.submitted_by = actor.user
        _due(case, Step.CLOSURE_APPROVAL, now)
        case.save()
        record_step(actor, case, Action.REQUEST_CLOSURE, before, now, note=note,
                    detail={"criterion": criterion})
        _tell_supervisors(case, TO_DECIDE, f"closure:{now.isoformat()}", step_term=CLOSURE_TERM)
    return case


def decide_closure(actor: Actor, case_id: Any, approve: bool, comments: str = "", *,
                   now: datetime | None = None) -> Case:
    """A supervisor closes the case (the criteria are checked again) or returns the request to
    the stage it came from."""
    now = now or timezone.now()
    action = Action.APPROVE_CLOSURE if approve else Action.RETURN_CLOSURE
    comments = _clean("comments", comments, required=not approve)
    with transaction.atomic():
        case = case_for(actor, case_id, Capability.CASE_APPROVE, lock=True)
        resume = case.resume_stage
        before = _move(case, action)
        _four_eyes(actor, case)
        if approve:
            _closable(case, case.closure_criterion, case.closure_note, timezone.localdate(now))
            case.closed_at = now
            _due(case, None, now)
        else:
            case.closure_criterion, case.resume_stage = "", ""
            _resume_due(case, resume, now)
        case.save()
        record_step(actor, case, action, before, now, note=comments,
                    detail={"criterion": case.closure_criterion})
        _tell_caseworker(case, action)
    return case


RESUME_STEP = {Stage.INTAKE: Step.INITIAL_ASSESSMENT, Stage.ASSESSMENT: Step.COMPREHENSIVE_ASSESSMENT,
               Stage.PLANNING: Step.CASE_PLAN, Stage.IMPLEMENTATION: Step.REVIEW}


def _resume_due(case: Case, stage: str, now: datetime) -> None:
    step = RESUME_STEP.get(Stage(stage or Stage.IMPLEMENTATION), Step.REVIEW)
    start = {Step.INITIAL_ASSESSMENT: case.started_at, Step.COMPREHENSIVE_ASSESSMENT: case.started_at,
             Step.CASE_PLAN: case.assessed_at or now}.get(step, case.last_review_at or now)
    _due(case, step, start)
    _later_due(case, Step.CLOSURE_APPROVAL, now)


def reopen(actor: Actor, case_id: Any, reason: str, *, now: datetime | None = None) -> Case:
    """A supervisor reopens a closed case: it starts again with an initial safety assessment."""
    now = now or timezone.now()
    reason = _clean("reason", reason)
    with transaction.atomic():
        case = case_for(actor, case_id, Capability.CASE_APPROVE, lock=True)
        before = _move(case, Action.REOPEN)
        _refuse_second(case.child)
        case.reopened += 1
        case.started_at, case.closed_at, case.resume_stage = now, None, ""
        case.closure_criterion, case.closure_note, case.submitted_by = "", "", None
        case.initial_assessed_at = case.assessed_at = case.plan_approved_at = None
        _due(case, Step.INITIAL_ASSESSMENT, now)
        case.save()
        record_step(actor, case, Action.REOPEN, before, now, note=reason)
    return case


# --- notes and conferences ------------------------------------------------------------------------


def add_note(actor: Actor, case_id: Any, data: NoteInput, *, now: datetime | None = None
             ) -> CaseNote:
    """A case note, a case conference (who took part, what was decided), a handover to an office
    outside the system, or the child's death (with how it was confirmed)."""
    now = now or timezone.now()
    errors: dict[str, str] = {}
    text = _text(errors, "text", data.text, required=True)
    attendees = _text(errors, "attendees", data.attendees,
                      required=data.kind == NoteKind.CONFERENCE)
    decisions = _text(errors, "decisions", data.decisions)
    if data.kind not in NoteKind.values:
        errors["kind"] = _("Choose the kind of note.")
    held_on = data.held_on or timezone.localdate(now)
    if held_on > timezone.localdate(now):
        errors["held_on"] = _("The date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        case = case_for(actor, case_id, Capability.CASE_MANAGE, lock=True)
        note = CaseNote.objects.create(case=case, child_id=case.child_id,
                                       division_code=case.division_code, kind=data.kind,
                                       held_on=held_on, attendees=attendees, text=text,
                                       decisions=decisions, at=now, by=actor.user)
        record(actor, "case.note", division_code=case.division_code, object_type="case",
               object_id=case.pk, detail={"note": str(note.pk), "kind": data.kind})
    return note


# --- the tick: overdue steps ----------------------------------------------------------------------


def _overdue_recipients(case: Case, level: int) -> list[Post]:
    if level == 1 and case.caseworker_post_id:
        return [case.caseworker_post]
    if level <= 2:
        return supervisors(case)
    return posts_over(case.division_code, Capability.CASE_APPROVE, (Level.COUNTY,))


def escalate_overdue_steps(now: datetime | None = None, limit: int = 5000) -> int:
    """Tell the caseworker, then the supervisor, then the county officer about a case whose step
    is overdue (the policy's days); idempotent: each level once per due time. Reads the
    (escalated, next due) index: only cases overdue and not yet fully escalated."""
    now = now or timezone.now()
    told = 0
    due = list(Case.objects.filter(escalated__lt=3, next_due__lt=now).exclude(stage=Stage.CLOSED)
               .select_related("caseworker_post__user").order_by("next_due")[:limit])
    places = division_names(c.division_code for c in due)  # one read, not one per case
    for case in due:
        rule = policy_for(case.division_code[:2], timezone.localdate(now))
        level = escalation_level(case.next_due, now, rule)
        if level <= case.escalated:
            continue
        with transaction.atomic():
            for step in range(case.escalated + 1, level + 1):
                notify(_overdue_recipients(case, step), kind="case_overdue", message=OVERDUE,
                       params={"place": places.get(case.division_code, case.division_code),
                               "step_term": STEP_TERMS.get(case.due_for, ""),
                               "due": timezone.localtime(case.next_due).strftime("%Y-%m-%d %H:%M")},
                       link=f"/cases/{case.pk}/", division_code=case.division_code,
                       dedupe_key=f"case_overdue:{case.pk}:{step}:{case.next_due.isoformat()}")
            Case.objects.filter(pk=case.pk, next_due=case.next_due).update(escalated=level)
        told += 1
    return told


# --- a child moving -------------------------------------------------------------------------------


def child_moved(child: Child, old_code: str, new_code: str, actor: Actor | None,
                now: datetime) -> dict[str, int]:
    """When a transfer moved the child (its rows already carry the new place): an open case whose
    caseworker does not work there any more is unassigned, and the new place's supervisors are
    asked to assign it. Called in the transfer's transaction (settings.EVERYCHILD_CHILD_MOVED)."""
    moved = 0
    for case in Case.objects.filter(child=child).exclude(stage=Stage.CLOSED) \
            .select_related("caseworker_post__division"):
        post = case.caseworker_post
        if post is not None and not (post.active and new_code.startswith(post.jurisdiction)):
            case.caseworker = case.caseworker_post = case.assigned_at = None
            case.save(update_fields=["caseworker", "caseworker_post", "assigned_at", "updated_at"])
        record_step(actor, case, "moved", case.stage, now, detail={"from": old_code, "to": new_code})
        if case.caseworker_id is None:
            _tell_supervisors(case, TO_ASSIGN, f"assign:{now.isoformat()}")
        moved += 1
    return {"cases reassigned": moved}

