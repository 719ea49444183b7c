"""/api/v1/cases: case management over HTTP (the same services and queries as the pages).

A caseworker's caseload and counts, one case's whole record (audited), and every step of the
lifecycle: opening, assigning, the assessments, the plan (saved with the version it was read at:
a plan changed since answers 409 with the current version, nothing overwritten), its approval,
reviews, closure and reopening, case notes and referrals to providers. Only roles that manage or
supervise cases may call these (others get 403); a case outside the caller's jurisdiction is 404.
Times are in local time; no personal data travels in a URL (ids only)."""

from datetime import date, datetime
from typing import Annotated, Any, Literal, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from everychild.access.policy import Actor, mask
from everychild.accounts.roles import Capability
from everychild.cases import queries, services
from everychild.cases.lifecycle import Stage
from everychild.cases.models import Assessment, Case, CaseNote, CasePlan, CaseStep, NoteKind
from everychild.core.api_auth import api_actor
from everychild.core.schemas import Problem, responses, schema_of
from everychild.core.schemas import enum_of as _enum
from everychild.core.schemas import local_time as _local
from everychild.core.schemas import or_404 as _found
from everychild.registry.models import Child
from everychild.rules import Reason
from everychild.rules.case_management import Closure
from everychild.services import services as referral_services
from everychild.services.models import Referral

router = Router()
T = TypeVar("T")
# Query parameters' accepted codes: documented as enums, anything else answers 422.
ViewParam = Literal[tuple(queries.VIEWS)]  # type: ignore[valid-type]
StageParam = Literal[("", *Stage.values)]  # type: ignore[valid-type]
VIEW_HELP = "mine, unassigned, overdue, decisions (waiting for a supervisor), open or closed."
PLACE_HELP = "A division code inside the caller's jurisdiction (its prefix is used)."



# --- schemas ---------------------------------------------------------------------------------------


OpenIn = schema_of(services.OpenInput, "CaseOpenIn")
AssessmentIn = schema_of(services.AssessmentInput, "CaseAssessmentIn")
ReviewIn = schema_of(services.ReviewInput, "CaseReviewIn")
NoteIn = schema_of(services.NoteInput, "CaseNoteIn")
ReferralIn = schema_of(referral_services.ReferralInput, "ReferralIn")


class PlanConflict(Problem):
    current_version: int = Field(description="The plan's version now: reload it and make the "
                                             "changes again.")


class CaseChildOut(Schema):
    id: str
    name: str | None = Field(None, description="Only for roles that see identities.")
    sex: str
    date_of_birth: date | None = None
    division_code: str


class CaseworkerOut(Schema):
    post_id: str
    name: str
    role: str
    division_code: str


class CaseDueOut(Schema):
    step: str = Field(description="initial_assessment, comprehensive_assessment, case_plan, "
                                  "plan_approval, review or closure_approval.")
    at: datetime
    overdue: bool
    escalated: int = Field(description="Escalation steps told so far (caseworker, supervisor, "
                                       "county officer).")
    reason: str = Field(description="Why it is due then, citing the policy, in the request's "
                                    "language.")


class CaseItemOut(Schema):
    id: str
    reference: str
    division_code: str
    stage: str
    risk_level: str
    child_id: str
    child_name: str | None = Field(None, description="Only for roles that see identities.")
    caseworker: str | None
    opened_at: datetime
    next_due: datetime | None
    due_for: str
    overdue: bool
    escalated: int


class CaseCountsOut(Schema):
    intake: int = 0
    assessment: int = 0
    planning: int = 0
    plan_review: int = 0
    implementation: int = 0
    closure_review: int = 0
    closed: int = 0
    unassigned: int = Field(0, description="Open cases without a caseworker.")
    overdue: int = Field(0, description="Open cases whose next step is past due.")
    mine: int = Field(0, description="Open cases the caller is the caseworker of.")


class CaseStepOut(Schema):
    action: str
    label: str
    from_stage: str
    to_stage: str
    note: str
    detail: dict[str, Any]
    at: datetime
    by: str | None


class CaseAssessmentOut(Schema):
    id: str
    kind: str = Field(description="initial, comprehensive or review.")
    risk_level: str
    safe_now: bool
    safety_actions: str
    needs: dict[str, str] = Field(description="Need area -> what was found.")
    strengths: str
    child_views: str
    child_not_heard_reason: str
    summary: str
    at: datetime
    by: str | None


