"""Changing what the registry knows about a child after registration: the child's facts, the
parents' situations, a supervisor's confirmation of the other parent's incapacity, and consents.

Every use case fetches the child by id (a child the actor may not see does not exist for them),
checks ``child.edit`` at the child's village, writes in one transaction with an audit event that
names the changed *fields* (never the values of identity fields) and a timeline event, then
re-classifies the child so the categories follow the facts (issue 3, item 3).
"""

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from everychild.access.policy import Actor, can, require
from everychild.accounts.roles import Capability
from everychild.audit.services import record
from everychild.core.ids import parse_uuid
from everychild.places.queries import get_division
from everychild.registry import idnumber, services
from everychild.registry.classify import classify
from everychild.registry.ethnicity import Ethnicity
from everychild.registry.models import (
    Basis,
    Child,
    ChildEvent,
    Consent,
    DisabilityType,
    Household,
    HukouType,
    LegalBasis,
    NameKey,
    Parent,
    ParentSituation,
    Purpose,
    SchoolStatus,
    SituationKind,
)
from everychild.registry.services import NeedsConfirmation, ParentInput, SituationInput

CHILD_FIELDS = (
    "name", "former_names", "nickname", "ethnicity", "id_number",
    "hukou_type", "hukou_division_code", "school_status", "grade",
    "disability_type", "disability_grade", "serious_illness", "illness_note",
    "guardianship_harm", "lives_alone", "left_unattended", "both_parents_cannot_be_found",
)
HOUSEHOLD_FIELDS = ("minimum_allowance", "extreme_poverty_support", "assessed_poor")
EDITABLE_FIELDS = CHILD_FIELDS + HOUSEHOLD_FIELDS
NAME_FIELDS = ("name", "former_names", "nickname")
FLAG_FIELDS = ("serious_illness", "guardianship_harm", "lives_alone", "left_unattended",
               "both_parents_cannot_be_found") + HOUSEHOLD_FIELDS
TEXT_LIMITS = {"name": 50, "former_names": 200, "nickname": 50, "grade": 20, "illness_note": 200}

# Purposes that need consent; the others rest on statutory duty (PIPL Art. 13(3)-(4), domain §7).
CONSENT_PURPOSES = (Purpose.SHARING_NGO, Purpose.PHOTO, Purpose.RESEARCH)
CONSENT_AGE = 14
GIVERS = ("guardian", "child")
# A parent is in one place at a time: a new one of these ends the open others.
WHEREABOUTS = (SituationKind.AT_HOME, SituationKind.MIGRANT_WORKER)


# --- fetching ------------------------------------------------------------------------------------


def _child_for_edit(actor: Actor, child_id: Any) -> Child:
    """The child, if the actor may see it (else DoesNotExist), and may edit it (else 403)."""
    pk = parse_uuid(child_id)
    child = Child.objects.select_related("household").filter(pk=pk).first() if pk else None
    if child is None or not can(actor, Capability.CHILD_VIEW, child.division_code):
        raise Child.DoesNotExist
    require(actor, Capability.CHILD_EDIT, child.division_code)
    return child


def _event(actor: Actor, child: Child, kind: str, summary: str, detail: dict) -> None:
    ChildEvent.objects.create(child=child, division_code=child.division_code, kind=kind,
                              summary=summary, detail=detail, actor=actor.user)


# --- 1. the child's facts ------------------------------------------------------------------------


