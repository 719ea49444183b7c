"""Registry use cases. The only writers of registry rows; web pages, the API and the bulk
import all call these, so validation, access and audit cannot drift apart."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from everychild.access.policy import Actor, can, require
from everychild.accounts.roles import Capability
from everychild.audit.services import record
from everychild.places.codes import Level
from everychild.places.queries import DivisionLookup
from everychild.registry import idnumber, names
from everychild.registry.classify import classify
from everychild.registry.models import (
    Basis,
    Caregiver,
    Child,
    ChildEvent,
    Household,
    LegalBasis,
    NameKey,
    Parent,
    ParentRole,
    ParentSituation,
    Purpose,
    Sex,
    SituationKind,
)

ADULT_AGE = 18
REGISTERED = gettext_noop("Registered.")  # the timeline's first event
SEXES = frozenset(Sex.values)
PARENT_ROLES = frozenset(ParentRole.values)
SITUATION_KINDS = frozenset(SituationKind.values)
# Registration, monitoring, reporting and case management rest on statutory duty (PIPL 13(3)).
STATUTORY_PURPOSES = (Purpose.REGISTRATION, Purpose.MONITORING, Purpose.REPORTING,
                      Purpose.CASE_MANAGEMENT)


@dataclass
class SituationInput:
    kind: str
    since: date | None = None
    until: date | None = None
    cross_county: bool | None = None
    destination_code: str = ""
    contact_frequency: str = ""
    court_declared: bool = False
    police_report_accepted_on: date | None = None
    disability_type: str = ""
    disability_grade: int | None = None
    evidence: str = ""


@dataclass
class ParentInput:
    role: str
    name: str = ""
    phone: str = ""
    known: bool = True
    situations: list[SituationInput] = field(default_factory=list)


@dataclass
class CaregiverInput:
    relationship: str
    name: str = ""
    age: int | None = None
    health: str = ""
    capacity: str = ""
    phone: str = ""
    primary: bool = False


@dataclass
class HouseholdInput:
    address: str = ""
    minimum_allowance: bool = False
    extreme_poverty_support: bool = False
    assessed_poor: bool = False


@dataclass
class ChildInput:
    name: str
    sex: str
    date_of_birth: date
    division_code: str
    id_number: str = ""
    ethnicity: str = "01"
    former_names: str = ""
    nickname: str = ""
    hukou_type: str = "unknown"
    hukou_division_code: str = ""
    school_status: str = "unknown"
    grade: str = ""
    disability_type: str = ""
    disability_grade: int | None = None
    serious_illness: bool = False
    illness_note: str = ""
    both_parents_cannot_be_found: bool = False
    guardianship_harm: bool = False
    lives_alone: bool = False
    left_unattended: bool = False


@dataclass
class Registration:
    input: ChildInput
    household: HouseholdInput | None = None
    parents: list[ParentInput] = field(default_factory=list)
    caregivers: list[CaregiverInput] = field(default_factory=list)


@dataclass(frozen=True)
class PossibleDuplicate:
    child_id: str
    reason: str


class NeedsConfirmation(Exception):
    """Warnings (ID cross-checks, possible duplicates) the user must confirm before saving."""

    def __init__(self, warnings: list[str], duplicates: list[PossibleDuplicate]) -> None:
        super().__init__("; ".join(warnings))
        self.warnings, self.duplicates = warnings, duplicates


class DuplicateIdNumber(ValidationError):
    """A child with this ID number exists. ``existing_id`` is set only if the user may see it."""

    def __init__(self, existing_id: str | None) -> None:
        message = (_("A child with this ID number is already registered.") if existing_id else
                   _("A record with this ID number already exists. The county officer "
                     "responsible for it has been notified."))
        super().__init__({"id_number": message})
        self.existing_id = existing_id


def age_on(born: date, day: date) -> int:
    """Age in whole years on ``day``."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _village(code: str, field_name: str = "division_code",
             divisions: DivisionLookup | None = None) -> str:
    try:
        division = (divisions or DivisionLookup()).get(code)
    except ValidationError:
        raise ValidationError({field_name: _("Unknown division code: %(code)s") %
                               {"code": (code or "")[:12]}}) from None
    if division.level != Level.VILLAGE:
        raise ValidationError({field_name: _("Choose a village or residents' committee.")})
    return division.code


