"""Forms of the registry pages: the list's filters and search, and the three registration steps.

The forms only read and tidy what was typed; ``services.register_child`` decides. The few checks
repeated here (a date of birth in the future, an ID number's check character, a village outside
the jurisdiction) let a phone user correct a screen before moving to the next one.
"""

from datetime import date
from functools import cache

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from everychild.access.policy import Actor
from everychild.places.codes import Level
from everychild.places.codes import normalise as normalise_code
from everychild.places.codes import prefix as code_prefix
from everychild.places.models import Division
from everychild.registry import idnumber
from everychild.registry.ethnicity import Ethnicity
from everychild.registry.models import (
    DisabilityType,
    HukouType,
    Level3,
    SchoolStatus,
    Sex,
    SituationKind,
)
from everychild.registry.services import (
    ADULT_AGE,
    CaregiverInput,
    ChildInput,
    HouseholdInput,
    ParentInput,
    SituationInput,
)
from everychild.rules import CATALOGUE, RuleKind

BLANK = [("", "—")]
GRADES = [("", "—"), ("1", "1"), ("2", "2"), ("3", "3"), ("4", "4")]
YES_NO_UNKNOWN = [("", _("not known")), ("yes", _("yes")), ("no", _("no"))]

AGE_BANDS = {
    "0-2": (0, 2), "3-5": (3, 5), "6-11": (6, 11), "12-14": (12, 14), "15-17": (15, 17),
}
AGE_BAND_CHOICES = [("", _("any age")), ("0-2", _("0–2 years")), ("3-5", _("3–5 years")),
                    ("6-11", _("6–11 years")), ("12-14", _("12–14 years")),
                    ("15-17", _("15–17 years"))]

CAREGIVER_RELATIONSHIPS = [
    ("grandmother_paternal", _("paternal grandmother")),
    ("grandfather_paternal", _("paternal grandfather")),
    ("grandmother_maternal", _("maternal grandmother")),
    ("grandfather_maternal", _("maternal grandfather")),
    ("father", _("father")),
    ("mother", _("mother")),
    ("sibling", _("adult brother or sister")),
    ("relative", _("other relative")),
    ("neighbour", _("neighbour or friend")),
    ("foster", _("foster family")),
    ("institution", _("institution")),
    ("other", _("other")),
]

# The situations whose details a field belongs to (the page shows a field only for its kinds).
KINDS_WITH_UNTIL = ("custody_or_sentence", "drug_rehabilitation", "other_restriction")


def today() -> date:
    return timezone.localdate()


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@cache
def category_rules() -> dict[str, object]:
    """The rule of each stored category code (latest national version), for titles and kinds."""
    rules: dict[str, object] = {}
    for rule in CATALOGUE:
        if rule.kind in (RuleKind.CATEGORY, RuleKind.SUBCATEGORY, RuleKind.ALERT) and not rule.province:
            rules[rule.code] = rule
    return rules


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class Form(forms.Form):
    template_name = "registry/form_div.html"
    template_name_div = "registry/form_div.html"

    # Fields shown only when another answer asks for them: field name -> CSS class (app.css).
    WHEN: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def fields_with_when(self):
        return [(bf, self.WHEN.get(bf.name, "")) for bf in self]

    @property
    def has_input(self) -> bool:
        """Whether anything was typed or chosen in this form."""
        return self.is_bound and any(self.data.get(self.add_prefix(name)) for name in self.fields)


# --- the list ---------------------------------------------------------------------------------


def division_choices(actor: Actor) -> list[tuple[str, str]]:
    """The actor's jurisdiction, then its divisions one and two levels down, as code prefixes."""
    post = actor.post
    if post is None:
        return []
    top = post.division
    choices = [(actor.jurisdiction, _("all of %(name)s") % {"name": top.name})]
    deepest = min(top.level + 2, Level.VILLAGE)
    if top.level < Level.VILLAGE:
        rows = (Division.objects.within(actor.jurisdiction)
                .filter(level__gt=top.level, level__lte=deepest).order_by("code")
                .values_list("code", "level", "name"))
        for code, level, name in rows:
            indent = "\u3000" * (level - top.level - 1)
            choices.append((code_prefix(code, level), f"{indent}{name}"))
    return choices


