"""The recovery attack on what is actually published: an analyst reads the API page of every
division that holds children (the dashboards and exports carry the same cells), then solves
linear programmes over every relation the figures obey — each breakdown sums to its total,
each division's cell is the sum of its sub-divisions' (plus what is counted above them), every
count is at least zero — for the smallest and largest value of every suppressed cell. No
suppressed cell may be pinned to an interval narrower than the threshold."""

import functools
from collections import defaultdict

import pytest
from django.utils import timezone
from scipy.optimize import linprog
from scipy.sparse import csr_matrix, lil_matrix

from everychild.insights import queries
from everychild.insights.figures import CHILDREN_PREFIX
from everychild.insights.indicators import COUNT, INDICATORS
from everychild.places.models import Division
from everychild.services.tests.builders import get

NATION = "000000000000"
CATEGORIES = ("all", "any", "left_behind")
THRESHOLD = 5
GROUPS = ("sex:", "band:", "area:", "month:", "stage:", "status:")


# Children per village: a mix of small and large cells, in two townships of 洋县 and one
# village of 陇川县 (sex and age vary with the index).
WORLD = {"610723001212": 7, "610723001213": 3, "610723001214": 1, "610723001215": 12,
         "610723002008": 2, "610723002200": 6, "533124101201": 4}


def _populate(make_actor) -> None:
    from dataclasses import replace
    from datetime import date

    from everychild.registry.services import register_child
    from everychild.registry.tests.factories import left_behind

    for village, count in WORLD.items():
        director = make_actor("child_director", village)
        for n in range(count):
            child = left_behind(name=f"王{village[-2:]}{n}", village=village,
                                born=date(2010 + (n * 5) % 16, 1 + n % 12, 1))
            child = replace(child, input=replace(child.input, sex=("male", "female")[n % 3 == 0]))
            register_child(director, child)


@pytest.fixture
def published(client, make_actor):
    """{family: {division: {key: value or None}}} from the API pages of every division that
    holds children, for each category of CATEGORIES; the tree walked; and the analyst."""
    from everychild.core.outbox import deliver
    from everychild.insights.jobs import follow_the_clock

    _figures.cache_clear()
    _populate(make_actor)
    deliver()
    follow_the_clock()
    analyst = make_actor("national_analyst", NATION)
    cells: dict[str, dict[str, dict[str, float | None]]] = defaultdict(lambda: defaultdict(dict))
    tree: dict[str, list[str]] = {}
    for category in CATEGORIES:
        todo = [NATION]
        while todo:
            code = todo.pop()
            body = get(client, f"/api/v1/insights/divisions/{code}", analyst,
                       category=category).json()
            _collect(cells, code, category, body)
            tree[code] = [s["code"] for s in body["sub_divisions"]]
            todo += [s["code"] for s in body["sub_divisions"] if s["value"] != 0]
    return cells, tree, analyst


def _collect(cells, code: str, category: str, body: dict) -> None:
    family = CHILDREN_PREFIX + category
    for row in body["categories"]:
        cells[CHILDREN_PREFIX + row["code"]][code]["total"] = row["value"]
    for rows in body["breakdowns"].values():
        for row in rows:
            cells[family][code][row["key"]] = row["value"]
    for sub in body["sub_divisions"]:
        cells[family][sub["code"]]["total"] = sub["value"]
    for trend in body["trends"]:
        for month, value in zip(trend["months"], trend["values"], strict=True):
            cells[trend["measure"]][code][f"month:{month}"] = value["value"]
    counts = {i.code: i for i in INDICATORS if i.unit == COUNT}
    for row in body["indicators"]:
        if row["code"] in counts:
            ref = counts[row["code"]].numerator
            name, _sep, key = ref.partition("#")
            cells[name][code][key or "total"] = row["value"]


@functools.cache
def _figures(code: str) -> tuple[queries.Node, list[queries.Node]]:
    """The true figures of a division and its sub-divisions (no decision made)."""
    division = Division.objects.get(code=code)
    subs = [(d.code, d.name, d.level) for d in Division.objects.filter(parent_id=code)]
    return queries._published(queries._chain(division), subs, timezone.localdate(), 0)


