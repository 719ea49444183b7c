"""Case-management pages: the caseload, opening a case for a child, one case's whole record with
the forms of the step it is at, referrals made from a case. Thin: reads through ``queries``
(scoped, audited), writes through ``services``, one service call per form. A case the actor may
not see is a 404; a missing capability is a 403; bad input re-renders the case with the form's
errors (422); a plan saved by someone else since it was read is a 409 that keeps what was typed."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from everychild.access.policy import Actor, actor_for, can, require
from everychild.accounts.queries import posts_over
from everychild.accounts.roles import Capability
from everychild.cases import queries, services
from everychild.cases.forms import (
    GOAL_STATUS_LABELS,
    NEED_AREAS,
    AssessmentForm,
    AssignForm,
    ClosureForm,
    DecideForm,
    NoteForm,
    OpenForm,
    PlanEditor,
    ReasonForm,
    ReferralForm,
    ReviewForm,
    ServiceChoiceForm,
)
from everychild.cases.lifecycle import FIRST, Action, Stage
from everychild.cases.models import Case, Source
from everychild.core.ids import parse_uuid
from everychild.places.codes import Level
from everychild.places.queries import division_names
from everychild.registry.models import Child
from everychild.registry.queries import get_child
from everychild.rules import Reason
from everychild.rules.case_management import CLOSURE_TERMS, Closure
from everychild.services.models import Referral, ReferralState, ServiceType
from everychild.services.queries import providers
from everychild.services.services import cancel_referral, make_referral

CASE_LEVELS = (Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY)
# Which flags of the page show each form (a form posted from a stale page may not be shown now:
# its errors then go to the top of the page).
FORM_SHOWN = {"initial_form": ("initial",), "comprehensive_form": ("comprehensive",),
              "plan_editor": ("plan",), "decide_plan_form": ("decide_plan",),
              "review_form": ("review",), "revise_form": ("revise",), "closure_form": ("closure",),
              "decide_closure_form": ("decide_closure",), "reopen_form": ("reopen",),
              "assign_form": ("assign", "take"), "note_form": ("note",)}


def _view_labels() -> list[tuple[str, str]]:
    return [("mine", _("My cases")), ("unassigned", _("Unassigned")), ("overdue", _("Overdue")),
            ("decisions", _("Waiting for a decision")), ("open", _("All open")),
            ("closed", _("Closed"))]


def _put_errors(form: Form, exc: ValidationError) -> None:
    errors = getattr(exc, "message_dict", None) or {NON_FIELD_ERRORS: exc.messages}
    for key, found in errors.items():
        for message in found:
            form.add_error(key if key in form.fields else None, message)


def _uuid(value: str | None) -> str:
    parsed = parse_uuid(value) if value else None
    return str(parsed) if parsed else ""


def _case_or_404(actor: Actor, case_id: Any, capability: str | None = None) -> Case:
    """The case if the actor may see it (else 404) and do ``capability`` there (else 403); an
    actor who works on no case at all gets a 403."""
    _sees_cases(actor)
    try:
        return services.case_for(actor, case_id, capability)
    except Case.DoesNotExist:
        raise Http404 from None


def _detail_url(case_id: Any) -> str:
    return reverse("cases:detail", kwargs={"case_id": case_id})


def _sees_cases(actor: Actor) -> None:
    if not (actor.has(Capability.CASE_MANAGE) or actor.has(Capability.CASE_APPROVE)):
        raise PermissionDenied(_("You do not have permission to do this here."))


_names = division_names


def _person(user: Any) -> str:
    return (user.full_name or user.username) if user is not None else _("the system")


# --- the caseload ----------------------------------------------------------------------------------


@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    """The actor's caseload, one view at a time, with the count of each view."""
    actor = actor_for(request)
    _sees_cases(actor)
    found = queries.counts(actor)
    tallies = {
        "mine": found.get("mine", 0), "unassigned": found.get("unassigned", 0),
        "overdue": found.get("overdue", 0),
        "decisions": found.get(Stage.PLAN_REVIEW, 0) + found.get(Stage.CLOSURE_REVIEW, 0),
        "open": sum(found.get(s, 0) for s in Stage.values if s != Stage.CLOSED),
        "closed": found.get(Stage.CLOSED, 0)}
    view = request.GET.get("view", "")
    if view not in queries.VIEWS:
        view = "mine" if tallies["mine"] else "open"
    stage = request.GET.get("stage", "")
    stage = stage if stage in Stage.values else ""
    cases = queries.caseload(actor, view, stage=stage)
    now = timezone.now()
    names = _names({c.division_code for c in cases})
    rows = [{"case": c, "village": names.get(c.division_code, c.division_code),
             "stage": c.get_stage_display(), "risk": c.get_risk_level_display(),
             "due_for": c.get_due_for_display() if c.due_for else "",
             "overdue": bool(c.is_open and c.next_due and c.next_due < now),
             "caseworker": _person(c.caseworker) if c.caseworker_id else ""} for c in cases]
    return render(request, "cases/list.html", {
        "rows": rows, "view": view, "stage": stage, "stages": Stage.choices,
        "views": [{"code": code, "label": label, "count": tallies[code]}
                  for code, label in _view_labels()]})