class ChildFilterForm(Form):
    text = forms.CharField(label=_("Name, pinyin, initials or ID number"), max_length=60,
                           required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    division = forms.ChoiceField(label=_("Place"), required=False)
    age = forms.ChoiceField(label=_("Age"), choices=AGE_BAND_CHOICES, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", _("any"))] + list(Sex.choices),
                            required=False)
    school_status = forms.ChoiceField(label=_("School"), required=False,
                                      choices=[("", _("any"))] + list(SchoolStatus.choices))
    has_id_number = forms.ChoiceField(label=_("ID number"), required=False, choices=[
        ("", _("any")), ("yes", _("has an ID number")), ("no", _("no ID number"))])
    page = forms.IntegerField(min_value=1, max_value=100000, required=False,
                              widget=forms.HiddenInput)

    FILTERS = ("category", "age", "sex", "school_status", "has_id_number")

    def __init__(self, *args, actor: Actor, **kwargs):
        super().__init__(*args, **kwargs)
        from django.utils.translation import gettext

        self.fields["category"].choices = [("", _("any"))] + [
            (code, gettext(rule.title)) for code, rule in category_rules().items()]
        self.fields["division"].choices = division_choices(actor)
        self.fields["division"].initial = actor.jurisdiction
        self.fields["text"].widget.attrs.update({"autocomplete": "off", "type": "search",
                                                 "enterkeyhint": "search"})
        self.actor = actor

    def filters_used(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return any(data.get(name) for name in self.FILTERS) or (
            bool(data.get("division")) and data.get("division") != self.actor.jurisdiction)

    def child_filter(self):
        """A ``queries.ChildFilter`` from the cleaned data (the text is a name or an ID number)."""
        from everychild.registry.queries import ChildFilter

        data = self.cleaned_data
        age_min, age_max = AGE_BANDS.get(data.get("age") or "", (None, None))
        text = (data.get("text") or "").strip()
        id_number = ""
        if _looks_like_id_number(text):
            id_number, text = text, ""
        has_id = {"yes": True, "no": False}.get(data.get("has_id_number") or "")
        return ChildFilter(
            category=data.get("category") or "", division_prefix=data.get("division") or "",
            age_min=age_min, age_max=age_max, sex=data.get("sex") or "",
            school_status=data.get("school_status") or "", has_id_number=has_id,
            text=text, id_number=id_number,
        )


def _looks_like_id_number(text: str) -> bool:
    try:
        idnumber.normalise(text)
    except idnumber.IdNumberError:
        compact = "".join(text.split())
        return len(compact) >= 15 and compact[:14].isdigit()  # a mistyped number: say so
    return True


# --- registration, step 1: the child ------------------------------------------------------------


def village_choices(actor: Actor) -> list:
    """The villages within the actor's jurisdiction, grouped by township."""
    if actor.jurisdiction is None:
        return []
    rows = (Division.objects.within(actor.jurisdiction).filter(level__in=(Level.TOWNSHIP, Level.VILLAGE))
            .order_by("code").values_list("code", "level", "name"))
    groups: list = []
    townships: dict[str, str] = {}
    for code, level, name in rows:
        if level == Level.TOWNSHIP:
            townships[code[:9]] = name
        elif groups and groups[-1][0] == townships.get(code[:9], code[:9]):
            groups[-1][1].append((code, name))
        else:
            groups.append((townships.get(code[:9], code[:9]), [(code, name)]))
    if len(groups) == 1:
        return groups[0][1]
    return groups


class ChildFactsForm(Form):
    """The facts of a child that registration and editing both ask for."""

    name = forms.CharField(label=_("Name"), max_length=50)
    nickname = forms.CharField(label=_("Nickname (小名)"), max_length=50, required=False)
    id_number = forms.CharField(label=_("Resident ID number"), max_length=30, required=False)
    ethnicity = forms.ChoiceField(label=_("Ethnicity"), choices=Ethnicity.choices,
                                  initial=Ethnicity.HAN)
    hukou_type = forms.ChoiceField(label=_("Hukou"), choices=HukouType.choices,
                                   initial=HukouType.UNKNOWN)
    school_status = forms.ChoiceField(label=_("School"), choices=SchoolStatus.choices,
                                      initial=SchoolStatus.UNKNOWN)
    grade = forms.CharField(label=_("Grade"), max_length=20, required=False)
    disability_type = forms.ChoiceField(label=_("Disability"), required=False,
                                        choices=[("", _("none"))] + list(DisabilityType.choices))
    disability_grade = forms.TypedChoiceField(label=_("Disability grade (certificate)"),
                                              choices=GRADES, coerce=int, empty_value=None,
                                              required=False)
    serious_illness = forms.BooleanField(label=_("Serious illness"), required=False)
    illness_note = forms.CharField(label=_("Illness"), max_length=200, required=False)


class ChildForm(ChildFactsForm):
    """Step 1: the child."""

    prefix = "child"
    step = 1
    WHEN = {"disability_grade": "if-disabled", "illness_note": "if-ill"}

    field_order = ["name", "nickname", "sex", "date_of_birth", "division_code", "id_number",
                   "ethnicity", "hukou_type", "school_status", "grade", "disability_type",
                   "disability_grade", "serious_illness", "illness_note"]

    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, widget=forms.RadioSelect)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DateInput)
    division_code = forms.ChoiceField(label=_("Village of residence"))
    id_number = forms.CharField(label=_("Resident ID number"), max_length=30, required=False,
                                help_text=_("Optional: children without one are registered too."))

    def __init__(self, *args, actor: Actor, **kwargs):
        super().__init__(*args, **kwargs)
        choices = village_choices(actor)
        field = self.fields["division_code"]
        field.choices = choices
        flat = [c for c in choices if isinstance(c[1], str)]
        if len(flat) == 1 and len(choices) == 1:  # a village post: its own village, fixed
            field.initial = flat[0][0]
            field.widget = forms.HiddenInput()
            self.fixed_village = flat[0][1]
        else:
            field.choices = [("", _("choose a village"))] + choices
            self.fixed_village = ""
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off", "inputmode": "text",
                                                      "spellcheck": "false"})
        self.fields["name"].widget.attrs.update({"autocomplete": "off"})
        self.fields["date_of_birth"].widget.attrs["max"] = today().isoformat()

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        day = today()
        if born > day:
            raise ValidationError(_("The date of birth is in the future."))
        if age_on(born, day) >= ADULT_AGE:
            raise ValidationError(_("This person is already 18: the registry holds children."))
        return born

    def clean_id_number(self):
        raw = self.cleaned_data["id_number"].strip()
        if not raw:
            return ""
        try:
            return idnumber.parse(raw, today=today()).number
        except idnumber.IdNumberError as exc:
            raise ValidationError(exc.message) from None

    def clean(self):
        data = super().clean()
        if data.get("disability_grade") and not data.get("disability_type"):
            self.add_error("disability_type", _("Choose the type of disability."))
        return data

    def to_input(self) -> ChildInput:
        d = self.cleaned_data
        return ChildInput(
            name=d["name"].strip(), nickname=d["nickname"].strip(), sex=d["sex"],
            date_of_birth=d["date_of_birth"], division_code=d["division_code"],
            id_number=d["id_number"], ethnicity=d["ethnicity"], hukou_type=d["hukou_type"],
            school_status=d["school_status"], grade=d["grade"].strip(),
            disability_type=d["disability_type"], disability_grade=d["disability_grade"],
            serious_illness=d["serious_illness"], illness_note=d["illness_note"].strip(),
        )


