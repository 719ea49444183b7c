"""Division boundaries: the GeoJSON import (codes of every length, re-imports, skipped features,
refused geometries and files, all or nothing), simplification, and the sub-divisions' map."""

import json
import math
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from everychild.cli import main as everychild_cli
from everychild.places.boundaries import (
    BoundaryFileError,
    _store,
    division_code,
    douglas_peucker,
    import_boundaries,
    segment_distance,
)
from everychild.places.codes import NATION_CODE, Level
from everychild.places.models import Boundary
from everychild.places.queries import child_boundaries
from everychild.tests.factories import DivisionFactory

YANGZHOU, ZHIFANG, QISHI = "610723001000", "610723002000", "610723003000"  # 洋县's townships


def square(lon: float, lat: float, size: float = 0.1) -> dict:
    east, north = round(lon + size, 5), round(lat + size, 5)
    corners = [[lon, lat], [east, lat], [east, north], [lon, north], [lon, lat]]
    return {"type": "Polygon", "coordinates": [corners]}


def feature(geometry, **properties) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def collection(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def write(tmp_path: Path, document, name: str = "boundaries.geojson") -> Path:
    path = tmp_path / name
    if isinstance(document, bytes):
        path.write_bytes(document)
    else:
        path.write_text(document if isinstance(document, str) else json.dumps(document),
                        encoding="utf-8")
    return path


def stored() -> dict[str, dict]:
    return dict(Boundary.objects.values_list("division_id", "geometry"))


# --- codes ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "code"), [
    ("61", "610000000000"), ("6107", "610700000000"), ("610723", "610723000000"),
    (" 610723001 ", "610723001000"), ("610723001001", "610723001001"),
    ("156610723", "610723000000"), ("156610000", "610000000000"), ("156000000", NATION_CODE),
])
def test_division_code_of_every_length(raw, code):
    assert division_code(raw) == code


@pytest.mark.parametrize("raw", ["100000_JD", "6107230", "", "6", "６１０７２３", "61072300100a"])
def test_division_code_refuses_what_is_no_code(raw):
    with pytest.raises(ValueError):
        division_code(raw)


# --- the import ----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_import_stores_a_boundary_per_division(demo_places, tmp_path):
    path = write(tmp_path, collection(
        feature(square(107.5123456, 33.2000004), code=YANGZHOU),
        feature(square(107.6, 33.2), division_code="610723002"),
        # DataV: a 6-digit adcode as a number, among its own properties
        feature(square(107.3, 33.0, 0.5), adcode=610723, name="洋县", level="district",
                parent={"adcode": 610700}),
        feature({"type": "MultiPolygon", "coordinates": [square(106, 32, 1)["coordinates"],
                                                         square(108, 33, 1)["coordinates"]]},
                gb="156610000", name="陕西省"),
    ))
    result = import_boundaries(path)
    assert (result.imported, result.replaced, result.skipped_total) == (4, 0, 0)
    assert result.source == "boundaries.geojson"
    boundaries = {b.division_id: b for b in Boundary.objects.all()}
    assert set(boundaries) == {YANGZHOU, ZHIFANG, "610723000000", "610000000000"}
    yangzhou = boundaries[YANGZHOU]
    assert yangzhou.geometry["type"] == "Polygon"
    assert yangzhou.geometry["coordinates"][0][0] == [107.51235, 33.2]
    assert yangzhou.bbox == pytest.approx((107.51235, 33.2, 107.61235, 33.3))
    assert yangzhou.source == "boundaries.geojson" and yangzhou.imported_at is not None
    assert boundaries["610000000000"].bbox == pytest.approx((106, 32, 109, 34))
    assert len(boundaries["610000000000"].geometry["coordinates"]) == 2


@pytest.mark.django_db
def test_import_drops_altitude_and_reads_an_open_file(demo_places, tmp_path):
    ring = [[107.5, 33.2, 512.0], [107.6, 33.2, 500], [107.6, 33.3, 0], [107.5, 33.2, 512.0]]
    path = write(tmp_path, collection(feature({"type": "Polygon", "coordinates": [ring]},
                                              code="610723001")))
    with path.open("rb") as file:
        result = import_boundaries(file)
    assert result.imported == 1 and result.source == "boundaries.geojson"
    assert stored()[YANGZHOU]["coordinates"] == [[[107.5, 33.2], [107.6, 33.2], [107.6, 33.3],
                                                  [107.5, 33.2]]]


