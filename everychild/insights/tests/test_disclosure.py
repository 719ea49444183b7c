"""Disclosure control: primary and complementary suppression, the same decisions top-down as
for a whole tree, and the attack it must withstand: linear programs over every published
table of a tree, which must leave every suppressed cell an interval at least the threshold
wide."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.optimize import linprog

from everychild.insights.disclosure import (
    COMPLEMENTARY,
    DEFAULT_THRESHOLD,
    PRIMARY,
    Node,
    protect_children,
    protect_root,
    protect_series,
    protect_tree,
    ratio_suppressed,
)

SEXES = ("M", "F")
BANDS = ("0-2", "3-5", "6-11", "12-14", "15-17")
AREAS = ("U", "R", "?")


# --- building worlds ---------------------------------------------------------------------


def cells_of(children: list[tuple[int, int, int]]) -> dict[str, int]:
    """The published cells of a division holding these children (sex, band, area indexes)."""
    cells = {"total": len(children)}
    for sex, band, area in children:
        for key in (f"sex:{SEXES[sex]}", f"band:{BANDS[band]}", f"area:{AREAS[area]}"):
            cells[key] = cells.get(key, 0) + 1
    return cells


def summed(code: str, children: list[Node]) -> Node:
    cells: dict[str, int] = {}
    for child in children:
        for key, value in child.cells.items():
            cells[key] = cells.get(key, 0) + value
    return Node(code, cells, children)


def leaf(code: str, **counts: int) -> Node:
    """A division from counts such as ``M_0_U=3`` (sex, band index, area)."""
    children = []
    for name, count in counts.items():
        sex, band, area = name.split("_")
        children += [(SEXES.index(sex), int(band), AREAS.index(area))] * count
    return Node(code, cells_of(children))


def nodes(tree: Node) -> list[Node]:
    found = [tree]
    for child in tree.children:
        found += nodes(child)
    return found


# --- the attack ------------------------------------------------------------------------


def intervals(tree: Node, decisions: dict[str, dict[str, str]], threshold: int
              ) -> dict[tuple[str, str], float]:
    """The attacker's view: every published cell known, every suppressed one a variable >= 0,
    each group summing to its division's total, every cell of a division the sum of that
    cell over its sub-divisions. The width (max - min) of each suppressed cell, by linprog
    (or at least ``threshold``, when points already found are that far apart)."""
    everyone = nodes(tree)
    keys = sorted({key for node in everyone for key in node.cells} | {"total"})
    groups: dict[str, list[str]] = {}
    for key in keys:
        if key != "total":
            groups.setdefault(key.split(":")[0], []).append(key)
    index: dict[tuple[str, str], int] = {}
    for node in everyone:
        for key in sorted(decisions.get(node.code, {})):
            index[(node.code, key)] = len(index)
    if not index:
        return {}
    rows, rhs = [], []

    def relation(plus: list[tuple[Node, str]], minus: list[tuple[Node, str]]) -> None:
        row, constant = np.zeros(len(index)), 0.0
        for sign, terms in ((1.0, plus), (-1.0, minus)):
            for node, key in terms:
                if (node.code, key) in index:
                    row[index[(node.code, key)]] += sign
                else:
                    constant += sign * node.cells.get(key, 0)
        if row.any():
            rows.append(row)
            rhs.append(-constant)
        else:
            assert abs(constant) < 1e-9, "the world itself is inconsistent"

    for node in everyone:
        for members in groups.values():
            relation([(node, "total")], [(node, key) for key in members])
        if node.children:
            for key in keys:
                relation([(node, key)], [(child, key) for child in node.children])
    if not rows:  # nothing ties the suppressed cells: each is anything from 0 up
        return dict.fromkeys(index, np.inf)
    a_eq, b_eq = sparse.csr_array(np.array(rows)), np.array(rhs)
    low = np.full(len(index), np.inf)
    high = np.full(len(index), -np.inf)

    def solve(objective: np.ndarray) -> np.ndarray | None:
        found = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        if found.status == 3:  # unbounded
            return None
        assert found.status == 0, found.message
        np.minimum(low, found.x, out=low)
        np.maximum(high, found.x, out=high)
        return found.x

    # every solution is a point the attacker cannot exclude: cells already seen to move by
    # the threshold need no programs of their own; push the others together a few times
    signs = np.random.default_rng(0)
    for _round in range(4):
        open_ = (high - low) < threshold
        if not open_.any():
            break
        for objective in (open_ * 1.0, open_ * -1.0, open_ * signs.choice([-1.0, 1.0], len(index))):
            solve(objective)
    widths = {}
    for cell, i in index.items():
        if high[i] - low[i] >= threshold:
            widths[cell] = high[i] - low[i]
            continue
        unit = np.zeros(len(index))
        unit[i] = 1.0
        solve(unit)
        if high[i] - low[i] < threshold and solve(-unit) is None:
            high[i] = np.inf
        widths[cell] = high[i] - low[i]
    return widths


def narrow(tree: Node, decisions: dict[str, dict[str, str]], threshold: int) -> dict:
    return {cell: width for cell, width in intervals(tree, decisions, threshold).items()
            if width < threshold - 1e-6}


def suppressed_by_step(tree: Node, threshold: int) -> dict[str, dict[str, str]]:
    """What a dashboard does: the root, then each node's children from its decisions only."""
    decisions = {tree.code: protect_root(tree.cells, threshold)}
    for node in nodes(tree):
        if node.children:
            decisions.update(protect_children(node.cells, decisions[node.code],
                                              {c.code: c.cells for c in node.children}, threshold))
    return decisions


