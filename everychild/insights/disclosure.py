"""Disclosure control for published counts of children: which cells to suppress, and why.

Aggregate-only roles see, for one category, a tree of divisions (nation -> ... -> villages).
Every division publishes the same cells: ``total`` and groups of ``group:value`` keys, each
group partitioning the total (``sex:M``/``sex:F``, five age bands, ``area:U``/``R``/``?``).
A cell with 1 <= value < threshold is suppressed (``primary``); zeros are shown. More cells
are suppressed (``complementary``) so that no suppressed value can be narrowed down: an
attacker who knows every published cell, that each group sums to its total, that every cell
of a division is the sum of that cell over its sub-divisions and that nothing is negative,
and who solves linear programs over all of it, must still find for every suppressed cell an
interval at least ``threshold`` wide. ``tests/test_disclosure.py`` runs exactly that attack,
with ``scipy.optimize.linprog``, on hard hand-made trees and on random ones.

Decisions are taken top-down: ``protect_root`` for the top division from its own cells, then
``protect_children`` for the children of each division from the parent's cells, the parent's
decisions and the children's cells only. A dashboard for a division decides its chain from
the nation down in a few steps and finds what a whole-tree export (``protect_tree``) finds.
A suppressed cell is suppressed wherever it appears (a division's page, its parent's ranking).

Why this protects
-----------------
A *move* of a division changes its suppressed cells so that its groups still sum to its
total and nothing goes negative; published cells never change. If every division gets a move
and each division's move is the sum of its sub-divisions' moves, the moved tree is a point the
attacker cannot exclude. So a suppressed cell is protected once two such trees put it
``threshold`` apart. Each division ``n`` promises two convex sets of moves, computed from its
own cells and suppressed keys only (which is what lets a step see nothing but one family):

* the *reach* ``R(n)``: every suppressed cell rising by up to the threshold or falling by up to
  ``min(value, threshold)``, all at once, the total changing by a whole number in its range.
  Promised downwards: the step below makes every point of it a sum of its children's reaches.
* the *core* ``C(n)`` ⊆ ``R(n)``: every cell below the threshold rising to the threshold and
  falling to zero, the rest of its group following in a fixed way (or, when nothing in the
  group can, the total and the other groups); independently in each group, so the hull of
  those options group by group. Promised upwards: the step above checked that the rest of the
  tree absorbs any of it. The step below leans on it when the parent's small cells must move
  for the children's to.

Group by group, a slice of the reach (its total change fixed) is a box cut by "the changes sum
to the total's": the base polytope of a submodular function, known by its value ``f(A)`` on
each subset ``A`` of the group (at most 32). Minkowski sums of base polytopes add their ``f``,
and a point lies in one exactly when its sums over the subsets are no larger; so "the rest of
the tree absorbs this" is a handful of exact inequalities, no LP needed. The step for a parent
``P`` suppresses children's cells until

1. *core*: each point of each child's core is a point of ``C(P)`` minus moves of the siblings
   inside their reaches (the parent's part chosen per group, as a single option, a scaled one
   or a mixture; the siblings' total changes spread and then traded one at a time);
2. *cover*: each suppressed cell of each child has a rise and a fall ``threshold`` apart in all
   (in the child's core already, or found among its moves with each partner or its total),
   each absorbed in the same way;
3. *down*: every slice of ``R(P)`` is a sum of slices of the children's reaches.

By induction from the root, whose reach nobody above has to absorb, every point of ``C(n)`` and
every protective point of 2 extends to a whole feasible tree: 1 and 2 supply the ancestors and
siblings, 3 the descendants. A failed choice of total changes or of parent's part only costs
more suppression, never safety: the inequalities checked are exact for the choice made.

Cascade. If a parent hides its total and every cell it counts, its children hide the same
columns, zeros included, and so on down (a parent counting fewer than ``_SEARCHED`` times the
threshold, or a step whose search fails or runs past its budget, does the same). Then any
child can be given any share of its parent's counts: each child's cell ranges from 0 to the
most its parent's can be, at least the threshold, and whatever the parent's reach asks of its
children they can do, so the promises above still hold. An only child repeats its parent's
decisions (its cells are its parent's).

The search is greedy: primaries first, then, for the first failing check, the cheapest cell
(by value, ties by code and key) that mends it, counting the partner its division then needs;
zeros only when no non-zero cell will do (a child holding all of a column its parent shows).
A step over ~40 children takes some tens of milliseconds; a search gives up after a fixed
amount of work (a count, not a clock, so decisions never depend on timing). A suppressed
zero key may be absent from the cells given: the decisions still name it.
"""
from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

DEFAULT_THRESHOLD = 5
PRIMARY, COMPLEMENTARY = "primary", "complementary"
TOTAL = "total"

_EPS = 1e-9
_SINGLE_TRIES = 4  # single units tried for a total change, before a greedy spread
_REPAIRS_PER_CHILD, _REPAIRS_PER_STEP = 3, 20  # then a step gives up (and falls back)
_HELPERS_TRIED = 40  # candidates weighed when none mends a failure outright
_SEARCHED = 4  # a parent counting fewer than this many times the threshold: no search
_WORK_PER_CHILD, _WORK_PER_STEP = 10, 100  # absorption checks a search may make, then it gives up
_WORK_PER_SHORTFALL = 0.05  # what one weighing of demands counts against that budget

