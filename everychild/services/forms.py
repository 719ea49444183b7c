"""Forms of the service pages: the directory search, a provider, a provider's answer to a
referral, a child's allowance, the filters of the entitled list. They check only the shape of what
is typed; the rules (a place inside the jurisdiction, what a paid allowance needs, which answer
comes first) are the services', whose messages the views put on the fields."""

import re
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from everychild.access.policy import Actor, in_jurisdiction
from everychild.places.codes import PREFIX_LENGTH, Level, normalise
from everychild.places.models import Division
from everychild.rules.benefits import DE_FACTO_ALLOWANCE, ORPHAN_ALLOWANCE
from everychild.services.models import (
    BenefitKind,
    BenefitStatus,
    Outcome,
    ProviderKind,
    ReferralState,
    ServiceProvider,
    ServiceType,
)
from everychild.services.services import BenefitInput, ProviderInput

MAX_TEXT = 4000
MAX_PLACES = 400


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _date(label: str) -> forms.DateField:
    return forms.DateField(label=label, required=False, widget=DateInput,
                           input_formats=["%Y-%m-%d"], help_text=gettext_lazy("YYYY-MM-DD"))


class Form(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


# --- places -----------------------------------------------------------------------------------------


def jurisdiction_places(actor: Actor, *, villages: bool = False) -> list[tuple[str, str]]:
    """The actor's own division, then the counties and townships inside the jurisdiction (and
    the villages, for a township post or when ``villages``), as 12-digit codes, indented by
    level. The whole jurisdiction comes first."""
    post = actor.post
    if post is None or actor.jurisdiction is None:
        return []
    top = post.division
    deepest = Level.VILLAGE if villages or top.level >= Level.TOWNSHIP else Level.TOWNSHIP
    choices = [(top.code, top.name)]
    if top.level < deepest:
        rows = (Division.objects.within(actor.jurisdiction)
                .filter(level__gt=max(top.level, Level.PREFECTURE), level__lte=deepest)
                .order_by("code").values_list("code", "level", "name")[:MAX_PLACES * 2])
        for code, level, name in rows:
            choices.append((code, "\u3000" * (level - top.level - 1) + name))
    return choices


def places_to_choose(actor: Actor) -> list[tuple[str, Any]]:
    """Where a provider can be: the actor's division, then each township of the jurisdiction
    with its villages (a phone's native select, grouped by township)."""
    post = actor.post
    if post is None or actor.jurisdiction is None:
        return []
    top = post.division
    choices: list[tuple[str, Any]] = [(top.code, top.name)] if top.level >= Level.COUNTY else []
    if top.level >= Level.VILLAGE:
        return choices
    rows = (Division.objects.within(actor.jurisdiction)
            .filter(level__gt=max(top.level, Level.PREFECTURE)).order_by("code")
            .values_list("code", "name", "level")[:MAX_PLACES * 8])
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    for code, name, level in rows:
        if level == Level.COUNTY:
            choices.append((code, name))
        elif level == Level.TOWNSHIP:
            groups.append((name, [(code, _("%(name)s (the township itself)") % {"name": name})]))
        elif groups:
            groups[-1][1].append((code, name))
        else:  # a township's own villages
            choices.append((code, "\u3000" + name))
    return [*choices, *groups]


def _codes(text: str) -> list[str]:
    """12-digit codes from ``text`` (separated by spaces or commas; shorter prefixes of 2, 4, 6
    or 9 digits are filled out). ValueError names the first that is not a code."""
    found = []
    for part in re.split(r"[\s,，;；、]+", (text or "").strip()):
        if part:
            try:
                found.append(normalise(part)[0])
            except ValueError:
                raise ValueError(part) from None
    return list(dict.fromkeys(found))


# --- the directory -----------------------------------------------------------------------------------


def service_choices() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in ServiceType.choices]


