"""Reading the rollups as *families*: for each division, each family (the children of a
category, an event measure over the last 12 months, a current state) is a small set of cells —
a total and its breakdowns — which is what a page publishes and what disclosure control
protects. One query per table and level, whatever the number of children."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from everychild.insights.models import ChildCount, ChildMargin, EventCount, StateCount
from everychild.insights.rollups import BASE, margins_of
from everychild.rules.dates import add_months

WINDOW = 12  # months of the trends and of the 12-month figures
CHILDREN_PREFIX = "children:"
# The states whose keys partition their total (shown as a breakdown); the others are totals.
BREAKDOWNS = {"cases.cases_open": "stage", "referrals.referrals_open": "state"}
Cells = dict[str, int]


@dataclass
class Figures:
    """The families of some divisions: ``cells[code][family][key]``, and for event families
    the total seconds over the window (means of durations)."""

    cells: dict[str, dict[str, Cells]] = field(default_factory=lambda: defaultdict(dict))
    seconds: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))

    def of(self, code: str) -> dict[str, Cells]:
        return self.cells.get(code, {})


def months(today: date, count: int = WINDOW) -> list[date]:
    """The first days of the last ``count`` months, oldest first, this month last."""
    first = today.replace(day=1)
    return [add_months(first, -n) for n in range(count - 1, -1, -1)]


def month_key(month: date) -> str:
    return f"month:{month:%Y-%m}"


def read(level: int, codes: list[str], today: date) -> Figures:
    """Every family of ``codes`` (divisions of one ``level``)."""
    found = Figures()
    if not codes:
        return found
    _read_children(found, level, codes)
    _read_events(found, level, codes, months(today))
    _read_states(found, level, codes)
    return found


def _cell(found: Figures, code: str, family: str, key: str, n: int) -> None:
    cells = found.cells[code].setdefault(family, {})
    cells[key] = cells.get(key, 0) + n


def _read_children(found: Figures, level: int, codes: list[str]) -> None:
    if level < BASE:
        for code, category, key, n in ChildMargin.objects.filter(
                level=level, code__in=codes).values_list("code", "category", "key", "n"):
            _cell(found, code, CHILDREN_PREFIX + category, key, n)
        return
    for code, *key, n in ChildCount.objects.filter(level=level, code__in=codes).values_list(
            "code", "category", "sex", "age", "area", "n"):
        for category, margin in margins_of(*key):
            _cell(found, code, CHILDREN_PREFIX + category, margin, n)


def _read_events(found: Figures, level: int, codes: list[str], window: list[date]) -> None:
    for code, measure, month, n, total in EventCount.objects.filter(
            level=level, code__in=codes, month__gte=window[0], month__lte=window[-1]
    ).values_list("code", "measure", "month", "n", "total"):
        _cell(found, code, measure, month_key(month), n)
        _cell(found, code, measure, "total", n)
        seconds = found.seconds[code]
        seconds[measure] = seconds.get(measure, 0) + total


def _read_states(found: Figures, level: int, codes: list[str]) -> None:
    rows = StateCount.objects.filter(level=level, code__in=codes).values_list(
        "code", "measure", "key", "n")
    plans: dict[str, Cells] = defaultdict(dict)
    for code, measure, key, n in rows:
        if measure in ("visits.plans", "visits.plans_overdue"):
            plans[code][measure] = n
            continue
        if measure == "children.entitled_not_receiving":
            if key == "any":
                _cell(found, code, measure, "total", n)
            continue
        _cell(found, code, measure, "total", n)
        if measure in BREAKDOWNS:
            _cell(found, code, measure, f"{BREAKDOWNS[measure]}:{key}", n)
    for code, got in plans.items():  # the plans, split on time / overdue (they partition it)
        total, overdue = got.get("visits.plans", 0), got.get("visits.plans_overdue", 0)
        found.cells[code]["visits.plans"] = {"total": total, "status:overdue": overdue,
                                             "status:on_time": total - overdue}