Tables = list[list[float]]  # per group, a value for every subset (bit mask) of its keys
Move = dict[str, float]  # key -> change
Option = tuple[str | None, Move]  # a group's change, with the cell it is for (if any)
Demands = list[list[list[list[float]]]]  # per group, per demand, alternatives: f(A) per subset


@dataclass
class Node:
    """A division in a tree of published figures: its cells and its sub-divisions."""

    code: str
    cells: Mapping[str, int]
    children: list[Node] = field(default_factory=list)


def protect_series(values: Mapping[str, int], threshold: int = DEFAULT_THRESHOLD) -> dict[str, str]:
    """Suppressed keys of a series published without a total (counts per month, say).

    Nothing sums the values, so nothing can be recovered from the others: only the small
    values themselves are hidden."""
    threshold = _checked_threshold(threshold)
    return {key: PRIMARY for key, value in values.items() if 0 < _count(key, value) < threshold}


def ratio_suppressed(numerator_reason: str | None, denominator_reason: str | None) -> bool:
    """Whether a share must be hidden: when its numerator or its denominator is."""
    return bool(numerator_reason) or bool(denominator_reason)


def protect_root(cells: Mapping[str, int], threshold: int = DEFAULT_THRESHOLD) -> dict[str, str]:
    """Suppressed keys of the root node (the top of what is published) -> reason."""
    threshold = _checked_threshold(threshold)
    layout = _Layout([cells])
    unit = _Unit("", _values("the root", cells, layout), (), layout, threshold)
    for zeros in (False, True):
        if _settle_locally(unit, lambda key, zeros=zeros: zeros or unit.value(key) > 0):
            return unit.reasons()
    raise AssertionError("a single division can always be protected")  # pragma: no cover


def protect_children(parent: Mapping[str, int], parent_suppressed: Mapping[str, str],
                     children: Mapping[str, Mapping[str, int]], threshold: int = DEFAULT_THRESHOLD
                     ) -> dict[str, dict[str, str]]:
    """For each child code, its suppressed keys -> reason, consistent with the parent's decisions.

    ``children`` must be all of the parent's sub-divisions: every cell of the parent is the
    sum of the children's (add a child for what the sub-divisions do not account for)."""
    threshold = _checked_threshold(threshold)
    if not children:
        return {}
    layout = _Layout([parent, *children.values(), dict.fromkeys(parent_suppressed, 0)])
    top = _Unit("", _values("the parent", parent, layout), parent_suppressed, layout, threshold)
    kids = [_Unit(code, _values(code, children[code], layout), (), layout, threshold)
            for code in sorted(children)]
    _check_sums(top, kids, layout)
    if len(kids) == 1:  # the same cells under another name: the same decisions
        return {kids[0].code: _Unit(kids[0].code, kids[0].x, top.suppressed, layout, threshold).reasons()}
    if not _cascades(top) and top.value(TOTAL) >= _SEARCHED * threshold:
        step = _Step(top, kids)
        if step.settle(zeros=False) or step.settle(zeros=True):
            return {kid.code: kid.reasons() for kid in kids}
    whole = top.suppressed | set(top.x)  # a column the parent shows as 0 is 0 below
    return {kid.code: _Unit(kid.code, kid.x, whole, layout, threshold).reasons() for kid in kids}


def _cascades(parent: _Unit) -> bool:
    """Whether everything the parent counts is hidden: then so is everything below it.
    (A parent counting fewer than ``_SEARCHED`` times the threshold goes the same way: its
    children are small, most of their cells are hidden anyway, and the search for a finer
    answer almost never succeeds there.)

    With every cell of a subtree suppressed (zeros too, in the columns the parent counts),
    any child can be given any share of the parent's counts, so each child's cell ranges
    from 0 to the most its parent's can be, at least the threshold; and whatever the
    parent's reach asks of its children, they can do. A step that finds no other safe
    answer falls back to the same."""
    return parent.has_total and all(key in parent.suppressed for key in parent.x)


def protect_tree(tree: Node, threshold: int = DEFAULT_THRESHOLD) -> dict[str, dict[str, str]]:
    """Every node's decisions (code -> key -> reason): ``protect_root`` on the root, then
    ``protect_children`` on every node's children, top-down, exactly as a dashboard does."""
    decisions = {tree.code: protect_root(tree.cells, threshold)}
    pending = [tree]
    while pending:
        node = pending.pop()
        if node.children:
            decisions.update(protect_children(
                node.cells, decisions[node.code],
                {child.code: child.cells for child in node.children}, threshold))
            pending.extend(node.children)
    return decisions


# --- cells, groups and validation -------------------------------------------------------


def _checked_threshold(threshold: int) -> int:
    threshold = operator.index(threshold)
    if threshold < 1:
        raise ValueError("the disclosure threshold must be at least 1")
    return threshold


def _count(key: str, value: int) -> int:
    try:
        value = operator.index(value)
    except TypeError:
        raise ValueError(f"cell {key!r} is not a whole number: {value!r}") from None
    if value < 0:
        raise ValueError(f"cell {key!r} is negative: {value}")
    return value


class _Layout:
    """The published cells of one step: ``total`` plus groups of ``group:value`` keys."""

    def __init__(self, cell_maps: Iterable[Mapping[str, int]]) -> None:
        grouped: dict[str, list[str]] = {}
        for key in sorted({key for cells in cell_maps for key in cells} - {TOTAL}):
            name, colon, value = key.partition(":")
            if not (colon and name and value):
                raise ValueError(f"cell key {key!r} is neither 'total' nor 'group:value'")
            grouped.setdefault(name, []).append(key)
        self.names = sorted(grouped)
        self.groups = [tuple(grouped[name]) for name in self.names]
        self.group_of = {key: i for i, keys in enumerate(self.groups) for key in keys}
        self.keys = [TOTAL, *self.group_of]

    def empty(self) -> Tables:
        return [[0.0] * (1 << len(keys)) for keys in self.groups]