@pytest.mark.django_db
def test_reimport_replaces(demo_places, tmp_path):
    import_boundaries(write(tmp_path, collection(feature(square(107.5, 33.2), code=YANGZHOU))))
    first = Boundary.objects.get(pk=YANGZHOU).imported_at
    result = import_boundaries(write(tmp_path, collection(
        feature(square(107.7, 33.4), code=YANGZHOU),
        feature(square(107.6, 33.2), code=ZHIFANG),
    ), name="again.geojson"))
    assert (result.imported, result.replaced) == (1, 1)
    assert Boundary.objects.count() == 2
    yangzhou = Boundary.objects.get(pk=YANGZHOU)
    assert yangzhou.geometry == square(107.7, 33.4)
    assert yangzhou.source == "again.geojson" and yangzhou.imported_at >= first
    assert yangzhou.bbox == pytest.approx((107.7, 33.4, 107.8, 33.5))


@pytest.mark.django_db
def test_features_without_a_known_division_are_skipped_with_their_reason(demo_places, tmp_path):
    path = write(tmp_path, collection(
        feature(square(107.5, 33.2), code=YANGZHOU),
        feature(square(100, 30), adcode="999999"),  # no such division
        feature(square(100, 30), adcode=710000),  # not in the demo list
        # DataV's China file: the nine-dash line, with a code that is no division code
        feature({"type": "MultiLineString", "coordinates": [[[122, 23], [123, 24]]]},
                adcode="100000_JD"),
        feature(square(100, 30), name="无代码"),
        feature(square(107.9, 33.9), code="610723001"),  # the same division again
    ))
    result = import_boundaries(path)
    assert (result.imported, result.replaced) == (1, 0)
    assert result.skipped == {"unknown_division": 2, "bad_code": 1, "no_code": 1, "duplicate": 1}
    assert result.examples["unknown_division"] == ["999999", "710000"]
    assert result.examples["bad_code"] == ["100000_JD"]
    assert result.examples["no_code"] == ["#5"]
    assert stored() == {YANGZHOU: square(107.5, 33.2)}  # the first feature of a division wins
    with translation.override("en"):
        reasons = {reason: count for reason, count, _ in result.skipped_reasons()}
    assert reasons["not in the division list"] == 2


@pytest.mark.django_db
def test_the_code_property_may_be_named(demo_places, tmp_path):
    path = write(tmp_path, collection(feature(square(107.5, 33.2), ID="610723002", code="999")))
    assert import_boundaries(path, code_property="ID").imported == 1
    assert set(stored()) == {ZHIFANG}
    result = import_boundaries(write(tmp_path, collection(
        feature(square(107.5, 33.2), ID="610723002"), feature(square(107.5, 33.2), ID=None),
        feature(square(107.5, 33.2), code=YANGZHOU)), name="b.geojson"), code_property="ID")
    assert (result.replaced, result.skipped) == (1, {"no_code": 2})


def multi(*polygons) -> dict:
    return {"type": "MultiPolygon", "coordinates": list(polygons)}


CLOSED = square(107.5, 33.2)["coordinates"]
BAD_GEOMETRIES = [
    (None, "no geometry"),
    ({"type": "Point", "coordinates": [107.5, 33.2]},
     "geometry type Point, expected Polygon or MultiPolygon"),
    ({"type": "Polygon", "coordinates": []}, "the polygon has no rings"),
    ({"type": "Polygon", "coordinates": [[[107, 33], [108, 33], [108, 34], [107, 34]]]},
     "ring 1 is not closed"),
    ({"type": "Polygon", "coordinates": [[[107, 33], [108, 33], [107, 33]]]},
     "ring 1 has fewer than 4 positions"),
    ({"type": "Polygon", "coordinates": [[[107, 33], [108, 91], [108, 34], [107, 33]]]},
     "ring 1, position 2: (108, 91) is not a longitude from -180 to 180 and a latitude"),
    ({"type": "Polygon", "coordinates": [[[107, 33], [181, 33], [108, 34], [107, 33]]]},
     "ring 1, position 2: (181, 33) is not a longitude"),
    ({"type": "Polygon", "coordinates": [[[107, 33], ["108", 33], [108, 34], [107, 33]]]},
     "ring 1, position 2: not a pair of numbers"),
    ({"type": "Polygon", "coordinates": [[[107, 33], [True, 33], [108, 34], [107, 33]]]},
     "ring 1, position 2: not a pair of numbers"),
    ({"type": "Polygon", "coordinates": [[[107, 33], [108, math.nan], [108, 34], [107, 33]]]},
     "ring 1, position 2: not a pair of numbers"),
    ({"type": "Polygon", "coordinates": [[[107, 33], [108], [108, 34], [107, 33]]]},
     "ring 1, position 2: not a pair of numbers"),
    (multi(), "a MultiPolygon without polygons"),
    (multi(CLOSED, [CLOSED[0], [[107.6, 33.25], [107.55, 33.25], [107.55, 33.3], [107.6, 33.2]]]),
     "ring 2 of polygon 2 is not closed"),
]


