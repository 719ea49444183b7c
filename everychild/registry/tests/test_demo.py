"""The demo children: both counties, a plausible mix, every child classified, idempotent."""

import ast
from collections import Counter
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from everychild.accounts.demo import DEMO_COUNTIES, load_demo
from everychild.audit.models import AuditEvent
from everychild.places.codes import prefix_range
from everychild.registry import idnumber
from everychild.registry.demo import county_actor, county_counts, load_children, summary
from everychild.registry.models import Child, ChildCategory, ChildEvent
from everychild.rules.dates import age_on

TODAY = date(2025, 6, 1)
COUNT = 60

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_users(db):
    load_demo()


def in_county(short: str):
    return Child.objects.filter(division_code__range=prefix_range(DEMO_COUNTIES[short][:6]))


def test_demo_children_in_both_counties_with_a_plausible_mix(demo_users):
    assert load_children(COUNT, today=TODAY) == COUNT

    counts = county_counts(COUNT)
    for short in DEMO_COUNTIES:
        officer = county_actor(short)
        assert in_county(short).count() == counts[short] > 0
        assert in_county(short).filter(registered_by=officer.user).count() == counts[short]
    children = list(Child.objects.all())
    assert all(c.classified_on == TODAY and c.rules_key for c in children)
    assert ChildEvent.objects.filter(kind="registered").count() == COUNT
    assert AuditEvent.objects.filter(action="child.create").count() == COUNT

    current = Counter(ChildCategory.objects.filter(until=None).values_list("category", flat=True))
    categories = {code: n for code, n in current.items() if not code.startswith(("left_behind_", "alert_"))}
    assert max(categories, key=categories.get) == "left_behind"
    assert current["left_behind"] > COUNT / 2
    for code in ("orphan", "de_facto_unsupported", "difficult_economic", "difficult_disability",
                 "difficult_guardianship"):
        assert current[code] >= 1, code
    assert current["orphan"] + current["de_facto_unsupported"] < current["left_behind"] / 5


def test_demo_identities_are_plausible(demo_users):
    load_children(COUNT, today=TODAY)
    children = list(Child.objects.all())
    with_id = [c for c in children if c.id_number]
    assert 0.7 * COUNT <= len(with_id) < COUNT  # most, not all, have an ID number
    for child in with_id:
        parsed = idnumber.parse(child.id_number, today=TODAY)
        assert parsed.region_code == child.division_code[:6]
        assert (parsed.date_of_birth, parsed.sex) == (child.date_of_birth, child.sex)
    assert all(2 <= len(c.name) <= 4 for c in children)
    assert all(0 <= age_on(c.date_of_birth, TODAY) < 18 for c in children)
    assert {c.ethnicity for c in in_county("yx")} <= {"01", "03"}
    assert {"18", "28"} & {c.ethnicity for c in in_county("lc")}  # Dai or Jingpo in Dehong


def test_rerunning_creates_nothing_and_a_larger_count_adds_the_rest(demo_users):
    load_children(COUNT, today=TODAY)
    keys = set(Child.objects.values_list("id_number_hash", flat=True))
    assert load_children(COUNT, today=TODAY) == 0
    assert load_children(COUNT, today=date(2025, 9, 1)) == 0  # another day: still nothing
    assert Child.objects.count() == COUNT
    assert load_children(COUNT + 10, today=TODAY) == 10
    assert keys <= set(Child.objects.values_list("id_number_hash", flat=True))


def test_load_demo_command_prints_a_summary_and_is_idempotent():
    out = StringIO()
    call_command("load_demo", children=8, stdout=out)
    text = out.getvalue()
    assert "demo children: 8 created" in text
    assert "610723: 5 children" in text and "533124: 3 children" in text
    assert "left_behind" in text
    out = StringIO()
    call_command("load_demo", children=8, stdout=out)
    assert "demo children: 0 created" in out.getvalue()
    assert Child.objects.count() == 8
    assert [c["children"] for c in summary()] == [5, 3]


def test_accounts_does_not_import_the_registry():
    """Apps import only downward: accounts is below the registry."""
    root = Path(__file__).resolve().parents[2] / "accounts"
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.startswith("everychild.registry") for n in names), path