class PlanActionOut(Schema):
    what: str
    who: str
    by: date
    done: bool


class PlanGoalOut(Schema):
    id: str
    goal: str
    status: str = Field(description="open, met or not_met.")
    actions: list[PlanActionOut]


class CasePlanOut(Schema):
    version: int = Field(description="Send it back when saving or submitting the plan.")
    state: str = Field(description="draft, submitted, approved or returned.")
    goals: list[PlanGoalOut]
    saved_at: datetime
    saved_by: str | None
    decided_at: datetime | None
    decided_by: str | None
    comments: str


class CaseNoteOut(Schema):
    id: str
    kind: str = Field(json_schema_extra=_enum(NoteKind.values))
    held_on: date
    attendees: str
    text: str
    decisions: str
    at: datetime
    by: str | None


class CaseReferralOut(Schema):
    id: str
    reference: str
    provider_id: str
    provider: str
    service_type: str
    goal_id: str
    need: str
    shared: dict[str, Any] = Field(description="What the provider sees of the child (a copy made "
                                               "when it was sent).")
    sharing_basis: str
    high_risk: bool
    state: str = Field(description="sent, accepted, declined, in_progress, completed or "
                                   "cancelled.")
    loop_closed: bool = Field(description="The provider reported back (completed or declined), "
                                          "or the referral was cancelled.")
    sent_at: datetime
    due_at: datetime
    escalated_at: datetime | None
    answered_at: datetime | None
    decline_reason: str
    started_at: datetime | None
    completed_at: datetime | None
    outcome: str
    feedback: str
    cancelled_at: datetime | None
    cancel_reason: str


class CaseOut(Schema):
    id: str
    reference: str
    division_code: str
    stage: str
    stage_label: str
    risk_level: str
    source: str
    summary: str
    opened_at: datetime
    started_at: datetime
    closed_at: datetime | None
    reopened: int
    closure_criterion: str
    closure_note: str
    child: CaseChildOut
    caseworker: CaseworkerOut | None
    due: CaseDueOut | None = Field(description="The step the case waits for (none when closed).")
    steps: list[CaseStepOut] = Field(description="The case's history, oldest first.")
    assessments: list[CaseAssessmentOut] = Field(description="Newest first.")
    plan: CasePlanOut | None
    notes: list[CaseNoteOut]
    referrals: list[CaseReferralOut]
    loop_closed: bool = Field(description="Every referral of the case came back.")
    allowed: list[str] = Field(description="The lifecycle actions the caller may take now.")
    caseworkers: list[CaseworkerOut] = Field(description="Posts the case may be assigned to "
                                                         "(for a supervisor, or while unassigned).")


class CaseAssignIn(Schema):
    post_id: str


class PlanActionIn(Schema):
    what: str = ""
    who: str = ""
    by: str = Field("", description="YYYY-MM-DD.")
    done: bool = False


class PlanGoalIn(Schema):
    id: str = Field("", description="Keep a goal's id when saving it again (new goals: empty).")
    goal: str = ""
    status: str = Field("open", json_schema_extra=_enum(services.GOAL_STATUSES))
    actions: list[PlanActionIn] = []


class CasePlanIn(Schema):
    goals: list[PlanGoalIn]
    version: int = Field(description="The version the plan was read at (0 for a new plan).")


class PlanVersionIn(Schema):
    version: int = Field(description="The version of the plan being submitted.")


class CaseDecisionIn(Schema):
    approve: bool
    comments: str = Field("", description="Required when returning.")


class CaseReasonIn(Schema):
    reason: str


class ClosureIn(Schema):
    criterion: str = Field(json_schema_extra=_enum([c.value for c in Closure]))
    note: str = ""


# --- rendering -------------------------------------------------------------------------------------



def _case_actor(request: HttpRequest) -> Actor:
    """The caller, if their role manages or supervises cases (else 403: aggregate-only roles
    never reach a case)."""
    actor = api_actor(request)
    if not (actor.has(Capability.CASE_MANAGE) or actor.has(Capability.CASE_APPROVE)):
        raise PermissionDenied(_("You do not have permission to do this here."))
    return actor



def _who(user: Any) -> str | None:
    return (user.full_name or user.username) if user else None


def _sentence(reason: dict[str, Any] | None) -> str:
    return Reason.from_dict(reason).render() if reason else ""