@pytest.mark.parametrize(("geometry", "message"), BAD_GEOMETRIES)
@pytest.mark.django_db
def test_a_bad_geometry_refuses_the_file(demo_places, tmp_path, geometry, message):
    path = write(tmp_path, collection(feature(square(107.5, 33.2), code=YANGZHOU),
                                      feature(geometry, adcode=610723002)))
    with translation.override("en"), pytest.raises(BoundaryFileError) as caught:
        import_boundaries(path)
    assert str(caught.value).startswith(f"Feature 2 (610723002): {message}"), str(caught.value)
    assert not Boundary.objects.exists()


@pytest.mark.django_db
def test_nothing_changes_when_a_file_is_refused(demo_places, tmp_path):
    import_boundaries(write(tmp_path, collection(feature(square(107.5, 33.2), code=YANGZHOU))))
    before = list(Boundary.objects.values())
    path = write(tmp_path, collection(
        feature(square(108, 34), code=YANGZHOU),
        feature(square(107.6, 33.2), code=ZHIFANG),
        feature({"type": "Polygon", "coordinates": [[[107, 33], [108, 33], [107, 33]]]}, code=QISHI),
    ), name="spoilt.geojson")
    with pytest.raises(BoundaryFileError):
        import_boundaries(path)
    assert list(Boundary.objects.values()) == before


@pytest.mark.django_db
def test_the_writes_are_one_transaction(demo_places, tmp_path):
    """A row the database refuses (a bounding box upside down) undoes the replacements before it."""
    import_boundaries(write(tmp_path, collection(feature(square(107.5, 33.2), code=YANGZHOU))))
    before = list(Boundary.objects.values())
    rows = [Boundary(division_id=YANGZHOU, geometry=square(108, 34), min_lon=108, min_lat=34,
                     max_lon=108.1, max_lat=34.1),
            Boundary(division_id=ZHIFANG, geometry=square(108, 34), min_lon=108.1, min_lat=34,
                     max_lon=108, max_lat=34.1)]
    with pytest.raises(IntegrityError):
        _store(rows)
    assert list(Boundary.objects.values()) == before


BAD_FILES = [
    (b"not json", "The file is not JSON (line 1, column 1)."),
    (b'{"type": "FeatureCollection", "features": [}', "The file is not JSON (line 1, column 44)."),
    (b"\xff\xfe{}", "The file is not UTF-8 text, as GeoJSON must be."),
    (b"[]", "The file is not a GeoJSON FeatureCollection."),
    (json.dumps(feature(square(107.5, 33.2), code=YANGZHOU)),
     "The file is not a GeoJSON FeatureCollection."),
    (b'{"type": "FeatureCollection"}', "The FeatureCollection has no list of features."),
    (json.dumps(collection()), "The FeatureCollection has no features."),
    (b'{"type": "FeatureCollection", "features": [1]}', "Feature 1 is not a GeoJSON Feature."),
    (json.dumps(collection(feature(square(100, 30), adcode="999999"),
                           feature(square(100, 30), adcode="999998"),
                           feature(square(100, 30), adcode="x"))),
     "No feature names a known division (not a division code of 2, 4, 6, 9 or 12 digits: 1 "
     "(for example x); not in the division list: 2 (for example 999999, 999998))."),
]


@pytest.mark.parametrize(("content", "message"), BAD_FILES)
@pytest.mark.django_db
def test_a_bad_file_is_refused_with_its_reason(demo_places, tmp_path, content, message):
    path = write(tmp_path, content)
    with translation.override("en"), pytest.raises(BoundaryFileError) as caught:
        import_boundaries(path)
    assert str(caught.value) == message
    assert not Boundary.objects.exists()


@pytest.mark.django_db
def test_a_file_that_cannot_be_read(tmp_path):
    with translation.override("en"), pytest.raises(BoundaryFileError, match="Cannot read .*missing"):
        import_boundaries(tmp_path / "missing.geojson")


@pytest.mark.parametrize("tolerance", [-0.1, math.nan, math.inf])
def test_a_negative_or_infinite_tolerance_is_refused(tolerance, tmp_path):
    with translation.override("en"), pytest.raises(ValueError, match="tolerance"):
        import_boundaries(tmp_path / "unused.geojson", simplify=tolerance)


# --- simplification ------------------------------------------------------------------------------

