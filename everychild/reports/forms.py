"""Forms of the reporting pages. They only check the shape of what is typed; the rules (no
future date, a known place, a valid ID number, at most one interview) are the services'. The
report form is short and every field may stay empty: an unknown is never a reason not to
report."""

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from everychild.places.codes import Level
from everychild.places.models import Division
from everychild.registry.models import Sex
from everychild.reports.models import ActionKind, Relationship, ServiceKind, Urgency
from everychild.reports.services import AMENDABLE, MAX_TEXT, InterviewInput, ReportInput
from everychild.rules.reporting import SITUATION_CODES, SITUATION_LABELS


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _text(label: str, rows: int = 3, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=MAX_TEXT,
                           widget=forms.Textarea(attrs={"rows": rows}), **kwargs)


def situation_choices() -> list[tuple[str, str]]:
    return [(code, f"{n}. {_(SITUATION_LABELS[code])}") for n, code in enumerate(SITUATION_CODES, 1)]


def places_near(code: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The townships and villages of the county of ``code``, grouped by township (a phone's
    native select; an empty choice first: not known)."""
    county = code[:6]
    rows = (Division.objects.within(county).filter(level__in=[Level.TOWNSHIP, Level.VILLAGE])
            .order_by("code").values_list("code", "name", "level"))
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    for place, name, level in rows:
        if level == Level.TOWNSHIP:
            groups.append((name, [(place, _("%(name)s (anywhere in it)") % {"name": name})]))
        elif groups:
            groups[-1][1].append((place, name))
    return groups


class ReportForm(forms.Form):
    """One report: what happened, the child, and what was done at once."""

    client_id = forms.UUIDField(required=False, widget=forms.HiddenInput)
    child_id = forms.UUIDField(required=False, widget=forms.HiddenInput)
    visit_id = forms.UUIDField(required=False, widget=forms.HiddenInput)
    situations = forms.MultipleChoiceField(
        label=gettext_lazy("What you saw or were told (tick all that apply)"), required=False,
        widget=forms.CheckboxSelectMultiple)
    suspected = forms.MultipleChoiceField(
        label=gettext_lazy("Of those, only suspected (not seen or confirmed)"), required=False,
        widget=forms.CheckboxSelectMultiple)
    urgency = forms.ChoiceField(label=gettext_lazy("How urgent"), choices=Urgency.choices,
                                initial=Urgency.UNKNOWN, widget=forms.RadioSelect)
    what_happened = _text(gettext_lazy("What you saw or heard"), 4)
    happened_on = forms.DateField(label=gettext_lazy("When it happened"), required=False,
                                  widget=DateInput, input_formats=["%Y-%m-%d"],
                                  help_text=gettext_lazy("YYYY-MM-DD; leave empty if not known"))
    happened_division_code = forms.ChoiceField(label=gettext_lazy("Where it happened"),
                                               required=False)
    happened_place = forms.CharField(label=gettext_lazy("Where, in your words"), required=False,
                                     max_length=MAX_TEXT)
    child_name = forms.CharField(label=gettext_lazy("The child's name"), required=False,
                                 max_length=100)
    child_sex = forms.ChoiceField(label=gettext_lazy("Sex"), required=False,
                                  choices=[("", gettext_lazy("not known")), *Sex.choices])
    child_age = forms.IntegerField(label=gettext_lazy("Age (about)"), required=False,
                                   min_value=0, max_value=17)
    child_date_of_birth = forms.DateField(label=gettext_lazy("Date of birth"), required=False,
                                          widget=DateInput, input_formats=["%Y-%m-%d"])
    child_id_number = forms.CharField(label=gettext_lazy("ID number"), required=False,
                                      max_length=25)
    child_details = _text(gettext_lazy("What else identifies the child (school, class, "
                                       "family)"), 2)
    perpetrator = forms.ChoiceField(label=gettext_lazy("Who is suspected of the harm"),
                                    choices=Relationship.choices, initial=Relationship.UNKNOWN)
    safety_actions = _text(gettext_lazy("What you did at once to keep the child safe"), 2)
    caller_name = forms.CharField(label=gettext_lazy("Caller's name"), required=False,
                                  max_length=100)
    caller_phone = forms.CharField(label=gettext_lazy("Caller's phone"), required=False,
                                   max_length=30)
    caller_relationship = forms.CharField(label=gettext_lazy("Caller's relationship to the child"),
                                          required=False, max_length=60)

    def __init__(self, *args: Any, near: str = "", hotline: bool = False, child: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["situations"].choices = situation_choices()
        self.fields["suspected"].choices = situation_choices()
        self.fields["happened_division_code"].choices = [("", _("not known")),
                                                        *places_near(near)]
        self.hotline, self.child = hotline, child
        if not hotline:
            for name in ("caller_name", "caller_phone", "caller_relationship"):
                del self.fields[name]

    def what(self) -> list[forms.BoundField]:
        return [self[n] for n in ("situations", "suspected", "urgency", "what_happened",
                                  "happened_on", "happened_division_code", "happened_place")]

    def who(self) -> list[forms.BoundField]:
        names = ["perpetrator"] if self.child else [
            "child_name", "child_sex", "child_age", "child_date_of_birth", "child_id_number",
            "child_details", "perpetrator"]
        return [self[n] for n in names]

    def done(self) -> list[forms.BoundField]:
        names = ["safety_actions"]
        if self.hotline:
            names += ["caller_name", "caller_phone", "caller_relationship"]
        return [self[n] for n in names]

    def to_input(self) -> ReportInput:
        data = self.cleaned_data
        known = {name: data.get(name) for name in (
            "urgency", "what_happened", "happened_on", "happened_place", "happened_division_code",
            "perpetrator", "safety_actions", "child_name", "child_sex", "child_age",
            "child_date_of_birth", "child_id_number", "child_details", "caller_name",
            "caller_phone", "caller_relationship") if name in self.fields}
        return ReportInput(
            situations=list(data.get("situations") or []),
            suspected=list(data.get("suspected") or []),
            child_id=str(data["child_id"]) if data.get("child_id") else "",
            visit_id=str(data["visit_id"]) if data.get("visit_id") else "",
            **{k: v if v is not None else ReportInput.__dataclass_fields__[k].default
               for k, v in known.items()})


class ActForm(forms.Form):
    prefix = "act"
    kind = forms.ChoiceField(label=gettext_lazy("What was done"), choices=ActionKind.choices)
    note = _text(gettext_lazy("Note"), 2)


class AmendForm(forms.Form):
    prefix = "amend"
    field = forms.ChoiceField(label=gettext_lazy("Correct"), choices=[])
    value = forms.CharField(label=gettext_lazy("New value"), required=False, max_length=MAX_TEXT)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=MAX_TEXT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [(name, amendable_label(name)) for name in AMENDABLE]


def amendable_label(name: str) -> str:
    labels = {"situations": _("situations (codes, separated by commas)"),
              "suspected": _("situations only suspected (codes, separated by commas)"),
              "urgency": _("urgency"), "what_happened": _("what was seen or heard"),
              "happened_on": _("when it happened (YYYY-MM-DD)"),
              "happened_place": _("where it happened"), "perpetrator": _("suspected perpetrator"),
              "safety_actions": _("immediate safety actions"), "child_name": _("child's name"),
              "child_sex": _("child's sex"), "child_date_of_birth": _("child's date of birth"),
              "child_age": _("child's age"), "child_details": _("what identifies the child"),
              "child": _("the registered child (its id)")}
    return labels.get(name, name)


class InterviewForm(forms.Form):
    prefix = "interview"
    held_at = forms.DateTimeField(label=gettext_lazy("When"),
                                  widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                             format="%Y-%m-%dT%H:%M"),
                                  input_formats=["%Y-%m-%dT%H:%M"])
    place = forms.CharField(label=gettext_lazy("Where"), max_length=200)
    attendees = forms.CharField(
        label=gettext_lazy("Who attended"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One per line: role, then name (民警 王某; 检察官 李某; 心理咨询师 赵某)."))
    av_recorded = forms.BooleanField(label=gettext_lazy("Synchronised audio-video recording"),
                                     required=False)
    woman_present = forms.BooleanField(label=gettext_lazy("A woman took part (female victim)"),
                                       required=False)
    appropriate_adult = forms.BooleanField(
        label=gettext_lazy("A guardian or appropriate adult was present"), required=False)
    recorded_by_name = forms.CharField(label=gettext_lazy("Recorded by"), required=False,
                                       max_length=100)
    notes = _text(gettext_lazy("Notes"), 3)

    def to_input(self) -> InterviewInput:
        data = self.cleaned_data
        attendees = []
        for line in data["attendees"].splitlines():
            role, _sep, name = line.strip().partition(" ")
            if role:
                attendees.append({"role": role, "name": name.strip()})
        return InterviewInput(held_at=data["held_at"], place=data["place"], attendees=attendees,
                              av_recorded=data["av_recorded"], woman_present=data["woman_present"],
                              appropriate_adult=data["appropriate_adult"],
                              recorded_by_name=data["recorded_by_name"], notes=data["notes"])


class ServiceForm(forms.Form):
    prefix = "service"
    kind = forms.ChoiceField(label=gettext_lazy("Service"), choices=ServiceKind.choices)
    on = forms.DateField(label=gettext_lazy("Date"), widget=DateInput, input_formats=["%Y-%m-%d"])
    provider = forms.CharField(label=gettext_lazy("Provided by"), required=False, max_length=120)
    notes = _text(gettext_lazy("Notes"), 2)


class RouteForm(forms.Form):
    prefix = "route"
    division_code = forms.ChoiceField(label=gettext_lazy("For"))
    receiver = forms.ChoiceField(label=gettext_lazy("Receives as"))
    agency_name = forms.CharField(label=gettext_lazy("Receiving unit"), max_length=120)

    def __init__(self, *args: Any, places: list[tuple[str, str]], receivers: list, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["division_code"].choices = places
        self.fields["receiver"].choices = receivers