class DirectoryForm(Form):
    """The directory search (GET: it carries no personal data)."""

    service = forms.ChoiceField(label=gettext_lazy("Service"), required=False)
    place = forms.ChoiceField(label=gettext_lazy("Serving"), required=False)
    code = forms.CharField(label=gettext_lazy("Or a village's code (12 digits)"), required=False,
                           max_length=12, widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                                        "autocomplete": "off"}))
    text = forms.CharField(label=gettext_lazy("Provider's name"), required=False, max_length=60)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["service"].choices = [("", _("any service")), *service_choices()]
        self.fields["place"].choices = [("", _("anywhere in your jurisdiction")),
                                        *jurisdiction_places(actor)[1:]]

    def clean_code(self) -> str:
        code = (self.cleaned_data.get("code") or "").strip()
        if not code:
            return ""
        if not (code.isascii() and code.isdigit() and len(code) == 12):
            raise forms.ValidationError(_("Enter a division code of 12 digits."))
        if not in_jurisdiction(self.actor, code):
            raise forms.ValidationError(_("Choose a place inside your jurisdiction."))
        return code

    def chosen_place(self) -> str:
        """The place searched: the typed code, else the chosen one ("" for the whole
        jurisdiction)."""
        return self.cleaned_data.get("code") or self.cleaned_data.get("place") or ""


# --- a provider --------------------------------------------------------------------------------------


