"""Monitoring pages: the worklist (or a supervisor's overview), a child's monitoring record with
the supervisor's forms, and the visit form. Thin: reads through ``queries`` (scoped, audited),
writes through ``services``; a child the actor may not see is a 404."""

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles import finders
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from everychild.access.policy import Actor, actor_for, require
from everychild.accounts.roles import Capability
from everychild.places.codes import Level
from everychild.places.models import Division
from everychild.registry.models import Child
from everychild.rules import Reason
from everychild.rules.risk import INSTRUMENT_CODE, RISK_RULES
from everychild.rules.visit_plans import DueVisit, Unit, unit_term
from everychild.visits import queries, services
from everychild.visits.forms import RiskForm, TightenForm, VisitForm, place_label
from everychild.visits.models import RiskLevel, RiskSource
from everychild.visits.plans import parse_interval

# --- helpers -------------------------------------------------------------------------------------


def _reason(data: Any) -> str:
    """A stored reason as a sentence in the reader's language (never fails on old data)."""
    try:
        return Reason.from_dict(data).render()
    except (KeyError, ValueError, TypeError, AttributeError):
        return str(data.get("template", "")) if isinstance(data, dict) else str(data)


def _interval(text: str) -> str:
    interval = parse_interval(text) if text else None
    if interval is None:
        return ""
    return _("every %(count)s %(unit)s") % {"count": interval.count,
                                            "unit": _(unit_term(Unit(interval.unit), interval.count))}


def _due_for(code: str) -> str:
    return {DueVisit.FIRST: _("the first visit"), DueVisit.ROUTINE: _("a routine visit"),
            DueVisit.REPORT: _("the visit after a report"),
            DueVisit.NONE: _("nothing due")}.get(code, code)


def _put_errors(form: Form, exc: ValidationError) -> None:
    errors = getattr(exc, "message_dict", None) or {NON_FIELD_ERRORS: exc.messages}
    for key, found in errors.items():
        target = key if key in form.fields else None
        for message in found:
            form.add_error(target, message)


def _child_or_404(call, *args: Any, **kwargs: Any) -> Any:
    try:
        return call(*args, **kwargs)
    except Child.DoesNotExist:
        raise Http404 from None


# --- the service worker --------------------------------------------------------------------------


