"""Reads of the division tree. Divisions are reference data every signed-in user may read."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from everychild.places.codes import prefix, prefix_range
from everychild.places.models import Boundary, Division


def get_division(code: str) -> Division:
    """The division with this 12-digit code, or a field error naming the unknown code."""
    code = (code or "").strip()
    division = Division.objects.filter(pk=code).first() if len(code) == 12 else None
    if division is None:
        raise ValidationError({"division_code": _("Unknown division code: %(code)s") %
                               {"code": code[:12]}})
    return division


class DivisionLookup:
    """Divisions by code for validation, each code read once: a bulk import keeps one per job
    (divisions barely change during an import); a single registration uses a fresh one."""

    def __init__(self) -> None:
        self._rows: dict[str, Division | None] = {}

    def find(self, code: str) -> Division | None:
        """The division with this 12-digit code, or None."""
        code = (code or "").strip()
        if code not in self._rows:
            self._rows[code] = (Division.objects.filter(pk=code).only(
                "code", "level", "urban_rural").first() if len(code) == 12 else None)
        return self._rows[code]

    def get(self, code: str) -> Division:
        """As :func:`get_division`, from the cache."""
        division = self.find(code)
        if division is None:
            raise ValidationError({"division_code": _("Unknown division code: %(code)s") %
                                   {"code": (code or "").strip()[:12]}})
        return division

    def exists(self, code: str) -> bool:
        return self.find(code) is not None


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


def division_names(codes: Iterable[str]) -> dict[str, str]:
    """Code -> name of the divisions among ``codes`` (unknown or empty codes are left out)."""
    wanted = {c for c in codes if c}
    if not wanted:
        return {}
    return dict(Division.objects.filter(code__in=wanted).values_list("code", "name"))


def division_name(code: str) -> str:
    """The division's name, or the code itself when it is unknown (a message never fails)."""
    return division_names([code]).get(code, code)


def child_boundaries(code: str, level: int) -> dict | None:
    """The imported boundaries of the direct sub-divisions of division ``code`` (at ``level``),
    as a GeoJSON FeatureCollection whose features carry {"code", "name"}, ready for
    ``echarts.registerMap``; None when none of them has one, so a dashboard shows a ranking.

    One query: a range scan of the boundaries under the division's prefix, kept to the rows whose
    parent is the division (the parent, not level + 1, so the townships of a prefecture-level
    city without counties, such as 东莞, count as its sub-divisions).
    """
    rows = list(
        Boundary.objects.filter(division__code__range=prefix_range(prefix(code, level)),
                                division__parent_id=code)
        .order_by("division_id")
        .values_list("division_id", "division__name", "geometry",
                     "min_lon", "min_lat", "max_lon", "max_lat"))
    if not rows:
        return None
    features = [{"type": "Feature", "properties": {"code": row[0], "name": row[1]},
                 "geometry": row[2]} for row in rows]
    bbox = [min(row[3] for row in rows), min(row[4] for row in rows),
            max(row[5] for row in rows), max(row[6] for row in rows)]
    return {"type": "FeatureCollection", "bbox": bbox, "features": features}