class ProviderForm(Form):
    """A provider of the directory (``ProviderInput``)."""

    name = forms.CharField(label=gettext_lazy("Provider's name"), required=False, max_length=120)
    kind = forms.ChoiceField(label=gettext_lazy("Kind of provider"), required=False,
                             choices=[("", "—"), *ProviderKind.choices])
    state_run = forms.BooleanField(
        label=gettext_lazy("Run by the state (a state organ or public institution)"),
        required=False, initial=True,
        help_text=gettext_lazy("A provider not run by the state receives a child's information "
                               "only with the recorded consent, or for the child's safety."))
    division_code = forms.ChoiceField(label=gettext_lazy("Where it is"), required=False)
    services = forms.MultipleChoiceField(label=gettext_lazy("Services it offers"), required=False,
                                         widget=forms.CheckboxSelectMultiple)
    coverage = forms.MultipleChoiceField(label=gettext_lazy("Places it serves"), required=False,
                                         widget=forms.CheckboxSelectMultiple)
    extra_codes = forms.CharField(
        label=gettext_lazy("Other places it serves (division codes)"), required=False,
        max_length=400, help_text=gettext_lazy("Villages' codes of 12 digits, separated by "
                                               "spaces or commas."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    address = forms.CharField(label=gettext_lazy("Address"), required=False, max_length=200)
    phone = forms.CharField(label=gettext_lazy("Service phone"), required=False, max_length=40,
                            widget=forms.TextInput(attrs={"type": "tel"}))
    hours = forms.CharField(label=gettext_lazy("Opening hours"), required=False, max_length=120)
    capacity = forms.IntegerField(label=gettext_lazy("Capacity (children at a time)"),
                                  required=False, min_value=0, max_value=100_000)
    notes = forms.CharField(label=gettext_lazy("Notes"), required=False, max_length=MAX_TEXT,
                            widget=forms.Textarea(attrs={"rows": 3}))
    active = forms.BooleanField(label=gettext_lazy("Active (shown in the directory)"),
                                required=False, initial=True)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["division_code"].choices = [("", "—"), *places_to_choose(actor)]
        self.fields["services"].choices = service_choices()
        self.fields["coverage"].choices = jurisdiction_places(actor)

    def clean_extra_codes(self) -> list[str]:
        try:
            return _codes(self.cleaned_data.get("extra_codes") or "")
        except ValueError as exc:
            raise forms.ValidationError(_("%(code)s is not a division code.") % {
                "code": str(exc)[:20]}) from None

    def to_input(self) -> ProviderInput:
        data = self.cleaned_data
        return ProviderInput(
            name=data["name"], kind=data["kind"], division_code=data["division_code"],
            services=list(data["services"]),
            coverage=list(dict.fromkeys([*data["coverage"], *data["extra_codes"]])),
            state_run=data["state_run"], address=data["address"], phone=data["phone"],
            hours=data["hours"], capacity=data["capacity"], notes=data["notes"],
            active=data["active"])

    @classmethod
    def initial_for(cls, provider: ServiceProvider, listed: set[str]) -> dict[str, Any]:
        """The form's values for an existing provider: its coverage prefixes as codes, those not
        among the choices typed out in ``extra_codes``."""
        codes = [c.prefix.ljust(12, "0") for c in provider.coverage.all()]
        return {"name": provider.name, "kind": provider.kind, "state_run": provider.state_run,
                "division_code": provider.division_code,
                "services": [s.service_type for s in provider.services.all()],
                "coverage": [c for c in codes if c in listed],
                "extra_codes": " ".join(c for c in codes if c not in listed),
                "address": provider.address, "phone": provider.phone, "hours": provider.hours,
                "capacity": provider.capacity, "notes": provider.notes, "active": provider.active}


def coverage_codes(prefixes: list[str]) -> list[str]:
    """The division codes of coverage prefixes (a prefix's level is its length)."""
    return [p.ljust(12, "0") for p in prefixes if len(p) in PREFIX_LENGTH.values()]


# --- a provider's answer ------------------------------------------------------------------------------


class ReferralFilterForm(Form):
    state = forms.ChoiceField(label=gettext_lazy("State"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("all")), *ReferralState.choices]


class RespondForm(Form):
    """One answer to a referral: accept, decline (why), start, complete (feedback, outcome)."""

    action = forms.ChoiceField(choices=[(a, a) for a in ("accept", "decline", "start",
                                                         "complete")],
                               widget=forms.HiddenInput)
    text = forms.CharField(label=gettext_lazy("Reason or feedback"), required=False,
                           max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.ChoiceField(label=gettext_lazy("Was the need met?"), required=False,
                                choices=Outcome.choices, widget=forms.RadioSelect)


# --- allowances ---------------------------------------------------------------------------------------


ENTITLING_KINDS = (ORPHAN_ALLOWANCE, DE_FACTO_ALLOWANCE)


class EntitledFilterForm(Form):
    place = forms.ChoiceField(label=gettext_lazy("Place"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Allowance"), required=False)

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = [("", _("all of your jurisdiction")),
                                        *jurisdiction_places(actor)[1:]]
        labels = dict(BenefitKind.choices)
        self.fields["kind"].choices = [("", _("any allowance")),
                                       *[(k, labels[k]) for k in ENTITLING_KINDS]]

    def place_prefix(self) -> str:
        """The chosen place as its jurisdiction prefix (the query filters on a prefix range)."""
        code = self.cleaned_data.get("place") or ""
        if not code:
            return ""
        level = Division.objects.filter(pk=code).values_list("level", flat=True).first()
        return code[:PREFIX_LENGTH[Level(level)]] if level is not None else code


class BenefitForm(Form):
    """A child's allowance or subsidy as it stands (``BenefitInput``)."""

    kind = forms.ChoiceField(label=gettext_lazy("Allowance or subsidy"),
                             choices=BenefitKind.choices)
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=BenefitStatus.choices)
    monthly_amount = forms.CharField(
        label=gettext_lazy("Amount per month (yuan)"), required=False, max_length=14,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
    period_from = _date(gettext_lazy("Paid from"))
    period_to = _date(gettext_lazy("Paid until"))
    paying_office = forms.CharField(label=gettext_lazy("Paying office"), required=False,
                                    max_length=120)
    applied_on = _date(gettext_lazy("Applied on"))
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=MAX_TEXT,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def to_input(self) -> BenefitInput:
        data = self.cleaned_data
        return BenefitInput(kind=data["kind"], status=data["status"],
                            monthly_amount=(data["monthly_amount"] or "").strip() or None,
                            period_from=data["period_from"], period_to=data["period_to"],
                            paying_office=data["paying_office"], applied_on=data["applied_on"],
                            note=data["note"])
