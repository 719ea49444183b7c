from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from everychild.access.policy import actor_for, require
from everychild.accounts.roles import Capability
from everychild.audit.queries import EventFilter, events
from everychild.audit.services import record_list


class EventFilterForm(forms.Form):
    action = forms.CharField(label=_("action"), required=False, max_length=60)
    object_type = forms.CharField(label=_("object type"), required=False, max_length=60)
    object_id = forms.CharField(label=_("object id"), required=False, max_length=64)
    division_prefix = forms.RegexField(label=_("division code prefix"), required=False,
                                       regex=r"^[0-9]{1,12}$")
    since = forms.DateField(label=_("from"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("to"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))


@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    """Administrators browse audit events within their jurisdiction."""
    actor = actor_for(request)
    require(actor, Capability.AUDIT_VIEW)
    form = EventFilterForm(request.GET or None)
    page = None
    if form.is_bound and not form.is_valid():
        rows = []
    else:
        data = form.cleaned_data if form.is_bound else {}
        flt = EventFilter(**{k: v for k, v in data.items() if v})
        try:
            page = Paginator(events(actor, flt), 50).get_page(request.GET.get("page"))
        except ValidationError as exc:
            form.add_error(None, exc)
        rows = list(page) if page else []
        record_list(actor, "audit.browse", division_code=actor.post.division_id,
                    object_type="audit_event", filters=flt.as_dict(), ids=[r.id for r in rows])
    return render(request, "audit/event_list.html", {"form": form, "page": page, "rows": rows})