# --- registration, step 2: the family -----------------------------------------------------------


class ParentForm(Form):
    """Step 2: one parent and their situation."""

    step = 2
    role = ""

    name = forms.CharField(label=_("Name"), max_length=50, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    not_identified = forms.BooleanField(label=_("Not identified (unknown who this parent is)"),
                                        required=False)
    kind = forms.ChoiceField(label=_("Situation"), required=False,
                             choices=[("", _("not known"))] + list(SituationKind.choices))
    since = forms.DateField(label=_("Since"), required=False, widget=DateInput,
                            help_text=_("When it began (for a death: the date of death)."))
    until = forms.DateField(label=_("Until"), required=False, widget=DateInput,
                            help_text=_("When the term ends, if known."))
    cross_county = forms.ChoiceField(label=_("Works outside the home county"), required=False,
                                     choices=YES_NO_UNKNOWN)
    destination_code = forms.CharField(label=_("Where"), max_length=12, required=False,
                                       help_text=_("Choose the province, then the city and county."))
    contact_frequency = forms.CharField(label=_("How often in contact"), max_length=40,
                                        required=False)
    court_declared = forms.BooleanField(label=_("Declared dead by a court"), required=False)
    police_report_accepted_on = forms.DateField(label=_("Police accepted the report on"),
                                                required=False, widget=DateInput)
    disability_type = forms.ChoiceField(label=_("Disability"), required=False,
                                        choices=BLANK + list(DisabilityType.choices))
    disability_grade = forms.TypedChoiceField(label=_("Disability grade"), choices=GRADES,
                                              coerce=int, empty_value=None, required=False)
    evidence = forms.CharField(label=_("Evidence"), max_length=200, required=False,
                               help_text=_("e.g. a certificate, a court ruling, a police receipt"))

    # The situations each detail belongs to; the page shows a detail only for its situations.
    DETAILS = {
        "since": [k for k in SituationKind.values if k != "at_home"],
        "until": list(KINDS_WITH_UNTIL),
        "cross_county": ["migrant_worker"], "destination_code": ["migrant_worker"],
        "contact_frequency": ["migrant_worker"], "court_declared": ["dead"],
        "police_report_accepted_on": ["out_of_contact"],
        "disability_type": ["severely_disabled"], "disability_grade": ["severely_disabled"],
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].widget.attrs["class"] = "kind"
        chosen = (self.data.get(self.add_prefix("destination_code"), "") if self.is_bound
                  else self.initial.get("destination_code", ""))
        # The page wraps it in an element that fetches the next level down on change (htmx).
        self.fields["destination_code"].widget = forms.Select(choices=destination_options(chosen))
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})

    def detail_fields(self):
        """(bound field, kinds it belongs to) for the details of a situation."""
        return [(self[name], " ".join(f"k-{k}" for k in kinds)) for name, kinds in self.DETAILS.items()]

    def clean_destination_code(self):
        raw = self.cleaned_data["destination_code"].strip()
        if not raw:
            return ""
        try:
            code, _level = normalise_code(raw)
        except ValueError:
            raise ValidationError(_("Enter a division code of 2, 4, 6, 9 or 12 digits.")) from None
        if not Division.objects.filter(pk=code).exists():
            raise ValidationError(_("Unknown division code: %(code)s") % {"code": raw})
        return code

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        since, until = data.get("since"), data.get("until")
        if kind in KINDS_WITH_UNTIL and since and until and until < since:
            self.add_error("until", _("A situation ends before it starts."))
        if since and since > today():
            self.add_error("since", _("This date is in the future."))
        return data

    def is_empty(self) -> bool:
        d = self.cleaned_data
        return not (d.get("name") or d.get("phone") or d.get("kind") or d.get("not_identified"))

    def to_input(self) -> ParentInput | None:
        if self.is_empty():
            return None
        d = self.cleaned_data
        situations = []
        kind = d.get("kind")
        if kind:
            migrant = kind == "migrant_worker"
            situations.append(SituationInput(
                kind=kind,
                since=d["since"] if kind != "at_home" else None,
                until=d["until"] if kind in KINDS_WITH_UNTIL else None,
                cross_county={"yes": True, "no": False}.get(d["cross_county"]) if migrant else None,
                destination_code=d["destination_code"] if migrant else "",
                contact_frequency=d["contact_frequency"].strip() if migrant else "",
                court_declared=bool(d["court_declared"]) if kind == "dead" else False,
                police_report_accepted_on=(d["police_report_accepted_on"]
                                           if kind == "out_of_contact" else None),
                disability_type=d["disability_type"] if kind == "severely_disabled" else "",
                disability_grade=d["disability_grade"] if kind == "severely_disabled" else None,
                evidence=d["evidence"].strip(),
            ))
        return ParentInput(role=self.role, name=d["name"].strip(), phone=d["phone"].strip(),
                           known=not d["not_identified"], situations=situations)