def _true_rest(analyst, code: str, family: str) -> dict[str, int]:
    """What the division counts beyond its sub-divisions (the attacker is granted it)."""
    node, children = _figures(code)
    mine = node.figures.get(family, {})
    return {key: n - sum(c.figures.get(family, {}).get(key, 0) for c in children)
            for key, n in mine.items()}


def _bounds(family: str, divisions: dict[str, dict], tree: dict[str, list[str]], analyst):
    """For each suppressed cell of the family: (division, key, low, high). A division whose
    published total is 0 holds nothing: it is left out (its cells are all 0)."""
    divisions = {code: cells for code, cells in divisions.items() if cells.get("total") != 0}
    keys = sorted({key for cells in divisions.values() for key in cells} | {"total"})
    index = {(code, key): i for i, (code, key) in
             enumerate((c, k) for c in sorted(divisions) for k in keys)}
    rows: list[dict[int, float]] = []
    rhs: list[float] = []

    def equation(terms: dict[int, float], value: float) -> None:
        rows.append(terms)
        rhs.append(value)

    for code in divisions:
        for prefix in GROUPS:
            members = [k for k in keys if k.startswith(prefix)]
            if members:  # a breakdown sums to its total (months: to the 12-month total)
                equation({index[code, k]: 1 for k in members} | {index[code, "total"]: -1}, 0)
        subs = [s for s in tree.get(code, []) if s in divisions]
        if subs:
            rest = _true_rest(analyst, code, family)
            for key in keys:
                equation({index[code, key]: 1} | {index[s, key]: -1 for s in subs},
                         rest.get(key, 0))
    bounds = []
    for (code, key), _i in sorted(index.items(), key=lambda item: item[1]):
        value = divisions[code].get(key, "unknown")
        bounds.append((0, None) if value in (None, "unknown") else (value, value))
    matrix = lil_matrix((len(rows), len(index)))
    for r, terms in enumerate(rows):
        for i, coefficient in terms.items():
            matrix[r, i] += coefficient
    a_eq = csr_matrix(matrix)
    found = []
    for (code, key), i in index.items():
        if divisions[code].get(key, "unknown") is not None:
            continue
        objective = [0.0] * len(index)
        objective[i] = 1.0
        low = linprog(objective, A_eq=a_eq, b_eq=rhs, bounds=bounds, method="highs")
        objective[i] = -1.0
        high = linprog(objective, A_eq=a_eq, b_eq=rhs, bounds=bounds, method="highs")
        assert low.status == 0, (family, code, key, low.message)
        top = float("inf") if high.status == 3 else -high.fun
        found.append((code, key, low.fun, top))
    return found


@pytest.mark.django_db
def test_no_suppressed_cell_can_be_recovered(published):
    cells, tree, analyst = published
    suppressed = 0
    narrow = []
    for family, divisions in cells.items():
        for code, key, low, high in _bounds(family, divisions, tree, analyst):
            suppressed += 1
            if high - low < THRESHOLD - 1e-6:
                narrow.append((family, code, key, low, high))
    assert suppressed > 20, "the world should have small cells to protect"
    assert not narrow, narrow[:10]
    _the_attack_is_real(cells, tree, analyst)


def _the_attack_is_real(cells, tree, analyst) -> None:
    """Publish the rest of a suppressed cell's breakdown and the same attack pins it exactly."""
    family = CHILDREN_PREFIX + "any"
    code, key = next((c, k) for c, keys in cells[family].items() for k, v in keys.items()
                     if v is None and k.startswith("band:") and keys.get("total") is not None)
    truth = _figures(code)[0].figures[family]
    exposed = {**cells[family], code: {**cells[family][code], **{
        k: truth.get(k, 0) for k in cells[family][code] if k.startswith("band:") and k != key}}}
    bounds = {(c, k): (low, high) for c, k, low, high in _bounds(family, exposed, tree, analyst)}
    low, high = bounds[code, key]
    assert high - low < 1e-6 and round(low) == truth.get(key, 0)