# --- primary suppression ---------------------------------------------------------------


def test_series_hides_only_small_counts():
    assert protect_series({"2024-01": 0, "2024-02": 1, "2024-03": 4, "2024-04": 5, "2024-05": 30}) == {
        "2024-02": PRIMARY, "2024-03": PRIMARY}


def test_threshold_is_configurable():
    values = {"a": 1, "b": 2, "c": 3, "d": 9, "e": 10}
    assert protect_series(values, threshold=3) == {"a": PRIMARY, "b": PRIMARY}
    assert protect_series(values, threshold=10) == {k: PRIMARY for k in "abcd"}
    with pytest.raises(ValueError):
        protect_series(values, threshold=0)


def test_root_primaries_zeros_shown_threshold_shown():
    cells = {"total": 40, "sex:M": 35, "sex:F": 5, "band:0-2": 40, "band:3-5": 0,
             "area:U": 37, "area:R": 3}
    decided = protect_root(cells)
    assert decided["area:R"] == PRIMARY
    assert "band:3-5" not in decided and "band:0-2" not in decided  # a zero is shown
    assert "sex:F" not in decided  # exactly the threshold is shown
    assert "area:U" in decided  # the other area cell gives area:R away otherwise


def test_configurable_threshold_on_a_division():
    cells = {"total": 40, "sex:M": 33, "sex:F": 7, "area:U": 40}
    assert protect_root(cells) == {}
    assert protect_root(cells, threshold=8) == {"sex:F": PRIMARY, "sex:M": COMPLEMENTARY}


# --- complementary suppression on a single node ---------------------------------------


def test_lone_small_cell_forces_a_second_in_its_group():
    cells = {"total": 40, "sex:M": 38, "sex:F": 2, "band:6-11": 40, "area:R": 40}
    assert protect_root(cells) == {"sex:F": PRIMARY, "sex:M": COMPLEMENTARY}


def test_two_small_cells_that_add_up_to_too_little_take_a_third():
    cells = {"total": 50, "band:0-2": 1, "band:3-5": 2, "band:6-11": 47, "sex:M": 50, "area:U": 50}
    decided = protect_root(cells)
    assert decided == {"band:0-2": PRIMARY, "band:3-5": PRIMARY, "band:6-11": COMPLEMENTARY}


def test_small_total_hides_the_total_and_every_small_cell():
    cells = {"total": 3, "sex:M": 3, "sex:F": 0, "band:0-2": 1, "band:6-11": 2, "area:U": 3}
    decided = protect_root(cells)
    assert decided == {"total": PRIMARY, "sex:M": PRIMARY, "band:0-2": PRIMARY,
                       "band:6-11": PRIMARY, "area:U": PRIMARY}


def test_single_node_attack():
    tree = leaf("n", M_0_U=30, F_1_U=1, F_2_R=2, M_4_R=9)
    assert narrow(tree, {"n": protect_root(tree.cells)}, DEFAULT_THRESHOLD) == {}


def test_nothing_small_nothing_hidden():
    tree = summed("n", [leaf("a", M_0_U=20, F_1_R=20), leaf("b", M_0_U=25, F_1_R=25)])
    assert protect_tree(tree) == {"n": {}, "a": {}, "b": {}}


# --- validation ------------------------------------------------------------------------


def test_groups_must_sum_to_the_total():
    with pytest.raises(ValueError, match="sex"):
        protect_root({"total": 10, "sex:M": 4, "sex:F": 5})


def test_children_must_sum_to_the_parent():
    with pytest.raises(ValueError, match="children"):
        protect_children({"total": 10, "sex:M": 10}, {}, {"a": {"total": 4, "sex:M": 4},
                                                         "b": {"total": 5, "sex:M": 5}})


def test_keys_are_total_or_group_value():
    with pytest.raises(ValueError, match="group:value"):
        protect_root({"total": 10, "boys": 10})


def test_shares_hide_with_either_side():
    assert ratio_suppressed(PRIMARY, None)
    assert ratio_suppressed(None, COMPLEMENTARY)
    assert not ratio_suppressed(None, None)


# --- hand-made worlds known to be hard --------------------------------------------------


def small_village_in_a_township() -> Node:
    township = summed("t", [leaf("t.1", M_0_U=14, F_0_U=10, M_2_R=6),
                            leaf("t.2", M_1_U=12, F_3_R=13, F_4_U=3),
                            leaf("t.3", M_0_R=1, F_2_U=1)])
    return summed("c", [township, leaf("c.2", M_0_U=40, F_1_R=35, M_3_U=20)])


