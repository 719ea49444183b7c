"""Reads of the directory, referrals and allowances, scoped and audited.

The directory holds no personal data: anyone who refers children, supervises cases or keeps the
directory may search it, by service and by the place a child lives. A provider's staff see the
referrals made to their provider (what each shares, nothing else). The list of children entitled
to an allowance but not receiving it reads the current categories of the jurisdiction on their
(category, division) index and the benefits on their (kind, status, division) index."""

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from everychild.access.policy import Actor, can, jurisdiction_q, require
from everychild.accounts.roles import Capability
from everychild.audit.services import record_list
from everychild.core.ids import parse_uuid
from everychild.places.codes import prefix_range
from everychild.places.models import Division
from everychild.registry.models import Child, ChildCategory
from everychild.rules import Reason
from everychild.rules.benefits import entitlements, entitling_categories, policy_for
from everychild.services.models import (
    Benefit,
    BenefitStatus,
    ProviderCoverage,
    ProviderService,
    Referral,
    ReferralState,
    ServiceProvider,
)
from everychild.services.services import referral_for_provider

LIMIT = 200
DIRECTORY_READERS = (Capability.CASE_MANAGE, Capability.CASE_APPROVE, Capability.SERVICES_MANAGE)


def _may_read_directory(actor: Actor) -> None:
    if not any(actor.has(c) for c in DIRECTORY_READERS):
        raise PermissionDenied(_("You do not have permission to do this here."))


def providers(actor: Actor, service_type: str = "", place: str = "", text: str = "",
              include_inactive: bool = False) -> list[ServiceProvider]:
    """Providers offering ``service_type`` that serve ``place`` (a division code: its five
    prefixes), or by default those located or serving inside the actor's jurisdiction."""
    _may_read_directory(actor)
    rows = ServiceProvider.objects.all()
    if not include_inactive:
        rows = rows.filter(active=True)
    if service_type:
        rows = rows.filter(Exists(ProviderService.objects.filter(provider=OuterRef("pk"),
                                                                 service_type=service_type)))
    place = (place or "").strip()
    if place.isascii() and place.isdigit() and len(place) == 12:
        prefixes = [place[:n] for n in (2, 4, 6, 9, 12)]
        rows = rows.filter(Exists(ProviderCoverage.objects.filter(provider=OuterRef("pk"),
                                                                  prefix__in=prefixes)))
    else:
        jurisdiction = actor.jurisdiction or ""
        low, high = prefix_range(jurisdiction)
        near = ProviderCoverage.objects.filter(provider=OuterRef("pk")).filter(
            Q(prefix__gte=jurisdiction, prefix__lte=high) | Q(prefix__in=[
                jurisdiction[:n] for n in (2, 4, 6, 9) if n < len(jurisdiction)]))
        rows = rows.filter(Q(division_code__range=(low, high)) | Q(Exists(near)))
    if text.strip():
        rows = rows.filter(name__icontains=text.strip()[:60])
    return list(rows.prefetch_related("services", "coverage").order_by("name")[:LIMIT])


def provider(actor: Actor, provider_id: Any) -> ServiceProvider:
    """One provider of the directory (ServiceProvider.DoesNotExist: a 404)."""
    _may_read_directory(actor)
    pk = parse_uuid(provider_id)
    found = ServiceProvider.objects.filter(pk=pk).prefetch_related(
        "services", "coverage").first() if pk else None
    if found is None:
        raise ServiceProvider.DoesNotExist
    return found


# --- a provider's referrals -------------------------------------------------------------------------


def provider_referrals(actor: Actor, state: str = "") -> list[Referral]:
    """The referrals made to the actor's provider (open ones first, by deadline). Each shows
    what it shares of the child, so the list is audited."""
    require(actor, Capability.REFERRAL_RESPOND)
    agency = actor.post.agency_id if actor.post else None
    rows = Referral.objects.filter(provider__agency_id=agency) if agency else Referral.objects.none()
    if state in ReferralState.values:
        rows = rows.filter(state=state)
    found = sorted(rows.select_related("provider").order_by("-sent_at")[:LIMIT],
                   key=lambda r: (not r.is_open, r.due_at if r.is_open else -r.sent_at.timestamp()))
    record_list(actor, "referral.list", division_code=actor.post.division_id,
                object_type="referral", filters={"state": state}, ids=[r.pk for r in found])
    return found