def _child_name(actor: Actor, child: Child) -> str | None:
    return mask(actor, {"name": child.name}).get("name")


def _post(post: Any) -> dict[str, Any]:
    return {"post_id": str(post.pk), "name": _who(post.user) or "", "role": post.role_id,
            "division_code": post.division_id}


def _item(actor: Actor, case: Case, now: datetime) -> dict[str, Any]:
    return {"id": str(case.pk), "reference": case.reference, "division_code": case.division_code,
            "stage": case.stage, "risk_level": case.risk_level, "child_id": str(case.child_id),
            "child_name": _child_name(actor, case.child), "caseworker": _who(case.caseworker),
            "opened_at": _local(case.opened_at), "next_due": _local(case.next_due),
            "due_for": case.due_for, "escalated": case.escalated,
            "overdue": bool(case.next_due and case.is_open and case.next_due < now)}


def _step(step: CaseStep) -> dict[str, Any]:
    label = services.TIMELINE.get(step.action)
    return {"action": step.action, "label": _(label) if label else step.action,
            "from_stage": step.from_stage, "to_stage": step.to_stage, "note": step.note,
            "detail": step.detail or {}, "at": _local(step.at), "by": _who(step.by)}


def _assessment(a: Assessment) -> dict[str, Any]:
    return {"id": str(a.pk), "kind": a.kind, "risk_level": a.risk_level, "safe_now": a.safe_now,
            "safety_actions": a.safety_actions, "needs": queries.needs(a),
            "strengths": a.strengths, "child_views": a.child_views,
            "child_not_heard_reason": a.child_not_heard_reason, "summary": a.summary,
            "at": _local(a.at), "by": _who(a.by)}


def plan_out(plan: CasePlan) -> dict[str, Any]:
    return {"version": plan.version, "state": plan.state, "goals": services.plan_goals(plan),
            "saved_at": _local(plan.saved_at), "saved_by": _who(plan.saved_by),
            "decided_at": _local(plan.decided_at), "decided_by": _who(plan.decided_by),
            "comments": plan.comments}


def _note(note: CaseNote) -> dict[str, Any]:
    return {"id": str(note.pk), "kind": note.kind, "held_on": note.held_on,
            "attendees": note.attendees, "text": note.text, "decisions": note.decisions,
            "at": _local(note.at), "by": _who(note.by)}


def referral_out(r: Referral) -> dict[str, Any]:
    from everychild.services.queries import shared

    return {"id": str(r.pk), "reference": r.reference, "provider_id": str(r.provider_id),
            "provider": r.provider.name, "service_type": r.service_type, "goal_id": r.goal_id,
            "need": r.need, "shared": shared(r), "sharing_basis": r.sharing_basis,
            "high_risk": r.high_risk, "state": r.state, "loop_closed": r.loop_closed,
            "sent_at": _local(r.sent_at), "due_at": _local(r.due_at),
            "escalated_at": _local(r.escalated_at), "answered_at": _local(r.answered_at),
            "decline_reason": r.decline_reason, "started_at": _local(r.started_at),
            "completed_at": _local(r.completed_at), "outcome": r.outcome, "feedback": r.feedback,
            "cancelled_at": _local(r.cancelled_at), "cancel_reason": r.cancel_reason}


def case_out(actor: Actor, found: queries.CaseRecord) -> dict[str, Any]:
    case, child, now = found.case, found.child, timezone.now()
    due = None
    if case.next_due:
        due = {"step": case.due_for, "at": _local(case.next_due),
               "overdue": case.is_open and case.next_due < now, "escalated": case.escalated,
               "reason": _sentence(case.due_reason)}
    return {
        "id": str(case.pk), "reference": case.reference, "division_code": case.division_code,
        "stage": case.stage, "stage_label": str(Stage(case.stage).label),
        "risk_level": case.risk_level, "source": case.source, "summary": case.summary_text,
        "opened_at": _local(case.opened_at), "started_at": _local(case.started_at),
        "closed_at": _local(case.closed_at), "reopened": case.reopened,
        "closure_criterion": case.closure_criterion, "closure_note": case.closure_note,
        "child": {"id": str(child.pk), "name": _child_name(actor, child), "sex": child.sex,
                  "date_of_birth": mask(actor, {"date_of_birth": child.date_of_birth})
                  .get("date_of_birth"), "division_code": child.division_code},
        "caseworker": _post(case.caseworker_post) if case.caseworker_post_id else None,
        "due": due,
        "steps": [_step(s) for s in found.steps],
        "assessments": [_assessment(a) for a in found.assessments],
        "plan": plan_out(found.plan) if found.plan else None,
        "notes": [_note(n) for n in found.notes],
        "referrals": [referral_out(r) for r in found.referrals],
        "loop_closed": found.loop_closed,
        "allowed": found.allowed,
        "caseworkers": [_post(p) for p in found.caseworkers],
    }