def child_with_one_small_cell() -> Node:
    return summed("n", [leaf("a", M_0_U=30, F_0_U=2), leaf("b", M_0_U=25, F_0_U=25),
                        leaf("c", M_0_U=18, F_0_U=19)])


def parent_with_a_small_total() -> Node:
    province = summed("p", [leaf("p.1", M_0_U=1), leaf("p.2", F_1_R=2)])
    return summed("n", [province, leaf("q", M_0_U=30, F_1_R=30), leaf("r", M_2_U=25, F_2_R=20)])


def two_levels_of_propagation() -> Node:
    county_a = summed("p.a", [leaf("p.a.1", M_0_U=12, F_1_U=2), leaf("p.a.2", M_0_U=9, F_2_R=8),
                              leaf("p.a.3", M_4_R=6, F_1_U=1)])
    county_b = summed("p.b", [leaf("p.b.1", M_0_U=20, F_3_U=9), leaf("p.b.2", F_0_R=15, M_3_R=1)])
    province = summed("p", [county_a, county_b])
    return summed("n", [province, leaf("q", M_0_U=60, F_1_R=50, F_4_R=40)])


def only_children() -> Node:
    village = leaf("a.1.1", M_0_U=6, F_1_R=2, M_3_U=1)
    return summed("n", [summed("a", [summed("a.1", [village])]), leaf("b", M_0_U=30, F_2_R=24)])


def nation_of_provinces() -> Node:
    provinces = [leaf(f"p{i:02d}", M_0_U=40 + i, F_1_R=35 + 2 * i, M_3_R=20 + i, F_4_U=15 + i)
                 for i in range(30)]
    provinces.append(leaf("p30", M_0_U=3, F_1_R=1, M_3_R=30))
    return summed("n", provinces)


WORLDS = [small_village_in_a_township, child_with_one_small_cell, parent_with_a_small_total,
          two_levels_of_propagation, only_children, nation_of_provinces]


@pytest.mark.parametrize("world", WORLDS, ids=lambda w: w.__name__)
def test_attack_on_hard_worlds(world):
    tree = world()
    decisions = protect_tree(tree)
    assert narrow(tree, decisions, DEFAULT_THRESHOLD) == {}


@pytest.mark.parametrize("world", WORLDS, ids=lambda w: w.__name__)
def test_tree_decisions_are_those_a_dashboard_takes_step_by_step(world):
    tree = world()
    assert protect_tree(tree) == suppressed_by_step(tree, DEFAULT_THRESHOLD)


def test_small_village_and_its_partner_are_hidden_where_they_are_published():
    tree = small_village_in_a_township()
    decisions = protect_tree(tree)
    assert decisions["t.3"]["total"] == PRIMARY
    hidden_totals = [code for code in ("t.1", "t.2") if "total" in decisions[code]]
    assert hidden_totals, "a lone small village needs another village's total hidden"


def test_reasons_say_primary_below_the_threshold_and_complementary_otherwise():
    tree = two_levels_of_propagation()
    for node in nodes(tree):
        for key, reason in protect_tree(tree).get(node.code, {}).items():
            value = node.cells.get(key, 0)
            assert reason == (PRIMARY if 0 < value < DEFAULT_THRESHOLD else COMPLEMENTARY)


def test_a_larger_threshold_still_withstands_the_attack():
    tree = small_village_in_a_township()
    decisions = protect_tree(tree, threshold=10)
    assert narrow(tree, decisions, 10) == {}
    assert decisions["t.1"], "with threshold 10 the 6 in t.1 is small too"


def test_decisions_do_not_depend_on_the_process():
    """Dashboards run in many processes: every one must decide alike (no set or hash order)."""
    script = ("import json; from everychild.insights.tests import test_disclosure as t; "
              "from everychild.insights.disclosure import protect_tree; "
              "print(json.dumps([protect_tree(w()) for w in t.WORLDS], sort_keys=True))")
    outputs = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(outputs) == 1
    assert json.loads(outputs.pop()) == [protect_tree(world()) for world in WORLDS]


# --- random trees -------------------------------------------------------------------------


children_of_a_leaf = st.lists(st.tuples(st.integers(0, 1), st.integers(0, 4), st.integers(0, 2)),
                              max_size=6)


@st.composite
def trees(draw, depth: int | None = None, code: str = "n") -> Node:
    """Trees of 2 or 3 levels, 2 to 5 sub-divisions each, a few children in each leaf (so
    many cells below the threshold)."""
    if depth is None:
        depth = draw(st.integers(1, 2))
    if depth == 0:
        return Node(code, cells_of(draw(children_of_a_leaf)))
    count = draw(st.integers(2, 5))
    return summed(code, [draw(trees(depth - 1, f"{code}.{i}")) for i in range(count)])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees(), st.sampled_from([3, 5]))
def test_attack_on_random_trees(tree, threshold):
    decisions = protect_tree(tree, threshold)
    assert decisions == suppressed_by_step(tree, threshold)
    for node in nodes(tree):
        for key, value in node.cells.items():
            if 0 < value < threshold:
                assert decisions[node.code].get(key) == PRIMARY
    assert narrow(tree, decisions, threshold) == {}
