"""Import of division boundaries (a GeoJSON FeatureCollection) for choropleth maps.

The project ships no boundaries: a map of China published by a government system needs an
approved map (审图号), so the deploying authority imports the boundary files it is entitled to
publish. Dashboards draw the sub-divisions of a division from them and show a ranking instead
where none were imported.

Each feature names its division by a code property (by default the first of ``code``,
``division_code``, ``adcode`` and ``gb`` that it carries): a 2, 4, 6, 9 or 12-digit code, so
DataV-style files with 6-digit adcodes (610723) and the 天地图 ``gb`` codes, the country code 156
before the 6-digit code (156610723), both work. A feature whose code is missing, malformed, not
in the division list or given twice is skipped and counted with its reason: a national file may
well cover more than a deployment's divisions. A feature of a known division whose geometry is
not a valid Polygon or MultiPolygon refuses the whole file, since its author must fix it.

Coordinates are stored as given (no change of datum), rounded to five decimals (about a metre)
and, with a tolerance, simplified ring by ring (Douglas-Peucker, in degrees). Simplifying each
division on its own may open hairline gaps between neighbours: fine for a dashboard's map.

A file is imported whole or not at all, and re-importing a division replaces its boundary.
"""

import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from everychild.places.codes import normalise
from everychild.places.models import Boundary, Division

CODE_PROPERTIES = ("code", "division_code", "adcode", "gb")
DECIMALS = 5  # about a metre: more than a dashboard's map can show
COUNTRY_CODE = "156"  # ISO 3166 numeric code of China, before the 6-digit code in 天地图's gb
BATCH = 500  # codes per IN (...) and rows per INSERT
EXAMPLES = 5  # skipped codes quoted per reason
SOURCE_MAX_LENGTH = 255
SKIP_REASONS = {
    "no_code": gettext_lazy("no division code"),
    "bad_code": gettext_lazy("not a division code of 2, 4, 6, 9 or 12 digits"),
    "unknown_division": gettext_lazy("not in the division list"),
    "duplicate": gettext_lazy("division already drawn by an earlier feature"),
}


class BoundaryFileError(ValueError):
    """A boundary file refused as a whole; the message (translated) says why."""


class GeometryError(ValueError):
    """A geometry that is not a valid GeoJSON Polygon or MultiPolygon; the message says where."""


@dataclass
class ImportResult:
    """What an import did. ``imported`` (new), ``replaced`` and the skipped features add up to
    the features in the file."""

    source: str
    imported: int = 0
    replaced: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def skip(self, reason: str, example: str) -> None:
        self.skipped[reason] += 1
        quoted = self.examples.setdefault(reason, [])
        if len(quoted) < EXAMPLES:
            quoted.append(example)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def skipped_reasons(self) -> list[tuple[str, int, list[str]]]:
        """(reason in the active language, count, a few codes from the file) per reason, in
        the order of SKIP_REASONS."""
        return [(str(label), self.skipped[reason], self.examples.get(reason, []))
                for reason, label in SKIP_REASONS.items() if self.skipped[reason]]


def import_boundaries(path_or_file: str | Path | IO, code_property: str | None = None,
                      simplify: float = 0.0) -> ImportResult:
    """Import a GeoJSON FeatureCollection of division boundaries, all or nothing.

    Raises BoundaryFileError when the file is unreadable, not JSON, not a FeatureCollection,
    holds an invalid geometry for a known division or no usable feature at all.
    """
    if not (isinstance(simplify, int | float) and math.isfinite(simplify) and simplify >= 0):
        raise ValueError(_("The simplification tolerance is a number of degrees, 0 or more."))
    document, source = _load(path_or_file)
    result = ImportResult(source=source)
    wanted = _wanted_features(_features(document), code_property, result)
    known = _known_codes(wanted)
    now = timezone.now()
    rows = []
    for code, (number, raw, feature) in wanted.items():
        if code not in known:
            result.skip("unknown_division", raw)
            continue
        try:
            geometry = clean_geometry(feature.get("geometry"), simplify)
        except GeometryError as exc:
            raise BoundaryFileError(_("Feature %(number)d (%(code)s): %(reason)s") %
                                    {"number": number, "code": raw, "reason": exc}) from None
        west, south, east, north = bounding_box(geometry)
        rows.append(Boundary(division_id=code, geometry=geometry, min_lon=west, min_lat=south,
                             max_lon=east, max_lat=north, source=source, imported_at=now))
    if not rows:
        raise BoundaryFileError(_no_usable_feature(result))
    result.replaced = _store(rows)
    result.imported = len(rows) - result.replaced
    return result


