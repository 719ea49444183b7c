"""The case lifecycle as an explicit state machine (domain.md §5): pure, no database.

A case moves through its stages only by the actions of :data:`TRANSITIONS`::

    intake ──initial assessment──▶ assessment ──comprehensive assessment──▶ planning
    planning ──submit plan──▶ plan review ──approve──▶ implementation   (return ──▶ planning)
    implementation ──review──▶ implementation;  ──revise plan──▶ planning
    intake / assessment / planning / implementation ──request closure──▶ closure review
    closure review ──approve──▶ closed   (return ──▶ the stage it came from)
    closed ──reopen──▶ intake

Any other action is refused by :func:`next_stage` with a sentence saying what must happen first.
Supervisors' actions (deciding on a plan or a closure, reopening) need ``case.approve``; every
other action needs ``case.manage``. A supervisor never decides on what they submitted themselves,
nor on a case they are the caseworker of (four eyes).
"""

from django.db.models import TextChoices
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from everychild.accounts.roles import Capability


class Stage(TextChoices):
    INTAKE = "intake", _("opened: initial safety assessment")
    ASSESSMENT = "assessment", _("comprehensive assessment")
    PLANNING = "planning", _("case planning")
    PLAN_REVIEW = "plan_review", _("case plan awaiting approval")
    IMPLEMENTATION = "implementation", _("implementation, follow-up and review")
    CLOSURE_REVIEW = "closure_review", _("closure awaiting approval")
    CLOSED = "closed", _("closed")


class Action(TextChoices):
    INITIAL_ASSESSMENT = "initial_assessment", _("record the initial safety assessment")
    COMPREHENSIVE_ASSESSMENT = "comprehensive_assessment", _("record the comprehensive assessment")
    SUBMIT_PLAN = "submit_plan", _("submit the case plan for approval")
    APPROVE_PLAN = "approve_plan", _("approve the case plan")
    RETURN_PLAN = "return_plan", _("return the case plan with comments")
    REVIEW = "review", _("record a review")
    REVISE_PLAN = "revise_plan", _("revise the case plan")
    REQUEST_CLOSURE = "request_closure", _("request closure")
    APPROVE_CLOSURE = "approve_closure", _("approve the closure")
    RETURN_CLOSURE = "return_closure", _("return the closure request with comments")
    REOPEN = "reopen", _("reopen the case")


OPEN_STAGES = (Stage.INTAKE, Stage.ASSESSMENT, Stage.PLANNING, Stage.IMPLEMENTATION)
TRANSITIONS: dict[tuple[str, str], str] = {
    (Stage.INTAKE, Action.INITIAL_ASSESSMENT): Stage.ASSESSMENT,
    (Stage.ASSESSMENT, Action.COMPREHENSIVE_ASSESSMENT): Stage.PLANNING,
    (Stage.PLANNING, Action.SUBMIT_PLAN): Stage.PLAN_REVIEW,
    (Stage.PLAN_REVIEW, Action.APPROVE_PLAN): Stage.IMPLEMENTATION,
    (Stage.PLAN_REVIEW, Action.RETURN_PLAN): Stage.PLANNING,
    (Stage.IMPLEMENTATION, Action.REVIEW): Stage.IMPLEMENTATION,
    (Stage.IMPLEMENTATION, Action.REVISE_PLAN): Stage.PLANNING,
    **{(stage, Action.REQUEST_CLOSURE): Stage.CLOSURE_REVIEW for stage in OPEN_STAGES},
    # back to the stage the closure was requested from (``resume``)
    (Stage.CLOSURE_REVIEW, Action.RETURN_CLOSURE): "",
    (Stage.CLOSURE_REVIEW, Action.APPROVE_CLOSURE): Stage.CLOSED,
    (Stage.CLOSED, Action.REOPEN): Stage.INTAKE,
}
# Actions of a supervisor (``case.approve``); the others are the caseworker's (``case.manage``).
DECISIONS = (Action.APPROVE_PLAN, Action.RETURN_PLAN, Action.APPROVE_CLOSURE, Action.RETURN_CLOSURE)
SUPERVISOR_ACTIONS = (*DECISIONS, Action.REOPEN)

FIRST = {
    Stage.INTAKE: _("First record the initial safety assessment."),
    Stage.ASSESSMENT: _("First record the comprehensive assessment."),
    Stage.PLANNING: _("First write the case plan and submit it for approval."),
    Stage.PLAN_REVIEW: _("First a supervisor approves or returns the case plan."),
    Stage.IMPLEMENTATION: _("The approved plan is being carried out: record a review, revise the "
                            "plan or request closure."),
    Stage.CLOSURE_REVIEW: _("First a supervisor approves or returns the closure request."),
    Stage.CLOSED: _("The case is closed: a supervisor must reopen it first."),
}


class IllegalTransition(ValueError):
    """An action the case's stage does not allow; ``message`` says what must happen first (in the
    active language)."""

    def __init__(self, stage: str, action: str) -> None:
        super().__init__(f"{action} is not allowed at {stage}")
        self.stage, self.action = stage, action

    @property
    def message(self) -> str:
        return gettext("You cannot %(action)s while the case is at this stage (%(stage)s). "
                       "%(first)s") % {"action": Action(self.action).label,
                                       "stage": Stage(self.stage).label,
                                       "first": FIRST[Stage(self.stage)]}


def allowed(stage: str) -> list[str]:
    """The actions possible at ``stage``, in the order of the lifecycle."""
    return [action for action in Action.values if (stage, action) in TRANSITIONS]


def next_stage(stage: str, action: str, resume: str = "") -> str:
    """The stage ``action`` leads to from ``stage`` (``resume``: the stage a closure request came
    from); IllegalTransition when the lifecycle does not allow it."""
    if (stage, action) not in TRANSITIONS:
        raise IllegalTransition(stage, action)
    target = TRANSITIONS[(stage, action)]
    return target or resume or Stage.IMPLEMENTATION


def capability_for(action: str) -> str:
    """What an actor needs to take ``action``."""
    return Capability.CASE_APPROVE if action in SUPERVISOR_ACTIONS else Capability.CASE_MANAGE


def is_open(stage: str) -> bool:
    return stage != Stage.CLOSED