@login_not_required  # a static script; the browser re-checks it even after the session ends
@require_http_methods(["GET"])
def service_worker(request: HttpRequest) -> HttpResponse:
    """``static/visits/sw.js`` served from /visits/ so that its scope covers the visit pages."""
    path = finders.find("visits/sw.js")
    if not path:
        raise Http404
    with open(path, encoding="utf-8") as script:
        response = HttpResponse(script.read(), content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


# --- the worklist, or a supervisor's overview ----------------------------------------------------


def _late_days(plan: Any, today) -> int:
    return (today - plan.next_due).days if plan.next_due and plan.next_due < today else 0


def _rows(plans: list[Any], today) -> list[dict[str, Any]]:
    labels = dict(RiskLevel.choices)
    rank_level = {3: "high", 2: "medium", 1: "low"}
    return [{"plan": p, "child": p.child, "late": _late_days(p, today),
             "risk": labels.get(rank_level.get(p.risk_rank, ""), ""),
             "risk_code": rank_level.get(p.risk_rank, ""), "due_for": _due_for(p.due_for)}
            for p in plans]


@require_http_methods(["GET"])
def visits_home(request: HttpRequest) -> HttpResponse:
    """A director's worklist; a supervisor's villages or a county officer's townships, each
    place a link one level down (``?place=CODE``) to the children behind the counts."""
    actor = actor_for(request)
    today = timezone.localdate()
    place = request.GET.get("place") or None
    if actor.has(Capability.VISIT_SUPERVISE) and request.GET.get("show") != "mine":
        try:
            division = queries.place_in_reach(actor, place, Capability.VISIT_SUPERVISE)
            if division.level == Level.VILLAGE:
                return _worklist(request, actor, queries.worklist(actor, today, division.code),
                                 today)
            return _overview(request, actor, queries.overview(actor, division.code, today), today)
        except Division.DoesNotExist:
            raise Http404 from None
    require(actor, Capability.VISIT_RECORD)
    return _worklist(request, actor, queries.worklist(actor, today), today)


def _overview(request: HttpRequest, actor: Actor, found: queries.Overview, today) -> HttpResponse:
    own = found.place.code == actor.post.division_id
    return render(request, "visits/overview.html", {
        "overview": found, "rows": found.rows, "level": found.level.label, "today": today,
        "up": None if own else found.place.parent_id,
        "totals": {k: sum(r[k] for r in found.rows) for k in queries.COUNTS},
        "can_record": actor.has(Capability.VISIT_RECORD)})


def _worklist(request: HttpRequest, actor: Actor, work: queries.Worklist, today) -> HttpResponse:
    return render(request, "visits/worklist.html", {
        # Each child once: a child never visited is listed there, not also as overdue or due.
        "overdue": _rows([p for p in work.overdue if p.last_visit_on], today),
        "due_this_week": _rows([p for p in work.due_this_week if p.last_visit_on], today),
        "never_visited": _rows(work.never_visited, today), "counts": work.counts, "today": today,
        "village": work.village, "supervises": actor.has(Capability.VISIT_SUPERVISE),
        "can_record": actor.has(Capability.VISIT_RECORD)})


# --- a child's monitoring record -----------------------------------------------------------------


def _observations(visit: Any) -> list[dict[str, str]]:
    """What the director saw, item by item of the instrument the visit was scored with: the
    answer in words and the note (only the items answered or noted)."""
    try:
        seen = json.loads(visit.observations or "{}")
        items = RISK_RULES.get(INSTRUMENT_CODE, visit.risk_version).param("items")
    except (ValueError, KeyError):
        return []
    shown = []
    for item in items:
        entry = seen.get(item.code) or {}
        codes = entry.get("answer") or []
        codes = codes if isinstance(codes, list) else [codes]
        labels = [_(o.label) for o in item.options if o.code in codes]
        if labels or entry.get("note"):
            shown.append({"item": _(item.title), "answer": "、".join(labels),
                          "note": entry.get("note", "")})
    return shown


def _visit_view(visit: Any) -> dict[str, Any]:
    who = getattr(visit.recorded_by, "full_name", "") or visit.recorded_by.username
    return {"visit": visit, "place": place_label(visit.place), "who": who,
            "risk": dict(RiskLevel.choices).get(visit.risk_level, visit.risk_level),
            "drivers": [_reason(r) for r in visit.risk_drivers or []],
            "observations": _observations(visit)}


def _monitoring(request: HttpRequest, actor: Actor, child_id: Any, *,
                tighten_form: TightenForm | None = None, risk_form: RiskForm | None = None,
                status: int = 200) -> HttpResponse:
    record = _child_or_404(queries.child_monitoring, actor, str(child_id))
    plan, risk = record.plan, record.risk
    supervises = actor.has(Capability.VISIT_SUPERVISE)
    plan_view = None
    if plan is not None:
        plan_view = {
            "policy": _interval(plan.policy_interval) or _("no routine visits required"),
            "tightened": _interval(plan.tightened_interval),
            "reasons": [_reason(r) for r in plan.reasons or []],
            "due_for": _due_for(plan.due_for)}
    risk_view = None
    if risk is not None:
        risk_view = {"level": dict(RiskLevel.choices).get(risk.level, risk.level),
                     "source": dict(RiskSource.choices).get(risk.source, risk.source)}
    return render(request, "visits/child.html", {
        "child": record.child, "plan": plan, "plan_view": plan_view, "risk": risk,
        "risk_view": risk_view, "visits": [_visit_view(v) for v in record.visits],
        "can_record": actor.has(Capability.VISIT_RECORD), "supervises": supervises,
        "tighten_form": tighten_form or TightenForm(), "risk_form": risk_form or RiskForm(
            initial={"level": risk.level if risk else ""}),
    }, status=status)


@require_http_methods(["GET"])
def child_monitoring(request: HttpRequest, child_id) -> HttpResponse:
    return _monitoring(request, actor_for(request), child_id)


def _monitoring_url(child_id: Any) -> str:
    return reverse("visits:child", kwargs={"child_id": child_id})


@require_POST
def tighten_plan(request: HttpRequest, child_id) -> HttpResponse:
    actor = actor_for(request)
    form = TightenForm(request.POST)
    if form.is_valid():
        try:
            _child_or_404(services.tighten_plan, actor, str(child_id), form.cleaned_data["count"],
                          form.cleaned_data["unit"], form.cleaned_data["reason"])
        except ValidationError as exc:
            _put_errors(form, exc)
            if "interval" in getattr(exc, "message_dict", {}):
                form.add_error("count", exc.message_dict["interval"])
        else:
            messages.success(request, _("The visit plan was tightened."))
            return redirect(_monitoring_url(child_id))
    return _monitoring(request, actor, child_id, tighten_form=form, status=422)


@require_POST
def set_risk_level(request: HttpRequest, child_id) -> HttpResponse:
    actor = actor_for(request)
    form = RiskForm(request.POST)
    if form.is_valid():
        try:
            _child_or_404(services.lower_risk, actor, str(child_id), form.cleaned_data["level"],
                          form.cleaned_data["reason"])
        except ValidationError as exc:
            _put_errors(form, exc)
        else:
            messages.success(request, _("The risk level was set."))
            return redirect(_monitoring_url(child_id))
    return _monitoring(request, actor, child_id, risk_form=form, status=422)


# --- recording a visit ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def record_visit(request: HttpRequest, child_id) -> HttpResponse:
    """The visit form. Its ``client_id`` (made in the browser when the form is first opened)
    makes a retried, repeated or late (offline draft) submission one visit."""
    actor = actor_for(request)
    child = _child_or_404(queries.child_for_visit, actor, str(child_id))
    province = child.division_code[:2]
    if request.method == "POST":
        form = VisitForm(request.POST, province=province)
        if form.is_valid():
            try:
                visit = services.record_visit(actor, child.pk, form.to_input(),
                                              client_id=form.cleaned_data["client_id"])
            except ValidationError as exc:
                _put_errors(form, exc)
            except Child.DoesNotExist:
                raise Http404 from None
            else:
                messages.success(request, _("The visit was recorded."))
                if visit.report_requested and actor.has(Capability.REPORT_CREATE):
                    # the one tap: the report form, with the child and what the visit saw
                    return redirect(f"{reverse('reports:new')}?child={child.pk}&visit={visit.pk}")
                return redirect(_monitoring_url(child.pk))
        status = 422
    else:
        form = VisitForm(province=province)
        status = 200
    return render(request, "visits/record.html", {
        "child": child, "form": form, "instrument": form.instrument,
        "draft_url": reverse("visits:record", kwargs={"child_id": child.pk}),
    }, status=status)
