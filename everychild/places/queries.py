"""Reads of the division tree. Divisions are reference data every signed-in user may read."""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from everychild.places.models import Division


def get_division(code: str) -> Division:
    """The division with this 12-digit code, or a field error naming the unknown code."""
    code = (code or "").strip()
    division = Division.objects.filter(pk=code).first() if len(code) == 12 else None
    if division is None:
        raise ValidationError({"division_code": _("Unknown division code: %(code)s") %
                               {"code": code[:12]}})
    return division


def children_of(code: str) -> QuerySet[Division]:
    return Division.objects.filter(parent_id=code).order_by("code")


def ancestors(division: Division) -> list[Division]:
    """The chain from the nation down to ``division``'s parent."""
    chain: list[Division] = []
    node = division.parent
    while node is not None:
        chain.append(node)
        node = node.parent
    return list(reversed(chain))