def _clean_changes(child: Child, changes: dict[str, Any], today: date,
                   ) -> tuple[dict[str, Any], list[str]]:
    """Validated, normalised values of the fields that really change, and ID warnings."""
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    warnings: list[str] = []
    for name, value in changes.items():
        if name in FLAG_FIELDS:
            if not isinstance(value, bool):
                errors[name] = _("Enter yes or no.")
            else:
                clean[name] = value
            continue
        if name == "disability_grade":
            if value in (None, ""):
                clean[name] = None
            elif isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4:
                errors[name] = _("A disability grade is 1, 2, 3 or 4.")
            else:
                clean[name] = value
            continue
        value = "" if value is None else value
        if not isinstance(value, str):
            errors[name] = _("Enter text.")
            continue
        value = value.strip()
        if name in TEXT_LIMITS and len(value) > TEXT_LIMITS[name]:
            errors[name] = _("At most %(n)s characters.") % {"n": TEXT_LIMITS[name]}
        elif name == "name" and not value:
            errors[name] = _("Enter the child's name (at most 50 characters).")
        elif name == "ethnicity" and value not in Ethnicity.values:
            errors[name] = _("Choose one of the 56 ethnic groups.")
        elif name == "hukou_type" and value not in HukouType.values:
            errors[name] = _("Choose a hukou type.")
        elif name == "school_status" and value not in SchoolStatus.values:
            errors[name] = _("Choose a school status.")
        elif name == "disability_type" and value and value not in DisabilityType.values:
            errors[name] = _("Choose a type of disability.")
        elif name == "hukou_division_code" and value:
            try:
                value = get_division(value).code
            except ValidationError:
                errors[name] = _("Unknown division code: %(code)s") % {"code": value[:12]}
        elif name == "id_number" and value:
            try:
                parsed = idnumber.parse(value, today=today, known_region=services._known_county)
            except idnumber.IdNumberError as exc:
                errors[name] = str(exc)
            else:
                value = parsed.number
                warnings += list(parsed.warnings)
                warnings += idnumber.cross_check(parsed, child.date_of_birth, child.sex)
        clean[name] = value
    grade = clean.get("disability_grade", child.disability_grade)
    kind = clean.get("disability_type", child.disability_type)
    if grade and not kind and "disability_type" not in errors:
        errors["disability_type"] = _("Choose the type of disability.")
    if errors:
        raise ValidationError(errors)
    household = child.household
    changed = {}
    for name, value in clean.items():
        old = (getattr(household, name) if household else False) if name in HOUSEHOLD_FIELDS \
            else getattr(child, name)
        if old != value:
            changed[name] = value
    return changed, ([] if "id_number" not in changed else warnings)


def update_child(actor: Actor, child_id: Any, changes: dict[str, Any], *, confirmed: bool = False,
                 today: date | None = None) -> Child:
    """Change the child's facts; re-classify. Moving to another village is a transfer, not this.

    Raises ValidationError (unknown or bad fields), DuplicateIdNumber, NeedsConfirmation (ID number
    warnings not yet confirmed), PermissionDenied, Child.DoesNotExist.
    """
    today = today or timezone.localdate()
    child = _child_for_edit(actor, child_id)
    changed, warnings = _clean_changes(child, changes, today)
    if not changed:
        return child
    number = changed.get("id_number", "")
    if number:
        services._check_id_duplicate(actor, number, exclude=child.pk)
    if warnings and not confirmed:
        raise NeedsConfirmation(warnings, [])
    with transaction.atomic():
        for name, value in changed.items():
            if name in HOUSEHOLD_FIELDS:
                continue
            setattr(child, name, value)
        if "id_number" in changed:
            child.id_number_hash = idnumber.blind_key(number) if number else ""
        household_changes = {k: v for k, v in changed.items() if k in HOUSEHOLD_FIELDS}
        if household_changes:
            if child.household is None:
                child.household = Household.objects.create(division_code=child.division_code)
            for name, value in household_changes.items():
                setattr(child.household, name, value)
            child.household.save()
        child.save()
        if any(name in changed for name in NAME_FIELDS):
            NameKey.objects.filter(child=child).delete()
            NameKey.objects.bulk_create(services._name_keys(child))
        fields = sorted(changed)
        record(actor, "child.update", division_code=child.division_code, object_type="child",
               object_id=child.pk, detail={"fields": fields, "warnings_confirmed": len(warnings)})
        _event(actor, child, "facts_changed", gettext_noop("Facts changed."), {"fields": fields})
        classify(child, today=today, actor=actor)
    return child