def destination_options(code: str) -> list[tuple[str, str]]:
    """The destination picker's options: the places above the one chosen (to go back up), the
    place chosen and, down to the county, the places in it. Nothing chosen: the provinces."""
    from django.utils.translation import gettext

    options = [("", gettext("not known"))]
    division = Division.objects.filter(pk=code).first() if code else None
    if division is None:
        rows = Division.objects.filter(level=Level.PROVINCE).order_by("code")
        return options + [(d.code, d.name) for d in rows]
    chain = []
    node = division.parent
    while node is not None and node.level >= Level.PROVINCE:
        chain.append(node)
        node = node.parent
    options += [(d.code, f"‹ {d.name}") for d in reversed(chain)]
    options.append((division.code, division.name))
    if division.level < Level.COUNTY:
        rows = Division.objects.filter(parent=division).order_by("code")
        options += [(d.code, f"　{d.name}") for d in rows]
    return options


class FatherForm(ParentForm):
    prefix = "father"
    role = "father"
    title = _("Father")


class MotherForm(ParentForm):
    prefix = "mother"
    role = "mother"
    title = _("Mother")


class HouseholdForm(Form):
    """Step 2: the household's address and benefits."""

    prefix = "household"
    step = 2

    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    minimum_allowance = forms.BooleanField(label=_("Receives minimum living allowance (低保)"),
                                           required=False)
    extreme_poverty_support = forms.BooleanField(label=_("Receives extreme-poverty support (特困)"),
                                                 required=False)
    assessed_poor = forms.BooleanField(label=_("Otherwise assessed as poor"), required=False)

    def to_input(self) -> HouseholdInput:
        d = self.cleaned_data
        return HouseholdInput(address=d["address"].strip(), minimum_allowance=d["minimum_allowance"],
                              extreme_poverty_support=d["extreme_poverty_support"],
                              assessed_poor=d["assessed_poor"])


