"""/api/v1/children: the registry's services over HTTP (the same functions the pages call)."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from everychild.access.policy import mask
from everychild.core.api_auth import api_actor
from everychild.core.schemas import Problem, responses, schema_of
from everychild.registry import queries, services
from everychild.registry.classify import sentences
from everychild.registry.models import Child

router = Router()


# Request bodies mirror the service's input dataclasses, generated so they cannot drift apart.
SituationIn = schema_of(services.SituationInput, "SituationIn")
ParentIn = schema_of(services.ParentInput, "ParentIn", situations=(list[SituationIn], []))
CaregiverIn = schema_of(services.CaregiverInput, "CaregiverIn")
HouseholdIn = schema_of(services.HouseholdInput, "HouseholdIn")
ChildIn = schema_of(services.ChildInput, "ChildIn")


class RegistrationIn(Schema):
    child: ChildIn
    household: HouseholdIn | None = None
    parents: list[ParentIn] = []
    caregivers: list[CaregiverIn] = []
    confirmed: bool = False


class CategoryOut(Schema):
    category: str
    rule_version: str
    rule_source: str
    reasons: list[str]
    since: date


class ChildOut(Schema):
    id: str
    division_code: str
    name: str | None = None
    sex: str
    date_of_birth: date | None = None
    age: int
    ethnicity: str
    hukou_type: str
    school_status: str | None = Field(None, description="Only for roles with the child's school "
                                                         "records (not the police).")
    has_id_number: bool
    id_number_masked: str | None = None
    categories: list[CategoryOut]
    created_at: datetime


class SearchIn(Schema):
    category: str = ""
    division_prefix: str = ""
    age_min: int | None = None
    age_max: int | None = None
    sex: str = ""
    school_status: str = ""
    has_id_number: bool | None = None
    text: str = ""
    id_number: str = ""
    limit: int = 50
    offset: int = 0


class Page(Schema):
    count: int | None = None
    limit: int
    offset: int
    items: list[ChildOut]


class ConfirmationOut(Problem):
    warnings: list[str] = []
    possible_duplicates: list[dict[str, str]] = []


def child_out(actor, child: Child) -> dict[str, Any]:
    from everychild.registry.idnumber import mask as mask_id

    data = {
        "id": str(child.pk), "division_code": child.division_code, "name": child.name,
        "sex": child.sex, "date_of_birth": child.date_of_birth,
        "age": services.age_on(child.date_of_birth, date.today()),
        "ethnicity": child.ethnicity, "hukou_type": child.hukou_type,
        "school_status": child.school_status, "has_id_number": bool(child.id_number_hash),
        "id_number_masked": mask_id(child.id_number) if child.id_number else None,
        "categories": [
            {"category": c.category, "rule_version": c.rule_version, "rule_source": c.rule_source,
             "reasons": sentences(c.reasons), "since": c.since}
            for c in child.categories.all() if c.until is None
        ],
        "created_at": child.created_at,
    }
    return mask(actor, data)


@router.post("/search", response=responses({200: Page}))
def search_children(request: HttpRequest, payload: SearchIn):
    """Children within the caller's jurisdiction. Filters travel in the body, never the URL."""
    actor = api_actor(request)
    limit = max(1, min(payload.limit, 200))
    flt = queries.ChildFilter(**payload.dict(exclude={"limit", "offset"}))
    rows = queries.search(actor, flt, limit=limit, offset=max(0, payload.offset))
    return {"limit": limit, "offset": payload.offset, "items": [child_out(actor, c) for c in rows]}


@router.get("/{child_id}", response=responses({200: ChildOut}))
def get_child(request: HttpRequest, child_id: str):
    """One child (the read is audited)."""
    actor = api_actor(request)
    try:
        child = queries.get_child(actor, child_id)
    except Child.DoesNotExist:
        raise HttpError(404, "not found") from None
    return child_out(actor, child)


@router.post("", response=responses({201: ChildOut, 409: ConfirmationOut}))
def register_child(request: HttpRequest, payload: RegistrationIn):
    """Register a child with household, parents and caregivers; returns the derived categories.

    Warnings (ID cross-checks, possible duplicates) answer 409 until re-sent with
    ``confirmed: true``."""
    from ninja import Status

    from everychild.core.problems import problem

    actor = api_actor(request)
    registration = services.Registration(
        input=services.ChildInput(**payload.child.dict()),
        household=services.HouseholdInput(**payload.household.dict()) if payload.household else None,
        parents=[services.ParentInput(**{**p.dict(), "situations": [
            services.SituationInput(**s.dict()) for s in p.situations]}) for p in payload.parents],
        caregivers=[services.CaregiverInput(**c.dict()) for c in payload.caregivers],
    )
    try:
        child = services.register_child(actor, registration, confirmed=payload.confirmed)
    except services.NeedsConfirmation as exc:
        return problem(409, "confirm", warnings=exc.warnings,
                       possible_duplicates=[{"child_id": d.child_id, "reason": d.reason}
                                            for d in exc.duplicates])
    return Status(201, child_out(actor, child))