# --- opening a case --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def new_case(request: HttpRequest) -> HttpResponse:
    """Open a case for a child (from the child's profile, a report or a visit)."""
    actor = actor_for(request)
    require(actor, Capability.CASE_MANAGE)
    child_id = _uuid(request.GET.get("child"))
    if not child_id:
        raise Http404
    try:
        child = get_child(actor, child_id, purpose="case")
    except Child.DoesNotExist:
        raise Http404 from None
    require(actor, Capability.CASE_MANAGE, child.division_code)
    report_id, visit_id = _uuid(request.GET.get("report")), _uuid(request.GET.get("visit"))
    caseworkers = (posts_over(child.division_code, Capability.CASE_MANAGE, CASE_LEVELS)
                   if can(actor, Capability.CASE_APPROVE, child.division_code) else None)
    eligible = posts_over(child.division_code, Capability.CASE_MANAGE, CASE_LEVELS)
    may_take = actor.post is not None and any(p.pk == actor.post.pk for p in eligible)
    status = 200
    if request.method == "POST":
        form = OpenForm(request.POST, caseworkers=caseworkers, may_take=may_take)
        if form.is_valid():
            data = form.cleaned_data
            post_id = data.get("caseworker_post_id") or (
                str(actor.post.pk) if data.get("take") and actor.post else "")
            source = Source.REPORT if report_id else Source.VISIT if visit_id else Source.DIRECT
            try:
                case = services.open_case(actor, services.OpenInput(
                    child_id=str(child.pk), summary=data["summary"], source=source,
                    report_id=report_id, visit_id=visit_id, risk_level=data["risk_level"],
                    caseworker_post_id=post_id))
            except ValidationError as exc:
                _put_errors(form, exc)
            except Child.DoesNotExist:
                raise Http404 from None
            else:
                messages.success(request, _("Case %(ref)s was opened.") % {"ref": case.reference})
                return redirect(_detail_url(case.pk))
        status = 422
    else:
        form = OpenForm(caseworkers=caseworkers, may_take=may_take)
    open_cases = [c for c in queries.child_cases(actor, child) if c.is_open]
    return render(request, "cases/new.html", {
        "form": form, "child": child, "report_id": report_id, "visit_id": visit_id,
        "open_case": open_cases[0] if open_cases else None}, status=status)


# --- one case --------------------------------------------------------------------------------------


@require_GET
def case_detail(request: HttpRequest, case_id: Any) -> HttpResponse:
    actor = actor_for(request)
    _sees_cases(actor)
    return _detail(request, actor, case_id)


