"""/api/v1/services: the service directory, a provider's referrals and children's allowances over
HTTP (the same services and queries as the pages).

The directory holds no personal data: whoever refers children, supervises cases or keeps the
directory searches it; county officers keep it. A provider's staff (posts whose agency is the
provider's) read the referrals made to their provider — of the child only what each referral
shares — and answer them. Officers who record allowances list the children entitled to one and
not receiving it, and record a child's allowance as it stands. Times are in local time; no
personal data travels in a URL (ids only)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from everychild.access.policy import Actor, mask
from everychild.core.api_auth import api_actor
from everychild.core.ids import parse_uuid
from everychild.core.schemas import enum_of as _enum
from everychild.core.schemas import local_time as _local
from everychild.core.schemas import or_404 as _found
from everychild.core.schemas import responses, schema_of
from everychild.services import queries, services
from everychild.services.models import (
    Benefit,
    BenefitKind,
    Outcome,
    ProviderKind,
    Referral,
    ReferralState,
    ServiceProvider,
    ServiceType,
)

router = Router()
T = TypeVar("T")
# Query parameters' accepted codes: documented as enums, anything else answers 422.
ServiceTypeParam = Literal[("", *ServiceType.values)]  # type: ignore[valid-type]
ReferralStateParam = Literal[("", *ReferralState.values)]  # type: ignore[valid-type]
BenefitKindParam = Literal[("", *BenefitKind.values)]  # type: ignore[valid-type]
SERVED_PLACE_HELP = ("A village's 12-digit code: the providers serving it. Default: those located "
                     "or serving inside the caller's jurisdiction.")
PLACE_HELP = "A division code inside the caller's jurisdiction (default: all of it)."



# --- schemas ---------------------------------------------------------------------------------------


ProviderIn = schema_of(services.ProviderInput, "ProviderIn")
BenefitIn = schema_of(services.BenefitInput, "BenefitIn")


class ProviderOut(Schema):
    id: str
    name: str
    kind: str = Field(json_schema_extra=_enum(ProviderKind.values))
    state_run: bool = Field(description="A state organ or public institution (sharing rests on "
                                        "the statutory duty); otherwise consent is needed.")
    division_code: str = Field(description="Where it is.")
    address: str
    phone: str = Field(description="The service's phone.")
    hours: str
    capacity: int | None
    notes: str
    active: bool
    services: list[str] = Field(description="The service types it offers.")
    coverage: list[str] = Field(description="Division prefixes of the places it serves.")
    updated_at: datetime


class ProviderReferralOut(Schema):
    id: str
    reference: str
    service_type: str = Field(json_schema_extra=_enum(ServiceType.values))
    need: str = Field(description="What the child needs from the service.")
    shared: dict[str, Any] = Field(description="All the provider sees of the child: the items the "
                                               "caseworker chose to share, as sent.")
    high_risk: bool = Field(description="Answer within the shorter time.")
    state: str = Field(json_schema_extra=_enum(ReferralState.values))
    sent_at: datetime
    due_at: datetime = Field(description="The answer is due by then.")
    answered_at: datetime | None
    decline_reason: str
    started_at: datetime | None
    completed_at: datetime | None
    outcome: str
    feedback: str
    cancelled_at: datetime | None


class ReferralRespondIn(Schema):
    action: str = Field(json_schema_extra=_enum(services.RESPONSES))
    text: str = Field("", description="The reason for declining; the feedback when completing.")
    outcome: str = Field("", description="When completing: whether the need was met.",
                         json_schema_extra=_enum(["", *Outcome.values]))


class EntitledOut(Schema):
    child_id: str
    child_name: str | None = Field(None, description="Only for roles that see identities.")
    division_code: str
    kind: str = Field(json_schema_extra=_enum(BenefitKind.values))
    reason: str = Field(description="Why the child is entitled, citing the policy, in the "
                                    "request's language.")
    status: str = Field(description="Where the allowance stands: empty (nothing recorded), "
                                    "applied, approved, stopped or refused.")


class BenefitOut(Schema):
    id: str
    child_id: str
    kind: str
    status: str
    monthly_amount: Decimal | None
    period_from: date | None
    period_to: date | None
    paying_office: str
    applied_on: date | None
    note: str
    updated_at: datetime


# --- rendering -------------------------------------------------------------------------------------




def provider_out(p: ServiceProvider) -> dict[str, Any]:
    return {"id": str(p.pk), "name": p.name, "kind": p.kind, "state_run": p.state_run,
            "division_code": p.division_code, "address": p.address, "phone": p.phone,
            "hours": p.hours, "capacity": p.capacity, "notes": p.notes, "active": p.active,
            "services": sorted(s.service_type for s in p.services.all()),
            "coverage": sorted(c.prefix for c in p.coverage.all()),
            "updated_at": _local(p.updated_at)}


def provider_referral_out(r: Referral) -> dict[str, Any]:
    """A referral as its provider sees it: never the child's record, only what was shared."""
    return {"id": str(r.pk), "reference": r.reference, "service_type": r.service_type,
            "need": r.need, "shared": queries.shared(r), "high_risk": r.high_risk,
            "state": r.state, "sent_at": _local(r.sent_at), "due_at": _local(r.due_at),
            "answered_at": _local(r.answered_at), "decline_reason": r.decline_reason,
            "started_at": _local(r.started_at), "completed_at": _local(r.completed_at),
            "outcome": r.outcome, "feedback": r.feedback, "cancelled_at": _local(r.cancelled_at)}