# --- changing a child's record (everychild.registry.updates) -----------------------------------


class ChildPatch(Schema):
    """The facts to change; only the fields sent are changed. Moving village is a transfer."""

    name: str | None = None
    former_names: str | None = None
    nickname: str | None = None
    ethnicity: str | None = None
    id_number: str | None = None
    hukou_type: str | None = None
    hukou_division_code: str | None = None
    school_status: str | None = None
    grade: str | None = None
    disability_type: str | None = None
    disability_grade: int | None = None
    serious_illness: bool | None = None
    illness_note: str | None = None
    guardianship_harm: bool | None = None
    lives_alone: bool | None = None
    left_unattended: bool | None = None
    both_parents_cannot_be_found: bool | None = None
    minimum_allowance: bool | None = None
    extreme_poverty_support: bool | None = None
    assessed_poor: bool | None = None
    confirmed: bool = False


class ParentSituationOut(Schema):
    id: str
    role: str
    kind: str
    since: date | None = None
    until: date | None = None


class EndIn(Schema):
    until: date


class ConsentIn(Schema):
    purpose: str
    given_by: str
    giver_name: str = ""
    given_on: date
    scope: str = ""
    method: str = ""
    retention: str = ""
    refused: bool = False


class WithdrawIn(Schema):
    withdrawn_on: date


class ConsentOut(Schema):
    id: str
    child_id: str
    purpose: str
    given_by: str
    refused: bool
    given_on: date
    withdrawn_on: date | None = None
    in_force: bool


def _situation_out(row) -> dict[str, Any]:
    return {"id": str(row.pk), "role": row.parent.role, "kind": row.kind, "since": row.since,
            "until": row.until}


def _consent_out(consent) -> dict[str, Any]:
    from everychild.registry.updates import consent_in_force

    return {"id": str(consent.pk), "child_id": str(consent.child_id), "purpose": consent.purpose,
            "given_by": consent.given_by, "refused": consent.refused, "given_on": consent.given_on,
            "withdrawn_on": consent.withdrawn_on,
            "in_force": consent_in_force(consent.child, consent.purpose)}


def _not_found(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except Child.DoesNotExist:
        raise HttpError(404, "not found") from None


@router.patch("/{child_id}", response=responses({200: ChildOut, 409: ConfirmationOut}))
def update_child(request: HttpRequest, child_id: str, payload: ChildPatch):
    """Change a child's facts (only the fields sent); the categories are re-evaluated.

    A new ID number whose date of birth or sex differ from the record answers 409 until re-sent
    with ``confirmed: true``."""
    from everychild.core.problems import problem
    from everychild.registry import updates

    actor = api_actor(request)
    changes = payload.dict(exclude_unset=True, exclude={"confirmed"})
    try:
        child = _not_found(updates.update_child, actor, child_id, changes, confirmed=payload.confirmed)
    except services.NeedsConfirmation as exc:
        return problem(409, "confirm", warnings=exc.warnings, possible_duplicates=[])
    return child_out(actor, child)


@router.post("/{child_id}/parents/{role}/situations", response=responses({201: ParentSituationOut}))
def add_parent_situation(request: HttpRequest, child_id: str, role: str, payload: SituationIn):
    """Record a father's or mother's situation; the categories are re-evaluated."""
    from ninja import Status

    from everychild.registry import updates

    actor = api_actor(request)
    row = _not_found(updates.add_parent_situation, actor, child_id, role,
                     services.SituationInput(**payload.dict()))
    return Status(201, _situation_out(row))


@router.post("/situations/{situation_id}/end", response=responses({200: ParentSituationOut}))
def end_parent_situation(request: HttpRequest, situation_id: str, payload: EndIn):
    """End a parent's situation on a day; the categories are re-evaluated."""
    from everychild.registry import updates

    actor = api_actor(request)
    return _situation_out(_not_found(updates.end_parent_situation, actor, situation_id, payload.until))


@router.post("/{child_id}/consents", response=responses({201: ConsentOut}))
def record_consent(request: HttpRequest, child_id: str, payload: ConsentIn):
    """Record a consent given or refused, for a purpose that needs one (not statutory duties)."""
    from ninja import Status

    from everychild.registry import updates

    actor = api_actor(request)
    consent = _not_found(updates.record_consent, actor, child_id, **payload.dict())
    return Status(201, _consent_out(consent))


@router.post("/consents/{consent_id}/withdraw", response=responses({200: ConsentOut}))
def withdraw_consent(request: HttpRequest, consent_id: str, payload: WithdrawIn):
    """Withdraw a consent from a day."""
    from everychild.registry import updates

    actor = api_actor(request)
    return _consent_out(_not_found(updates.withdraw_consent, actor, consent_id, payload.withdrawn_on))