def _known_county(code: str, divisions: DivisionLookup | None = None) -> bool:
    return (divisions or DivisionLookup()).exists(code.ljust(12, "0"))


def _validate(data: ChildInput, today: date,
              divisions: DivisionLookup | None = None) -> tuple[list[str], str]:
    """Field errors raise; warnings are returned with the normalised ID number."""
    divisions = divisions or DivisionLookup()
    errors: dict[str, str] = {}
    if not data.name.strip() or len(data.name.strip()) > 50:
        errors["name"] = _("Enter the child's name (at most 50 characters).")
    if data.sex not in SEXES:
        errors["sex"] = _("Choose the child's sex.")
    if data.date_of_birth > today:
        errors["date_of_birth"] = _("The date of birth is in the future.")
    elif age_on(data.date_of_birth, today) >= ADULT_AGE:
        errors["date_of_birth"] = _("This person is already 18: the registry holds children.")
    if data.hukou_division_code and not divisions.exists(data.hukou_division_code):
        errors["hukou_division_code"] = _("Unknown division code: %(code)s") % {
            "code": data.hukou_division_code[:12]}
    warnings: list[str] = []
    number = ""
    if data.id_number.strip():
        try:
            parsed = idnumber.parse(data.id_number, today=today,
                                    known_region=lambda code: _known_county(code, divisions))
        except idnumber.IdNumberError as exc:
            errors["id_number"] = str(exc)
        else:
            number = parsed.number
            warnings += list(parsed.warnings)
            if "date_of_birth" not in errors and data.sex in SEXES:
                warnings += idnumber.cross_check(parsed, data.date_of_birth, data.sex)
    if errors:
        raise ValidationError(errors)
    return warnings, number


def _check_id_duplicate(actor: Actor, number: str, exclude: Any = None) -> None:
    key = idnumber.blind_key(number)
    existing = Child.objects.filter(id_number_hash=key).exclude(pk=exclude).first()
    if existing is None:
        return
    if can(actor, Capability.CHILD_VIEW, existing.division_code):
        raise DuplicateIdNumber(str(existing.pk))
    # Say nothing of where it is; ask the county that holds it, through the audited log.
    with transaction.atomic():
        _request_from_holder(actor, existing)
    raise DuplicateIdNumber(None)


def _request_from_holder(actor: Actor, existing: Child) -> None:
    record(actor, "child.duplicate_request", division_code=existing.division_code,
           object_type="child", object_id=existing.pk,
           reason="a registration elsewhere used this child's ID number",
           detail={"from_division": actor.post.division_id if actor.post else ""})
    ChildEvent.objects.create(
        child=existing, division_code=existing.division_code, kind="duplicate_request",
        summary=gettext_noop("Another office tried to register a child with this ID number."),
        detail={"from_division": actor.post.division_id if actor.post else ""},
        actor=actor.user)


def duplicate_keys(name: str) -> set[str]:
    """The keys a possible duplicate shares: the name itself and its full pinyin readings
    (initials alone, "zw", would match too many)."""
    name = name.strip()
    return {k for k in names.search_keys(name) if len(k) > len(name)} | {name}


DUPLICATE_REASON = gettext_noop("same name or pinyin, same date of birth, same township")


def possible_duplicates(actor: Actor, data: ChildInput) -> list[PossibleDuplicate]:
    """Children with the same name, or the same pinyin and date of birth in the township."""
    township = data.division_code[:9]
    same_dob = Child.objects.filter(
        division_code__range=(township + "000", township + "999"),
        date_of_birth=data.date_of_birth,
    )
    candidates = (NameKey.objects.filter(child__in=same_dob, key__in=duplicate_keys(data.name))
                  .values_list("child_id", "division_code").distinct()[:20])
    reason = _(DUPLICATE_REASON)
    return [PossibleDuplicate(str(child_id) if can(actor, Capability.CHILD_VIEW, code) else "",
                              reason) for child_id, code in candidates]


def name_keys(*texts: str) -> set[str]:
    """The search keys of a child's name, former names and nickname (comma-separated lists)."""
    keys: set[str] = set()
    for text in texts:
        for part in (text or "").replace("，", ",").split(","):
            if part.strip():
                keys |= names.search_keys(part.strip())
    return {k[:64] for k in keys}


