"""Service use cases: keeping the directory of providers, referrals from a case plan and the
providers' answers, the tick's escalation of unanswered referrals, and a child's allowances.

A referral shares with the provider only what the service needs, chosen by the caseworker and
copied when it is sent; a provider's staff read that copy, never the child's record. Sharing with
a non-state provider needs the recorded consent (a guardian's, and the child's own from 14) or
a recorded reason why the child's safety requires it (domain.md §7)."""

import json
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from everychild.access.policy import Actor, can, require
from everychild.accounts.models import Agency, AgencyKind, Post
from everychild.accounts.roles import Capability
from everychild.audit.services import record
from everychild.cases.lifecycle import Stage
from everychild.cases.models import Case
from everychild.cases.services import case_for, record_step, supervisors
from everychild.core import outbox
from everychild.core.ids import parse_uuid
from everychild.notifications.services import notify
from everychild.places.codes import PREFIX_LENGTH, Level
from everychild.places.models import Division
from everychild.places.queries import division_name
from everychild.registry.models import Child, ChildEvent, Consent, Purpose
from everychild.registry.services import age_on
from everychild.registry.updates import consent_in_force
from everychild.rules.benefits import DE_FACTO_ALLOWANCE, ORPHAN_ALLOWANCE
from everychild.rules.case_management import policy_for, referral_due
from everychild.services.models import (
    Benefit,
    BenefitKind,
    BenefitStatus,
    Outcome,
    ProviderCoverage,
    ProviderKind,
    ProviderService,
    Referral,
    ReferralState,
    ServiceProvider,
    ServiceType,
    SharingBasis,
)
from everychild.visits.models import ChildRisk

MAX_TEXT = 4000
# What a referral may share of the child: the minimum a service needs, chosen per referral.
SHAREABLE = ("name", "sex", "age", "village", "caregiver", "school", "disability")
DEFAULT_SHARED = ("name", "sex", "age")
NEW_REFERRAL = gettext_noop("A referral for a child in %(place)s waits for your answer by %(due)s.")
ANSWERED = gettext_noop("A provider answered a referral of a case in %(place)s: %(answer_term)s.")
UNANSWERED = gettext_noop("A referral of a case in %(place)s was not answered by %(due)s: follow "
                          "it up with the provider.")
ANSWER_TERMS = {"accept": gettext_noop("accepted"), "decline": gettext_noop("declined"),
                "start": gettext_noop("the service started"),
                "complete": gettext_noop("completed, with feedback")}
NOT_NOW = {"accept": gettext_noop("This referral is %(state)s: it can no longer be accepted."),
           "decline": gettext_noop("This referral is %(state)s: it can no longer be declined."),
           "start": gettext_noop("This referral is %(state)s: the service can be started only "
                                 "after accepting it."),
           "complete": gettext_noop("This referral is %(state)s: it can be completed only after "
                                    "accepting it.")}
# The referral's lifecycle on the provider's side: action -> (from states, to state).
RESPONSES = {
    "accept": ((ReferralState.SENT,), ReferralState.ACCEPTED),
    "decline": ((ReferralState.SENT,), ReferralState.DECLINED),
    "start": ((ReferralState.ACCEPTED,), ReferralState.IN_PROGRESS),
    "complete": ((ReferralState.ACCEPTED, ReferralState.IN_PROGRESS), ReferralState.COMPLETED),
}

REFERRAL_CHANGED = "referral.changed"  # sent, answered, done: the insights recount
BENEFIT_CHANGED = "benefit.changed"  # an allowance recorded (child ids)


