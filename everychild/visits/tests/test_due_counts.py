"""The overviews' rollup: kept in step with the plans by every writer, equal to a recount, and
giving the same figures as counting the plans themselves on any day."""

from collections import Counter
from datetime import date, timedelta

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from everychild.core.outbox import deliver
from everychild.registry.services import register_child
from everychild.registry.tests.factories import OTHER_VILLAGE_SAME_TOWNSHIP, VILLAGE, left_behind
from everychild.visits import due_counts, queries, services
from everychild.visits.jobs import prune_due_counts
from everychild.visits.models import DueCount, VisitPlan
from everychild.visits.tests.factories import CALM, REPORTABLE, TODAY

keys = st.one_of(st.none(), st.tuples(st.sampled_from([VILLAGE, OTHER_VILLAGE_SAME_TOWNSHIP]),
                                      st.dates(date(2024, 1, 1), date(2026, 12, 31)),
                                      st.booleans()))


@given(st.lists(st.lists(keys, min_size=1, max_size=6), max_size=8))
def test_deltas_of_every_change_add_up_to_counting_the_final_keys(histories):
    """Each plan goes through a history of keys; the deltas of its steps add up to its last."""
    total: Counter = Counter()
    for history in histories:
        steps = zip([None, *history], history, strict=False)
        total.update(due_counts.deltas(steps))
    expected: Counter = Counter()
    for history in histories:
        expected.update(due_counts.deltas([(None, history[-1])]))
    assert +total == +expected and not -total


def rows() -> set[tuple]:
    return set(DueCount.objects.exclude(plans=0).values_list(
        "division_code", "period", "starts_on", "never_visited", "plans"))


def direct(today: date, digits: int) -> dict[str, tuple[int, int, int]]:
    """The overview counted from the plans themselves."""
    found: dict[str, list[int]] = {}
    for plan in VisitPlan.objects.exclude(next_due=None):
        if plan.next_due > today + timedelta(days=7):
            continue
        row = found.setdefault(plan.division_code[:digits], [0, 0, 0])
        row[0 if plan.next_due < today else 1] += 1
        row[2] += plan.last_visit_on is None
    return {place: tuple(r) for place, r in found.items()}


def from_rollup(supervisor, today: date) -> dict[str, tuple[int, int, int]]:
    return {r["place"]: (r["overdue"], r["due_this_week"], r["never_visited"])
            for r in queries.overview(supervisor, None, today).rows}


def visit(day: date, answers=None) -> services.VisitInput:
    return services.VisitInput(visited_on=day, place="home", child_seen=True,
                               answers=answers or CALM)


@pytest.mark.django_db
def test_every_plan_change_keeps_the_rollup_equal_to_a_recount(director, supervisor, make_actor):
    other = make_actor("child_director", OTHER_VILLAGE_SAME_TOWNSHIP)
    with time_machine.travel(TODAY, tick=False):
        mine = [register_child(director, left_behind(name=n), today=TODAY) for n in ("张伟", "王芳")]
        theirs = register_child(other, left_behind(name="刀小明", village=OTHER_VILLAGE_SAME_TOWNSHIP),
                                today=TODAY)
        deliver()
    days = [TODAY + timedelta(days=n) for n in (3, 20, 45, 100, 130)]
    with time_machine.travel(days[0], tick=False):
        services.record_visit(director, mine[0].pk, visit(days[0], REPORTABLE))
    with time_machine.travel(days[1], tick=False):
        services.record_visit(other, theirs.pk, visit(days[1]))
        services.tighten_plan(supervisor, theirs.pk, 2, "weeks", "the caregiver is ill")
        services.record_visit(director, mine[0].pk, services.VisitInput(
            visited_on=days[1], place="phone", child_seen=False, answers=CALM))
    with time_machine.travel(days[2], tick=False):
        services.lower_risk(supervisor, mine[0].pk, "low", "the mother came home")
    incremental = rows()
    assert incremental
    due_counts.rebuild()
    assert rows() == incremental
    for day in [TODAY, *days, date(2025, 7, 1), date(2025, 7, 31), date(2026, 1, 1)]:
        assert from_rollup(supervisor, day) == direct(day, 12), day


@pytest.mark.django_db
@pytest.mark.usefixtures("clock")
def test_pruning_keeps_every_later_overview(director, supervisor, child):
    services.record_visit(director, child.pk, visit(TODAY))
    later = date(2025, 10, 15)  # the next visit fell due on 2 September
    before = from_rollup(supervisor, later)
    assert before == {VILLAGE: (1, 0, 0)}
    assert prune_due_counts(later) > 0
    assert not DueCount.objects.filter(period="D", starts_on__lt=date(2025, 10, 1)).exists()
    assert from_rollup(supervisor, later) == before
    with time_machine.travel(later, tick=False):  # a change after pruning still subtracts
        services.record_visit(director, child.pk, visit(later))
    assert from_rollup(supervisor, later) == {}
    assert direct(later, 12) == {}


@pytest.mark.django_db
@pytest.mark.usefixtures("clock")
def test_the_worklist_counts_come_from_the_rollup(director, child):
    work = queries.worklist(director, TODAY)
    assert work.counts == {"overdue": 0, "due_this_week": 1, "never_visited": 1}
    work = queries.worklist(director, date(2025, 6, 20))
    assert work.counts == {"overdue": 1, "due_this_week": 0, "never_visited": 1}