def _name_keys(child: Child) -> list[NameKey]:
    return [NameKey(child=child, division_code=child.division_code, key=k)
            for k in name_keys(child.name, child.former_names, child.nickname)]


def register_child(
    actor: Actor, registration: Registration, *, confirmed: bool = False,
    today: date | None = None,
) -> Child:
    """Register a child with household, parents and caregivers, then classify.

    Raises ValidationError for bad input, DuplicateIdNumber for a known ID number and
    NeedsConfirmation for warnings the user has not confirmed yet.
    """
    today = today or timezone.localdate()
    data = registration.input
    data.division_code = _village(data.division_code)
    require(actor, Capability.CHILD_EDIT, data.division_code)
    warnings, number = _validate(data, today)
    for parent in registration.parents:
        _validate_parent(parent)
    if number:
        _check_id_duplicate(actor, number)  # commits its request to the holder, then refuses
    with transaction.atomic():
        duplicates = possible_duplicates(actor, data)
        if (warnings or duplicates) and not confirmed:
            raise NeedsConfirmation(warnings, duplicates)
        child = _save_child(actor, registration, number)
        record(actor, "child.create", division_code=child.division_code, object_type="child",
               object_id=child.pk, detail={"warnings_confirmed": warnings,
                                           "duplicates_dismissed": [d.child_id for d in duplicates]})
        ChildEvent.objects.create(child=child, division_code=child.division_code,
                                  kind="registered", summary=REGISTERED, actor=actor.user)
        classify(child, today=today, actor=actor)
    return child


def _validate_parent(parent: ParentInput, divisions: DivisionLookup | None = None) -> None:
    if parent.role not in PARENT_ROLES:
        raise ValidationError({"parents": _("A parent is either the father or the mother.")})
    for situation in parent.situations:
        if situation.kind not in SITUATION_KINDS:
            raise ValidationError({"parents": _("Unknown parent situation.")})
        if situation.since and situation.until and situation.until < situation.since:
            raise ValidationError({"parents": _("A situation ends before it starts.")})
        if situation.destination_code and not (divisions or DivisionLookup()).exists(
                situation.destination_code):
            raise ValidationError({"parents": _("Unknown division code: %(code)s") % {
                "code": situation.destination_code[:12]}})


def _derive_cross_county(registration: Registration) -> None:
    """A destination outside the child's county means work across a county boundary."""
    county = registration.input.division_code[:6]
    for parent in registration.parents:
        for situation in parent.situations:
            if situation.cross_county is None and situation.destination_code:
                situation.cross_county = situation.destination_code[:6] != county


def _save_child(actor: Actor, registration: Registration, number: str) -> Child:
    data = registration.input
    _derive_cross_county(registration)
    household = None
    if registration.household is not None:
        h = registration.household
        household = Household.objects.create(
            division_code=data.division_code, address=h.address,
            minimum_allowance=h.minimum_allowance, extreme_poverty_support=h.extreme_poverty_support,
            assessed_poor=h.assessed_poor)
    fields = {k: v for k, v in data.__dict__.items() if k != "id_number"}
    child = Child(**fields, household=household, id_number=number,
                  id_number_hash=idnumber.blind_key(number) if number else "",
                  registered_by=actor.user)
    child.save(force_insert=True)
    NameKey.objects.bulk_create(_name_keys(child))
    for p in registration.parents:
        parent = Parent.objects.create(child=child, division_code=child.division_code,
                                       role=p.role, name=p.name, phone=p.phone, known=p.known)
        ParentSituation.objects.bulk_create([
            ParentSituation(child=child, parent=parent, division_code=child.division_code,
                            **s.__dict__) for s in p.situations])
    Caregiver.objects.bulk_create([
        Caregiver(child=child, division_code=child.division_code, **c.__dict__)
        for c in registration.caregivers])
    LegalBasis.objects.bulk_create([
        LegalBasis(child=child, division_code=child.division_code, purpose=purpose,
                   basis=Basis.STATUTORY_DUTY) for purpose in STATUTORY_PURPOSES])
    return child