# --- registration, step 3: care -----------------------------------------------------------------


class CareForm(Form):
    """Step 3: facts about the child's care that the rules and alerts read."""

    prefix = "care"
    step = 3

    lives_alone = forms.BooleanField(label=_("Lives alone"), required=False)
    left_unattended = forms.BooleanField(label=_("Left unattended"), required=False)
    guardianship_harm = forms.BooleanField(
        label=_("Harmed or threatened through absent or improper guardianship"), required=False)
    both_parents_cannot_be_found = forms.BooleanField(
        label=_("The birth parents cannot be found"), required=False)

    def apply(self, child: ChildInput) -> ChildInput:
        for name in self.fields:
            setattr(child, name, bool(self.cleaned_data.get(name)))
        return child


class CaregiverForm(Form):
    """Step 3: one caregiver (leave it empty if there is none)."""

    step = 3

    relationship = forms.ChoiceField(label=_("Relationship"), required=False,
                                     choices=[("", "—")] + CAREGIVER_RELATIONSHIPS)
    name = forms.CharField(label=_("Name"), max_length=50, required=False)
    age = forms.IntegerField(label=_("Age"), min_value=10, max_value=120, required=False)
    health = forms.ChoiceField(label=_("Health"), required=False, choices=BLANK + list(Level3.choices))
    capacity = forms.ChoiceField(label=_("Capacity to care"), required=False,
                                 choices=BLANK + list(Level3.choices))
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
        self.fields["age"].widget.attrs["inputmode"] = "numeric"

    def clean(self):
        data = super().clean()
        others = any(data.get(k) for k in ("name", "age", "health", "capacity", "phone"))
        if others and not data.get("relationship"):
            self.add_error("relationship", _("Choose how this person is related to the child."))
        return data

    def to_input(self, primary: bool) -> CaregiverInput | None:
        d = self.cleaned_data
        if not d.get("relationship"):
            return None
        return CaregiverInput(relationship=d["relationship"], name=d["name"].strip(), age=d["age"],
                              health=d["health"], capacity=d["capacity"], phone=d["phone"].strip(),
                              primary=primary)


class PrimaryCaregiverForm(CaregiverForm):
    prefix = "cg1"
    title = _("Main caregiver")


class SecondCaregiverForm(CaregiverForm):
    prefix = "cg2"
    title = _("Another caregiver")


# --- changing a child's record (everychild.registry.updates) -----------------------------------


