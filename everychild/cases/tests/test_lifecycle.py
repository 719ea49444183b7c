"""The case lifecycle: every legal transition leads where the guidelines say, every illegal one
is refused with what must happen first; and every legal one, taken through the services on a
real case, is audited and on the child's timeline."""

import itertools

import pytest

from everychild.audit.models import AuditEvent
from everychild.cases import services as s
from everychild.cases.lifecycle import (
    FIRST,
    TRANSITIONS,
    Action,
    IllegalTransition,
    Stage,
    allowed,
    capability_for,
    next_stage,
)
from everychild.cases.models import Case
from everychild.cases.tests.factories import assessment, goals
from everychild.registry.models import ChildEvent

EXPECTED = {
    (Stage.INTAKE, Action.INITIAL_ASSESSMENT): Stage.ASSESSMENT,
    (Stage.ASSESSMENT, Action.COMPREHENSIVE_ASSESSMENT): Stage.PLANNING,
    (Stage.PLANNING, Action.SUBMIT_PLAN): Stage.PLAN_REVIEW,
    (Stage.PLAN_REVIEW, Action.APPROVE_PLAN): Stage.IMPLEMENTATION,
    (Stage.PLAN_REVIEW, Action.RETURN_PLAN): Stage.PLANNING,
    (Stage.IMPLEMENTATION, Action.REVIEW): Stage.IMPLEMENTATION,
    (Stage.IMPLEMENTATION, Action.REVISE_PLAN): Stage.PLANNING,
    (Stage.INTAKE, Action.REQUEST_CLOSURE): Stage.CLOSURE_REVIEW,
    (Stage.ASSESSMENT, Action.REQUEST_CLOSURE): Stage.CLOSURE_REVIEW,
    (Stage.PLANNING, Action.REQUEST_CLOSURE): Stage.CLOSURE_REVIEW,
    (Stage.IMPLEMENTATION, Action.REQUEST_CLOSURE): Stage.CLOSURE_REVIEW,
    (Stage.CLOSURE_REVIEW, Action.APPROVE_CLOSURE): Stage.CLOSED,
    (Stage.CLOSURE_REVIEW, Action.RETURN_CLOSURE): Stage.PLANNING,  # resume="planning" below
    (Stage.CLOSED, Action.REOPEN): Stage.INTAKE,
}
PAIRS = list(itertools.product(Stage.values, Action.values))


def test_the_table_is_exactly_the_lifecycle():
    assert set(TRANSITIONS) == set(EXPECTED)


@pytest.mark.parametrize(("stage", "action"), [p for p in PAIRS if p in EXPECTED])
def test_a_legal_transition(stage, action):
    assert next_stage(stage, action, resume=Stage.PLANNING) == EXPECTED[(stage, action)]
    assert action in allowed(stage)


@pytest.mark.parametrize(("stage", "action"), [p for p in PAIRS if p not in EXPECTED])
def test_an_illegal_transition_says_what_must_happen_first(stage, action, settings):
    with pytest.raises(IllegalTransition) as refused:
        next_stage(stage, action)
    assert action not in allowed(stage)
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"):
        message = refused.value.message
    assert str(FIRST[Stage(stage)]) in message
    assert str(Action(action).label) in message


def test_a_returned_closure_goes_back_to_where_it_came_from():
    assert next_stage(Stage.CLOSURE_REVIEW, Action.RETURN_CLOSURE, Stage.INTAKE) == Stage.INTAKE


@pytest.mark.parametrize("action", Action.values)
def test_supervisors_decide_and_reopen_caseworkers_do_the_rest(action):
    supervisor = action in (Action.APPROVE_PLAN, Action.RETURN_PLAN, Action.APPROVE_CLOSURE,
                            Action.RETURN_CLOSURE, Action.REOPEN)
    assert capability_for(action) == ("case.approve" if supervisor else "case.manage")


# --- through the services, on a real case ------------------------------------------------------------


