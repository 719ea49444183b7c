"""``{% child_services child %}``: on a child's profile, the child's allowances and transfers,
with the links to record an allowance (``benefit.record``) and to move the child to another place
(``child.transfer``). The profile's read of the child is audited already; the transfers are read
through ``registry.transfers.transfers_seen`` (scoped to the actor's jurisdiction)."""

from typing import Any

from django import template

from everychild.access.policy import ANONYMOUS, Actor, can
from everychild.accounts.roles import Capability
from everychild.places.queries import division_names
from everychild.registry.models import Child, TransferState
from everychild.registry.transfers import transfers_seen
from everychild.services.models import BenefitKind, BenefitStatus
from everychild.services.queries import child_benefits

register = template.Library()
BENEFIT_READERS = (Capability.CHILD_EDIT, Capability.BENEFIT_RECORD, Capability.CASE_MANAGE,
                   Capability.CASE_APPROVE)


@register.inclusion_tag("services/_child_services.html", takes_context=True)
def child_services(context: template.Context, child: Child) -> dict[str, Any]:
    actor: Actor = context.get("actor") or ANONYMOUS
    kinds, statuses = dict(BenefitKind.choices), dict(BenefitStatus.choices)
    # Need to know: those who look after the child's welfare (not the police, say).
    sees = any(can(actor, c, child.division_code) for c in BENEFIT_READERS)
    benefits = [{"benefit": b, "kind": kinds.get(b.kind, b.kind),
                 "status": statuses.get(b.status, b.status)}
                for b in (child_benefits(child) if sees else [])]
    moves = list(transfers_seen(actor).filter(
        child=child, state__in=[TransferState.PROPOSED, TransferState.ACCEPTED]))
    codes = {c for t in moves for c in (t.from_division_code, t.to_division_code)}
    names = division_names(codes)
    pending = any(t.state == TransferState.PROPOSED for t in moves)
    return {
        "child": child, "benefits": benefits, "sees_benefits": sees,
        "transfers": [{"transfer": t, "from": names.get(t.from_division_code,
                                                          t.from_division_code),
                       "to": names.get(t.to_division_code, t.to_division_code)} for t in moves],
        "can_record": can(actor, Capability.BENEFIT_RECORD, child.division_code),
        "can_move": can(actor, Capability.CHILD_TRANSFER, child.division_code) and not pending,
    }
