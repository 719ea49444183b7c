"""Service pages: the directory of providers (search; add and edit for the county), the
provider staff's referrals (what each shares of the child, and their answers), and the
allowances (children entitled and not receiving one; a child's allowances). Thin: reads through
``queries`` (scoped, audited), writes through ``services``; a record the actor may not see is a
404, a missing capability a 403."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from everychild.access.policy import Actor, actor_for, can, require
from everychild.accounts.roles import Capability
from everychild.places.queries import division_names
from everychild.registry import queries as registry_queries
from everychild.registry.forms import CAREGIVER_RELATIONSHIPS
from everychild.registry.models import Child, DisabilityType, SchoolStatus, Sex
from everychild.services import queries, services
from everychild.services.forms import (
    BenefitForm,
    DirectoryForm,
    EntitledFilterForm,
    ProviderForm,
    ReferralFilterForm,
    RespondForm,
    jurisdiction_places,
)
from everychild.services.models import (
    BenefitKind,
    BenefitStatus,
    Referral,
    ReferralState,
    ServiceProvider,
    ServiceType,
)


def _put_errors(form: Form, exc: ValidationError) -> None:
    errors = getattr(exc, "message_dict", None) or {NON_FIELD_ERRORS: exc.messages}
    for key, found in errors.items():
        for message in found:
            form.add_error(key if key in form.fields else None, message)


_names = division_names


def _label(choices: Any, value: Any) -> str:
    return str(dict(choices).get(value, value)) if value not in (None, "") else ""


# --- the directory -------------------------------------------------------------------------------


def _provider_views(actor: Actor, rows: list[ServiceProvider]) -> list[dict[str, Any]]:
    """Each provider with its services' labels and the names of the places it serves."""
    coverage = {p.pk: [c.prefix.ljust(12, "0") for c in p.coverage.all()] for p in rows}
    names = _names({c for codes in coverage.values() for c in codes}
                   | {p.division_code for p in rows})
    manages = actor.has(Capability.SERVICES_MANAGE)
    return [{
        "provider": p,
        "services": [_label(ServiceType.choices, s.service_type)
                     for s in sorted(p.services.all(), key=lambda s: s.service_type)],
        "serves": [names.get(c, c) for c in sorted(coverage[p.pk])],
        "place": names.get(p.division_code, p.division_code),
        "editable": manages and can(actor, Capability.SERVICES_MANAGE, p.division_code),
    } for p in rows]


@require_http_methods(["GET"])
def directory(request: HttpRequest) -> HttpResponse:
    """Search the directory by service, place and name (no personal data: a GET form). Those
    who keep the directory see inactive providers too (to reactivate them)."""
    actor = actor_for(request)
    if not any(actor.has(c) for c in queries.DIRECTORY_READERS):
        raise PermissionDenied(_("You do not have permission to do this here."))
    form = DirectoryForm(request.GET or None, actor=actor)
    rows: list[ServiceProvider] = []
    valid = not form.is_bound or form.is_valid()
    if valid:
        data = form.cleaned_data if form.is_bound else {}
        rows = queries.providers(actor, service_type=data.get("service") or "",
                                 place=form.chosen_place() if form.is_bound else "",
                                 text=data.get("text") or "",
                                 include_inactive=actor.has(Capability.SERVICES_MANAGE))
    return render(request, "services/directory.html", {
        "form": form, "providers": _provider_views(actor, rows),
        "can_add": actor.has(Capability.SERVICES_MANAGE),
    }, status=200 if valid else 422)


@require_http_methods(["GET", "POST"])
def provider_new(request: HttpRequest) -> HttpResponse:
    return _provider_form(request, None)


@require_http_methods(["GET", "POST"])
def provider_edit(request: HttpRequest, provider_id) -> HttpResponse:
    return _provider_form(request, provider_id)