def _values(where: str, cells: Mapping[str, int], layout: _Layout) -> dict[str, int]:
    """The non-zero cells, after checking that every group sums to the total."""
    values = {key: n for key, value in cells.items() if (n := _count(key, value))}
    total = values.get(TOTAL, 0)
    for name, keys in zip(layout.names, layout.groups, strict=True):
        found = sum(values.get(key, 0) for key in keys)
        if found != total:
            raise ValueError(f"{where}: the {name} cells sum to {found}, not to the total {total}")
    return values


def _check_sums(parent: _Unit, kids: list[_Unit], layout: _Layout) -> None:
    for key in layout.keys:
        found = sum(kid.value(key) for kid in kids)
        if found != parent.value(key):
            raise ValueError(f"the children's {key} cells sum to {found}, "
                             f"not to the parent's {parent.value(key)}")


def _submask_sums(values: list[float]) -> tuple[float, ...]:
    """The sum of ``values`` over every subset (bit mask); read-only, shared between callers."""
    return _sums_of(tuple(values))


@lru_cache(maxsize=1 << 14)  # a step asks for the same few vectors thousands of times
def _sums_of(values: tuple[float, ...]) -> tuple[float, ...]:
    sums = [0.0] * (1 << len(values))
    for mask in range(1, len(sums)):
        low = mask & -mask
        sums[mask] = sums[mask ^ low] + values[low.bit_length() - 1]
    return tuple(sums)


def _add(into: Tables, tables: Tables, sign: float = 1.0) -> None:
    for row, table in zip(into, tables, strict=True):
        for mask, value in enumerate(table):
            row[mask] += sign * value


# --- one division: its moves and its promises --------------------------------------------


class _Reach:
    """``R(n)``: the union of its slices, each known by ``f(A)`` per group and subset."""

    def __init__(self, slices: list[float], tables: list[Tables]) -> None:
        self.slices = slices
        self.tables = tables
        self.low, self.high = slices[0], slices[-1]
        self._mixed: dict[float, Tables] = {}

    def at(self, tau: float) -> Tables:
        """A polytope of moves changing the total by ``tau``: the slice itself, or between
        two slices their mixture (which lies in the hull, hence is promised too)."""
        tau = min(max(tau, self.low), self.high)
        if tau not in self._mixed:
            self._mixed[tau] = self._mix(tau)
        return self._mixed[tau]

    def _mix(self, tau: float) -> Tables:
        for i, point in enumerate(self.slices):
            if abs(point - tau) <= _EPS:
                return self.tables[i]
            following = self.slices[i + 1] if i + 1 < len(self.slices) else None
            if following is not None and point < tau < following:
                share = (tau - point) / (following - point)
                return [[a + share * (b - a) for a, b in zip(left, right, strict=True)]
                        for left, right in zip(self.tables[i], self.tables[i + 1], strict=True)]
        raise AssertionError("tau outside the reach")  # pragma: no cover

    def negated(self, tau: float) -> Tables:
        """The same for the opposite moves: ``f(A)`` becomes ``f(not A) - f(all)``."""
        found = []
        for table in self.at(tau):
            full = len(table) - 1
            found.append([table[full ^ mask] - table[full] for mask in range(len(table))])
        return found


