"""Reporting pages: the report form (on a phone; from a child's profile, a visit or a call), a
reporter's own reports (status only), a receiving unit's inbox and a report's whole record with
the unit's forms, the routing table and the metrics. Thin: reads through ``queries`` (scoped,
audited), writes through ``services``; a report the actor may not see is a 404."""

import json
from typing import Any

from django.contrib import messages
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
from everychild.core.ids import parse_uuid
from everychild.places.codes import Level
from everychild.places.models import Division
from everychild.registry.models import Child
from everychild.reports import queries, services
from everychild.reports.forms import (
    ActForm,
    AmendForm,
    InterviewForm,
    ReportForm,
    RouteForm,
    ServiceForm,
    amendable_label,
)
from everychild.reports.models import (
    ActionKind,
    Relationship,
    Report,
    RoutingEntry,
    ServiceKind,
    Urgency,
)
from everychild.rules import Reason
from everychild.rules.reporting import DUTY_TERMS, RECEIVER_TERMS, SITUATION_LABELS, Duty, Receiver


def _put_errors(form: Form, exc: ValidationError) -> None:
    errors = getattr(exc, "message_dict", None) or {NON_FIELD_ERRORS: exc.messages}
    for key, found in errors.items():
        for message in found:
            form.add_error(key if key in form.fields else None, message)


def _or_404(call, *args: Any, **kwargs: Any) -> Any:
    try:
        return call(*args, **kwargs)
    except (Report.DoesNotExist, Child.DoesNotExist, RoutingEntry.DoesNotExist):
        raise Http404 from None


def _sentences(reasons: list[dict[str, Any]]) -> list[str]:
    return [Reason.from_dict(r).render() for r in reasons or []]


# --- filing --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def new_report(request: HttpRequest) -> HttpResponse:
    """The report form: three short sections, every field optional."""
    actor = actor_for(request)
    require(actor, Capability.REPORT_CREATE)
    source = request.POST if request.method == "POST" else request.GET
    child = _or_404(queries.child_for_report, actor,
                    _uuid(source.get("child_id") or source.get("child")))
    hotline = actor.post.role_id == "hotline_operator"
    near = child.division_code if child else actor.post.division_id
    if request.method == "POST":
        form = ReportForm(request.POST, near=near, hotline=hotline, child=child)
        if form.is_valid():
            try:
                filed = services.file_report(
                    actor, form.to_input(), channel=_channel(form, hotline),
                    idempotency_key=str(form.cleaned_data["client_id"] or ""))
            except ValidationError as exc:
                _put_errors(form, exc)
            except Child.DoesNotExist:
                raise Http404 from None
            else:
                messages.success(request, _("The report was sent (reference %(ref)s).") % {
                    "ref": filed.report.reference})
                for warning in _sentences(filed.report.warnings):
                    messages.warning(request, warning)
                return redirect(reverse("reports:detail", kwargs={"report_id": filed.report.pk}))
        status = 422
    else:
        initial = {"child_id": child.pk if child else None,
                   **queries.visit_prefill(child, _uuid(request.GET.get("visit")))}
        form = ReportForm(initial=initial, near=near, hotline=hotline, child=child)
        status = 200
    return render(request, "reports/new.html", {"form": form, "child": child,
                                                "hotline": hotline}, status=status)


def _uuid(value: str | None) -> str | None:
    parsed = parse_uuid(value) if value else None
    return str(parsed) if parsed else None


def _channel(form: ReportForm, hotline: bool) -> str:
    if form.cleaned_data.get("visit_id"):
        return "visit"
    return "hotline" if hotline else "form"


# --- the reporter's and the receiving unit's lists ------------------------------------------------


@require_http_methods(["GET"])
def reports_home(request: HttpRequest) -> HttpResponse:
    """A receiving unit's inbox; a reporter's own reports."""
    actor = actor_for(request)
    if actor.has(Capability.REPORT_RECEIVE) and actor.post.agency_id:
        found = queries.inbox(actor)
        return render(request, "reports/inbox.html", {
            "open": [_task_view(t, found.now) for t in found.open],
            "missed": [_task_view(t, found.now) for t in found.missed],
            "done": [_task_view(t, found.now) for t in found.done],
            "missed_here": [_task_view(t, found.now) for t in queries.missed_here(actor)],
            "can_file": actor.has(Capability.REPORT_CREATE)})
    return render(request, "reports/mine.html", {"reports": queries.my_reports(actor)})


def _task_view(task: Any, now) -> dict[str, Any]:
    return {"task": task, "report": task.report, "duty": _(DUTY_TERMS[Duty(task.duty)]),
            "receiver": _(RECEIVER_TERMS[Receiver(task.receiver)]),
            "overdue": task.state != "done" and task.due_at < now,
            "situations": [_(SITUATION_LABELS[c]) for c in task.report.situations]}


# --- one report ----------------------------------------------------------------------------------


@require_http_methods(["GET"])
def report_detail(request: HttpRequest, report_id) -> HttpResponse:
    """A receiving unit's whole record; the filer's status of their own report; else a 404."""
    actor = actor_for(request)
    try:
        return _detail(request, actor, report_id)
    except Report.DoesNotExist:
        status = _or_404(queries.report_status, actor, str(report_id))
        return render(request, "reports/status.html", {"status": status})