def division_code(raw: str) -> str:
    """The 12-digit code of a feature's code property.

    A 9-digit code starting with 156 is 天地图's country code and a 6-digit code, never a
    township: no prefecture 156x exists in province 15.
    """
    raw = raw.strip()
    if len(raw) == 9 and raw.startswith(COUNTRY_CODE):
        raw = raw[len(COUNTRY_CODE):]
    return normalise(raw)[0]


def clean_geometry(geometry: Any, simplify: float = 0.0) -> dict:
    """A checked copy of a GeoJSON Polygon or MultiPolygon: lon/lat pairs rounded to five
    decimals (extra dimensions dropped), rings simplified when ``simplify`` > 0.

    Raises GeometryError saying what is wrong and where.
    """
    if not isinstance(geometry, dict):
        raise GeometryError(_("no geometry"))
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        return {"type": kind, "coordinates": _polygon(coordinates, simplify, None)}
    if kind != "MultiPolygon":
        raise GeometryError(_("geometry type %(type)s, expected Polygon or MultiPolygon") %
                            {"type": str(kind)[:40]})
    if not isinstance(coordinates, list) or not coordinates:
        raise GeometryError(_("a MultiPolygon without polygons"))
    return {"type": kind, "coordinates": [_polygon(polygon, simplify, number)
                                          for number, polygon in enumerate(coordinates, start=1)]}


def bounding_box(geometry: dict) -> tuple[float, float, float, float]:
    """West, south, east, north of a cleaned geometry (its outer rings hold every point)."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" \
        else [geometry["coordinates"]]
    points = [point for polygon in polygons for point in polygon[0]]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return min(lons), min(lats), max(lons), max(lats)


def douglas_peucker(points: list[tuple[float, float]], tolerance: float
                    ) -> list[tuple[float, float]]:
    """The points of a line that lie farther than ``tolerance`` from the line through the
    points kept so far, both ends always kept (iterative: rings can be long)."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        index, distance = _farthest(points, first, last)
        if distance > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [point for point, kept in zip(points, keep, strict=True) if kept]


def segment_distance(point: tuple[float, float], start: tuple[float, float],
                     end: tuple[float, float]) -> float:
    """Planar distance from a point to a segment (to ``start`` when the segment is a point, as
    for a closed ring's first split)."""
    dx, dy = end[0] - start[0], end[1] - start[1]
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((point[0] - start[0]) * dx +
                                                   (point[1] - start[1]) * dy) / length))
    return math.hypot(point[0] - start[0] - t * dx, point[1] - start[1] - t * dy)


# --- reading the file ---------------------------------------------------------------------------

def _load(path_or_file: str | Path | IO) -> tuple[Any, str]:
    """The parsed JSON document and the file's name."""
    if isinstance(path_or_file, str | Path):
        path = Path(path_or_file)
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise BoundaryFileError(_("Cannot read %(file)s: %(reason)s") %
                                    {"file": path, "reason": exc.strerror}) from None
        name = path.name
    else:
        content = path_or_file.read()
        name = getattr(path_or_file, "name", "")
        name = Path(name).name if isinstance(name, str) else ""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BoundaryFileError(_("The file is not UTF-8 text, as GeoJSON must be.")) from None
    try:
        return json.loads(content.lstrip("\ufeff")), name[:SOURCE_MAX_LENGTH]
    except json.JSONDecodeError as exc:
        raise BoundaryFileError(_("The file is not JSON (line %(line)d, column %(column)d).") %
                                {"line": exc.lineno, "column": exc.colno}) from None
    except RecursionError:
        raise BoundaryFileError(_("The file is nested too deeply to be GeoJSON.")) from None


def _features(document: Any) -> list[dict]:
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise BoundaryFileError(_("The file is not a GeoJSON FeatureCollection."))
    features = document.get("features")
    if not isinstance(features, list):
        raise BoundaryFileError(_("The FeatureCollection has no list of features."))
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise BoundaryFileError(_("Feature %(number)d is not a GeoJSON Feature.") %
                                    {"number": number})
    return features


def _code_value(feature: dict, code_property: str | None) -> str | None:
    """The feature's code as written (numbers as their digits), or None."""
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        return None
    for name in (code_property,) if code_property else CODE_PROPERTIES:
        value = properties.get(name)
        if value is None or value == "":
            continue
        return str(value).strip() if not isinstance(value, bool) else str(value)
    return None