class _Unit:
    """One division within a step: its non-zero values, its suppressed keys, its promises."""

    def __init__(self, code: str, values: dict[str, int], suppressed: Iterable[str],
                 layout: _Layout, threshold: int) -> None:
        self.code = code
        self.x = values
        self.layout = layout
        self.t = threshold
        self.suppressed = set(suppressed) | {key for key, value in values.items() if value < threshold}
        self._cache: dict[object, object] = {}

    def value(self, key: str) -> int:
        return self.x.get(key, 0)

    @property
    def has_total(self) -> bool:
        return TOTAL in self.suppressed

    def add(self, key: str) -> None:
        self.suppressed.add(key)
        self._cache.clear()

    def drop(self, key: str) -> None:
        self.suppressed.discard(key)
        self._cache.clear()

    def reasons(self) -> dict[str, str]:
        return {key: PRIMARY if 0 < self.value(key) < self.t else COMPLEMENTARY
                for key in sorted(self.suppressed)}

    def members(self, group: int) -> list[str]:
        return [key for key in self.layout.groups[group] if key in self.suppressed]

    def falls(self, key: str) -> float:
        """How far a suppressed cell may fall in the reach."""
        return min(self.value(key), self.t)

    # the reach: every suppressed cell at once, in slices

    def total_limits(self) -> tuple[int, int]:
        """How far the total may fall and rise in the reach: as far as every group follows."""
        if not self.has_total:
            return 0, 0
        low, high = -min(self.value(TOTAL), self.t), self.t
        for g in range(len(self.layout.groups)):
            members = self.members(g)
            low = max(low, -sum(self.falls(k) for k in members))
            high = min(high, self.t * len(members))
        return int(low), int(high)

    def reach(self) -> _Reach:
        if "reach" not in self._cache:
            low, high = self.total_limits()
            slices = [float(tau) for tau in range(low, high + 1)]
            self._cache["reach"] = _Reach(slices, [
                [self._slice(g, tau) for g in range(len(self.layout.groups))] for tau in slices])
        return self._cache["reach"]  # type: ignore[return-value]

    def _slice(self, group: int, tau: float) -> list[float]:
        """``f(A)`` of one slice: the most the cells of ``A`` can rise together, the least of
        their own limits and of the total's change plus the others' falls."""
        keys = self.layout.groups[group]
        inside, lows, highs = 0, [], []
        for bit, key in enumerate(keys):
            if key in self.suppressed:
                inside |= 1 << bit
                lows.append(-self.falls(key))
                highs.append(float(self.t))
            else:
                lows.append(0.0)
                highs.append(0.0)
        low_sum, high_sum = _submask_sums(lows), _submask_sums(highs)
        return [min(high_sum[mask & inside], tau - low_sum[inside & ~mask]) if mask & inside else 0.0
                for mask in range(1 << len(keys))]

    def reach_at(self, tau: float) -> Tables:
        return self.reach().at(tau)

    def reach_negated(self, tau: float) -> Tables:
        cached = self._cache.setdefault("negated", {})
        if tau not in cached:  # type: ignore[operator]
            cached[tau] = self.reach().negated(tau)  # type: ignore[index]
        return cached[tau]  # type: ignore[index]

    def shortfalls(self) -> dict[str, float]:
        """Suppressed keys whose range inside the reach is narrower than the threshold (for
        the root that range is the protection; for a child it is the least it needs)."""
        short = {}
        low, high = self.total_limits()
        if self.has_total and high - low < self.t:
            short[TOTAL] = self.t - (high - low)
        for g in range(len(self.layout.groups)):
            members = self.members(g)
            for key in members:
                others = [k for k in members if k != key]
                top = min(self.t, high + sum(self.falls(k) for k in others))
                bottom = max(-self.falls(key), low - self.t * len(others))
                if top - bottom < self.t:
                    short[key] = self.t - (top - bottom)
        return short

    # moves of one cell, with the rest of its row following

    def spread(self, group: int, amount: float, skip: str | None, move: Move,
               order: list[str] | None = None, natural: bool = False) -> bool:
        """Share a change of ``amount`` among the group's other suppressed cells, in
        ``order``; by default cells below the threshold first, the largest of them first:
        the parent's suppressed cells are mostly small ones, in the same columns. A
        ``natural`` rise stops small cells at the threshold and leaves large ones alone."""
        if order is None:
            order = sorted(self.members(group),
                           key=lambda k: (self.value(k) >= self.t, -self.value(k), k))
        left = abs(amount)
        for key in order:
            if key == skip or key not in self.suppressed:
                continue
            if amount < 0:
                room = self.falls(key)
            elif not natural:
                room = self.t
            elif self.value(key) < self.t:
                room = self.t - self.value(key)
            else:
                room = 0 if self.has_total else self.t
            take = min(room, left)
            if take > _EPS:
                move[key] = move.get(key, 0.0) + (take if amount > 0 else -take)
                left -= take
        return left <= _EPS

    def with_total(self, change: float, key: str | None) -> Move | None:
        """Move the total by ``change``, ``key`` taking its group's share."""
        move: Move = {TOTAL: change}
        if key is not None:
            move[key] = change
        for g in range(len(self.layout.groups)):
            if key is not None and self.layout.group_of[key] == g:
                continue
            if not self.spread(g, change, None, move):
                return None
        return move

    def swap(self, key: str, change: float, partner: str | None = None) -> Move | None:
        """Move ``key`` by ``change``, its group's other cells (or ``partner``) following."""
        group = self.layout.group_of[key]
        move: Move = {key: change}
        order = [partner] if partner else None
        return move if self.spread(group, -change, key, move, order) else None

    def core(self) -> dict[float, list[list[Option]]]:
        """``C(n)``: by change of the total, for each group the options its cells have (the
        hull of them, independently in each group). Every cell below the threshold can rise
        to it and fall to zero, with its group (or, when no partner can follow, the total
        and the other groups) following in a fixed way; what the children of this
        division lean on when their own cells are too few."""
        if "core" not in self._cache:
            self._cache["core"] = self._build_core()
        return self._cache["core"]  # type: ignore[return-value]

    def _build_core(self) -> dict[float, list[list[Option]]]:
        groups = range(len(self.layout.groups))
        swaps: list[list[Option]] = [[(None, {})] for _g in groups]
        moved: dict[float, set[str]] = {}
        small = [k for k in sorted(self.suppressed) if self.value(k) < self.t]
        for key in small:
            for change in (-self.value(key), self.t - self.value(key)):
                if not change:
                    continue
                if key == TOTAL:
                    moved.setdefault(float(change), set())
                    continue
                move: Move = {key: float(change)}
                if self.spread(self.layout.group_of[key], -change, key, move, natural=True):
                    swaps[self.layout.group_of[key]].append((key, move))
                elif self.has_total:
                    moved.setdefault(float(change), set()).add(key)
        core = {0.0: swaps}
        for tau, keys in moved.items():
            options = [self._slice_options(g, tau, keys) for g in groups]
            if all(options):
                core[tau] = options
        return core

    def core_spans(self) -> dict[str, float]:
        """How far each cell moves inside the core (which the parent's step has checked)."""
        low: dict[str, float] = {}
        high: dict[str, float] = {}
        for tau, options in self.core().items():
            if tau:
                low[TOTAL], high[TOTAL] = min(low.get(TOTAL, 0.0), tau), max(high.get(TOTAL, 0.0), tau)
            for group_options in options:
                for _key, move in group_options:
                    for key, change in move.items():
                        low[key] = min(low.get(key, 0.0), change)
                        high[key] = max(high.get(key, 0.0), change)
        return {key: high[key] - low[key] for key in high}

    def _slice_options(self, group: int, tau: float, keys: set[str]) -> list[Option]:
        options: list[Option] = []
        spread: Move = {}
        if self.spread(group, tau, None, spread, natural=True):
            options.append((None, spread))
        for key in sorted(keys):
            if self.layout.group_of[key] == group:
                options.append((key, {key: tau}))
        return options