def _record(actor: Actor, case_id: Any) -> dict[str, Any]:
    """The case as it stands now (an audited read, as the page shown after a step)."""
    return case_out(actor, _found(queries.case_record, actor, case_id))


# --- the caseload ----------------------------------------------------------------------------------


@router.get("", response=responses({200: list[CaseItemOut]}))
def caseload(request: HttpRequest,
             view: Annotated[ViewParam, Query(description=VIEW_HELP)] = "open",
             stage: StageParam = "",
             place: Annotated[str, Query(description=PLACE_HELP)] = ""):
    """The caller's cases, most urgent first (names are shown: the list is audited)."""
    actor = _case_actor(request)
    now = timezone.now()
    return [_item(actor, c, now) for c in queries.caseload(actor, view, stage=stage, place=place,
                                                            now=now)]


@router.get("/counts", response=responses({200: CaseCountsOut}))
def counts(request: HttpRequest):
    """How many cases the caller sees at each stage, unassigned, overdue and their own (no
    names)."""
    return queries.counts(_case_actor(request))


@router.post("", response=responses({201: CaseOut}))
def open_case(request: HttpRequest, payload: OpenIn):
    """Open a case for a registered child the caller may see; a child has at most one open case
    (a second is refused, naming the open one). The initial safety assessment is then due."""
    actor = _case_actor(request)
    case = _found(services.open_case, actor, services.OpenInput(**payload.dict()))
    return Status(201, _record(actor, case.pk))


@router.get("/{case_id}", response=responses({200: CaseOut}))
def case_record(request: HttpRequest, case_id: str):
    """One case's whole record: stage, risk, what is due and why, caseworker, history,
    assessments, plan, notes, referrals and the actions the caller may take (audited)."""
    actor = _case_actor(request)
    return _record(actor, case_id)


# --- assigning and the lifecycle ---------------------------------------------------------------------


@router.post("/{case_id}/assign", response=responses({200: CaseOut}))
def assign(request: HttpRequest, case_id: str, payload: CaseAssignIn):
    """A supervisor assigns (or reassigns) the case; a caseworker may take an unassigned case
    themselves (their own post)."""
    actor = _case_actor(request)
    _found(services.assign, actor, case_id, payload.post_id)
    return _record(actor, case_id)


@router.post("/{case_id}/initial-assessment", response=responses({200: CaseOut}))
def initial_assessment(request: HttpRequest, case_id: str, payload: AssessmentIn):
    """Record the initial safety assessment (the child not safe: the immediate safety actions
    are required); the comprehensive assessment is then due."""
    actor = _case_actor(request)
    _found(services.initial_assessment, actor, case_id,
           services.AssessmentInput(**payload.dict()))
    return _record(actor, case_id)


@router.post("/{case_id}/comprehensive-assessment", response=responses({200: CaseOut}))
def comprehensive_assessment(request: HttpRequest, case_id: str, payload: AssessmentIn):
    """Record the comprehensive assessment of needs and strengths, with the child's own views (or
    why they could not be heard); the case plan is then due."""
    actor = _case_actor(request)
    _found(services.comprehensive_assessment, actor, case_id,
           services.AssessmentInput(**payload.dict()))
    return _record(actor, case_id)


@router.put("/{case_id}/plan", response=responses({200: CasePlanOut, 409: PlanConflict}))
def save_plan(request: HttpRequest, case_id: str, payload: CasePlanIn):
    """Save the case plan being written (at the planning stage). ``version`` is the one read (0
    for a new plan): a plan saved by someone else since answers 409 with ``current_version``,
    and nothing is overwritten."""
    actor = _case_actor(request)
    goals = [goal.dict() for goal in payload.goals]
    return plan_out(_found(services.save_plan, actor, case_id, goals, payload.version))


