from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from everychild.access.policy import actor_for, can, require
from everychild.accounts.roles import Capability
from everychild.places import services
from everychild.places.forms import UrbanRuralForm
from everychild.places.models import Division
from everychild.places.queries import ancestors, children_of, get_division


def _division_or_404(code: str) -> Division:
    try:
        return get_division(code)
    except ValidationError:
        raise Http404 from None


def division_detail(request: HttpRequest, code: str) -> HttpResponse:
    division = _division_or_404(code)
    actor = actor_for(request)
    return render(request, "places/division_detail.html", {
        "division": division,
        "ancestors": ancestors(division),
        "children": children_of(division.code),
        "can_edit": can(actor, Capability.DIVISIONS_EDIT, division.code),
    })


@require_http_methods(["GET", "POST"])
def urban_rural_edit(request: HttpRequest, code: str) -> HttpResponse:
    division = _division_or_404(code)
    actor = actor_for(request)
    require(actor, Capability.DIVISIONS_EDIT, division.code)  # before reading the form
    form = UrbanRuralForm(request.POST or None, initial={"urban_rural": division.urban_rural})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_urban_rural(actor, division.code, form.cleaned_data["urban_rural"],
                                     form.cleaned_data["reason"])
            return redirect("division_detail", code=division.code)
        except ValidationError as exc:
            form.add_error(None, exc)
    return render(request, "places/urban_rural_form.html", {
        "division": division, "form": form, "suggestion": division.suggested_urban_rural(),
    })