def _settle_locally(unit: _Unit, allowed: Callable[[str], bool]) -> bool:
    """Suppress more of the unit's cells until each suppressed one spans the threshold
    inside its reach; False when no allowed cell helps."""
    while short := unit.shortfalls():
        key = min(short)
        before = sum(short.values())
        mending, helping = [], []
        for candidate in unit.layout.keys:
            if candidate in unit.suppressed or not allowed(candidate):
                continue
            unit.add(candidate)
            after = unit.shortfalls()
            unit.drop(candidate)
            rank = (unit.value(candidate), candidate)
            if key not in after:
                mending.append(rank)
            elif sum(after.values()) < before - _EPS:
                helping.append((sum(after.values()), *rank))
        if mending:
            unit.add(min(mending)[1])
        elif helping:
            unit.add(min(helping)[2])
        else:
            return False
    return True


# --- one step: a parent and its children ------------------------------------------------


@dataclass
class _Failure:
    """What a check found wrong, with what a repair needs to know."""

    excess: float
    check: str  # "core", "cover" or "down"
    unit: _Unit | None = None
    key: str | None = None  # for "cover": the cell without witnesses
    tau: float = 0.0  # for "core": the slice not absorbed
    group: int | None = None  # the group of the worst inequality
    short_total: float = 0.0  # a change of the others' totals nobody could take
    rising: bool = False  # whether that change is a rise


@dataclass
class _Verdict:
    excess: float
    group: int | None = None
    short_total: float = 0.0
    rising: bool = False