@router.post("/{case_id}/plan/submit", response=responses({200: CaseOut, 409: PlanConflict}))
def submit_plan(request: HttpRequest, case_id: str, payload: PlanVersionIn):
    """Submit the plan (as read at ``version``) for a supervisor's approval (409 if it changed
    since)."""
    actor = _case_actor(request)
    _found(services.submit_plan, actor, case_id, payload.version)
    return _record(actor, case_id)


@router.post("/{case_id}/plan/decision", response=responses({200: CaseOut}))
def decide_plan(request: HttpRequest, case_id: str, payload: CaseDecisionIn):
    """A supervisor approves the submitted plan or returns it with comments (never on a case
    they submitted or are the caseworker of)."""
    actor = _case_actor(request)
    _found(services.decide_plan, actor, case_id, payload.approve, payload.comments)
    return _record(actor, case_id)


@router.post("/{case_id}/reviews", response=responses({200: CaseOut}))
def review(request: HttpRequest, case_id: str, payload: ReviewIn):
    """Record a review: progress on each goal (goal id -> open, met, not_met), the risk level
    and the child's views; the next review is then due."""
    actor = _case_actor(request)
    _found(services.record_review, actor, case_id, services.ReviewInput(**payload.dict()))
    return _record(actor, case_id)


@router.post("/{case_id}/plan/revise", response=responses({200: CaseOut}))
def revise_plan(request: HttpRequest, case_id: str, payload: CaseReasonIn):
    """Reopen the approved plan for revision, with the reason (it needs approval again)."""
    actor = _case_actor(request)
    _found(services.revise_plan, actor, case_id, payload.reason)
    return _record(actor, case_id)


@router.post("/{case_id}/closure", response=responses({200: CaseOut}))
def request_closure(request: HttpRequest, case_id: str, payload: ClosureIn):
    """Ask a supervisor to close the case. Refused with 422 whose ``errors.criterion`` lists
    everything still missing (open referrals, unmet goals, a child at high risk...)."""
    actor = _case_actor(request)
    _found(services.request_closure, actor, case_id, payload.criterion, payload.note)
    return _record(actor, case_id)


@router.post("/{case_id}/closure/decision", response=responses({200: CaseOut}))
def decide_closure(request: HttpRequest, case_id: str, payload: CaseDecisionIn):
    """A supervisor closes the case (the criteria are checked again) or returns the request with
    comments to the stage it came from."""
    actor = _case_actor(request)
    _found(services.decide_closure, actor, case_id, payload.approve, payload.comments)
    return _record(actor, case_id)


@router.post("/{case_id}/reopen", response=responses({200: CaseOut}))
def reopen(request: HttpRequest, case_id: str, payload: CaseReasonIn):
    """A supervisor reopens a closed case, with the reason: it starts again at intake."""
    actor = _case_actor(request)
    _found(services.reopen, actor, case_id, payload.reason)
    return _record(actor, case_id)


# --- notes and referrals ---------------------------------------------------------------------------


@router.post("/{case_id}/notes", response=responses({201: CaseNoteOut}))
def add_note(request: HttpRequest, case_id: str, payload: NoteIn):
    """A case note, a case conference (who took part is required) or a handover to an office
    outside the system."""
    actor = _case_actor(request)
    note = _found(services.add_note, actor, case_id, services.NoteInput(**payload.dict()))
    return Status(201, _note(note))


@router.post("/{case_id}/referrals", response=responses({201: CaseReferralOut}))
def make_referral(request: HttpRequest, case_id: str, payload: ReferralIn):
    """Refer the child to a provider of the directory, carrying out the approved plan. ``share``
    chooses what the provider sees of the child (name, sex, age, village, caregiver, school,
    disability); a non-state provider needs the recorded consent or a safety reason."""
    actor = _case_actor(request)
    data = referral_services.ReferralInput(**payload.dict())
    referral = _found(referral_services.make_referral, actor, case_id, data)
    return Status(201, referral_out(referral))


@router.post("/referrals/{referral_id}/cancel", response=responses({200: CaseReferralOut}))
def cancel_referral(request: HttpRequest, referral_id: str, payload: CaseReasonIn):
    """Cancel an open referral of a case, with the reason."""
    actor = _case_actor(request)
    return referral_out(_found(referral_services.cancel_referral, actor, referral_id,
                               payload.reason))