def dense_square(lon: float, lat: float, size: float, steps: int) -> list[list[float]]:
    """A square ring with ``steps`` points on each side (all but the corners collinear)."""
    side = [i / steps for i in range(steps)]
    ring = ([[lon + size * t, lat] for t in side] + [[lon + size, lat + size * t] for t in side]
            + [[lon + size * (1 - t), lat + size] for t in side]
            + [[lon, lat + size * (1 - t)] for t in side])
    return [*ring, ring[0]]


@pytest.mark.django_db
def test_simplify_drops_points_within_the_tolerance(demo_places, tmp_path):
    ring = dense_square(107.5, 33.2, 0.1, 50)
    ring[25] = [107.55, 33.20002]  # a 2 m wiggle on the south side
    path = write(tmp_path, collection(feature({"type": "Polygon", "coordinates": [ring]},
                                              code=YANGZHOU)))
    import_boundaries(path)
    assert len(stored()[YANGZHOU]["coordinates"][0]) == 201
    import_boundaries(path, simplify=0.001)
    assert stored()[YANGZHOU]["coordinates"] == [[[107.5, 33.2], [107.6, 33.2], [107.6, 33.3],
                                                  [107.5, 33.3], [107.5, 33.2]]]
    import_boundaries(path, simplify=0.00001)
    assert [107.55, 33.20002] in stored()[YANGZHOU]["coordinates"][0]


@pytest.mark.django_db
def test_simplify_never_collapses_a_ring(demo_places, tmp_path):
    path = write(tmp_path, collection(feature(square(107.5, 33.2, 0.001), code=YANGZHOU)))
    import_boundaries(path, simplify=1.0)
    assert stored()[YANGZHOU] == square(107.5, 33.2, 0.001)


points = st.lists(st.tuples(st.floats(-180, 180), st.floats(-90, 90)), min_size=0, max_size=40)


@given(points, st.floats(0, 10))
def test_douglas_peucker_keeps_every_dropped_point_within_the_tolerance(line, tolerance):
    kept = douglas_peucker(line, tolerance)
    assert kept[:1] == line[:1] and kept[-1:] == line[-1:]
    indexes, position = [], 0
    for point in kept:  # a subsequence of the line
        while line[position] != point:
            position += 1
        indexes.append(position)
        position += 1
    for before, after in zip(indexes, indexes[1:], strict=False):
        for dropped in line[before + 1:after]:
            assert segment_distance(dropped, line[before], line[after]) <= tolerance


def test_segment_distance():
    assert segment_distance((0, 1), (-1, 0), (1, 0)) == 1
    assert segment_distance((3, 4), (0, 0), (0, 0)) == 5  # a closed ring's first split
    assert segment_distance((2, 1), (-1, 0), (1, 0)) == pytest.approx(math.sqrt(2))


# --- the command ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_command_output(demo_places, tmp_path, capsys):
    path = write(tmp_path, collection(feature(square(107.5, 33.2), code=YANGZHOU),
                                      feature(square(100, 30), adcode="999999"),
                                      feature(square(100, 30), adcode="999998")))
    with translation.override("en"):
        call_command("import_boundaries", str(path))
        assert capsys.readouterr().out.splitlines() == [
            "boundaries.geojson: 1 boundaries imported, 0 replaced, 2 features skipped.",
            "  skipped, not in the division list: 2 (for example 999999, 999998)",
        ]
        call_command("import_boundaries", str(path), "--simplify", "0.001",
                     "--code-property", "code")
        assert capsys.readouterr().out.splitlines() == [
            "boundaries.geojson: 0 boundaries imported, 1 replaced, 2 features skipped.",
            "  skipped, no division code: 2 (for example #2, #3)",
        ]


@pytest.mark.parametrize(("content", "message"), [BAD_FILES[0], BAD_FILES[-1]])
@pytest.mark.django_db
def test_everychild_import_boundaries_refuses_a_bad_file(demo_places, tmp_path, capsys,
                                                         monkeypatch, content, message):
    # run_from_argv closes every connection when it ends; keep the test's own open.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    path = write(tmp_path, content)
    with translation.override("en"), pytest.raises(SystemExit) as exited:
        everychild_cli(["everychild", "import-boundaries", str(path)])
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert f"Nothing imported: {message}" in err
    assert "Traceback" not in err
    assert not Boundary.objects.exists()