# --- 2. parents' situations ----------------------------------------------------------------------


def add_parent_situation(actor: Actor, child_id: Any, role: str, situation: SituationInput, *,
                         today: date | None = None) -> ParentSituation:
    """Record a parent's situation (creating the parent if missing); re-classify.

    A parent is in one place at a time: a new "at home" or "migrant worker" situation ends the
    open one of the other kind on the day it starts; a death ends every other open situation.
    """
    today = today or timezone.localdate()
    child = _child_for_edit(actor, child_id)
    services._validate_parent(ParentInput(role=role, situations=[situation]))
    if situation.since and situation.since > today:
        raise ValidationError({"since": _("This date is in the future.")})
    if situation.cross_county is None and situation.destination_code:
        situation.cross_county = situation.destination_code[:6] != child.division_code[:6]
    start = situation.since or today
    with transaction.atomic():
        parent, created = Parent.objects.get_or_create(
            child=child, role=role, defaults={"division_code": child.division_code})
        if not parent.known:
            parent.known = True
            parent.save(update_fields=["known"])
        ended = []
        if situation.kind in WHEREABOUTS or situation.kind == SituationKind.DEAD:
            others = parent.situations.exclude(kind=SituationKind.DEAD)
            if situation.kind in WHEREABOUTS:
                others = others.filter(kind__in=WHEREABOUTS)
            for old in others:
                if (old.until is None or old.until > start) and (old.since is None or old.since <= start):
                    old.until = start
                    old.save(update_fields=["until"])
                    ended.append(str(old.pk))
        row = ParentSituation.objects.create(child=child, parent=parent,
                                             division_code=child.division_code, **situation.__dict__)
        record(actor, "child.parent_situation.add", division_code=child.division_code,
               object_type="child", object_id=child.pk,
               detail={"role": role, "kind": situation.kind, "situation": str(row.pk),
                       "ended": ended, "parent_created": created})
        _event(actor, child, "parent_situation_added", gettext_noop("A parent's situation was recorded."),
               {"role": role, "kind": situation.kind, "ended": ended})
        classify(child, today=today, actor=actor)
    return row


def end_parent_situation(actor: Actor, situation_id: Any, until: date, *,
                         today: date | None = None) -> ParentSituation:
    """End a parent's situation on ``until`` (a death does not end); re-classify."""
    today = today or timezone.localdate()
    pk = parse_uuid(situation_id)
    row = ParentSituation.objects.filter(pk=pk).first() if pk else None
    if row is None:
        raise Child.DoesNotExist
    child = _child_for_edit(actor, row.child_id)
    if row.kind == SituationKind.DEAD:
        raise ValidationError({"until": _("A death does not end.")})
    if row.since and until < row.since:
        raise ValidationError({"until": _("A situation ends before it starts.")})
    if until > today:
        raise ValidationError({"until": _("This date is in the future.")})
    with transaction.atomic():
        row.until = until
        row.save(update_fields=["until"])
        record(actor, "child.parent_situation.end", division_code=child.division_code,
               object_type="child", object_id=child.pk,
               detail={"situation": str(row.pk), "kind": row.kind, "fields": ["until"]})
        _event(actor, child, "parent_situation_ended", gettext_noop("A parent's situation ended."),
               {"role": row.parent.role, "kind": row.kind})
        classify(child, today=today, actor=actor)
    return row


# --- 3. a supervisor's confirmation --------------------------------------------------------------