def _wanted_features(features: list[dict], code_property: str | None, result: ImportResult
                     ) -> dict[str, tuple[int, str, dict]]:
    """Code -> (feature number, code as written, feature), the first feature of each code;
    features without a usable code are counted in ``result``."""
    wanted: dict[str, tuple[int, str, dict]] = {}
    for number, feature in enumerate(features, start=1):
        raw = _code_value(feature, code_property)
        if raw is None:
            result.skip("no_code", f"#{number}")
            continue
        try:
            code = division_code(raw)
        except ValueError:
            result.skip("bad_code", raw[:20])
            continue
        if code in wanted:
            result.skip("duplicate", raw)
            continue
        wanted[code] = (number, raw, feature)
    return wanted


def _known_codes(codes: Iterable[str]) -> set[str]:
    """Those of ``codes`` that are divisions, read in batches."""
    codes, known = list(codes), set()
    for start in range(0, len(codes), BATCH):
        known.update(Division.objects.filter(code__in=codes[start:start + BATCH])
                     .values_list("code", flat=True))
    return known


def _no_usable_feature(result: ImportResult) -> str:
    if not result.skipped:
        return _("The FeatureCollection has no features.")
    reasons = "; ".join(
        _("%(reason)s: %(count)d (for example %(examples)s)") %
        {"reason": reason, "count": count, "examples": ", ".join(examples)}
        for reason, count, examples in result.skipped_reasons())
    return _("No feature names a known division (%(reasons)s).") % {"reasons": reasons}


# --- geometry -----------------------------------------------------------------------------------

def _polygon(rings: Any, simplify: float, polygon: int | None) -> list[list[list[float]]]:
    """A checked, rounded polygon; ``polygon`` is its number in a MultiPolygon (None alone)."""
    if not isinstance(rings, list) or not rings:
        where = _("polygon %(polygon)d") % {"polygon": polygon} if polygon else _("the polygon")
        raise GeometryError(_("%(where)s has no rings") % {"where": where})
    return [_ring(ring, simplify, _ring_name(polygon, number))
            for number, ring in enumerate(rings, start=1)]


def _ring_name(polygon: int | None, ring: int) -> str:
    if polygon is None:
        return _("ring %(ring)d") % {"ring": ring}
    return _("ring %(ring)d of polygon %(polygon)d") % {"ring": ring, "polygon": polygon}


def _ring(ring: Any, simplify: float, where: str) -> list[list[float]]:
    if not isinstance(ring, list) or len(ring) < 4:
        raise GeometryError(_("%(where)s has fewer than 4 positions") % {"where": where})
    points = [_position(position, where, number) for number, position in enumerate(ring, start=1)]
    if points[0] != points[-1]:
        raise GeometryError(_("%(where)s is not closed: its last position is not its first")
                            % {"where": where})
    rounded = [(round(lon, DECIMALS), round(lat, DECIMALS)) for lon, lat in points]
    if simplify > 0:
        simplified = douglas_peucker(rounded, simplify)
        if len(simplified) >= 4:
            rounded = simplified
    return [[lon, lat] for lon, lat in rounded]


def _position(position: Any, where: str, number: int) -> tuple[float, float]:
    """A checked (longitude, latitude) as floats, from [lon, lat] or [lon, lat, altitude]."""
    if not isinstance(position, list) or len(position) < 2:
        raise GeometryError(_("%(where)s, position %(number)d: not a pair of numbers") %
                            {"where": where, "number": number})
    lon, lat = _number(position[0]), _number(position[1])
    if lon is None or lat is None:
        raise GeometryError(_("%(where)s, position %(number)d: not a pair of numbers") %
                            {"where": where, "number": number})
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise GeometryError(
            _("%(where)s, position %(number)d: (%(lon)s, %(lat)s) is not a longitude from -180 "
              "to 180 and a latitude from -90 to 90") %
            {"where": where, "number": number, "lon": position[0], "lat": position[1]})
    return lon, lat


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _farthest(points: list[tuple[float, float]], first: int, last: int) -> tuple[int, float]:
    """The index between ``first`` and ``last`` farthest from their segment, and its distance
    (-1 when there is none between them)."""
    index, distance = first, -1.0
    for i in range(first + 1, last):
        d = segment_distance(points[i], points[first], points[last])
        if d > distance:
            index, distance = i, d
    return index, distance


# --- writing ------------------------------------------------------------------------------------

def _store(rows: list[Boundary]) -> int:
    """Replace the boundaries of these divisions in one transaction; how many existed."""
    codes = [row.division_id for row in rows]
    replaced = 0
    with transaction.atomic():
        for start in range(0, len(codes), BATCH):
            deleted = Boundary.objects.filter(pk__in=codes[start:start + BATCH]).delete()[1]
            replaced += deleted.get(Boundary._meta.label, 0)
        Boundary.objects.bulk_create(rows, batch_size=BATCH)
    return replaced