class _Step:
    """The children of one parent, and the checks of the module docstring."""

    def __init__(self, parent: _Unit, kids: list[_Unit]) -> None:
        self.parent = parent
        self.kids = kids
        self.layout = parent.layout
        self.t = parent.t
        self._negated: Tables | None = None
        self.work = 0  # absorption checks made; a search past its budget gives up

    @property
    def spent(self) -> bool:
        return self.work > _WORK_PER_CHILD * len(self.kids) + _WORK_PER_STEP

    def changed(self) -> None:
        self._negated = None

    def add(self, unit: _Unit, key: str) -> None:
        unit.add(key)
        self.changed()

    @staticmethod
    def _gap(need: list[float], offer: list[float]) -> float:
        """How far one group's ``need`` exceeds ``offer`` on its subsets (sums must agree)."""
        full = len(need) - 1
        gap = abs(need[full] - offer[full])
        for mask in range(full):
            if need[mask] > offer[mask] + _EPS:
                gap += need[mask] - offer[mask]
        return gap if gap > _EPS else 0.0

    def _shortfall(self, demands: Demands, offered: Tables) -> tuple[float, int | None]:
        """The total excess of the demands over what is offered, each demand met by its
        best alternative, and the group of the worst one."""
        self.work += _WORK_PER_SHORTFALL
        total, worst, where = 0.0, 0.0, None
        for g, group_demands in enumerate(demands):
            for alternatives in group_demands:
                gap = min(self._gap(need, offered[g]) for need in alternatives)
                total += gap
                if gap > worst:
                    worst, where = gap, g
        return total, where

    @staticmethod
    def _spreads(units: list[_Unit], amount: float, capacity: Callable[[_Unit], float]
                 ) -> list[dict[_Unit, float]]:
        """Ways to share ``amount`` among units: single ones first, then a greedy spread."""
        spreads: list[dict[_Unit, float]] = []
        for unit in units:
            if capacity(unit) >= amount - _EPS:
                spreads.append({unit: amount})
                if len(spreads) == _SINGLE_TRIES:
                    break
        spread, left = {}, amount
        for unit in units:
            take = min(capacity(unit), left)
            if take > _EPS:
                spread[unit] = take
                left -= take
        if left <= _EPS and spread not in spreads:
            spreads.append(spread)
        return spreads

    def _total_changes(self, units: list[_Unit], change: float) -> list[dict[_Unit, float]]:
        """Ways for ``units`` to change their totals by ``change`` together, in their reach."""
        if abs(change) <= _EPS:
            return [{}]
        if change > 0:
            return self._spreads(units, change, lambda u: u.reach().high)
        spreads = self._spreads(units, -change, lambda u: -u.reach().low)
        return [{u: -v for u, v in spread.items()} for spread in spreads]

    @staticmethod
    def _by_overlap(units: list[_Unit], other: _Unit) -> list[_Unit]:
        return sorted(units, key=lambda u: (-len(u.suppressed & other.suppressed), u.code))

    def _group_point(self, group: int, move: Move) -> tuple[float, ...]:
        return _submask_sums([move.get(key, 0.0) for key in self.layout.groups[group]])

    def _negated_sum(self) -> Tables:
        if self._negated is None:
            self._negated = self.layout.empty()
            for kid in self.kids:
                _add(self._negated, kid.reach_negated(0.0))
        return self._negated

    def _parent_totals(self, tau: float) -> list[tuple[float, float]]:
        """Slices of the parent's core that may take part of a child's total change ``tau``,
        with the share taken: none, or a slice in the same direction scaled to it."""
        found = [(0.0, 0.0)]
        for sigma in sorted(self.parent.core()):
            if sigma * tau > 0:
                found.append((sigma, min(1.0, abs(tau) / abs(sigma))))
        return found

    def _parent_parts(self, kid: _Unit, group: int, sigma: float, share: float, option: Option,
                      mixed: bool) -> list[Move]:
        """Points of the parent's core in ``group`` that may go with a child's option: at no
        total change, nothing, a parent's option moving one of the same cells the same way
        (scaled to it), or a mixture of options covering what the siblings cannot; at
        ``sigma``, the share of each of the parent's options there (topped up likewise)."""
        core = self.parent.core()
        move = option[1]
        if sigma:
            parts = []
            for _key, corner in core[sigma][group]:
                part = {k: v * share for k, v in corner.items()}
                parts.append(part)
                if mixed:
                    parts.extend(self._mixture(kid, group, move, part, 1.0 - share, cheap)
                                 for cheap in (True, False))
            return parts
        parts = [{}]
        for parent_key, corner in core[0.0][group]:
            if parent_key is not None and corner[parent_key] * move.get(parent_key, 0.0) > 0:
                scale = min(1.0, abs(move[parent_key]) / abs(corner[parent_key]))
                parts.append({k: v * scale for k, v in corner.items()})
        if mixed:
            parts.extend(self._mixture(kid, group, move, {}, 1.0, cheap) for cheap in (True, False))
        return parts

    def _mixture(self, kid: _Unit, group: int, move: Move, part: Move, budget: float, cheap: bool
                 ) -> Move:
        """``part`` plus shares (at most ``budget`` in all) of the parent's options at no
        total change, for the columns the siblings cannot cover: the cheapest to cover
        first, or the largest shortfall first."""
        part = dict(part)
        options = [(k, corner) for k, corner in self.parent.core()[0.0][group] if k is not None]
        for _round in range(len(self.layout.groups[group])):
            if budget <= _EPS:
                break
            best = None
            for key in self.layout.groups[group]:
                need = move.get(key, 0.0) - part.get(key, 0.0)
                deficit = abs(need) - self._sibling_room(kid, key, need)
                usable = [c for k, c in options if k == key and c[key] * need > 0]
                if deficit <= _EPS or not usable:
                    continue
                corner = max(usable, key=lambda c: abs(c[key]))
                rank = deficit / abs(corner[key]) if cheap else -deficit
                if best is None or rank < best[0]:
                    best = (rank, deficit, key, corner)
            if best is None:
                break
            _rank, deficit, key, corner = best
            scale = min(budget, deficit / abs(corner[key]))
            for k, v in corner.items():
                part[k] = part.get(k, 0.0) + v * scale
            budget -= scale
        return part

    def _sibling_room(self, kid: _Unit, key: str, need: float) -> float:
        """How far the child's siblings could take a change of ``need`` in a column (a rise of
        the child's there means falls of theirs), their rows aside."""
        room = 0.0
        for other in self.kids:
            if other is not kid and key in other.suppressed:
                room += other.falls(key) if need > 0 else self.t
        return room

    def absorb(self, kid: _Unit, tau: float, options: list[list[Option]]) -> _Verdict:
        """Whether the rest of the tree absorbs every combination of the child's options
        (one per group, the total changing by ``tau``): the parent's core takes a part,
        the siblings' reach the rest (their totals set once for all combinations)."""
        self.work += 1
        siblings = self._by_overlap([k for k in self.kids if k is not kid], kid)
        fixed = [list(row) for row in self._negated_sum()]
        _add(fixed, kid.reach_negated(0.0), -1.0)
        best: _Verdict | None = None
        short = 0.0
        for mixed in (False, True):
            for sigma, share in self._parent_totals(tau):
                rest = tau - sigma * share
                spreads = self._total_changes(siblings, -rest)
                if not spreads:
                    short = -rest
                    continue
                demands = [[[self._group_point(g, {k: option[1].get(k, 0.0) - part.get(k, 0.0)
                                                   for k in set(option[1]) | set(part)})
                             for part in self._parent_parts(kid, g, sigma, share, option, mixed)]
                            for option in group_options]
                           for g, group_options in enumerate(options)]
                found = self._best_fit(demands, fixed, siblings, spreads, _Unit.reach_negated)
                if best is None or found.excess < best.excess:
                    best = found
                if found.excess <= _EPS:
                    return found
        if best is None:
            return _Verdict(1.0 + abs(short), None, abs(short), short > 0)
        return best

    def absorb_move(self, kid: _Unit, move: Move) -> _Verdict:
        """``absorb`` for one move of the child's."""
        options = [[(None, {k: v for k, v in move.items() if k in keys})] for keys in self.layout.groups]
        return self.absorb(kid, move.get(TOTAL, 0.0), options)

    def _best_fit(self, demands: Demands, fixed: Tables, units: list[_Unit],
                  spreads: list[dict[_Unit, float]], table: Callable[[_Unit, float], Tables]
                  ) -> _Verdict:
        """The least excess of the demands over ``fixed`` plus the units' tables, their total
        changes set by the best of ``spreads`` and then traded one at a time between two of
        them (the excess is convex in those changes, so trading rarely misleads)."""
        best = None
        for spread in spreads:
            offered = [list(row) for row in fixed]
            for unit, change in spread.items():
                _add(offered, table(unit, change))
                _add(offered, table(unit, 0.0), -1.0)
            excess, group = self._shortfall(demands, offered)
            if best is None or excess < best[0]:
                best = (excess, group, offered, dict(spread))
            if excess <= _EPS:
                break
        excess, group, offered, changes = best
        for _round in range(2 * self.t):
            if excess <= _EPS:
                break
            traded = self._trade(demands, offered, units, changes, table, excess)
            if traded is None:
                break
            excess, group, offered = traded
        return _Verdict(excess, group)

    def _trade(self, demands: Demands, offered: Tables, units: list[_Unit], changes: dict[_Unit, float],
               table: Callable[[_Unit, float], Tables], excess: float
               ) -> tuple[float, int | None, Tables] | None:
        """One unit of total change moved from one unit to another, if that lessens the excess."""
        short = [g for g, group_demands in enumerate(demands)
                 if any(min(self._gap(need, offered[g]) for need in alternatives) > _EPS
                        for alternatives in group_demands)]
        focus = [group_demands if g in short else [] for g, group_demands in enumerate(demands)]
        ups, downs = [], []
        for unit in units:
            reach, now = unit.reach(), changes.get(unit, 0.0)
            for step, bucket in ((1.0, ups), (-1.0, downs)):
                if reach.low - _EPS <= now + step <= reach.high + _EPS:
                    delta = [[b - a for a, b in zip(old, new, strict=True)] for old, new in
                             zip(table(unit, now), table(unit, now + step), strict=True)]
                    trial = [list(row) for row in offered]
                    _add(trial, delta)
                    bucket.append((self._shortfall(focus, trial)[0], unit.code, unit, delta))
        ups.sort(key=lambda b: (b[0], b[1]))
        downs.sort(key=lambda b: (b[0], b[1]))
        best = None
        for up in ups[:3]:
            for down in downs[:3]:
                if up[2] is down[2]:
                    continue
                trial = [list(row) for row in offered]
                _add(trial, up[3])
                _add(trial, down[3])
                found = self._shortfall(demands, trial)
                if best is None or found[0] < best[0]:
                    best = (*found, trial, up[2], down[2])
        if best is None or best[0] >= excess - _EPS:
            return None
        changes[best[3]] = changes.get(best[3], 0.0) + 1.0
        changes[best[4]] = changes.get(best[4], 0.0) - 1.0
        return best[0], best[1], best[2]

    # the checks

    def check_core(self, kid: _Unit, only: float | None = None) -> _Failure | None:
        """Each slice of the child's core (or slice ``only``) is absorbed by the rest of the tree."""
        for tau, options in kid.core().items():
            if only is not None and tau != only:
                continue
            verdict = self.absorb(kid, tau, options)
            if verdict.excess > _EPS:
                return _Failure(verdict.excess, "core", kid, None, tau, verdict.group,
                                verdict.short_total, verdict.rising)
        return None

    def _witnesses(self, kid: _Unit, key: str, change: float) -> list[Move]:
        """Moves of the child's ``key`` by ``change``, its row following in the ways a
        parent can see: each partner of its group, or the total."""
        moves = []
        if key == TOTAL:
            return [m for m in (kid.with_total(change, None),) if m]
        group = kid.layout.group_of[key]
        for partner in kid.members(group):
            if partner != key and (move := kid.swap(key, change, partner)):
                moves.append(move)
        if (move := kid.swap(key, change)) and move not in moves:
            moves.append(move)
        if kid.has_total and (move := kid.with_total(change, key)):
            moves.append(move)
        return moves

    def _reach_of(self, kid: _Unit, key: str, sign: int, limit: float) -> tuple[float, _Verdict | None]:
        """The furthest (whole number up to ``limit``) the child's ``key`` can move in one
        direction with the rest of the tree absorbing it, and why it cannot go further."""
        worst = None
        for amount in range(int(limit), 0, -1):
            for move in self._witnesses(kid, key, sign * amount):
                verdict = self.absorb_move(kid, move)
                if verdict.excess <= _EPS:
                    return amount, worst
                if worst is None or verdict.excess < worst.excess:
                    worst = verdict
        return 0.0, worst

    def check_cover(self, kid: _Unit, key: str) -> _Failure | None:
        """The child's suppressed ``key`` has two points ``threshold`` apart, each absorbed."""
        fall_limit = kid.falls(key)
        fall, why_fall = self._reach_of(kid, key, -1, fall_limit)
        rise, why_rise = self._reach_of(kid, key, 1, self.t - fall)
        if fall + rise >= self.t - _EPS:
            return None
        why = why_rise or why_fall or _Verdict(1.0)
        return _Failure(self.t - fall - rise, "cover", kid, key, 0.0, why.group, why.short_total,
                        why.rising)

    def check_down(self) -> _Failure | None:
        """Every point of the parent's reach is a sum of points of the children's."""
        reach = self.parent.reach()
        base = self.layout.empty()
        for kid in self.kids:
            _add(base, kid.reach_at(0.0))
        kids = self._by_overlap(self.kids, self.parent)
        total, first = 0.0, None
        for i, tau in enumerate(reach.slices):
            options = self._total_changes(kids, tau)
            if not options:
                total += 1.0 + abs(tau)
                first = first or _Verdict(0.0, None, abs(tau), tau > 0)
                continue
            demands = [[[table]] for table in reach.tables[i]]
            found = self._best_fit(demands, base, kids, options, _Unit.reach_at)
            if found.excess > _EPS:
                total += found.excess
                first = first or found
        if first is None:
            return None
        return _Failure(total, "down", None, None, 0.0, first.group, first.short_total, first.rising)

    def first_failure(self) -> _Failure | None:
        for kid in self.kids:
            if failure := self.check_core(kid):
                return failure
        for kid in self.kids:
            covered = kid.core_spans()
            for key in sorted(kid.suppressed):
                if covered.get(key, 0.0) < self.t - _EPS and (failure := self.check_cover(kid, key)):
                    return failure
        return self.check_down()

    def _recheck(self, failure: _Failure) -> float:
        if failure.check == "down":
            found = self.check_down()
        elif failure.check == "core":
            found = self.check_core(failure.unit, failure.tau)
        else:
            found = self.check_cover(failure.unit, failure.key)
        return found.excess if found else 0.0

    # choosing what to suppress

    def eligible(self, kid: _Unit, key: str, zeros: bool) -> bool:
        """A child's cell is worth suppressing only if something can move against it: the
        parent's cell, or a sibling's (non-zero unless ``zeros``)."""
        if key in kid.suppressed or (not zeros and kid.value(key) == 0):
            return False
        if key in self.parent.suppressed:
            return True
        if not self.parent.value(key):  # a column shown as 0: 0 in every child
            return False
        others = [k for k in self.kids if k is not kid]
        return bool(others) and (zeros or any(k.value(key) for k in others))

    def settle(self, zeros: bool) -> bool:
        """Suppress cells until every check passes; False when stuck or past the budget of
        repairs or checks (the caller then falls back to something coarser but safe)."""
        self.work = 0
        for _repair in range(_REPAIRS_PER_CHILD * len(self.kids) + _REPAIRS_PER_STEP):
            for kid in self.kids:
                if not _settle_locally(kid, lambda key, kid=kid: self.eligible(kid, key, zeros)):
                    return False
            self.changed()
            failure = self.first_failure()
            if failure is None:
                return True
            if self.spent or not self._repair(failure, zeros):
                return False
        return False

    def _repair(self, failure: _Failure, zeros: bool) -> bool:
        """Suppress what mends the failure most cheaply; False when nothing does."""
        others = [k for k in self.kids if k is not failure.unit]
        if failure.short_total:
            choice = self._cheapest_total([k for k in others if self.eligible(k, TOTAL, zeros)],
                                          failure.short_total, failure.rising)
            if choice:
                self.add(*choice)
                return True
        keys = self.layout.groups[failure.group] if failure.group is not None else self.layout.keys
        candidates = [(k, key) for k in others for key in keys if self.eligible(k, key, zeros)]
        added = self._best_by_recheck(failure, candidates, zeros)
        if added is None:  # totals, and the checked child's own cells
            wider = [(k, key) for k in self.kids for key in self.layout.keys
                     if self.eligible(k, key, zeros) and (k, key) not in candidates]
            added = self._best_by_recheck(failure, wider, zeros)
        return added is not None

    def _cheapest_total(self, units: list[_Unit], needed: float, rising: bool
                        ) -> tuple[_Unit, str] | None:
        def capacity(unit: _Unit) -> float:
            return self.t if rising else min(unit.value(TOTAL), self.t)
        ranked = sorted(units, key=lambda u: (u.value(TOTAL), u.code))
        enough = [u for u in ranked if capacity(u) >= needed - _EPS]
        if enough:
            return enough[0], TOTAL
        if ranked:
            return max(ranked, key=lambda u: (capacity(u), -u.value(TOTAL))), TOTAL
        return None

    def _best_by_recheck(self, failure: _Failure, candidates: list[tuple[_Unit, str]], zeros: bool
                         ) -> list[str] | None:
        """The cheapest candidate that mends the failure (or else lessens it most), counting
        the cells its division then needs for its own range: a lone cell of a group is of
        no use until a partner joins it. Candidates are weighed cheapest first, and only
        until a cheaper mend is no longer possible."""
        mending, helping = None, None
        ranked = sorted(candidates, key=lambda c: (c[0].value(c[1]), c[0].code, c[1]))
        for tried, (unit, key) in enumerate(ranked):
            if (mending is not None and unit.value(key) > mending[0][0]) or self.spent:
                break
            if mending is None and tried >= _HELPERS_TRIED and helping is not None:
                break
            added, excess = self._try(failure, unit, key, zeros)
            rank = (sum(unit.value(k) for k in added), len(added), unit.code, key)
            if excess <= _EPS:
                if mending is None or rank < mending[0]:
                    mending = (rank, unit, added)
            elif excess < failure.excess - _EPS and (helping is None or (excess, rank) < helping[:2]):
                helping = (excess, rank, unit, added)
        if mending is not None:
            _rank, unit, added = mending
        elif helping is not None:
            _excess, _rank, unit, added = helping
        else:
            return None
        for key in added:
            self.add(unit, key)
        return added

    def _try(self, failure: _Failure, unit: _Unit, key: str, zeros: bool) -> tuple[list[str], float]:
        """What suppressing ``key`` (and what its division then needs) leaves of the failure."""
        before = set(unit.suppressed)
        unit.add(key)
        _settle_locally(unit, lambda k: self.eligible(unit, k, zeros))
        added = sorted(unit.suppressed - before)
        self.changed()
        excess = self._recheck(failure)
        unit.suppressed = before
        unit.drop(key)
        self.changed()
        return added, excess
