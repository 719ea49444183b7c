"""Transfer pages: the sending county proposes moving a child to another village, the receiving
county accepts or declines it, and both keep the trace. Thin: the writes are
``registry.transfers``'s; the list comes from ``transfers.transfers_seen`` and is audited (it names
children). A child or a transfer the actor may not see is a 404, a missing capability a 403."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from everychild.access.policy import Actor, actor_for, can, mask, require
from everychild.accounts.roles import Capability
from everychild.places.codes import Level
from everychild.places.models import Division
from everychild.places.queries import division_names
from everychild.registry import queries, transfers
from everychild.registry.models import Child, ChildTransfer, TransferState

LIMIT = 200


class TransferForm(forms.Form):
    to_division_code = forms.CharField(
        label=gettext_lazy("The village or community the child moves to (12-digit code)"),
        required=False, max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off",
                                      "pattern": "[0-9]{12}"}),
        help_text=gettext_lazy("The statistical division code, 12 digits; check it to see the "
                               "place's name before proposing."))
    reason = forms.CharField(label=gettext_lazy("Why the child moves"), required=False,
                             max_length=transfers.MAX_REASON,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class DeclineForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why you decline"), required=False,
                             max_length=transfers.MAX_REASON,
                             widget=forms.Textarea(attrs={"rows": 2}))


def _put_errors(form: forms.Form, exc: ValidationError) -> None:
    errors = getattr(exc, "message_dict", None) or {NON_FIELD_ERRORS: exc.messages}
    for key, found in errors.items():
        for message in found:
            form.add_error(key if key in form.fields else None, message)


def place_path(code: str) -> str:
    """A village's name with its township and county ("东咀村委会 · 洋州街道 · 洋县"); "" for a
    code that is not a village's."""
    code = (code or "").strip()
    if not (code.isascii() and code.isdigit() and len(code) == 12):
        return ""
    wanted = [code, code[:9].ljust(12, "0"), code[:6].ljust(12, "0")]
    rows = list(Division.objects.filter(pk__in=wanted).values_list("code", "name", "level"))
    found = {c: name for c, name, _level in rows}
    if not any(c == code and level == Level.VILLAGE for c, _name, level in rows):
        return ""
    return " · ".join(dict.fromkeys(found[c] for c in wanted if c in found))


# --- proposing ---------------------------------------------------------------------------------------


def _child(actor: Actor, child_id: Any, purpose: str) -> Child:
    try:
        return queries.get_child(actor, str(child_id), purpose=purpose)
    except Child.DoesNotExist:
        raise Http404 from None


@require_http_methods(["GET", "POST"])
def transfer_propose(request: HttpRequest, child_id) -> HttpResponse:
    """The destination village (its code, checked back as a name) and the reason. A move inside
    the actor's jurisdiction takes effect at once; another county must accept it."""
    actor = actor_for(request)
    require(actor, Capability.CHILD_TRANSFER)
    child = _child(actor, child_id, "transfer")
    require(actor, Capability.CHILD_TRANSFER, child.division_code)
    status = 200
    if request.method == "POST":
        form = TransferForm(request.POST)
        if form.is_valid():
            code = form.cleaned_data["to_division_code"].strip()
            if "check" in request.POST:
                if not place_path(code):
                    form.add_error("to_division_code", _("Choose the village or community the "
                                                         "child moves to."))
                    status = 422
            else:
                try:
                    done = transfers.propose(actor, child.pk, code, form.cleaned_data["reason"])
                except Child.DoesNotExist:
                    raise Http404 from None
                except ValidationError as exc:
                    _put_errors(form, exc)
                else:
                    return _proposed(request, child, done)
        if form.errors:
            status = 422
    else:
        form = TransferForm()
    code = form.data.get("to_division_code", "") if form.is_bound else ""
    return render(request, "registry/transfer_propose.html", {
        "child": child, "form": form, "place": place_path(code) if code else "",
        "pending": transfers.transfers_seen(actor).filter(
            child=child, state=TransferState.PROPOSED).first()}, status=status)


