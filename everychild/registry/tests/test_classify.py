"""Stored categories follow facts, age limits and rule versions, keeping earlier results."""

import dataclasses
from datetime import date

import pytest

from everychild.registry.classify import classify, sentences
from everychild.registry.jobs import reclassify_due
from everychild.registry.models import ChildCategory, ChildEvent, Parent, ParentSituation
from everychild.registry.services import register_child
from everychild.registry.tests.factories import OTHER_COUNTY_VILLAGE, VILLAGE, left_behind
from everychild.rules import CATALOGUE

TODAY = date(2025, 6, 1)


@pytest.fixture
def director(make_actor):
    return make_actor("child_director", VILLAGE)


def _current(child):
    return set(ChildCategory.objects.filter(child=child, until=None)
               .values_list("category", flat=True))


@pytest.mark.django_db
def test_a_fact_change_moves_the_child_out_and_records_why(director):
    child = register_child(director, left_behind(), today=TODAY)
    assert "left_behind" in _current(child)
    mother = Parent.objects.get(child=child, role="mother")
    ParentSituation.objects.filter(parent=mother).update(kind="at_home", cross_county=None)
    classify(child, today=TODAY)
    assert "left_behind" not in _current(child)
    left = ChildEvent.objects.get(child=child, kind="category_left", summary="left_behind")
    assert sentences(left.detail["reasons"])
    old = ChildCategory.objects.get(child=child, category="left_behind")
    assert old.until == TODAY  # the earlier result is kept, closed


@pytest.mark.django_db
def test_turning_16_leaves_left_behind_on_the_tick_once(director):
    born = date(2009, 6, 2)  # 16 on 2025-06-02
    child = register_child(director, left_behind(born=born), today=TODAY)
    assert "left_behind" in _current(child)
    assert reclassify_due(today=TODAY) == 0
    assert reclassify_due(today=date(2025, 6, 2)) == 1
    assert "left_behind" not in _current(child)
    event = ChildEvent.objects.get(child=child, kind="category_left", summary="left_behind")
    assert "16" in " ".join(sentences(event.detail["reasons"]))
    assert reclassify_due(today=date(2025, 6, 2)) == 0  # idempotent


@pytest.mark.django_db
def test_a_rule_version_bump_reevaluates_exactly_the_affected_children(director, make_actor):
    here = register_child(director, left_behind(), today=TODAY)
    lc_director = make_actor("child_director", OTHER_COUNTY_VILLAGE)
    there = register_child(lc_director, left_behind(name="刀小明", village=OTHER_COUNTY_VILLAGE),
                           today=TODAY)
    current = CATALOGUE.rule_for("left_behind", "61", TODAY)
    bumped = dataclasses.replace(current, version="2025.9", province="61",
                                 effective_from=date(2025, 6, 10))
    catalogue = CATALOGUE.with_rules(bumped)
    assert reclassify_due(today=date(2025, 6, 10), catalogue=catalogue) == 1  # Shaanxi only
    rows = ChildCategory.objects.filter(child=here, category="left_behind").order_by("since")
    assert [(r.rule_version, r.until) for r in rows] == [
        (current.version, date(2025, 6, 10)), ("2025.9", None)]
    assert ChildCategory.objects.get(child=there, category="left_behind").rule_version == \
        current.version
    assert reclassify_due(today=date(2025, 6, 10), catalogue=catalogue) == 0


@pytest.mark.django_db
def test_reclassification_by_the_tick_is_audited(director):
    from everychild.audit.models import AuditEvent

    child = register_child(director, left_behind(born=date(2009, 6, 2)), today=TODAY)
    reclassify_due(today=date(2025, 6, 2))
    event = AuditEvent.objects.get(action="child.classify", object_id=str(child.pk),
                                   actor_id=None)
    assert "left_behind" in event.detail["left"]


@pytest.mark.django_db
def test_the_tick_looks_for_stale_rules_only_in_provinces_whose_rules_changed(director):
    from everychild.registry.jobs import _changed_provinces
    from everychild.registry.models import RulesApplied

    register_child(director, left_behind(), today=TODAY)
    assert "61" in _changed_provinces(TODAY, CATALOGUE)  # never applied yet
    reclassify_due(today=TODAY)
    assert RulesApplied.objects.filter(province_code="61").exists()
    assert _changed_provinces(TODAY, CATALOGUE) == {}  # nothing to scan tomorrow
    current = CATALOGUE.rule_for("left_behind", "61", TODAY)
    bumped = CATALOGUE.with_rules(dataclasses.replace(
        current, version="2025.9", province="61", effective_from=date(2025, 6, 10)))
    assert set(_changed_provinces(date(2025, 6, 10), bumped)) == {"61"}