def _provider_form(request: HttpRequest, provider_id: Any) -> HttpResponse:
    actor = actor_for(request)
    require(actor, Capability.SERVICES_MANAGE)
    provider = None
    if provider_id is not None:
        try:
            provider = queries.provider(actor, provider_id)
        except ServiceProvider.DoesNotExist:
            raise Http404 from None
        if not can(actor, Capability.SERVICES_MANAGE, provider.division_code):
            raise Http404
    status = 200
    if request.method == "POST":
        form = ProviderForm(request.POST, actor=actor)
        if form.is_valid():
            try:
                saved = services.save_provider(actor, form.to_input(),
                                               provider_id=str(provider_id) if provider_id else None)
            except ValidationError as exc:
                _put_errors(form, exc)
            except ServiceProvider.DoesNotExist:
                raise Http404 from None
            else:
                messages.success(request, _("%(name)s was saved in the directory.") % {
                    "name": saved.name})
                return redirect(reverse("services:directory"))
        status = 422
    elif provider is not None:
        listed = {code for code, _name in jurisdiction_places(actor)}
        form = ProviderForm(initial=ProviderForm.initial_for(provider, listed), actor=actor)
    else:
        form = ProviderForm(initial={"division_code": actor.post.division_id}, actor=actor)
    return render(request, "services/provider_form.html", {"form": form, "provider": provider},
                  status=status)


# --- the provider's referrals --------------------------------------------------------------------


def _shared_view(referral: Referral) -> list[tuple[str, str]]:
    """What the referral shares of the child, as label and text: only the items present."""
    items = queries.shared(referral)
    rows: list[tuple[str, str]] = []
    if "name" in items:
        rows.append((_("Name"), str(items["name"])))
    if "sex" in items:
        rows.append((_("Sex"), _label(Sex.choices, items["sex"])))
    if "age" in items:
        rows.append((_("Age"), _("%(n)s years") % {"n": items["age"]}))
    if "village" in items:
        rows.append((_("Village"), str(items["village"])))
    if "caregiver" in items:
        found = items["caregiver"] or {}
        text = " ".join(part for part in (
            _label(CAREGIVER_RELATIONSHIPS, found.get("relationship")), found.get("name") or "",
            found.get("phone") or "") if part)
        rows.append((_("Caregiver"), text or _("none recorded")))
    if "school" in items:
        found = items["school"] or {}
        text = f"{_label(SchoolStatus.choices, found.get('status'))} {found.get('grade') or ''}"
        rows.append((_("School"), text.strip() or _("not known")))
    if "disability" in items:
        found = items["disability"] or {}
        kind = _label(DisabilityType.choices, found.get("type"))
        grade = _("grade %(n)s") % {"n": found["grade"]} if found.get("grade") else ""
        rows.append((_("Disability"), " ".join(p for p in (kind, grade) if p) or _("none")))
    return rows


def _referral_view(referral: Referral, now: Any) -> dict[str, Any]:
    return {"referral": referral, "service": _label(ServiceType.choices, referral.service_type),
            "name": queries.shared(referral).get("name", ""),
            "late": referral.state == ReferralState.SENT and referral.due_at < now}


@require_http_methods(["GET"])
def referrals(request: HttpRequest) -> HttpResponse:
    """The referrals made to the actor's provider: open ones first by deadline, then answered."""
    actor = actor_for(request)
    form = ReferralFilterForm(request.GET or None)
    state = form.cleaned_data.get("state", "") if form.is_valid() else ""
    found = queries.provider_referrals(actor, state=state)
    now = timezone.now()
    rows = [_referral_view(r, now) for r in found]
    return render(request, "services/referrals.html", {
        "form": form, "open": [r for r in rows if r["referral"].is_open],
        "answered": [r for r in rows if not r["referral"].is_open]})


# Which answers each state allows (the service decides; the page only offers them).
OFFERED = {ReferralState.SENT: ("accept", "decline"),
           ReferralState.ACCEPTED: ("start", "complete"),
           ReferralState.IN_PROGRESS: ("complete",)}


def _referral_page(request: HttpRequest, actor: Actor, referral_id: Any, *,
                   form: RespondForm | None = None, status: int = 200) -> HttpResponse:
    try:
        referral = queries.referral_detail(actor, str(referral_id))
    except Referral.DoesNotExist:
        raise Http404 from None
    failed = form.data.get("action") if form is not None else ""
    offered = OFFERED.get(referral.state, ())
    top_errors: list[str] = []
    if form is not None:  # the answer's own errors show on its form, if the page offers it
        for key, found in form.errors.items():
            if key in ("action", NON_FIELD_ERRORS) or failed not in offered:
                top_errors += found
    return render(request, "services/referral.html", {
        "referral": referral, "shared": _shared_view(referral),
        "service": _label(ServiceType.choices, referral.service_type),
        "late": referral.state == ReferralState.SENT and referral.due_at < timezone.now(),
        "offered": offered, "form": form, "failed": failed, "top_errors": top_errors,
        "outcomes": RespondForm().fields["outcome"].choices,
    }, status=status)