def _take(action, case, worker, boss):
    """Take ``action`` on ``case`` through its service function."""
    calls = {
        Action.INITIAL_ASSESSMENT: lambda: s.initial_assessment(worker, case.pk, assessment()),
        Action.COMPREHENSIVE_ASSESSMENT: lambda: s.comprehensive_assessment(
            worker, case.pk, assessment()),
        Action.SUBMIT_PLAN: lambda: s.submit_plan(worker, case.pk, s.save_plan(
            worker, case.pk, goals(status="met"), _version(case)).version),
        Action.APPROVE_PLAN: lambda: s.decide_plan(boss, case.pk, True),
        Action.RETURN_PLAN: lambda: s.decide_plan(boss, case.pk, False, "补充目标"),
        Action.REVIEW: lambda: s.record_review(worker, case.pk, s.ReviewInput(
            risk_level="low", summary="进展良好", child_views="愿意上学")),
        Action.REVISE_PLAN: lambda: s.revise_plan(worker, case.pk, "情况变化"),
        Action.REQUEST_CLOSURE: lambda: s.request_closure(worker, case.pk, "transferred",
                                                          "随父母迁往外省"),
        Action.APPROVE_CLOSURE: lambda: s.decide_closure(boss, case.pk, True),
        Action.RETURN_CLOSURE: lambda: s.decide_closure(boss, case.pk, False, "请补充"),
        Action.REOPEN: lambda: s.reopen(boss, case.pk, "再次接到报告"),
    }
    calls[action]()
    case.refresh_from_db()


def _version(case):
    plan = getattr(Case.objects.get(pk=case.pk), "plan", None)
    return plan.version if plan else 0


PATHS = {
    Stage.INTAKE: [],
    Stage.ASSESSMENT: [Action.INITIAL_ASSESSMENT],
    Stage.PLANNING: [Action.INITIAL_ASSESSMENT, Action.COMPREHENSIVE_ASSESSMENT],
    Stage.PLAN_REVIEW: [Action.INITIAL_ASSESSMENT, Action.COMPREHENSIVE_ASSESSMENT,
                        Action.SUBMIT_PLAN],
    Stage.IMPLEMENTATION: [Action.INITIAL_ASSESSMENT, Action.COMPREHENSIVE_ASSESSMENT,
                           Action.SUBMIT_PLAN, Action.APPROVE_PLAN],
    Stage.CLOSURE_REVIEW: [Action.REQUEST_CLOSURE],
    Stage.CLOSED: [Action.REQUEST_CLOSURE, Action.APPROVE_CLOSURE],
}


@pytest.fixture
def handed_over(case, social_worker):
    """A handover note, so the "transferred" closure criterion holds at any stage."""
    s.add_note(social_worker, case.pk, s.NoteInput(text="已交接给广州市民政局",
                                                   kind="handover"))
    return case


@pytest.mark.django_db
@pytest.mark.parametrize(("stage", "action"), sorted(EXPECTED, key=str))
def test_every_legal_transition_through_the_services(stage, action, handed_over, social_worker,
                                                     supervisor):
    case = handed_over
    for step in PATHS[stage]:
        _take(step, case, social_worker, supervisor)
    assert case.stage == stage
    events_before = ChildEvent.objects.filter(child=case.child, kind=f"case_{action}").count()
    audits_before = AuditEvent.objects.filter(action=f"case.{action}").count()
    _take(action, case, social_worker, supervisor)
    expected = EXPECTED[(stage, action)]
    if action == Action.RETURN_CLOSURE:
        expected = Stage.INTAKE  # the closure was requested at intake
    assert case.stage == expected
    assert ChildEvent.objects.filter(child=case.child, kind=f"case_{action}").count() == \
        events_before + 1
    assert AuditEvent.objects.filter(action=f"case.{action}", object_id=str(case.pk)).count() \
        == audits_before + 1
    assert case.steps.filter(action=action, from_stage=stage, to_stage=expected).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("stage", [Stage.INTAKE, Stage.PLAN_REVIEW, Stage.CLOSED])
def test_an_illegal_transition_through_the_services_changes_nothing(stage, handed_over,
                                                                    social_worker, supervisor):
    case = handed_over
    for step in PATHS[stage]:
        _take(step, case, social_worker, supervisor)
    steps = case.steps.count()
    with pytest.raises(s.ValidationError) as refused:
        s.record_review(social_worker, case.pk, s.ReviewInput(risk_level="low", summary="x",
                                                              child_views="y"))
    assert str(FIRST[Stage(stage)]) in " ".join(refused.value.messages)
    case.refresh_from_db()
    assert case.stage == stage and case.steps.count() == steps
