"""Reading divisions: jurisdiction filters are index range scans; unknown codes are field errors."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import translation

from everychild.places.codes import NATION_CODE, Level
from everychild.places.models import Division, UrbanRural
from everychild.places.queries import ancestors, children_of, get_division
from everychild.places.validators import validate_division_code
from everychild.tests.factories import DivisionFactory

UNKNOWN_CODES = ["610723999999", "999999999999", "", "   ", "6107", "61072300121", "6107230012120",
                 "61072300121x", "６１０７２３００１２１２", None]


def _sqlite_plan(sql: str, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def _sqlite_pk_indexes() -> set[str]:
    """Names SQLite may use for the primary key of the division table."""
    table = Division._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA index_list({connection.ops.quote_name(table)})")
        columns = [c[0] for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return {row["name"] for row in rows if row["origin"] == "pk"} | {"PRIMARY KEY"}


def _postgresql_plan(sql: str, params) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _postgresql_pk_index() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = %s::regclass AND i.indisprimary", [Division._meta.db_table])
        return cursor.fetchone()[0]


@pytest.mark.parametrize("jurisdiction", ["610723", "533124400", "61", "6107", "610723001212"])
@pytest.mark.django_db
def test_jurisdiction_filter_is_an_index_range_scan(demo_places, jurisdiction):
    queryset = Division.objects.within(jurisdiction)
    sql, params = queryset.query.sql_with_params()
    if connection.vendor == "sqlite":
        plan = _sqlite_plan(sql, params)
        match = re.search(r"SEARCH \S*places_division USING (?:COVERING )?(?:INDEX (\S+)|"
                          r"(PRIMARY KEY)) \((\w+)>\? AND (\w+)<\?\)", plan)
        assert match, plan
        assert (match.group(1) or match.group(2)) in _sqlite_pk_indexes(), plan
        assert match.group(3) == match.group(4) == "code", plan
        assert "SCAN" not in plan.replace("SEARCH", ""), plan
    elif connection.vendor == "postgresql":
        plan = _postgresql_plan(sql, params)
        index = re.escape(_postgresql_pk_index())
        assert re.search(rf"(Index Scan|Index Only Scan) using {index} on places_division"
                         rf"|Bitmap Index Scan on {index}", plan), plan
        condition = re.search(r"Index Cond: \((.*)\)", plan)
        assert condition, plan
        assert re.search(r"code\)?(::text)? >= ", condition.group(1)), plan
        assert re.search(r"code\)?(::text)? <= ", condition.group(1)), plan
        assert "Seq Scan" not in plan, plan
    else:  # pragma: no cover
        pytest.skip(f"no plan check for {connection.vendor}")
    codes = list(queryset.values_list("code", flat=True))
    assert codes and all(code.startswith(jurisdiction) for code in codes)


@pytest.mark.django_db
def test_within_holds_exactly_the_codes_under_the_prefix(demo_places):
    everything = set(Division.objects.values_list("code", flat=True))
    for jurisdiction in ("", "61", "610723", "610723001", "533124400", "6107231", "9"):
        inside = set(Division.objects.within(jurisdiction).values_list("code", flat=True))
        assert inside == {code for code in everything if code.startswith(jurisdiction)}
    # 陇川农场 533124400 ends in zeros; the county prefix holds it, its own prefix not its siblings.
    assert "533124400000" in set(Division.objects.within("533124").values_list("code", flat=True))
    assert not Division.objects.within("533124400").filter(code__startswith="533124101").exists()


@pytest.mark.django_db
def test_get_division_returns_the_division(demo_places):
    division = get_division(" 610723001212 ")
    assert division.name == "东咀村委会" and division.level == Level.VILLAGE
    assert get_division(NATION_CODE).level == Level.NATION


@pytest.mark.parametrize("code", UNKNOWN_CODES)
@pytest.mark.django_db
def test_get_division_of_an_unknown_code_is_a_field_error(demo_places, code):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        get_division(code)
    assert list(caught.value.message_dict) == ["division_code"]
    assert "Unknown division code" in caught.value.message_dict["division_code"][0]


@pytest.mark.django_db
def test_validate_division_code(demo_places):
    validate_division_code("610723001212")
    validate_division_code(NATION_CODE)
    for code in [*UNKNOWN_CODES, 610723001212, " 610723001212"]:
        with pytest.raises(ValidationError) as caught:
            validate_division_code(code)
        assert caught.value.code == "unknown_division"


@pytest.mark.django_db
def test_validator_on_a_form_field_gives_a_field_error(demo_places):
    from django import forms

    class PlaceForm(forms.Form):
        division_code = forms.CharField(validators=[validate_division_code])

    assert PlaceForm({"division_code": "610723001212"}).is_valid()
    form = PlaceForm({"division_code": "610723999999"})
    with translation.override("en"):
        assert not form.is_valid()
    assert "Unknown division code: 610723999999" in form.errors["division_code"][0]


@pytest.mark.django_db
def test_children_and_ancestors(demo_places):
    township = get_division("610723001000")
    children = list(children_of(township.code))
    assert children and all(c.parent_id == township.code for c in children)
    assert [c.code for c in children] == sorted(c.code for c in children)
    assert [a.code for a in ancestors(township)] == [
        NATION_CODE, "610000000000", "610700000000", "610723000000"]
    assert ancestors(get_division(NATION_CODE)) == []


@pytest.mark.django_db
def test_model_properties():
    village = DivisionFactory(code="990000000001", name="某社区居民委员会")
    assert village.prefix == "990000000001"
    assert village.is_urban is None
    assert village.suggested_urban_rural() == UrbanRural.MAIN_URBAN
    village.name, village.urban_rural = "某村民委员会", UrbanRural.VILLAGE
    assert village.suggested_urban_rural() == UrbanRural.VILLAGE
    assert village.is_urban is False
    village.name = "某村委会"
    assert village.suggested_urban_rural() == ""
    township = DivisionFactory(code="110106100000", level=Level.TOWNSHIP, name="北宫镇")
    assert township.prefix == "110106100"
    assert township.suggested_urban_rural() == ""
    assert str(township) == "北宫镇 (110106100000)"
