"""The import's fast path (bulk_load) stores exactly what registering the same rows one by one
through ``services.register_child`` stores, and applies the same duplicate checks within a
batch as across batches."""

import csv
import io
from datetime import date

import pytest
from django.db.models import OuterRef, Subquery
from django.utils import translation

from everychild.accounts.demo import DEMO_COUNTIES, load_demo
from everychild.audit.models import AuditEvent
from everychild.places.models import Division
from everychild.registry import bulk, demo
from everychild.registry.bulk_columns import COLUMNS, row_cells
from everychild.registry.bulk_files import layout_of
from everychild.registry.models import (
    Child,
    ChildCategory,
    ChildEvent,
    LegalBasis,
    NameKey,
    Parent,
    ParentSituation,
    RowOutcome,
)
from everychild.registry.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    OTHER_VILLAGE_SAME_TOWNSHIP,
    VILLAGE,
    valid_id,
)

TODAY = date(2025, 6, 1)
COUNT = 160
HEADERS = [column.header for column in COLUMNS]
SKIPPED = {"id", "household", "created_at", "updated_at", "recorded_at", "at", "child",
           "parent", "registered_by", "actor"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(db):
    load_demo()
    return demo.county_actor("yx")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def planned_rows(count: int) -> list[list[str]]:
    """Demo children of 洋县 as template rows (one per name and date of birth)."""
    county = DEMO_COUNTIES["yx"]
    destinations = sorted(Division.objects.filter(pk__in=demo.DESTINATIONS["yx"])
                          .values_list("code", flat=True))
    planner = demo._Planner("yx", county, demo._villages(county), destinations, TODAY, seed=7)
    rows, seen = [], set()
    for index in range(count):
        _profile, registration, _rng = planner.plan(index)
        key = (registration.input.name, registration.input.date_of_birth)
        if key not in seen:
            seen.add(key)
            rows.append(row_cells(registration, confirm=True))
    return rows


def as_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def values(obj) -> tuple:
    return tuple(sorted((f.name, repr(getattr(obj, f.attname))) for f in obj._meta.concrete_fields
                        if f.name not in SKIPPED))


def snapshot() -> dict:
    """Everything stored about each child, keyed by name and date of birth, without the
    generated keys and times."""
    found = {}
    for child in Child.objects.select_related("household").prefetch_related(
            "parents__situations", "caregivers", "legal_bases", "categories", "events",
            "name_keys"):
        found[(child.name, child.date_of_birth)] = {
            "child": values(child),
            "household": values(child.household),
            "parents": sorted((values(p), sorted(values(s) for s in p.situations.all()))
                              for p in child.parents.all()),
            "caregivers": sorted(values(c) for c in child.caregivers.all()),
            "legal_bases": sorted(values(b) for b in child.legal_bases.all()),
            "categories": sorted(values(c) for c in child.categories.all()),
            "events": sorted(values(e) for e in child.events.all()),
            "name_keys": sorted(k.key for k in child.name_keys.all()),
        }
    return found


def test_the_fast_path_stores_what_registering_one_by_one_stores(officer):
    rows = planned_rows(COUNT)
    registrar = bulk.RowRegistrar(officer, layout_of(HEADERS), TODAY)
    for cells in rows:
        _texts, by_key, problems = registrar.cells(cells)
        assert registrar.register(by_key, problems).outcome == RowOutcome.IMPORTED
    one_by_one = snapshot()
    assert len(one_by_one) == len(rows) > 100
    assert ChildCategory.objects.filter(category="left_behind").exists()
    assert ParentSituation.objects.filter(kind="migrant_worker").exists()
    Child.objects.all().delete()

    job = bulk.start_import(officer, as_csv(rows), "rows.csv", enqueue=False)
    job = bulk.run_job(job.pk, today=TODAY)
    assert (job.imported, job.total) == (len(rows), len(rows))
    assert snapshot() == one_by_one


def test_rows_repeating_earlier_rows_of_the_same_file(officer):
    """Within one batch: the same ID number or the same child without one is registered once;
    a possible duplicate of an earlier row waits for confirmation."""
    number = valid_id(date(2015, 3, 1))
    base = row_cells_for(name="张伟", id_number=number)
    rows = [base, base, row_cells_for(name="李娜"), row_cells_for(name="李娜"),
            row_cells_for(name="章伟", village=OTHER_VILLAGE_SAME_TOWNSHIP)]
    job = bulk.run_job(bulk.start_import(officer, as_csv(rows), "r.csv", enqueue=False).pk,
                       today=TODAY)
    outcomes = [r.outcome for r in job.rows.order_by("line")]
    assert outcomes == [RowOutcome.IMPORTED, RowOutcome.UNCHANGED, RowOutcome.IMPORTED,
                        RowOutcome.UNCHANGED, RowOutcome.AWAITING]
    first, second = job.rows.order_by("line")[:2]
    assert first.child_id == second.child_id
    duplicate = job.rows.get(line=6).detail["duplicates"]
    assert duplicate == [{"child_id": str(first.child_id),
                          "reason": "same name or pinyin, same date of birth, same township"}]
    assert Child.objects.count() == 2


def test_an_id_number_held_elsewhere_is_refused_and_its_county_asked(officer, make_actor):
    number = valid_id(date(2014, 5, 5))
    other = make_actor("child_director", OTHER_COUNTY_VILLAGE)
    held = bulk.run_job(bulk.start_import(other, as_csv([row_cells_for(
        name="王芳", id_number=number, born="2014-05-05", village=OTHER_COUNTY_VILLAGE)]),
        "a.csv", enqueue=False).pk, today=TODAY)
    assert held.imported == 1
    job = bulk.run_job(bulk.start_import(officer, as_csv([row_cells_for(
        name="王芳", id_number=number, born="2014-05-05")]), "b.csv", enqueue=False).pk,
        today=TODAY)
    [row] = job.rows.all()
    assert row.outcome == RowOutcome.REJECTED
    [problem] = row.detail["problems"]
    assert "county officer" in problem["message"] and OTHER_COUNTY_VILLAGE not in str(row.detail)
    request = AuditEvent.objects.get(action="child.duplicate_request")
    assert request.division_code == OTHER_COUNTY_VILLAGE  # in that county's chain
    assert ChildEvent.objects.filter(kind="duplicate_request",
                                     child_id=held.rows.get().child_id).exists()


def test_every_row_of_a_child_carries_its_division(officer):
    rows = planned_rows(20)
    bulk.run_job(bulk.start_import(officer, as_csv(rows), "r.csv", enqueue=False).pk, today=TODAY)
    for model in (NameKey, Parent, ParentSituation, LegalBasis, ChildCategory, ChildEvent):
        home = Child.objects.filter(pk=OuterRef("child_id")).values("division_code")
        assert model.objects.exists() and not model.objects.exclude(
            division_code=Subquery(home)).exists(), model


def row_cells_for(name: str, id_number: str = "", born: str = "2015-03-01",
                  village: str = VILLAGE) -> list[str]:
    cells = dict.fromkeys(HEADERS, "")
    cells.update({"姓名": name, "性别": "男", "出生日期": born, "公民身份号码": id_number,
                  "现居住村（居）区划代码": village, "父亲状况": "外出务工",
                  "父亲外出起始日期": "2023-02-01", "父亲跨县外出": "是", "母亲状况": "外出务工",
                  "母亲状况起始日期": "2023-02-01", "母亲跨县外出": "是"})
    return [cells[h] for h in HEADERS]
