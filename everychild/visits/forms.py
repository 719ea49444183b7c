"""Forms of the monitoring pages: the visit (three screens on a phone), and a supervisor's
tighter plan and risk level. They only check the shape of the answers; the rules (no future
date, answers from the instrument, no looser plan than policy) are the services'."""

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from everychild.rules.risk import Item, instrument_for
from everychild.visits.models import RiskLevel
from everychild.visits.services import MAX_TEXT, PLACES, VisitInput


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def place_choices() -> list[tuple[str, str]]:
    labels = {"home": _("at home"), "school": _("at school"),
              "village_committee": _("at the village committee"),
              "phone": _("by phone or video"), "other": _("elsewhere")}
    return [(code, labels.get(code, code)) for code in PLACES]


def place_label(code: str) -> str:
    return dict(place_choices()).get(code, code)


UNIT_CHOICES = [("days", gettext_lazy("days")), ("weeks", gettext_lazy("weeks")),
                ("months", gettext_lazy("months"))]


def _text(label: str, rows: int = 3) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=MAX_TEXT,
                           widget=forms.Textarea(attrs={"rows": rows}))


class VisitForm(forms.Form):
    """One visit. Screen 1: when, where, whom; 2: the risk items; 3: needs, actions, report."""

    client_id = forms.UUIDField(required=False, widget=forms.HiddenInput)
    visited_on = forms.DateField(label=gettext_lazy("Date of the visit"), widget=DateInput,
                                 input_formats=["%Y-%m-%d"],
                                 help_text=gettext_lazy("YYYY-MM-DD"))
    place = forms.ChoiceField(label=gettext_lazy("Where"), widget=forms.RadioSelect)
    child_seen = forms.BooleanField(label=gettext_lazy("I saw the child in person"),
                                    required=False)
    caregiver_met = forms.BooleanField(label=gettext_lazy("I met the caregiver"), required=False)
    met_whom = forms.CharField(label=gettext_lazy("Whom else I met"), required=False,
                               max_length=MAX_TEXT)

    def __init__(self, *args: Any, province: str = "", day: date | None = None,
                 **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"visited_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = place_choices()
        self.instrument = instrument_for(province, day or timezone.localdate())
        self.items: tuple[Item, ...] = self.instrument.param("items")
        for item in self.items:
            choices = [(o.code, _(o.label)) for o in item.options]
            if item.multiple:
                self.fields[f"risk_{item.code}"] = forms.MultipleChoiceField(
                    label=_(item.title), choices=choices, required=False,
                    widget=forms.CheckboxSelectMultiple,
                    help_text=_("Tick each one you saw or were told of; leave all blank if none."))
            else:
                self.fields[f"risk_{item.code}"] = forms.ChoiceField(
                    label=_(item.title), choices=choices, widget=forms.RadioSelect)
            self.fields[f"note_{item.code}"] = forms.CharField(
                label=_("What I saw"), required=False, max_length=MAX_TEXT,
                widget=forms.Textarea(attrs={"rows": 2}))
        self.fields["needs"] = _text(_("Needs identified"))
        self.fields["actions"] = _text(_("Actions taken"))
        self.fields["next_steps"] = _text(_("Next steps"))
        self.fields["report_requested"] = forms.BooleanField(
            label=_("Raise a report of suspected harm"), required=False,
            help_text=_("Tick this if you saw or were told of suspected harm; the report is "
                        "made next."))

    def screen1(self) -> list[forms.BoundField]:
        return [self[n] for n in ("visited_on", "place", "child_seen", "caregiver_met", "met_whom")]

    def item_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"risk_{i.code}"], self[f"note_{i.code}"]) for i in self.items]

    def screen3(self) -> list[forms.BoundField]:
        return [self[n] for n in ("needs", "actions", "next_steps", "report_requested")]

    def to_input(self) -> VisitInput:
        data = self.cleaned_data
        answers: dict[str, Any] = {}
        notes: dict[str, str] = {}
        for item in self.items:
            value = data.get(f"risk_{item.code}")
            if item.multiple:
                answers[item.code] = list(value or [])
            elif value:
                answers[item.code] = value
            note = (data.get(f"note_{item.code}") or "").strip()
            if note:
                notes[item.code] = note
        return VisitInput(
            visited_on=data["visited_on"], place=data["place"], child_seen=data["child_seen"],
            caregiver_met=data["caregiver_met"], met_whom=data["met_whom"], answers=answers,
            notes=notes, needs=data["needs"], actions=data["actions"],
            next_steps=data["next_steps"], report_requested=data["report_requested"])


class TightenForm(forms.Form):
    prefix = "plan"
    count = forms.IntegerField(label=gettext_lazy("Every"), min_value=1, max_value=365)
    unit = forms.ChoiceField(label=gettext_lazy("Unit"), choices=UNIT_CHOICES)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=MAX_TEXT,
                             widget=forms.Textarea(attrs={"rows": 2}))


class RiskForm(forms.Form):
    prefix = "risk"
    level = forms.ChoiceField(label=gettext_lazy("Risk level"), choices=RiskLevel.choices)
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, max_length=MAX_TEXT,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=gettext_lazy("Needed to lower a high risk level."))