def confirm_other_parent_incapacity(actor: Actor, child_id: Any, reason: str, *,
                                    confirmed: bool = True, today: date | None = None) -> Child:
    """A supervisor (``case.approve``) confirms, with a reason, that the parent at home lacks
    guardianship capacity (domain §1.1 "other, with reason confirmed by a supervisor").
    ``confirmed=False`` withdraws the confirmation."""
    today = today or timezone.localdate()
    child = _child_for_edit(actor, child_id)
    if not can(actor, Capability.CASE_APPROVE, child.division_code):
        raise PermissionDenied(_("Only a supervisor may confirm this."))
    reason = (reason or "").strip()
    if confirmed and not reason:
        raise ValidationError({"reason": _("Give the reason.")})
    if len(reason) > 500:
        raise ValidationError({"reason": _("At most %(n)s characters.") % {"n": 500}})
    with transaction.atomic():
        child.other_parent_incapacity_confirmed = confirmed
        child.other_parent_incapacity_reason = reason if confirmed else ""
        child.save(update_fields=["other_parent_incapacity_confirmed",
                                  "other_parent_incapacity_reason", "updated_at"])
        fields = ["other_parent_incapacity_confirmed", "other_parent_incapacity_reason"]
        record(actor, "child.incapacity_confirmed" if confirmed else "child.incapacity_withdrawn",
               division_code=child.division_code, object_type="child", object_id=child.pk,
               detail={"fields": fields})
        _event(actor, child, "incapacity_confirmed" if confirmed else "incapacity_withdrawn",
               gettext_noop("A supervisor confirmed the parent at home lacks guardianship capacity.")
               if confirmed else gettext_noop("The confirmation of incapacity was withdrawn."),
               {"fields": fields})
        classify(child, today=today, actor=actor)
    return child


# --- 4. consents ---------------------------------------------------------------------------------


def record_consent(actor: Actor, child_id: Any, purpose: str, given_by: str, giver_name: str,
                   given_on: date, scope: str, method: str, retention: str, refused: bool = False,
                   *, today: date | None = None) -> Consent:
    """Record a consent given or refused (CAC 2019 Art. 10) for a purpose that needs one."""
    today = today or timezone.localdate()
    child = _child_for_edit(actor, child_id)
    errors: dict[str, str] = {}
    if purpose not in Purpose.values:
        errors["purpose"] = _("Unknown purpose.")
    elif purpose not in CONSENT_PURPOSES:
        errors["purpose"] = _("This purpose rests on statutory duty and needs no consent; "
                              "it must not depend on one.")
    if given_by not in GIVERS:
        errors["given_by"] = _("Consent is given by the guardian or by the child.")
    if given_on > today:
        errors["given_on"] = _("This date is in the future.")
    elif given_on < child.date_of_birth:
        errors["given_on"] = _("This date is before the child's birth.")
    elif given_by == "child" and services.age_on(child.date_of_birth, given_on) < CONSENT_AGE:
        errors["given_by"] = _("A child under 14 cannot consent alone: the guardian's consent "
                               "is needed.")
    for name, value, limit in (("giver_name", giver_name, 50), ("method", method, 60),
                               ("retention", retention, 60), ("scope", scope, 1000)):
        if len((value or "").strip()) > limit:
            errors[name] = _("At most %(n)s characters.") % {"n": limit}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        consent = Consent.objects.create(
            child=child, division_code=child.division_code, purpose=purpose, given_by=given_by,
            giver_name=(giver_name or "").strip(), refused=bool(refused), scope=(scope or "").strip(),
            method=(method or "").strip(), retention=(retention or "").strip(), given_on=given_on)
        LegalBasis.objects.update_or_create(child=child, purpose=purpose, defaults={
            "division_code": child.division_code, "basis": Basis.CONSENT})
        detail = {"consent": str(consent.pk), "purpose": purpose, "given_by": given_by,
                  "refused": bool(refused)}
        record(actor, "child.consent.record", division_code=child.division_code,
               object_type="child", object_id=child.pk, detail=detail)
        _event(actor, child, "consent_refused" if refused else "consent_recorded",
               gettext_noop("Consent refused.") if refused else gettext_noop("Consent recorded."),
               detail)
        classify(child, today=today, actor=actor)
    return consent