def _entitled(actor: Actor, e: queries.Entitled) -> dict[str, Any]:
    return {"child_id": str(e.child.pk), "child_name": mask(actor, {"name": e.child.name})
            .get("name"), "division_code": e.child.division_code, "kind": e.kind,
            "reason": e.reason.render(), "status": e.status}


def benefit_out(b: Benefit) -> dict[str, Any]:
    return {"id": str(b.pk), "child_id": str(b.child_id), "kind": b.kind, "status": b.status,
            "monthly_amount": b.monthly_amount, "period_from": b.period_from,
            "period_to": b.period_to, "paying_office": b.paying_office,
            "applied_on": b.applied_on, "note": b.note, "updated_at": _local(b.updated_at)}


def _provider(actor: Actor, provider_id: Any) -> ServiceProvider:
    pk = parse_uuid(provider_id)
    if pk is None:
        raise HttpError(404, "not found")
    return _found(queries.provider, actor, pk)


# --- the directory ---------------------------------------------------------------------------------


@router.get("/providers", response=responses({200: list[ProviderOut]}))
def providers(request: HttpRequest,
              service_type: ServiceTypeParam = "",
              place: Annotated[str, Query(description=SERVED_PLACE_HELP)] = "",
              text: Annotated[str, Query(description="Part of the provider's name.")] = ""):
    """Search the directory by service, by the place a child lives and by name (no personal
    data). For those who refer children, supervise cases or keep the directory."""
    actor = api_actor(request)
    return [provider_out(p) for p in queries.providers(actor, service_type, place, text)]


@router.get("/providers/{provider_id}", response=responses({200: ProviderOut}))
def provider(request: HttpRequest, provider_id: str):
    """One provider of the directory."""
    return provider_out(_provider(api_actor(request), provider_id))


@router.post("/providers", response=responses({201: ProviderOut}))
def add_provider(request: HttpRequest, payload: ProviderIn):
    """A county officer adds a provider: its services, the places it serves (inside the
    officer's jurisdiction) and whether it is run by the state."""
    actor = api_actor(request)
    saved = services.save_provider(actor, services.ProviderInput(**payload.dict()))
    return Status(201, provider_out(_provider(actor, saved.pk)))


@router.put("/providers/{provider_id}", response=responses({200: ProviderOut}))
def change_provider(request: HttpRequest, provider_id: str, payload: ProviderIn):
    """A county officer changes a provider of their jurisdiction (services and coverage are
    replaced); ``active: false`` takes it out of searches."""
    actor = api_actor(request)
    if parse_uuid(provider_id) is None:
        raise HttpError(404, "not found")
    saved = _found(services.save_provider, actor, services.ProviderInput(**payload.dict()),
                   provider_id)
    return provider_out(_provider(actor, saved.pk))


# --- the provider's side: referrals made to it -------------------------------------------------------


@router.get("/referrals", response=responses({200: list[ProviderReferralOut]}))
def provider_referrals(request: HttpRequest,
                       state: ReferralStateParam = ""):
    """The referrals made to the caller's provider, open ones first by deadline (audited: each
    shows what it shares of the child)."""
    return [provider_referral_out(r)
            for r in queries.provider_referrals(api_actor(request), state)]


@router.get("/referrals/{referral_id}", response=responses({200: ProviderReferralOut}))
def provider_referral(request: HttpRequest, referral_id: str):
    """One referral made to the caller's provider (404 for any other; audited)."""
    return provider_referral_out(_found(queries.referral_detail, api_actor(request), referral_id))


@router.post("/referrals/{referral_id}/respond", response=responses({200: ProviderReferralOut}))
def respond(request: HttpRequest, referral_id: str, payload: ReferralRespondIn):
    """Answer a referral: accept, decline (with the reason), start, complete (with feedback to the
    caseworker and the outcome). Another order is refused, saying what comes first."""
    actor = api_actor(request)
    referral = _found(services.respond, actor, referral_id, payload.action, payload.text,
                      payload.outcome)
    return provider_referral_out(referral)


# --- allowances ------------------------------------------------------------------------------------


@router.get("/benefits/entitled", response=responses({200: list[EntitledOut]}))
def entitled(request: HttpRequest,
             place: Annotated[str, Query(description=PLACE_HELP)] = "",
             kind: BenefitKindParam = ""):
    """Children entitled to an allowance by their current category and not receiving it, with
    where the allowance stands (names are shown: the list is audited)."""
    actor = api_actor(request)
    return [_entitled(actor, e) for e in queries.entitled_not_receiving(actor, place, kind)]


@router.post("/benefits/{child_id}", response=responses({200: BenefitOut}))
def record_benefit(request: HttpRequest, child_id: str, payload: BenefitIn):
    """Record a child's allowance or subsidy as it stands (one per kind, kept current): applied,
    approved, paying (amount, period and paying office required), stopped or refused."""
    actor = api_actor(request)
    benefit = _found(services.record_benefit, actor, child_id,
                     services.BenefitInput(**payload.dict()))
    return benefit_out(benefit)