def _detail(request: HttpRequest, actor: Actor, report_id: Any, *, status: int = 200,
            **forms: Form) -> HttpResponse:
    found = queries.report_detail(actor, str(report_id))
    report = found.report
    return render(request, "reports/detail.html", {
        "found": found, "report": report,
        "situations": [{"label": _(SITUATION_LABELS[c]), "suspected": c in report.suspected}
                       for c in report.situations],
        "urgency": dict(Urgency.choices).get(report.urgency),
        "perpetrator": dict(Relationship.choices).get(report.perpetrator),
        "warnings": _sentences(report.warnings),
        "tasks": [_task_view(t, timezone.now()) for t in found.tasks],
        "actions": [{"action": a, "kind": dict(ActionKind.choices).get(a.kind)}
                    for a in found.actions],
        "amendments": [{"amendment": a, "field": amendable_label(a.field)}
                       for a in found.amendments],
        "services": [{"service": s, "kind": dict(ServiceKind.choices).get(s.kind)}
                     for s in found.services],
        "original": json.loads(report.original or "{}"),
        "sees_interview": actor.has(Capability.REPORT_INTERVIEW),
        "act_form": forms.get("act_form") or ActForm(),
        "amend_form": forms.get("amend_form") or AmendForm(),
        "interview_form": forms.get("interview_form") or InterviewForm(),
        "service_form": forms.get("service_form") or ServiceForm(
            initial={"on": timezone.localdate()}),
    }, status=status)


def _detail_url(report_id: Any) -> str:
    return reverse("reports:detail", kwargs={"report_id": report_id})


def _post(request: HttpRequest, report_id: Any, form: Form, name: str, call, done: str
          ) -> HttpResponse:
    """Run ``call(cleaned_data)`` for a valid ``form``; else show the record with its errors."""
    actor = actor_for(request)
    if form.is_valid():
        try:
            _or_404(call, actor, form.cleaned_data)
        except ValidationError as exc:
            _put_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect(_detail_url(report_id))
    try:
        return _detail(request, actor, report_id, status=422, **{name: form})
    except Report.DoesNotExist:
        raise Http404 from None


@require_POST
def act(request: HttpRequest, report_id) -> HttpResponse:
    return _post(request, report_id, ActForm(request.POST), "act_form",
                 lambda actor, d: services.act(actor, str(report_id), d["kind"], d["note"]),
                 _("Recorded."))


@require_POST
def amend(request: HttpRequest, report_id) -> HttpResponse:
    def call(actor: Actor, data: dict[str, Any]) -> Any:
        value: Any = data["value"]
        if data["field"] in ("situations", "suspected"):
            value = [v.strip() for v in value.replace("，", ",").split(",") if v.strip()]
        return services.amend(actor, str(report_id), data["field"], value, data["reason"])

    return _post(request, report_id, AmendForm(request.POST), "amend_form", call,
                 _("The correction was recorded; the report as filed is kept."))


@require_POST
def interview(request: HttpRequest, report_id) -> HttpResponse:
    form = InterviewForm(request.POST)
    return _post(request, report_id, form, "interview_form",
                 lambda actor, d: services.record_interview(actor, str(report_id),
                                                            form.to_input()),
                 _("The joint interview was recorded."))


@require_POST
def link_service(request: HttpRequest, report_id) -> HttpResponse:
    return _post(request, report_id, ServiceForm(request.POST), "service_form",
                 lambda actor, d: services.link_service(actor, str(report_id), d["kind"], d["on"],
                                                        d["provider"], d["notes"]),
                 _("The service was linked to the report."))


# --- the routing table and the metrics -----------------------------------------------------------


def _route_places(actor: Actor) -> list[tuple[str, str]]:
    levels = [Level.PROVINCE, Level.PREFECTURE, Level.COUNTY]
    own = actor.post.division
    rows = Division.objects.within(actor.jurisdiction or "").filter(level__in=levels)
    return [(d.code, d.name) for d in [own, *rows.exclude(pk=own.pk).order_by("code")]
            if d.level in levels]


def _receivers() -> list[tuple[str, str]]:
    return [(r.value, _(RECEIVER_TERMS[r])) for r in Receiver]


@require_http_methods(["GET", "POST"])
def routing_table(request: HttpRequest) -> HttpResponse:
    """Administrators: which unit receives each kind of report, per county, prefecture and
    province of their jurisdiction."""
    actor = actor_for(request)
    require(actor, Capability.ROUTING_MANAGE)
    form = RouteForm(request.POST or None, places=_route_places(actor), receivers=_receivers())
    if request.method == "POST" and form.is_valid():
        try:
            services.set_route(actor, form.cleaned_data["division_code"],
                               form.cleaned_data["receiver"],
                               agency_name=form.cleaned_data["agency_name"])
        except ValidationError as exc:
            _put_errors(form, exc)
        else:
            messages.success(request, _("The routing table was updated."))
            return redirect("reports:routing")
    entries = [{"entry": e, "receiver": _(RECEIVER_TERMS[Receiver(e.receiver)])}
               for e in queries.routing_entries(actor)]
    return render(request, "reports/routing.html", {"entries": entries, "form": form},
                  status=422 if form.errors else 200)


@require_POST
def routing_off(request: HttpRequest, entry_id) -> HttpResponse:
    actor = actor_for(request)
    _or_404(services.deactivate_route, actor, str(entry_id))
    messages.success(request, _("The unit was taken out of the routing table: reports there now "
                                "go one level up."))
    return redirect("reports:routing")


@require_http_methods(["GET"])
def metrics(request: HttpRequest) -> HttpResponse:
    """Time to acknowledgement and the share within the deadline, by unit and county."""
    actor = actor_for(request)
    found = queries.metrics(actor)
    names = dict(Division.objects.filter(pk__in=[r["county"] for r in found["counties"]])
                 .values_list("code", "name"))
    for row in found["counties"]:
        row["name"] = names.get(row["county"], row["county"])
    return render(request, "reports/metrics.html", found)