def withdraw_consent(actor: Actor, consent_id: Any, withdrawn_on: date, *,
                     today: date | None = None) -> Consent:
    """Withdraw a consent from ``withdrawn_on``."""
    today = today or timezone.localdate()
    pk = parse_uuid(consent_id)
    consent = Consent.objects.filter(pk=pk).first() if pk else None
    if consent is None:
        raise Child.DoesNotExist
    child = _child_for_edit(actor, consent.child_id)
    if consent.withdrawn_on is not None:
        raise ValidationError({"withdrawn_on": _("This consent was already withdrawn.")})
    if consent.refused:
        raise ValidationError({"withdrawn_on": _("A refusal cannot be withdrawn; record a new consent.")})
    if withdrawn_on < consent.given_on:
        raise ValidationError({"withdrawn_on": _("A consent cannot be withdrawn before it was given.")})
    if withdrawn_on > today:
        raise ValidationError({"withdrawn_on": _("This date is in the future.")})
    with transaction.atomic():
        consent.withdrawn_on = withdrawn_on
        consent.save(update_fields=["withdrawn_on"])
        detail = {"consent": str(consent.pk), "purpose": consent.purpose,
                  "given_by": consent.given_by}
        record(actor, "child.consent.withdraw", division_code=child.division_code,
               object_type="child", object_id=child.pk, detail=detail)
        _event(actor, child, "consent_withdrawn", gettext_noop("Consent withdrawn."), detail)
        classify(child, today=today, actor=actor)
    return consent


def _latest(consents: list[Consent], giver: str, on: date) -> Consent | None:
    mine = [c for c in consents if c.given_by == giver and c.given_on <= on]
    return max(mine, key=lambda c: (c.given_on, c.pk), default=None)


def _holds(consent: Consent | None, on: date) -> bool:
    return (consent is not None and not consent.refused
            and (consent.withdrawn_on is None or on < consent.withdrawn_on))


def consent_in_force(child: Child, purpose: str, on: date | None = None) -> bool:
    """Whether processing for ``purpose`` is covered on ``on``.

    Statutory purposes need no consent (always True). Otherwise the guardian's latest record must
    be a consent not withdrawn; from 14 the child's own consent is needed alongside (domain §7).
    """
    on = on or timezone.localdate()
    if purpose not in CONSENT_PURPOSES:
        return purpose in Purpose.values
    consents = list(Consent.objects.filter(child=child, purpose=purpose))
    if not _holds(_latest(consents, "guardian", on), on):
        return False
    if services.age_on(child.date_of_birth, on) >= CONSENT_AGE:
        return _holds(_latest(consents, "child", on), on)
    return True



# --- 5. the photo (optional, encrypted, only with consent) ---------------------------------------

PHOTO_MAX_BYTES = 2 * 1024 * 1024
PHOTO_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


def photo_type(data: bytes) -> str | None:
    """The image type from the file's first bytes (JPEG or PNG), or None."""
    return next((kind for magic, kind in PHOTO_TYPES.items() if data.startswith(magic)), None)


def check_photo(child: Child, data: bytes) -> str:
    """The photo's type, if it may be stored for this child: a JPEG or PNG of at most 2 MB,
    with the recorded consent for photographs (domain §7). ValidationError otherwise."""
    kind = photo_type(data)
    if len(data) > PHOTO_MAX_BYTES or kind is None:
        raise ValidationError({"photo": _("Choose a JPEG or PNG photo of at most 2 MB.")})
    if not consent_in_force(child, Purpose.PHOTO):
        raise ValidationError({"photo": _(
            "A photo needs the guardian's consent (and the child's own from 14). "
            "Record it under Consents first.")})
    return kind


def set_photo(actor: Actor, child_id: Any, data: bytes | None) -> Child:
    """Store (encrypted) or remove the child's photo. Photos need the consent of domain §7."""
    child = _child_for_edit(actor, child_id)
    if data is not None:
        check_photo(child, data)
    with transaction.atomic():
        child.photo = data
        child.save(update_fields=["photo"])
        record(actor, "child.photo.set" if data is not None else "child.photo.remove",
               division_code=child.division_code, object_type="child", object_id=child.pk)
        _event(actor, child, "facts_changed", gettext_noop("Photo changed."), {"fields": ["photo"]})
    return child