def _text(errors: dict[str, str], name: str, value: str, required: bool = False,
          limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[name] = _("This field is required.")
    elif len(value) > limit:
        errors[name] = _("At most %(n)s characters.") % {"n": limit}
    return value


_place = division_name


# --- the directory ---------------------------------------------------------------------------------


@dataclass
class ProviderInput:
    name: str
    kind: str
    division_code: str  # where it is (a county, township or village)
    services: list[str]
    coverage: list[str]  # division codes of the places it serves
    state_run: bool = True
    address: str = ""
    phone: str = ""
    hours: str = ""
    capacity: int | None = None
    notes: str = ""
    active: bool = True


def _coverage_prefixes(actor: Actor, codes: list[str], errors: dict[str, str]) -> list[str]:
    """The prefixes of the places a provider serves (each inside the actor's jurisdiction)."""
    found = {d.code: d for d in Division.objects.filter(pk__in=[c.strip() for c in codes])}
    prefixes = []
    for code in codes:
        division = found.get(code.strip())
        if division is None or not can(actor, Capability.SERVICES_MANAGE, division.code):
            errors["coverage"] = _("Choose places inside your jurisdiction.")
            continue
        prefixes.append(division.code[:PREFIX_LENGTH[Level(division.level)]])
    if not prefixes and "coverage" not in errors:
        errors["coverage"] = _("Choose at least one place the provider serves.")
    return sorted(set(prefixes))


def _validate_provider(actor: Actor, data: ProviderInput) -> tuple[Division, list[str]]:
    errors: dict[str, str] = {}
    _text(errors, "name", data.name, required=True, limit=120)
    if data.kind not in ProviderKind.values:
        errors["kind"] = _("Choose the kind of provider.")
    if not data.services or set(data.services) - set(ServiceType.values):
        errors["services"] = _("Choose the services it offers.")
    division = Division.objects.filter(pk=(data.division_code or "").strip()).first()
    if division is None or division.level < Level.COUNTY:
        errors["division_code"] = _("Choose the county, township or village where it is.")
    elif not can(actor, Capability.SERVICES_MANAGE, division.code):
        errors["division_code"] = _("Choose a place inside your jurisdiction.")
    prefixes = _coverage_prefixes(actor, data.coverage or [], errors)
    if data.capacity is not None and not 0 <= data.capacity <= 100_000:
        errors["capacity"] = _("Enter a number of children.")
    for name, limit in (("address", 200), ("phone", 40), ("hours", 120), ("notes", MAX_TEXT)):
        _text(errors, name, getattr(data, name), limit=limit)
    if errors:
        raise ValidationError(errors)
    return division, prefixes


def save_provider(actor: Actor, data: ProviderInput, provider_id: Any = None) -> ServiceProvider:
    """A county officer adds a provider to the directory, or changes one in their jurisdiction
    (its services and coverage are replaced). The provider gets an agency, so its staff's posts
    can be attached to it."""
    require(actor, Capability.SERVICES_MANAGE)
    division, prefixes = _validate_provider(actor, data)
    with transaction.atomic():
        provider = _editable_provider(actor, provider_id) if provider_id else None
        if provider is None:
            county = Division.objects.get(pk=division.code[:6].ljust(12, "0"))
            agency, _created = Agency.objects.get_or_create(
                division=county, kind=AgencyKind.SERVICE_PROVIDER, name=data.name.strip()[:120])
            if ServiceProvider.objects.filter(agency=agency).exists():
                raise ValidationError({"name": _("A provider of this name is already listed in "
                                                 "this county.")})
            provider = ServiceProvider(agency=agency)
        for name in ("name", "kind", "state_run", "address", "phone", "hours", "capacity", "notes",
                     "active"):
            value = getattr(data, name)
            setattr(provider, name, value.strip() if isinstance(value, str) else value)
        provider.division_code, provider.updated_by = division.code, actor.user
        provider.save()
        ProviderService.objects.filter(provider=provider).delete()
        ProviderService.objects.bulk_create([ProviderService(provider=provider, service_type=s)
                                             for s in sorted(set(data.services))])
        ProviderCoverage.objects.filter(provider=provider).delete()
        ProviderCoverage.objects.bulk_create([ProviderCoverage(provider=provider, prefix=p)
                                              for p in prefixes])
        record(actor, "provider.save", division_code=division.code, object_type="provider",
               object_id=provider.pk, detail={"services": sorted(set(data.services)),
                                              "coverage": prefixes})
    return provider


def _editable_provider(actor: Actor, provider_id: Any) -> ServiceProvider:
    pk = parse_uuid(provider_id)
    provider = ServiceProvider.objects.select_for_update().filter(pk=pk).first() if pk else None
    if provider is None or not can(actor, Capability.SERVICES_MANAGE, provider.division_code):
        raise ServiceProvider.DoesNotExist
    return provider


def serves(provider: ServiceProvider, code: str) -> bool:
    """Whether the provider serves the place ``code`` (one of its five prefixes is covered)."""
    prefixes = [code[:n] for n in (2, 4, 6, 9, 12)]
    return ProviderCoverage.objects.filter(provider=provider, prefix__in=prefixes).exists()


# --- referrals -------------------------------------------------------------------------------------


@dataclass
class ReferralInput:
    provider_id: str
    service_type: str
    need: str
    share: list[str] = field(default_factory=lambda: list(DEFAULT_SHARED))
    goal_id: str = ""
    safety_reason: str = ""


def _shared(child: Child, items: list[str], today: date) -> dict[str, Any]:
    """The copy of what the provider may see: only the chosen items."""
    values: dict[str, Any] = {}
    if "name" in items:
        values["name"] = child.name
    if "sex" in items:
        values["sex"] = child.sex
    if "age" in items:
        values["age"] = age_on(child.date_of_birth, today)
    if "village" in items:
        values["village"] = _place(child.division_code)
    if "caregiver" in items:
        caregiver = child.caregivers.order_by("-primary", "id").first()
        values["caregiver"] = {"relationship": caregiver.relationship, "name": caregiver.name,
                               "phone": caregiver.phone} if caregiver else {}
    if "school" in items:
        values["school"] = {"status": child.school_status, "grade": child.grade}
    if "disability" in items:
        values["disability"] = {"type": child.disability_type, "grade": child.disability_grade}
    return values


def _sharing_basis(provider: ServiceProvider, child: Child, safety_reason: str,
                   today: date) -> tuple[str, Consent | None]:
    """Why the provider may receive the child's information (domain.md §7)."""
    if provider.state_run:
        return SharingBasis.STATUTORY, None
    if consent_in_force(child, Purpose.SHARING_NGO, today):
        consent = Consent.objects.filter(child=child, purpose=Purpose.SHARING_NGO,
                                         given_by="guardian").order_by("-given_on", "-id").first()
        return SharingBasis.CONSENT, consent
    if safety_reason:
        return SharingBasis.SAFETY, None
    raise ValidationError({"provider_id": _(
        "This provider is not run by the state: sharing the child's information with it needs "
        "the recorded consent for sharing with non-state providers (the guardian's, and the "
        "child's own from 14), or a recorded reason why the child's safety requires it.")})


def _validate_referral(data: ReferralInput) -> tuple[ServiceProvider, str, list[str], str]:
    errors: dict[str, str] = {}
    need = _text(errors, "need", data.need, required=True)
    safety = _text(errors, "safety_reason", data.safety_reason)
    if data.service_type not in ServiceType.values:
        errors["service_type"] = _("Choose the service.")
    share = list(dict.fromkeys(data.share or []))
    if set(share) - set(SHAREABLE):
        errors["share"] = _("Choose what to share from the list.")
    pk = parse_uuid(data.provider_id)
    provider = ServiceProvider.objects.filter(pk=pk, active=True).first() if pk else None
    if provider is None:
        errors["provider_id"] = _("Choose a provider from the directory.")
    elif not provider.services.filter(service_type=data.service_type).exists():
        errors["service_type"] = _("This provider does not offer this service.")
    if errors:
        raise ValidationError(errors)
    return provider, need, share, safety


def _reference(now: datetime) -> str:
    return f"R{timezone.localtime(now):%y%m%d}-{secrets.token_hex(3).upper()}"


def _high_risk(case: Case) -> bool:
    level = ChildRisk.objects.filter(child_id=case.child_id).values_list("level", flat=True).first()
    return "high" in (level, case.risk_level)


def make_referral(actor: Actor, case_id: Any, data: ReferralInput, *,
                  now: datetime | None = None) -> Referral:
    """Refer the child to a provider, carrying out the approved case plan. The provider must
    offer the service and serve the child's place; its answer is due within the policy's time
    (3 working days, 24 hours for a child at high risk), after which the supervisor is told."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        case = case_for(actor, case_id, Capability.CASE_MANAGE, lock=True)
        provider, need, share, safety = _validate_referral(data)
        if case.stage != Stage.IMPLEMENTATION:
            raise ValidationError({"__all__": _("Referrals carry out an approved case plan: first "
                                                "the plan must be approved.")})
        child = case.child
        if not serves(provider, child.division_code):
            raise ValidationError({"provider_id": _("This provider does not serve the place where "
                                                    "the child lives.")})
        basis, consent = _sharing_basis(provider, child, safety, today)
        high = _high_risk(case)
        due = referral_due(timezone.localtime(now), high, policy_for(case.division_code[:2], today))
        referral = Referral.objects.create(
            reference=_reference(now), case=case, goal_id=(data.goal_id or "")[:40], child=child,
            division_code=case.division_code, provider=provider, service_type=data.service_type,
            need=need, shared=json.dumps(_shared(child, share, today), ensure_ascii=False),
            high_risk=high, sharing_basis=basis, consent=consent,
            safety_reason=safety if basis == SharingBasis.SAFETY else "", sent_at=now,
            sent_by=actor.user, due_at=due.at, due_reason=due.reason.as_dict())
        outbox.emit(REFERRAL_CHANGED, [referral.pk], referral.division_code)
        record_step(actor, case, "referral_sent", case.stage, now,
                    detail={"referral": str(referral.pk), "provider": str(provider.pk),
                            "service": data.service_type, "basis": basis, "shared": share})
        notify(_provider_posts(provider), kind="referral", message=NEW_REFERRAL,
               params={"place": _place(case.division_code[:6].ljust(12, "0")),
                       "due": timezone.localtime(due.at).strftime("%Y-%m-%d %H:%M")},
               link=f"/services/referrals/{referral.pk}/", division_code=case.division_code,
               dedupe_key=f"referral:{referral.pk}")
        transaction.on_commit(lambda: _enqueue_escalation(referral))
    return referral


def _provider_posts(provider: ServiceProvider) -> list[Post]:
    posts = Post.objects.filter(agency_id=provider.agency_id, active=True).select_related("role")
    return [p for p in posts if Capability.REFERRAL_RESPOND in (p.role.capabilities or [])]


def _enqueue_escalation(referral: Referral) -> None:
    """Escalate at the deadline itself (the tick catches it if the queue fails)."""
    import logging

    from everychild.core.tasks import enqueue_at
    from everychild.services.tasks import escalate_referral

    try:
        enqueue_at(escalate_referral, referral.due_at, str(referral.pk))
    except Exception:
        logging.getLogger(__name__).warning("could not enqueue a referral escalation",
                                            exc_info=True)


def referral_for_provider(actor: Actor, referral_id: Any, *, lock: bool = False) -> Referral:
    """A referral made to the actor's provider (else Referral.DoesNotExist: a 404)."""
    agency = actor.post.agency_id if actor.post else None
    pk = parse_uuid(referral_id)
    if not agency or pk is None or not actor.has(Capability.REFERRAL_RESPOND):
        raise Referral.DoesNotExist
    rows = Referral.objects.select_for_update() if lock else Referral.objects
    referral = rows.select_related("provider").filter(pk=pk, provider__agency_id=agency).first()
    if referral is None:
        raise Referral.DoesNotExist
    return referral


def respond(actor: Actor, referral_id: Any, action: str, text: str = "", outcome: str = "", *,
            now: datetime | None = None) -> Referral:
    """The provider answers: accept, decline (with the reason), start, complete (with feedback to
    the caseworker and the outcome). Another order is refused, saying what comes first."""
    now = now or timezone.now()
    errors: dict[str, str] = {}
    if action not in RESPONSES:
        raise ValidationError({"action": _("Choose accept, decline, start or complete.")})
    text = _text(errors, "text", text, required=action in ("decline", "complete"))
    if action == "complete" and outcome not in Outcome.values:
        errors["outcome"] = _("Say whether the need was met.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        referral = referral_for_provider(actor, referral_id, lock=True)
        allowed_from, target = RESPONSES[action]
        if referral.state not in allowed_from:
            raise ValidationError({"action": _(NOT_NOW[action]) % {
                "state": referral.get_state_display()}})
        _answer(referral, action, target, text, outcome, actor, now)
        case = Case.objects.select_for_update().get(pk=referral.case_id)
        record_step(actor, case, f"referral_{_past(action)}", case.stage, now, note=text,
                    detail={"referral": str(referral.pk), "outcome": outcome})
        if case.caseworker_post_id:
            notify([case.caseworker_post], kind="referral", message=ANSWERED,
                   params={"place": _place(case.division_code),
                           "answer_term": ANSWER_TERMS[action]},
                   link=f"/cases/{case.pk}/", division_code=case.division_code,
                   dedupe_key=f"referral:{referral.pk}:{action}")
    return referral


def _past(action: str) -> str:
    return {"accept": "accepted", "decline": "declined", "start": "started",
            "complete": "completed"}[action]


def _answer(referral: Referral, action: str, target: str, text: str, outcome: str, actor: Actor,
            now: datetime) -> None:
    referral.state = target
    if action in ("accept", "decline"):
        referral.answered_at, referral.answered_by = now, actor.user
    if action == "decline":
        referral.decline_reason = text
    if action == "start":
        referral.started_at = now
    if action == "complete":
        referral.completed_at, referral.feedback, referral.outcome = now, text, outcome
        referral.started_at = referral.started_at or now
        if referral.answered_at is None:
            referral.answered_at, referral.answered_by = now, actor.user
    referral.save()
    outbox.emit(REFERRAL_CHANGED, [referral.pk], referral.division_code)


def cancel_referral(actor: Actor, referral_id: Any, reason: str, *,
                    now: datetime | None = None) -> Referral:
    """The caseworker cancels an open referral, with the reason (the provider is told)."""
    now = now or timezone.now()
    errors: dict[str, str] = {}
    reason = _text(errors, "reason", reason, required=True)
    if errors:
        raise ValidationError(errors)
    pk = parse_uuid(referral_id)
    with transaction.atomic():
        referral = Referral.objects.select_for_update().filter(pk=pk).first() if pk else None
        if referral is None:
            raise Referral.DoesNotExist
        case = case_for(actor, referral.case_id, Capability.CASE_MANAGE, lock=True)
        if not referral.is_open:
            raise ValidationError({"__all__": _("This referral is already closed.")})
        referral.state, referral.cancelled_at, referral.cancel_reason = \
            ReferralState.CANCELLED, now, reason
        referral.save()
        outbox.emit(REFERRAL_CHANGED, [referral.pk], referral.division_code)
        record_step(actor, case, "referral_cancelled", case.stage, now, note=reason,
                    detail={"referral": str(referral.pk)})
    return referral


def escalate_referral(referral_id: Any, now: datetime | None = None) -> bool:
    """At the deadline: a referral still unanswered goes to the referring caseworker's
    supervisor (once). True when it escalated now."""
    now = now or timezone.now()
    with transaction.atomic():
        referral = Referral.objects.select_for_update().filter(pk=referral_id).first()
        if referral is None or referral.state != ReferralState.SENT \
                or referral.escalated_at is not None or referral.due_at > now:
            return False
        referral.escalated_at = now
        referral.save(update_fields=["escalated_at", "updated_at"])
        case = Case.objects.select_related("caseworker_post").get(pk=referral.case_id)
        recipients = supervisors(case) + ([case.caseworker_post] if case.caseworker_post else [])
        notify(recipients, kind="referral_unanswered", message=UNANSWERED,
               params={"place": _place(case.division_code),
                       "due": timezone.localtime(referral.due_at).strftime("%Y-%m-%d %H:%M")},
               link=f"/cases/{case.pk}/", division_code=case.division_code,
               dedupe_key=f"referral_unanswered:{referral.pk}")
        record_step(None, case, "referral_escalated", case.stage, now,
                    detail={"referral": str(referral.pk)})
    return True


def escalate_unanswered(now: datetime | None = None) -> int:
    """The tick's safety net: escalate every unanswered referral past its deadline (a lost
    queue entry, a worker that was down). Idempotent; reads the (state, due) index."""
    now = now or timezone.now()
    due = list(Referral.objects.filter(state=ReferralState.SENT, escalated_at=None,
                                       due_at__lte=now).order_by("due_at")
               .values_list("pk", flat=True)[:5000])
    return sum(escalate_referral(pk, now) for pk in due)


# --- allowances and subsidies ------------------------------------------------------------------------


@dataclass
class BenefitInput:
    kind: str
    status: str
    monthly_amount: str | Decimal | None = None
    period_from: date | None = None
    period_to: date | None = None
    paying_office: str = ""
    applied_on: date | None = None
    note: str = ""


BENEFIT_EVENT = gettext_noop("Allowance or subsidy recorded.")


def _amount(errors: dict[str, str], value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        errors["monthly_amount"] = _("Enter an amount in yuan.")
        return None
    if not Decimal(0) <= amount < Decimal(10_000_000):
        errors["monthly_amount"] = _("Enter an amount in yuan.")
    return amount


def _validate_benefit(child: Child, data: BenefitInput) -> Decimal | None:
    errors: dict[str, str] = {}
    if data.kind not in BenefitKind.values:
        errors["kind"] = _("Choose the allowance or subsidy.")
    if data.status not in BenefitStatus.values:
        errors["status"] = _("Choose the status.")
    amount = _amount(errors, data.monthly_amount)
    if data.status == BenefitStatus.PAYING:
        if amount is None and "monthly_amount" not in errors:
            errors["monthly_amount"] = _("A paid allowance has an amount.")
        if data.period_from is None:
            errors["period_from"] = _("Say from when it is paid.")
        if not (data.paying_office or "").strip():
            errors["paying_office"] = _("Name the paying office.")
    if data.period_from and data.period_to and data.period_to < data.period_from:
        errors["period_to"] = _("The end cannot be before the start.")
    _text(errors, "paying_office", data.paying_office, limit=120)
    _text(errors, "note", data.note)
    if errors:
        raise ValidationError(errors)
    exclusive = {ORPHAN_ALLOWANCE: DE_FACTO_ALLOWANCE, DE_FACTO_ALLOWANCE: ORPHAN_ALLOWANCE}
    if data.status == BenefitStatus.PAYING and data.kind in exclusive and Benefit.objects.filter(
            child=child, kind=exclusive[data.kind], status=BenefitStatus.PAYING).exists():
        raise ValidationError({"kind": _("The orphans' allowance and the allowance for de facto "
                                         "unsupported children exclude each other: stop the other "
                                         "one first.")})
    return amount


def record_benefit(actor: Actor, child_id: Any, data: BenefitInput, *,
                   now: datetime | None = None) -> Benefit:
    """Record a child's allowance or subsidy as it stands (applied, approved, paying with its
    amount, period and paying office, stopped, refused): one row per kind, kept current."""
    now = now or timezone.now()
    pk = parse_uuid(child_id)
    child = Child.objects.filter(pk=pk).first() if pk else None
    if child is None or not can(actor, Capability.CHILD_VIEW, child.division_code):
        raise Child.DoesNotExist
    require(actor, Capability.BENEFIT_RECORD, child.division_code)
    amount = _validate_benefit(child, data)
    values = {"division_code": child.division_code, "status": data.status, "monthly_amount": amount,
              "period_from": data.period_from, "period_to": data.period_to,
              "paying_office": data.paying_office.strip(), "applied_on": data.applied_on,
              "note": data.note.strip(), "updated_at": now, "updated_by": actor.user}
    try:
        with transaction.atomic():
            benefit, created = Benefit.objects.update_or_create(child=child, kind=data.kind,
                                                                defaults=values)
            detail = {"kind": data.kind, "status": data.status, "created": created}
            record(actor, "benefit.record", division_code=child.division_code,
                   object_type="child", object_id=child.pk, detail=detail)
            outbox.emit(BENEFIT_CHANGED, [child.pk], child.division_code)
            ChildEvent.objects.create(child=child, division_code=child.division_code,
                                      kind="benefit", summary=BENEFIT_EVENT, actor=actor.user,
                                      at=now, detail=detail)
    except IntegrityError:  # recorded at the same moment by someone else
        raise ValidationError({"kind": _("This allowance was just recorded by someone else: "
                                         "reload.")}) from None
    return benefit