def _steps(record: queries.CaseRecord) -> list[dict[str, Any]]:
    rows = []
    for step in record.steps:
        criterion = (step.detail or {}).get("criterion")
        rows.append({"step": step, "by": _person(step.by),
                     "label": _(services.TIMELINE[step.action])
                     if step.action in services.TIMELINE else step.action,
                     "criterion": _(CLOSURE_TERMS[Closure(criterion)])
                     if criterion in Closure.__members__.values() else ""})
    return rows


def _assessments(record: queries.CaseRecord) -> list[dict[str, Any]]:
    areas = dict(NEED_AREAS)
    return [{"assessment": a, "kind": a.get_kind_display(), "risk": a.get_risk_level_display(),
             "by": _person(a.by),
             "needs": [(areas.get(k, k), v) for k, v in queries.needs(a).items()]}
            for a in record.assessments]


def _goals(record: queries.CaseRecord) -> list[dict[str, Any]]:
    return [{"n": n, "goal": g, "status": GOAL_STATUS_LABELS.get(g.get("status"), "")}
            for n, g in enumerate(record.goals, 1)]


def _referrals(record: queries.CaseRecord, now: Any, cancel_for: str = "",
               cancel_form: Form | None = None) -> list[dict[str, Any]]:
    """The case's referrals, each with its cancel form (the one just posted keeps its errors)."""
    goals = {g["id"]: g["goal"] for g in record.goals}
    return [{"referral": r, "state": r.get_state_display(),
             "service": r.get_service_type_display(), "outcome": r.get_outcome_display(),
             "basis": r.get_sharing_basis_display(), "goal": goals.get(r.goal_id, ""),
             "late": r.state == ReferralState.SENT and r.due_at < now,
             "cancel_form": cancel_form if cancel_form is not None and str(r.pk) == cancel_for
             else ReasonForm(prefix="cancel", auto_id=f"id_{r.pk}_%s")}
            for r in record.referrals]