def _proposed(request: HttpRequest, child: Child, done: ChildTransfer) -> HttpResponse:
    place = place_path(done.to_division_code) or done.to_division_code
    if done.state == TransferState.ACCEPTED:
        messages.success(request, _("The child was moved to %(place)s. The move is inside your "
                                    "jurisdiction, so it took effect at once.") % {
            "place": place})
        return redirect(reverse("child_detail", kwargs={"child_id": child.pk}))
    # (no child's name in a message: messages may travel in a cookie)
    messages.success(request, _("The move to %(place)s was proposed. The receiving county must "
                                "accept it; until then the child's records stay here.") % {
        "place": place})
    return redirect(reverse("transfer_list"))


# --- the list: what to decide, and the trace -----------------------------------------------------------


def _place_names(found: list[ChildTransfer]) -> dict[str, str]:
    """Each village of the transfers named with its county ("东咀村委会（洋县）")."""
    codes = {c for t in found for c in (t.from_division_code, t.to_division_code)}
    counties = {c[:6].ljust(12, "0") for c in codes}
    names = division_names(codes | counties)
    return {c: f"{names.get(c, c)}（{names.get(c[:6].ljust(12, '0'), c[:6])}）" for c in codes}


def _row(actor: Actor, row: transfers.TransferRow, names: dict[str, str]) -> dict[str, Any]:
    t = row.transfer
    decider = t.decided_by
    return {
        "transfer": t, "known": row.knows_child,
        "name": (mask(actor, {"name": t.child.name}).get("name") or "***") if row.knows_child
        else "",
        "child_visible": can(actor, Capability.CHILD_VIEW, t.child.division_code),
        "from": names.get(t.from_division_code, t.from_division_code),
        "to": names.get(t.to_division_code, t.to_division_code),
        "decided_by": (decider.full_name or decider.username) if decider else "",
        "may_decide": row.may_decide, "may_cancel": row.may_cancel,
    }


def _list_page(request: HttpRequest, actor: Actor, *, status: int = 200,
               failed: Any = None, form: forms.Form | None = None) -> HttpResponse:
    found = transfers.transfer_list(actor)
    names = _place_names([r.transfer for r in found])
    rows = [_row(actor, r, names) for r in found]
    incoming = [r for r in rows if r["may_decide"]]
    here = actor.jurisdiction or ""
    into = [r for r in rows if not r["may_decide"] and r["transfer"].to_division_code
            .startswith(here) and not r["transfer"].from_division_code.startswith(here)]
    out = [r for r in rows if r["transfer"].from_division_code.startswith(here)]
    return render(request, "registry/transfer_list.html", {
        "incoming": incoming, "received": into, "out": out,
        "failed": str(failed) if failed else "", "form": form}, status=status)


@require_http_methods(["GET"])
def transfer_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request, actor_for(request))


def _decide(request: HttpRequest, transfer_id: Any, call: Any, done: str,
            form: forms.Form | None = None) -> HttpResponse:
    actor = actor_for(request)
    require(actor, Capability.CHILD_TRANSFER)
    try:
        call(actor)
    except (ChildTransfer.DoesNotExist, Child.DoesNotExist):
        raise Http404 from None
    except ValidationError as exc:
        form = form or forms.Form(request.POST)
        form.is_valid()
        _put_errors(form, exc)
        return _list_page(request, actor, status=422, failed=transfer_id, form=form)
    messages.success(request, done)
    return redirect(reverse("transfer_list"))


@require_POST
def transfer_accept(request: HttpRequest, transfer_id) -> HttpResponse:
    return _decide(request, transfer_id, lambda actor: transfers.accept(actor, str(transfer_id)),
                   _("The transfer was accepted: the child's records are now in your "
                     "jurisdiction."))


@require_POST
def transfer_decline(request: HttpRequest, transfer_id) -> HttpResponse:
    form = DeclineForm(request.POST)
    form.is_valid()
    reason = form.cleaned_data.get("reason", "") if hasattr(form, "cleaned_data") else ""
    return _decide(request, transfer_id,
                   lambda actor: transfers.decline(actor, str(transfer_id), reason),
                   _("The transfer was declined; the sending county is told."), form=form)


@require_POST
def transfer_cancel(request: HttpRequest, transfer_id) -> HttpResponse:
    return _decide(request, transfer_id, lambda actor: transfers.cancel(actor, str(transfer_id)),
                   _("The transfer was withdrawn: the child stays here."))
