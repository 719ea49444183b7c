"""Use cases that change divisions. The only writers of places data besides the importer."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from everychild.access.policy import Actor, require
from everychild.accounts.roles import Capability
from everychild.audit.services import record
from everychild.places.codes import Level
from everychild.places.models import Division, UrbanRural, UrbanRuralSource
from everychild.places.queries import get_division


def set_urban_rural(actor: Actor, code: str, value: str, reason: str = "") -> Division:
    """An officer sets a village's urban-rural classification (provenance: officer).

    ``value`` is a code of domain.md §6.3, or "" for unknown. Unknown division -> field error;
    outside the actor's jurisdiction or without the capability -> PermissionDenied.
    """
    division = get_division(code)
    require(actor, Capability.DIVISIONS_EDIT, division.code)
    if division.level != Level.VILLAGE:
        raise ValidationError({"urban_rural": _(
            "Only villages and residents' committees carry an urban-rural classification.")})
    if value and value not in UrbanRural.values:
        raise ValidationError({"urban_rural": _("Not an urban-rural classification code.")})
    with transaction.atomic():
        before = division.urban_rural
        division.urban_rural = value
        division.urban_rural_source = (
            UrbanRuralSource.OFFICER if value else UrbanRuralSource.UNKNOWN
        )
        division.urban_rural_set_by = actor.user
        division.urban_rural_set_at = timezone.now()
        division.save(update_fields=[
            "urban_rural", "urban_rural_source", "urban_rural_set_by", "urban_rural_set_at",
        ])
        record(actor, "division.urban_rural.set", division_code=division.code,
               object_type="division", object_id=division.code, reason=reason,
               detail={"before": before, "after": value})
    return division