def _detail(request: HttpRequest, actor: Actor, case_id: Any, *, status: int = 200,
            record: queries.CaseRecord | None = None, **extra: Any) -> HttpResponse:
    """The case's whole record and the forms the actor may use now (``extra``: bound forms
    with their errors, and flags of the page)."""
    if record is None:
        try:
            record = queries.case_record(actor, case_id)
        except Case.DoesNotExist:
            raise Http404 from None
    case, now = record.case, timezone.now()
    allowed = set(record.allowed)
    own_post = actor.post.pk if actor.post else None
    may_take = (case.is_open and case.caseworker_id is None and record.can_manage
                and any(p.pk == own_post for p in record.caseworkers))
    show = {
        "initial": Action.INITIAL_ASSESSMENT in allowed,
        "comprehensive": Action.COMPREHENSIVE_ASSESSMENT in allowed,
        "plan": Action.SUBMIT_PLAN in allowed,
        "decide_plan": Action.APPROVE_PLAN in allowed,
        "review": Action.REVIEW in allowed,
        "revise": Action.REVISE_PLAN in allowed,
        "referral": record.can_manage and case.stage == Stage.IMPLEMENTATION,
        "closure": Action.REQUEST_CLOSURE in allowed,
        "decide_closure": Action.APPROVE_CLOSURE in allowed,
        "reopen": Action.REOPEN in allowed,
        "assign": case.is_open and record.can_approve and bool(record.caseworkers),
        "take": may_take and not record.can_approve,
        "note": record.can_manage,
        "cancel": record.can_manage,
    }
    version = record.plan.version if record.plan else 0
    stray = [message for key, form in extra.items()
             if key in FORM_SHOWN and not any(show[flag] for flag in FORM_SHOWN[key])
             for message in _messages(form)]
    village = _names({case.division_code}).get(case.division_code, case.division_code)
    context = {
        "record": record, "case": case, "child": record.child, "village": village,
        "stage": case.get_stage_display(), "risk": case.get_risk_level_display(),
        "caseworker": _person(case.caseworker) if case.caseworker_id else "",
        "due_for": case.get_due_for_display() if case.due_for else "",
        "overdue": bool(case.is_open and case.next_due and case.next_due < now),
        "due_reason": Reason.from_dict(case.due_reason).render() if case.due_reason else "",
        "closure_criterion": case.get_closure_criterion_display() if case.closure_criterion
        else "",
        "steps": _steps(record), "assessments": _assessments(record), "goals": _goals(record),
        "referrals": _referrals(record, now, extra.pop("cancel_for", ""),
                                extra.pop("cancel_form", None)),
        "show": show, "next_hint": FIRST[Stage(case.stage)], "stray_errors": stray,
        "party_to_decision": actor.user is not None and actor.user.pk in (
            case.submitted_by_id, case.caseworker_id),
        "plan_state": record.plan.get_state_display() if record.plan else "",
        "notes": [{"note": n, "kind": n.get_kind_display(), "by": _person(n.by)}
                  for n in record.notes],
        "initial_form": AssessmentForm(prefix="initial"),
        "comprehensive_form": AssessmentForm(prefix="comprehensive"),
        "plan_editor": PlanEditor.from_plan(record.goals, version),
        "decide_plan_form": DecideForm(prefix="plan_decision"),
        "review_form": ReviewForm(prefix="review", goals=record.goals),
        "revise_form": ReasonForm(prefix="revise"),
        "closure_form": ClosureForm(prefix="closure"),
        "decide_closure_form": DecideForm(prefix="closure_decision"),
        "reopen_form": ReasonForm(prefix="reopen"),
        "assign_form": AssignForm(prefix="assign", caseworkers=record.caseworkers,
                                  initial={"caseworker_post_id": case.caseworker_post_id}),
        "note_form": NoteForm(prefix="note", initial={"held_on": timezone.localdate()}),
        "plan_conflict": False,
    }
    context.update(extra)
    return render(request, "cases/detail.html", context, status=status)


def _messages(form: Any) -> list[str]:
    if isinstance(form, PlanEditor):
        return list(form.errors)
    return [str(m) for found in form.errors.values() for m in found]


def _act(request: HttpRequest, case_id: Any, capability: str | None, form: Form, name: str,
         call: Callable[[Actor, Form], Any], done: str | Callable[[Form], str],
         **extra: Any) -> HttpResponse:
    """Run the one service ``call`` for a valid ``form``, then back to the case with the
    success message; else the case again with the form's errors (422)."""
    actor = actor_for(request)
    _case_or_404(actor, case_id, capability)
    if form.is_valid():
        try:
            call(actor, form)
        except ValidationError as exc:
            _put_errors(form, exc)
        except (Case.DoesNotExist, Referral.DoesNotExist):
            raise Http404 from None
        else:
            messages.success(request, done(form) if callable(done) else done)
            return redirect(_detail_url(case_id))
    return _detail(request, actor, case_id, status=422, **{name: form}, **extra)


@require_POST
def initial_assessment(request: HttpRequest, case_id: Any) -> HttpResponse:
    form = AssessmentForm(request.POST, prefix="initial")
    return _act(request, case_id, Capability.CASE_MANAGE, form, "initial_form",
                lambda actor, f: services.initial_assessment(actor, str(case_id), f.to_input()),
                _("The initial safety assessment was recorded."))


@require_POST
def comprehensive_assessment(request: HttpRequest, case_id: Any) -> HttpResponse:
    form = AssessmentForm(request.POST, prefix="comprehensive")
    return _act(request, case_id, Capability.CASE_MANAGE, form, "comprehensive_form",
                lambda actor, f: services.comprehensive_assessment(actor, str(case_id),
                                                                   f.to_input()),
                _("The comprehensive assessment was recorded."))