class ChildEditForm(ChildFactsForm):
    """The child's facts, on one page; the service decides what changed."""

    prefix = "edit"

    field_order = ["name", "former_names", "nickname", "ethnicity", "id_number", "hukou_type",
                   "hukou_division_code", "school_status", "grade", "disability_type",
                   "disability_grade", "serious_illness", "illness_note"]

    former_names = forms.CharField(label=_("Former names"), max_length=200, required=False,
                                   help_text=_("Separate several with commas."))
    hukou_division_code = forms.CharField(label=_("Hukou place (division code)"), max_length=12,
                                          required=False)
    lives_alone = forms.BooleanField(label=_("Lives alone"), required=False)
    left_unattended = forms.BooleanField(label=_("Left unattended"), required=False)
    guardianship_harm = forms.BooleanField(
        label=_("Harmed or threatened through absent or improper guardianship"), required=False)
    both_parents_cannot_be_found = forms.BooleanField(
        label=_("The birth parents cannot be found"), required=False)
    minimum_allowance = forms.BooleanField(label=_("Receives minimum living allowance (低保)"),
                                           required=False)
    extreme_poverty_support = forms.BooleanField(label=_("Receives extreme-poverty support (特困)"),
                                                 required=False)
    assessed_poor = forms.BooleanField(label=_("Otherwise assessed as poor"), required=False)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    HOUSEHOLD = ("minimum_allowance", "extreme_poverty_support", "assessed_poor")

    def __init__(self, *args, child, **kwargs):
        initial = {name: getattr(child, name) for name in self.base_fields
                   if name not in self.HOUSEHOLD and name != "confirmed"}
        household = child.household
        initial.update({name: bool(household and getattr(household, name)) for name in self.HOUSEHOLD})
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        self.fields["name"].widget.attrs["autocomplete"] = "off"

    def changes(self) -> dict:
        d = self.cleaned_data
        return {name: (d[name].strip() if isinstance(d[name], str) else d[name])
                for name in self.fields if name != "confirmed"}


class SituationForm(ParentForm):
    """One situation of a parent, added to a registered child's record."""

    prefix = "situation"
    role = "situation"

    parent_role = forms.ChoiceField(label=_("Parent"), choices=[("father", _("Father")),
                                                                 ("mother", _("Mother"))],
                                    widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("name", "phone", "not_identified"):
            del self.fields[name]
        self.fields["kind"].required = True
        self.fields["kind"].choices = list(SituationKind.choices)

    def is_empty(self) -> bool:
        return False

    def to_situation(self) -> SituationInput:
        for name, empty in (("name", ""), ("phone", ""), ("not_identified", False)):
            self.cleaned_data.setdefault(name, empty)
        return self.to_input().situations[0]


class ConsentForm(Form):
    """A consent given or refused (CAC 2019 Art. 10), for a purpose that needs one."""

    prefix = "consent"

    purpose = forms.ChoiceField(label=_("Purpose"))
    given_by = forms.ChoiceField(label=_("Given by"), widget=forms.RadioSelect,
                                 choices=[("guardian", _("guardian")),
                                          ("child", _("the child (14 or over)"))],
                                 initial="guardian")
    giver_name = forms.CharField(label=_("Name of the person giving consent"), max_length=50,
                                 required=False)
    given_on = forms.DateField(label=_("Date"), widget=DateInput)
    scope = forms.CharField(label=_("Scope"), max_length=1000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("What may be done, by whom, and what the person was told."))
    method = forms.CharField(label=_("Method"), max_length=60, required=False,
                             help_text=_("e.g. signed form, in person"))
    retention = forms.CharField(label=_("Retention period"), max_length=60, required=False)
    refused = forms.BooleanField(label=_("Refused"), required=False)

    def __init__(self, *args, **kwargs):
        from everychild.registry.models import Purpose
        from everychild.registry.updates import CONSENT_PURPOSES

        super().__init__(*args, **kwargs)
        labels = dict(Purpose.choices)
        self.fields["purpose"].choices = [(p.value, labels[p.value]) for p in CONSENT_PURPOSES]
        self.fields["given_on"].initial = today()
        self.fields["given_on"].widget.attrs["max"] = today().isoformat()


class WithdrawForm(Form):
    withdrawn_on = forms.DateField(label=_("Withdrawn on"), widget=DateInput)


class IncapacityForm(Form):
    reason = forms.CharField(label=_("Reason"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}))