def referral_detail(actor: Actor, referral_id: Any) -> Referral:
    """A referral made to the actor's provider (else Referral.DoesNotExist, a 404). Audited."""
    referral = referral_for_provider(actor, referral_id)
    record_list(actor, "referral.read", division_code=referral.division_code,
                object_type="referral", filters={"referral": str(referral.pk)}, ids=[referral.pk])
    return referral


def shared(referral: Referral) -> dict[str, Any]:
    return json.loads(referral.shared or "{}")


# --- allowances ----------------------------------------------------------------------------------------


@dataclass
class Entitled:
    """A child entitled to an allowance that is not being paid, and where its record stands."""

    child: Child
    kind: str
    reason: Reason
    status: str  # "" nothing recorded, else the benefit's status


def entitled_not_receiving(actor: Actor, place: str = "", kind: str = "",
                           today: date | None = None, limit: int = LIMIT) -> list[Entitled]:
    """Children of the jurisdiction (or ``place`` inside it: a division code of any level, or a
    prefix) entitled to an allowance by their
    current category and not receiving it (nothing recorded, applied, approved, stopped or
    refused). Names are shown: audited as a list."""
    today = today or timezone.localdate()
    require(actor, Capability.BENEFIT_RECORD)
    province = (place or actor.jurisdiction or "")[:2]
    rule = policy_for(province, today)
    table = entitling_categories(rule)
    rows = ChildCategory.objects.filter(jurisdiction_q(actor), until=None,
                                        category__in=list(table))
    if place:
        rows = rows.filter(division_code__range=prefix_range(_place_prefix(actor, place)))
    found = _not_receiving(rows, rule, kind, limit)
    record_list(actor, "benefit.entitled", division_code=actor.post.division_id,
                object_type="child", filters={"place": place, "kind": kind},
                ids=[e.child.pk for e in found])
    return found


def _place_prefix(actor: Actor, place: str) -> str:
    """The prefix of ``place`` (a division code of any level, or already a prefix) by its level;
    PermissionDenied outside the actor's jurisdiction."""
    code = place.strip()
    if len(code) == 12 and code.isascii() and code.isdigit():
        division = Division.objects.filter(pk=code).first()
        code = division.prefix if division else code
    if not (code.isascii() and code.isdigit()) or not can(actor, Capability.BENEFIT_RECORD,
                                                             code.ljust(12, "0")[:12]):
        raise PermissionDenied(_("You do not have permission to do this here."))
    return code


def _not_receiving(categories: QuerySet, rule: Any, kind: str, limit: int) -> list[Entitled]:
    """Per entitling category and allowance, the children without it being paid (an index walk
    per pair, so a county with many children paid already still finds those who are not); each
    child's other current categories decide the allowances that exclude each other."""
    candidates: dict[Any, set[str]] = {}
    for category, kinds in entitling_categories(rule).items():
        for benefit in kinds:
            if kind and kind != benefit:
                continue
            paid = Benefit.objects.filter(child_id=OuterRef("child_id"), kind=benefit,
                                          status=BenefitStatus.PAYING)
            rows = categories.filter(category=category).exclude(Exists(paid)).order_by(
                "division_code", "child_id").values_list("child_id", flat=True)[:limit]
            for child_id in rows:
                candidates.setdefault(child_id, set()).add(benefit)
    held: dict[Any, list[str]] = {}
    for child_id, code in ChildCategory.objects.filter(child_id__in=list(candidates),
                                                       until=None).values_list("child_id",
                                                                               "category"):
        held.setdefault(child_id, []).append(code)
    status = {(b.child_id, b.kind): b.status for b in Benefit.objects.filter(
        child_id__in=list(candidates)).only("child_id", "kind", "status")}
    children = Child.objects.in_bulk(list(candidates))
    found = []
    for child_id in sorted(candidates, key=lambda pk: (children[pk].division_code, str(pk))):
        for benefit, reason in entitlements(held.get(child_id, []), rule).items():
            if benefit in candidates[child_id]:
                found.append(Entitled(children[child_id], benefit, reason,
                                      status.get((child_id, benefit), "")))
    return found[:limit]


def child_benefits(child: Child) -> list[Benefit]:
    """A child's allowances, for the child's profile (whose read is audited already)."""
    return list(Benefit.objects.filter(child=child).order_by("kind"))