@require_POST
def plan(request: HttpRequest, case_id: Any) -> HttpResponse:
    """The plan editor: add a goal or an action (the editor again, nothing saved), save the
    draft, or save and submit it for approval."""
    actor = actor_for(request)
    _case_or_404(actor, case_id, Capability.CASE_MANAGE)
    editor = PlanEditor.from_post(request.POST)
    do = request.POST.get("do", "save")
    if do == "add_goal" or do.startswith("add_action"):
        if do == "add_goal":
            editor.add_goal()
        else:
            editor.add_action(_index(do.partition(":")[2]))
        return _detail(request, actor, case_id, plan_editor=editor)
    saved = None
    try:
        saved = services.save_plan(actor, str(case_id), editor.cleaned(), editor.version)
        editor.version = saved.version
        if do == "submit":
            services.submit_plan(actor, str(case_id), saved.version)
    except services.PlanChanged as exc:
        editor.errors.append(exc.message)
        editor.version = exc.version
        editor.pad()
        return _detail(request, actor, case_id, status=409, plan_editor=editor,
                       plan_conflict=True)
    except ValidationError as exc:
        if saved is not None:
            messages.info(request, _("The draft was saved, but it could not be submitted."))
        editor.errors.extend(exc.messages)
        editor.pad()
        return _detail(request, actor, case_id, status=422, plan_editor=editor)
    except Case.DoesNotExist:
        raise Http404 from None
    messages.success(request, _("The case plan was submitted for approval.") if do == "submit"
                     else _("The draft of the case plan was saved."))
    return redirect(_detail_url(case_id))


