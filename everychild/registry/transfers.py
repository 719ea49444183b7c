"""A child moving to another place (joining migrant parents in a city, say): the sending county
proposes a transfer, the receiving county accepts or declines it. On acceptance every child-scoped
row moves in one transaction — the child, its household, and every row of every app that names
the child and its place — so access moves with them; the rollups follow through the apps' own
hooks; and the receiving place's rules (classification, visit plan) are applied again.

Which rows move is found, not listed: every model with a ``child`` foreign key to the child,
its place in ``division_code`` unless the model names another field in ``CHILD_PLACE_FIELD``
(``None``: a row that records a place of its own and stays; such a model says why). So a new
child-scoped table moves without anyone remembering to add it here. Apps above the registry
(visits, cases...) react through ``settings.EVERYCHILD_CHILD_MOVED``: functions called in the
same transaction, after the rows moved."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from everychild.access.policy import Actor, can, jurisdiction_q, require
from everychild.accounts.queries import posts_over
from everychild.accounts.roles import Capability
from everychild.audit.services import record, record_list
from everychild.core.ids import parse_uuid
from everychild.notifications.services import notify
from everychild.places.codes import Level
from everychild.places.models import Division
from everychild.places.queries import division_name
from everychild.registry.classify import classify
from everychild.registry.models import (
    Child,
    ChildEvent,
    ChildTransfer,
    Household,
    ParentSituation,
    TransferState,
)
from everychild.registry.updates import _child_for_edit

MAX_REASON = 2000
INCOMING = gettext_noop("A child is to move from %(from_place)s to %(to_place)s: accept or decline "
                        "the transfer.")
DECIDED = gettext_noop("The transfer of a child to %(to_place)s was %(decision_term)s.")
ACCEPTED_TERM = gettext_noop("accepted")
DECLINED_TERM = gettext_noop("declined")
MOVED = gettext_noop("Moved to another place (transfer accepted).")
PROPOSED = gettext_noop("A transfer to another place was proposed.")


@dataclass(frozen=True)
class ScopedTable:
    model: type[models.Model]
    field: str  # the column holding the child's place


def child_scoped_tables() -> list[ScopedTable]:
    """Every table whose rows name a child (a ``child`` foreign key to the registry's Child) and
    follow the child's place: the child's place is in ``division_code``, or in the field the
    model names in ``CHILD_PLACE_FIELD`` (``None``: it stays)."""
    found = []
    for model in apps.get_models():
        child = next((f for f in model._meta.get_fields() if f.name == "child"), None)
        if child is None or not child.is_relation or child.related_model is not Child:
            continue
        place = getattr(model, "CHILD_PLACE_FIELD", "division_code")
        if place is not None:
            found.append(ScopedTable(model, place))
    return sorted(found, key=lambda t: t.model._meta.label)


# --- proposing --------------------------------------------------------------------------------------


def _village(code: str) -> Division:
    division = Division.objects.filter(pk=(code or "").strip()).first()
    if division is None or division.level != Level.VILLAGE:
        raise ValidationError({"to_division_code": _("Choose the village or community the child "
                                                     "moves to.")})
    return division


def receiving_officers(code: str) -> list[Any]:
    """Who may accept a child moving to ``code``: active posts with ``child.transfer`` at its
    county, prefecture or province."""
    return posts_over(code, Capability.CHILD_TRANSFER, (Level.COUNTY, Level.PREFECTURE,
                                                        Level.PROVINCE))


_place = division_name


def propose(actor: Actor, child_id: Any, to_code: str, reason: str, *,
            now: datetime | None = None) -> ChildTransfer:
    """The sending county proposes moving the child to ``to_code`` (a village). A move inside the
    actor's own jurisdiction takes effect at once; another county's receiving officers are asked
    to accept it. Refused, with nothing changed, when nobody there can receive the child."""
    now = now or timezone.now()
    child = _child_for_edit(actor, child_id)
    require(actor, Capability.CHILD_TRANSFER, child.division_code)
    village = _village(to_code)
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise ValidationError({"reason": _("Say why the child moves (at most %(n)s characters).")
                               % {"n": MAX_REASON}})
    if village.code == child.division_code:
        raise ValidationError({"to_division_code": _("The child already lives there.")})
    local = can(actor, Capability.CHILD_TRANSFER, village.code)
    officers = [] if local else receiving_officers(village.code)
    if not local and not officers:
        raise ValidationError({"to_division_code": _(
            "Nobody in %(county)s can receive the child yet (no civil-affairs officer with the "
            "right to accept transfers): nothing was changed. Ask that county to set one up.")
            % {"county": _place(village.code[:6].ljust(12, "0"))}})
    with transaction.atomic():
        if ChildTransfer.objects.filter(child=child, state=TransferState.PROPOSED).exists():
            raise ValidationError({"to_division_code": _(
                "A transfer of this child is already waiting for an answer.")})
        transfer = ChildTransfer.objects.create(
            child=child, from_division_code=child.division_code, to_division_code=village.code,
            reason=reason, proposed_at=now, proposed_by=actor.user)
        record(actor, "transfer.propose", division_code=child.division_code, object_type="child",
               object_id=child.pk, detail={"transfer": str(transfer.pk), "to": village.code})
        ChildEvent.objects.create(child=child, division_code=child.division_code,
                                  kind="transfer_proposed", summary=PROPOSED, actor=actor.user,
                                  detail={"transfer": str(transfer.pk), "to": village.code})
        if local:
            _accept(actor, transfer, now)
        else:
            notify(officers, kind="transfer", message=INCOMING,
                   params={"from_place": _place(child.division_code[:6].ljust(12, "0")),
                           "to_place": village.name},
                   link="/children/transfers/", division_code=village.code,
                   dedupe_key=f"transfer:{transfer.pk}")
    return transfer


# --- deciding ---------------------------------------------------------------------------------------


def _for_decision(actor: Actor, transfer_id: Any) -> ChildTransfer:
    pk = parse_uuid(transfer_id)
    transfer = (ChildTransfer.objects.select_for_update().select_related("child")
                .filter(pk=pk).first()) if pk else None
    if transfer is None or not can(actor, Capability.CHILD_TRANSFER, transfer.to_division_code):
        raise ChildTransfer.DoesNotExist
    if transfer.state != TransferState.PROPOSED:
        raise ValidationError({"__all__": _("This transfer was already decided.")})
    return transfer


def accept(actor: Actor, transfer_id: Any, *, now: datetime | None = None) -> ChildTransfer:
    """The receiving county accepts: the child and every child-scoped row move, in one
    transaction, and the receiving place's rules are applied again."""
    now = now or timezone.now()
    with transaction.atomic():
        transfer = _for_decision(actor, transfer_id)
        _accept(actor, transfer, now)
    return transfer


def decline(actor: Actor, transfer_id: Any, reason: str, *,
            now: datetime | None = None) -> ChildTransfer:
    """The receiving county declines, with a reason: nothing moves; the sending side is told."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise ValidationError({"reason": _("Say why the transfer is declined.")})
    with transaction.atomic():
        transfer = _for_decision(actor, transfer_id)
        transfer.state, transfer.decided_at, transfer.decided_by = TransferState.DECLINED, now, \
            actor.user
        transfer.decline_reason = reason
        transfer.save(update_fields=["state", "decided_at", "decided_by", "decline_reason"])
        record(actor, "transfer.decline", division_code=transfer.to_division_code,
               object_type="transfer", object_id=transfer.pk)
        record(actor, "transfer.decline", division_code=transfer.from_division_code,
               object_type="child", object_id=transfer.child_id,
               detail={"transfer": str(transfer.pk)})
        _tell_sender(transfer, DECLINED_TERM)
    return transfer


def cancel(actor: Actor, transfer_id: Any, *, now: datetime | None = None) -> ChildTransfer:
    """The sending side withdraws a transfer not yet decided."""
    pk = parse_uuid(transfer_id)
    with transaction.atomic():
        transfer = ChildTransfer.objects.select_for_update().filter(pk=pk).first() if pk else None
        if transfer is None or not can(actor, Capability.CHILD_TRANSFER,
                                       transfer.from_division_code):
            raise ChildTransfer.DoesNotExist
        if transfer.state != TransferState.PROPOSED:
            raise ValidationError({"__all__": _("This transfer was already decided.")})
        transfer.state, transfer.decided_at, transfer.decided_by = TransferState.CANCELLED, \
            now or timezone.now(), actor.user
        transfer.save(update_fields=["state", "decided_at", "decided_by"])
        record(actor, "transfer.cancel", division_code=transfer.from_division_code,
               object_type="child", object_id=transfer.child_id,
               detail={"transfer": str(transfer.pk)})
    return transfer


def _tell_sender(transfer: ChildTransfer, decision_term: str) -> None:
    notify([transfer.proposed_by], kind="transfer", message=DECIDED,
           params={"to_place": _place(transfer.to_division_code), "decision_term": decision_term},
           link="/children/transfers/", division_code=transfer.from_division_code,
           dedupe_key=f"transfer:{transfer.pk}:{transfer.state}")


# --- moving -----------------------------------------------------------------------------------------


def _move_household(child: Child, new_code: str) -> int:
    """The household moves with the child; a household that other children stay in is copied
    for the child instead."""
    household = child.household
    if household is None:
        return 0
    if Child.objects.filter(household=household).exclude(pk=child.pk).exists():
        household.pk = None
        household._state.adding = True
        household.division_code = new_code
        household.save(force_insert=True)
        child.household = household
        return 1
    return Household.objects.filter(pk=household.pk).update(division_code=new_code)


def _across_county_again(child: Child, new_code: str) -> int:
    """A parent working away is across a county boundary or not as seen from the child's new
    place (a child joining parents in their city is no longer left behind there)."""
    changed = 0
    for situation in ParentSituation.objects.filter(child=child, until=None).exclude(
            destination_code=""):
        across = situation.destination_code[:6] != new_code[:6]
        if situation.cross_county != across:
            changed += ParentSituation.objects.filter(pk=situation.pk).update(cross_county=across)
    return changed


def move_child(child: Child, new_code: str, actor: Actor | None, now: datetime) -> dict[str, int]:
    """Move the child and every child-scoped row to ``new_code``; then the apps' hooks. Call it
    inside a transaction; returns the rows moved per table."""
    old_code = child.division_code
    moved = {"registry.Household": _move_household(child, new_code)}
    child.division_code = new_code
    child.save(update_fields=["division_code", "household", "updated_at"])
    moved["registry.Child"] = 1
    for table in child_scoped_tables():
        moved[table.model._meta.label] = table.model.objects.filter(child=child).update(
            **{table.field: new_code})
    _across_county_again(child, new_code)
    for path in getattr(settings, "EVERYCHILD_CHILD_MOVED", []):
        moved.update(import_string(path)(child, old_code, new_code, actor, now) or {})
    return moved


def _accept(actor: Actor, transfer: ChildTransfer, now: datetime) -> None:
    child = Child.objects.select_for_update().get(pk=transfer.child_id)  # household read after
    if child.division_code != transfer.from_division_code:
        raise ValidationError({"__all__": _("The child no longer lives where the transfer was "
                                            "proposed from: propose it again.")})
    moved = move_child(child, transfer.to_division_code, actor, now)
    transfer.state, transfer.decided_at, transfer.decided_by = TransferState.ACCEPTED, now, \
        actor.user
    transfer.moved = moved
    transfer.save(update_fields=["state", "decided_at", "decided_by", "moved"])
    ChildEvent.objects.create(child=child, division_code=child.division_code, kind="moved",
                              summary=MOVED, actor=actor.user, at=now,
                              detail={"transfer": str(transfer.pk),
                                      "from": transfer.from_division_code,
                                      "to": transfer.to_division_code})
    for code in (transfer.from_division_code, transfer.to_division_code):
        record(actor, "transfer.accept", division_code=code, object_type="child",
               object_id=child.pk, detail={"transfer": str(transfer.pk), "moved": moved})
    classify(child, today=timezone.localdate(now), actor=actor)
    if transfer.proposed_by_id != actor.user.pk:
        _tell_sender(transfer, ACCEPTED_TERM)


# --- reading ----------------------------------------------------------------------------------------

LIMIT = 200


def transfers_seen(actor: Actor) -> QuerySet[ChildTransfer]:
    """The transfers out of and into the actor's jurisdiction: the read-only trace the sending
    side keeps, and what the receiving side must decide."""
    if not (actor.has(Capability.CHILD_TRANSFER) or actor.has(Capability.CHILD_VIEW)):
        return ChildTransfer.objects.none()
    out = jurisdiction_q(actor, "from_division_code")
    into = jurisdiction_q(actor, "to_division_code")
    return ChildTransfer.objects.filter(Q(out) | Q(into)).select_related(
        "child", "proposed_by", "decided_by").order_by("-proposed_at")


@dataclass(frozen=True)
class TransferRow:
    """A transfer as one actor may see it: whom it is about only to those who may still see the
    child or who decide transfers at either end."""

    transfer: ChildTransfer
    knows_child: bool
    may_decide: bool
    may_cancel: bool


def _row(actor: Actor, t: ChildTransfer) -> TransferRow:
    proposed = t.state == TransferState.PROPOSED
    deciders = can(actor, Capability.CHILD_TRANSFER, t.from_division_code) or can(
        actor, Capability.CHILD_TRANSFER, t.to_division_code)
    return TransferRow(
        transfer=t, knows_child=deciders or can(actor, Capability.CHILD_VIEW,
                                                t.child.division_code),
        may_decide=proposed and can(actor, Capability.CHILD_TRANSFER, t.to_division_code),
        may_cancel=proposed and can(actor, Capability.CHILD_TRANSFER, t.from_division_code))


def transfer_list(actor: Actor, limit: int = LIMIT) -> list[TransferRow]:
    """The transfers the actor sees, newest first; the list names children, so it is audited with
    the ids of those it names."""
    if not (actor.has(Capability.CHILD_TRANSFER) or actor.has(Capability.CHILD_VIEW)):
        raise PermissionDenied(_("You do not have permission to do this here."))
    rows = [_row(actor, t) for t in transfers_seen(actor)[:limit]]
    record_list(actor, "transfer.list", division_code=actor.post.division_id, object_type="child",
                filters={}, ids=[r.transfer.child_id for r in rows if r.knows_child])
    return rows


def transfer_row(actor: Actor, transfer_id: Any) -> TransferRow:
    """One transfer the actor sees (ChildTransfer.DoesNotExist otherwise)."""
    found = transfers_seen(actor).filter(pk=parse_uuid(transfer_id)).first()
    if found is None:
        raise ChildTransfer.DoesNotExist
    return _row(actor, found)