@pytest.mark.django_db
def test_everychild_import_boundaries_refuses_a_bad_geometry_and_a_bad_tolerance(
        demo_places, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(connections, "close_all", lambda: None)
    path = write(tmp_path, collection(feature(BAD_GEOMETRIES[3][0], code=YANGZHOU)))
    with translation.override("en"), pytest.raises(SystemExit) as exited:
        everychild_cli(["everychild", "import-boundaries", str(path)])
    err = capsys.readouterr().err
    assert exited.value.code == 1 and "Traceback" not in err
    assert "Nothing imported: Feature 1 (610723001000): ring 1 is not closed" in err
    with translation.override("en"), pytest.raises(SystemExit) as exited:
        everychild_cli(["everychild", "import-boundaries", str(path), "--simplify", "-1"])
    err = capsys.readouterr().err
    assert exited.value.code == 2 and "Traceback" not in err
    assert "-1 is not a tolerance in degrees (0 or more)" in err


# --- the sub-divisions' map ----------------------------------------------------------------------

@pytest.fixture
def boundaries(demo_places, tmp_path):
    """Boundaries at every level of 洋县's branch, and one township of 陇川县."""
    import_boundaries(write(tmp_path, collection(
        feature(square(106, 32, 2), code="61"),
        feature(square(107, 33), code="6107"),
        feature(square(107.3, 33.0, 0.5), code="610723"),
        feature(square(107.5, 33.2), code=YANGZHOU),
        feature(square(107.6, 33.2), code=ZHIFANG),
        feature(square(107.5, 33.21, 0.01), code="610723001001"),
        feature(square(97.9, 24.3), code="533124101"),
    )))


@pytest.mark.django_db
def test_child_boundaries_are_the_direct_sub_divisions(boundaries, django_assert_num_queries):
    with django_assert_num_queries(1):
        county = child_boundaries("610723000000", Level.COUNTY)
    assert county["type"] == "FeatureCollection"
    assert county["features"] == [
        {"type": "Feature", "properties": {"code": YANGZHOU, "name": "洋州街道"},
         "geometry": square(107.5, 33.2)},
        {"type": "Feature", "properties": {"code": ZHIFANG, "name": "纸坊街道"},
         "geometry": square(107.6, 33.2)},
    ]
    assert county["bbox"] == pytest.approx([107.5, 33.2, 107.7, 33.3])
    assert [f["properties"] for f in child_boundaries(NATION_CODE, Level.NATION)["features"]] == [
        {"code": "610000000000", "name": "陕西省"}]
    assert [f["properties"]["code"] for f in child_boundaries("610000000000", 1)["features"]] == [
        "610700000000"]
    assert [f["properties"]["code"] for f in child_boundaries("610700000000", 2)["features"]] == [
        "610723000000"]
    assert [f["properties"]["code"] for f in child_boundaries("533124000000", 3)["features"]] == [
        "533124101000"]
    assert [f["properties"]["code"] for f in child_boundaries(YANGZHOU, 4)["features"]] == [
        "610723001001"]


@pytest.mark.django_db
def test_child_boundaries_without_any_is_none(boundaries):
    assert child_boundaries(QISHI, Level.TOWNSHIP) is None  # no village of 戚氏街道 has one
    assert child_boundaries("533100000000", Level.PREFECTURE) is None  # 陇川县 itself has none
    assert child_boundaries("610723001001", Level.VILLAGE) is None


@pytest.mark.django_db
def test_child_boundaries_none_before_any_import(demo_places):
    assert child_boundaries(NATION_CODE, Level.NATION) is None
    assert child_boundaries("610723000000", Level.COUNTY) is None


@pytest.mark.django_db
def test_child_boundaries_scan_the_code_range(boundaries):
    with CaptureQueriesContext(connection) as queries:
        child_boundaries("610723000000", Level.COUNTY)
    assert "BETWEEN" in queries[0]["sql"]
    assert "'610723000000' AND '610723999999'" in queries[0]["sql"].replace('"', "'")


@pytest.mark.django_db
def test_child_boundaries_of_a_city_without_counties(tmp_path):
    """东莞 has townships right under the prefecture-level city: they are its sub-divisions."""
    nation = DivisionFactory(code=NATION_CODE, level=Level.NATION, name="中华人民共和国")
    guangdong = DivisionFactory(code="440000000000", level=Level.PROVINCE, name="广东省",
                                parent=nation)
    dongguan = DivisionFactory(code="441900000000", level=Level.PREFECTURE, name="东莞市",
                               parent=guangdong)
    DivisionFactory(code="441900003000", level=Level.TOWNSHIP, name="东城街道", parent=dongguan)
    import_boundaries(write(tmp_path, collection(feature(square(113.7, 23.0), code="441900003"))))
    collection_ = child_boundaries("441900000000", Level.PREFECTURE)
    assert [f["properties"] for f in collection_["features"]] == [
        {"code": "441900003000", "name": "东城街道"}]