def _index(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return 0


def _decided(approved: str, returned: str) -> Callable[[Form], str]:
    return lambda form: approved if form.approve() else returned


@require_POST
def decide_plan(request: HttpRequest, case_id: Any) -> HttpResponse:
    form = DecideForm(request.POST, prefix="plan_decision")
    return _act(request, case_id, Capability.CASE_APPROVE, form, "decide_plan_form",
                lambda actor, f: services.decide_plan(actor, str(case_id), f.approve(),
                                                      f.cleaned_data["comments"]),
                _decided(_("The case plan was approved."),
                         _("The case plan was returned with your comments.")))


@require_POST
def review(request: HttpRequest, case_id: Any) -> HttpResponse:
    actor = actor_for(request)
    _case_or_404(actor, case_id, Capability.CASE_MANAGE)
    record = queries.case_record(actor, case_id)
    form = ReviewForm(request.POST, prefix="review", goals=record.goals)
    if form.is_valid():
        try:
            services.record_review(actor, str(case_id), form.to_input())
        except ValidationError as exc:
            _put_errors(form, exc)
        else:
            messages.success(request, _("The review was recorded."))
            return redirect(_detail_url(case_id))
    return _detail(request, actor, case_id, status=422, record=record, review_form=form)


@require_POST
def revise(request: HttpRequest, case_id: Any) -> HttpResponse:
    form = ReasonForm(request.POST, prefix="revise")
    return _act(request, case_id, Capability.CASE_MANAGE, form, "revise_form",
                lambda actor, f: services.revise_plan(actor, str(case_id),
                                                      f.cleaned_data["reason"]),
                _("The case plan is open for revision: it needs approval again."))


@require_POST
def closure(request: HttpRequest, case_id: Any) -> HttpResponse:
    form = ClosureForm(request.POST, prefix="closure")
    return _act(request, case_id, Capability.CASE_MANAGE, form, "closure_form",
                lambda actor, f: services.request_closure(actor, str(case_id),
                                                          f.cleaned_data["criterion"],
                                                          f.cleaned_data["note"]),
                _("Closure was requested: a supervisor decides."))


@require_POST
def decide_closure(request: HttpRequest, case_id: Any) -> HttpResponse:
    form = DecideForm(request.POST, prefix="closure_decision")
    return _act(request, case_id, Capability.CASE_APPROVE, form, "decide_closure_form",
                lambda actor, f: services.decide_closure(actor, str(case_id), f.approve(),
                                                         f.cleaned_data["comments"]),
                _decided(_("The case was closed."),
                         _("The closure request was returned with your comments.")))


@require_POST
def reopen(request: HttpRequest, case_id: Any) -> HttpResponse:
    form = ReasonForm(request.POST, prefix="reopen")
    return _act(request, case_id, Capability.CASE_APPROVE, form, "reopen_form",
                lambda actor, f: services.reopen(actor, str(case_id), f.cleaned_data["reason"]),
                _("The case was reopened: it starts again with an initial safety assessment."))


@require_POST
def assign(request: HttpRequest, case_id: Any) -> HttpResponse:
    """A supervisor assigns or reassigns; a caseworker takes an unassigned case (the service
    decides which is allowed)."""
    actor = actor_for(request)
    case = _case_or_404(actor, case_id)
    form = AssignForm(request.POST, prefix="assign", caseworkers=services.caseworker_posts(case))
    return _act(request, case_id, None, form, "assign_form",
                lambda actor, f: services.assign(actor, str(case_id),
                                                 f.cleaned_data["caseworker_post_id"]),
                _("The caseworker was assigned."))


@require_POST
def note(request: HttpRequest, case_id: Any) -> HttpResponse:
    form = NoteForm(request.POST, prefix="note")
    return _act(request, case_id, Capability.CASE_MANAGE, form, "note_form",
                lambda actor, f: services.add_note(actor, str(case_id), f.to_input()),
                _("The note was added."))


# --- referrals ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest, case_id: Any) -> HttpResponse:
    """Refer the child to a provider serving the child's village: choose the service (a GET
    narrows the providers), the provider, the need, what to share."""
    actor = actor_for(request)
    case = _case_or_404(actor, case_id, Capability.CASE_MANAGE)
    record = queries.case_record(actor, case_id)
    chooser = ServiceChoiceForm(request.GET or None)
    service_type = (request.POST.get("referral-service_type", "") if request.method == "POST"
                    else request.GET.get("service_type", ""))
    service_type = service_type if service_type in ServiceType.values else ""
    found = providers(actor, service_type=service_type, place=case.division_code)
    status = 200
    if request.method == "POST":
        form = ReferralForm(request.POST, prefix="referral", providers=found, goals=record.goals)
        if form.is_valid():
            try:
                made = make_referral(actor, str(case_id), form.to_input())
            except ValidationError as exc:
                _put_errors(form, exc)
            except Case.DoesNotExist:
                raise Http404 from None
            else:
                messages.success(request, _("Referral %(ref)s was sent to %(provider)s.") % {
                    "ref": made.reference, "provider": made.provider.name})
                return redirect(_detail_url(case_id))
        status = 422
    else:
        form = ReferralForm(prefix="referral", providers=found, goals=record.goals,
                            initial={"service_type": service_type})
    return render(request, "cases/referral_new.html", {
        "record": record, "case": case, "child": record.child, "form": form,
        "chooser": chooser, "service_type": service_type, "providers": found,
        "may_refer": case.stage == Stage.IMPLEMENTATION}, status=status)


@require_POST
def referral_cancel(request: HttpRequest, referral_id: Any) -> HttpResponse:
    actor = actor_for(request)
    _sees_cases(actor)
    try:
        case_id = queries.referral_case_id(actor, referral_id)
    except Case.DoesNotExist:
        raise Http404 from None
    form = ReasonForm(request.POST, prefix="cancel")

    def call(actor: Actor, f: Form) -> Any:
        return cancel_referral(actor, str(referral_id), f.cleaned_data["reason"])

    return _act(request, case_id, Capability.CASE_MANAGE, form, "cancel_form", call,
                _("The referral was cancelled."), cancel_for=str(referral_id))