@require_http_methods(["GET"])
def referral(request: HttpRequest, referral_id) -> HttpResponse:
    return _referral_page(request, actor_for(request), referral_id)


@require_POST
def referral_respond(request: HttpRequest, referral_id) -> HttpResponse:
    """Accept, decline (with the reason), start, complete (feedback and outcome)."""
    actor = actor_for(request)
    require(actor, Capability.REFERRAL_RESPOND)
    form = RespondForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            done = services.respond(actor, str(referral_id), data["action"], data["text"],
                                    data["outcome"])
        except Referral.DoesNotExist:
            raise Http404 from None
        except ValidationError as exc:
            _put_errors(form, exc)
        else:
            messages.success(request, _("Your answer was recorded: the referral is now "
                                        "%(state)s.") % {"state": done.get_state_display()})
            return redirect(reverse("services:referral", kwargs={"referral_id": done.pk}))
    return _referral_page(request, actor, referral_id, form=form, status=422)


# --- allowances ------------------------------------------------------------------------------------


@require_http_methods(["GET"])
def entitled(request: HttpRequest) -> HttpResponse:
    """Children entitled to an allowance by their category and not receiving it."""
    actor = actor_for(request)
    require(actor, Capability.BENEFIT_RECORD)
    form = EntitledFilterForm(request.GET or None, actor=actor)
    valid = not form.is_bound or form.is_valid()
    place, kind = "", ""
    if form.is_bound and valid:
        place, kind = form.place_prefix(), form.cleaned_data.get("kind") or ""
    found = queries.entitled_not_receiving(actor, place=place, kind=kind) if valid else []
    names = _names({e.child.division_code for e in found})
    rows = [{"entry": e, "village": names.get(e.child.division_code, e.child.division_code),
             "kind": _label(BenefitKind.choices, e.kind), "reason": e.reason.render(),
             "status": _label(BenefitStatus.choices, e.status)} for e in found]
    return render(request, "services/entitled.html", {"form": form, "rows": rows},
                  status=200 if valid else 422)


def _benefit_views(child: Child) -> list[dict[str, Any]]:
    return [{"benefit": b, "kind": _label(BenefitKind.choices, b.kind),
             "status": _label(BenefitStatus.choices, b.status)}
            for b in queries.child_benefits(child)]


@require_http_methods(["GET", "POST"])
def benefit(request: HttpRequest, child_id) -> HttpResponse:
    """A child's allowances and the form to record one as it stands."""
    actor = actor_for(request)
    require(actor, Capability.BENEFIT_RECORD)
    try:
        child = registry_queries.get_child(actor, str(child_id), purpose="benefits")
    except Child.DoesNotExist:
        raise Http404 from None
    status, benefits = 200, _benefit_views(child)
    if request.method == "POST":
        form = BenefitForm(request.POST)
        if form.is_valid():
            try:
                saved = services.record_benefit(actor, child.pk, form.to_input())
            except Child.DoesNotExist:
                raise Http404 from None
            except ValidationError as exc:
                _put_errors(form, exc)
            else:
                messages.success(request, _("Recorded: %(kind)s, %(status)s.") % {
                    "kind": saved.get_kind_display(), "status": saved.get_status_display()})
                return redirect(reverse("services:benefit", kwargs={"child_id": child.pk}))
        status = 422
    else:
        kind = request.GET.get("kind", "")
        current = {b["benefit"].kind: b["benefit"] for b in benefits}
        form = BenefitForm(initial=_benefit_initial(current.get(kind), kind))
    return render(request, "services/benefit.html", {
        "child": child, "benefits": benefits, "form": form}, status=status)


def _benefit_initial(found: Any, kind: str) -> dict[str, Any]:
    if found is None:
        return {"kind": kind} if kind in BenefitKind.values else {}
    return {name: getattr(found, name) for name in (
        "kind", "status", "monthly_amount", "period_from", "period_to", "paying_office",
        "applied_on", "note")}
