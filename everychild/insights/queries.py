"""Dashboards: the figures of one division and of its sub-divisions, with disclosure control
for the roles that see no identities.

Disclosure decisions are made top-down (``insights.disclosure``): the nation's cells first,
then at each step down the sub-divisions' cells given their parent's decisions, so a cell is
suppressed or shown the same way on every page that shows it. A dashboard for a county reads
the chain nation -> province -> prefecture -> county -> townships: a few queries per level on
the rollups' primary keys, whatever the number of children.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from everychild.access.policy import Actor, can, require
from everychild.accounts.roles import Capability
from everychild.insights import disclosure
from everychild.insights.figures import (
    CHILDREN_PREFIX,
    Cells,
    Figures,
    month_key,
    months,
    read,
)
from everychild.insights.indicators import (
    COUNT,
    DAYS,
    HOURS,
    INDICATORS,
    NOT_ABOUT_CHILDREN,
    SHARE,
    TRENDS,
    Indicator,
)
from everychild.insights.rollups import code_at
from everychild.places.codes import Level
from everychild.places.models import Division
from everychild.rules.catalogue import CATALOGUE

DECISIONS_KEPT = 7 * 24 * 3600  # seconds; identical figures give identical decisions anyway
REST = "_rest"  # what a parent counts beyond its sub-divisions (a report routed to a county)
ANY = "any"
Decisions = dict[str, dict[str, dict[str, str]]]  # code -> family -> key -> reason


@dataclass(frozen=True)
class Cell:
    """A published figure: its value, or None with the reason it is suppressed."""

    value: float | int | None
    reason: str = ""

    @property
    def suppressed(self) -> bool:
        return self.value is None

    def as_dict(self) -> dict:
        return {"value": self.value, "suppressed": self.reason or None}


@dataclass
class Node:
    """One division's figures as published to this reader."""

    code: str
    name: str
    level: int
    figures: dict[str, Cells]
    seconds: dict[str, int]
    decisions: dict[str, dict[str, str]] = field(default_factory=dict)

    def cell(self, family: str, key: str = "total") -> Cell:
        reason = self.decisions.get(family, {}).get(key, "")
        if reason:
            return Cell(None, reason)
        return Cell(self.figures.get(family, {}).get(key, 0))


@dataclass
class Dashboard:
    division: Division
    parents: list[tuple[str, str]]
    node: Node
    children: list[Node]
    protected: bool
    threshold: int
    today: date
    category: str

    @property
    def months(self) -> list[date]:
        return months(self.today)


# -- access -----------------------------------------------------------------------------------

def division_for(actor: Actor, code: str) -> Division:
    """The division whose dashboard ``actor`` asked for: Division.DoesNotExist (404) outside
    the jurisdiction or unknown; PermissionDenied without the capability."""
    require(actor, Capability.INSIGHTS_VIEW)
    division = Division.objects.filter(code=code).first()
    if division is None or not can(actor, Capability.INSIGHTS_VIEW, division.code):
        raise Division.DoesNotExist
    return division


def home_division(actor: Actor) -> str:
    """The division of the actor's post: where a dashboard starts."""
    if actor.post is None:
        raise PermissionDenied
    return actor.post.division_id


# -- the dashboard ----------------------------------------------------------------------------

def dashboard(actor: Actor, code: str, category: str = ANY, today: date | None = None
              ) -> Dashboard:
    """The dashboard of division ``code`` as ``actor`` may see it."""
    division = division_for(actor, code)
    today = today or timezone.localdate()
    protected = not actor.sees_identities
    threshold = settings.EVERYCHILD_DISCLOSURE_THRESHOLD
    chain = _chain(division)
    subs = list(Division.objects.filter(parent_id=division.code).order_by("code")
                .values_list("code", "name", "level"))
    node, children = _published(chain, subs, today, threshold if protected else 0)
    return Dashboard(division=division, parents=[(d.code, d.name) for d in chain[:-1]],
                     node=node, children=children, protected=protected, threshold=threshold,
                     today=today, category=category)


def warm(codes: list[str], today: date | None = None) -> int:
    """Take the disclosure decisions of the pages that show these places' figures, down to
    their counties' sub-divisions, so that the first analyst to look after a change does not
    wait for them (they are kept by content, shared by the workers). A step whose figures did
    not change is already decided and costs a cache read. Returns the chains decided."""
    threshold = settings.EVERYCHILD_DISCLOSURE_THRESHOLD
    today = today or timezone.localdate()
    tops = {code_at(code, min(_level_of(code), int(Level.COUNTY))) for code in codes}
    divisions = Division.objects.filter(code__in=tops).order_by("code")
    for division in divisions:
        subs = list(Division.objects.filter(parent_id=division.code).order_by("code")
                    .values_list("code", "name", "level"))
        _published(_chain(division), subs, today, threshold)
    return len(divisions)


def _level_of(code: str) -> int:
    return min(lv for lv in Level if code_at(code, lv) == code)


def _chain(division: Division) -> list[Division]:
    """The nation down to ``division``."""
    chain = [division]
    while chain[-1].parent_id:
        chain.append(Division.objects.only("code", "name", "level", "parent_id")
                     .get(code=chain[-1].parent_id))
    return chain[::-1]


def _read_divisions(rows: list[tuple[str, int]], today: date) -> Figures:
    """Figures of divisions that may be at different levels (a prefecture-level city's
    townships sit directly under it)."""
    found = Figures()
    for level in sorted({lv for _code, lv in rows}):
        part = read(level, [code for code, lv in rows if lv == level], today)
        found.cells.update(part.cells)
        found.seconds.update(part.seconds)
    return found


def _published(chain: list[Division], subs: list[tuple[str, str, int]], today: date,
               threshold: int) -> tuple[Node, list[Node]]:
    """The division's node and its sub-divisions' nodes, with the decisions of disclosure
    control taken top-down along ``chain`` (none when ``threshold`` is 0: a reader who sees
    identities sees the figures as they are)."""
    if not threshold:  # nothing to decide: the division and its sub-divisions only
        last = chain[-1]
        return _nodes([(last.code, last.name, last.level)], today)[0], _nodes(subs, today)
    top = chain[0]
    figures = _read_divisions([(top.code, top.level)], today)
    parent = Node(top.code, top.name, top.level, figures.of(top.code),
                  figures.seconds.get(top.code, {}))
    parent.decisions = {family: _decided("root", cells, threshold)
                        for family, cells in _protected(parent.figures).items()}
    steps = [*chain[1:], None]
    for below in steps:
        if below is None:
            kids = subs
        else:
            kids = [(d.code, d.name, d.level) for d in Division.objects.filter(
                parent_id=parent.code).only("code", "name", "level")]
        nodes = _nodes(kids, today)
        _protect_children(parent, nodes, threshold)
        if below is None:
            return parent, nodes
        parent = next(n for n in nodes if n.code == below.code)
    raise AssertionError("unreachable")


def _nodes(kids: list[tuple[str, str, int]], today: date) -> list[Node]:
    figures = _read_divisions([(code, level) for code, _name, level in kids], today)
    return [Node(code, name, level, figures.of(code), figures.seconds.get(code, {}))
            for code, name, level in kids]


def _protected(families: dict[str, Cells]) -> dict[str, Cells]:
    return {f: cells for f, cells in families.items() if f not in NOT_ABOUT_CHILDREN}


def _protect_children(parent: Node, nodes: list[Node], threshold: int) -> None:
    for family, cells in _protected(parent.figures).items():
        children = {n.code: n.figures.get(family, {}) for n in nodes}
        rest = _rest(cells, children.values())
        if rest:
            children[REST] = rest
        decided = _decided("children", cells, parent.decisions.get(family, {}), children,
                           threshold)
        for node in nodes:
            if decided.get(node.code):
                node.decisions[family] = decided[node.code]


def _decided(step: str, *inputs: Any) -> Any:
    """``disclosure.protect_root`` or ``protect_children`` of ``inputs``, kept by content: the
    decisions are a pure function of the figures, so identical figures (a page seen again, the
    same chain for every page below it) are decided once."""
    key = "insights:" + hashlib.sha256(json.dumps([step, *inputs], sort_keys=True).encode()
                                       ).hexdigest()
    store = caches["insights"]
    found = store.get(key)
    if found is None:
        call = disclosure.protect_root if step == "root" else disclosure.protect_children
        found = call(*inputs)
        store.set(key, found, DECISIONS_KEPT)
    return found


def _rest(cells: Cells, children) -> Cells:
    """What the parent counts beyond the sub-divisions, when anything."""
    children = list(children)
    rest = {key: n - sum(c.get(key, 0) for c in children) for key, n in cells.items()}
    return rest if any(rest.values()) else {}


# -- figures for display ----------------------------------------------------------------------

def indicator_value(node: Node, indicator: Indicator) -> Cell:
    """The indicator's value for a node: a count, a share (0-1), a mean or a ratio; suppressed
    when a figure it is made of is."""
    top = _part(node, indicator.numerator)
    if indicator.unit in (HOURS, DAYS):
        if top.suppressed:
            return top
        seconds = node.seconds.get(indicator.numerator, 0)
        per = 3600 if indicator.unit == HOURS else 86400
        return Cell(round(seconds / top.value / per, 1) if top.value else None,
                    "" if top.value else "empty")
    if indicator.unit == COUNT:
        return top
    bottom = _part(node, indicator.denominator)
    for part in (top, bottom):
        if part.suppressed:
            return Cell(None, part.reason)
    if not bottom.value:
        return Cell(None, "empty")
    value = top.value / bottom.value
    return Cell(round(value, 3) if indicator.unit == SHARE else round(value, 1))


def _part(node: Node, ref: str) -> Cell:
    family, _sep, key = ref.partition("#")
    return node.cell(family, key or "total")


def cards(dash: Dashboard) -> list[tuple[Indicator, Cell]]:
    return [(indicator, indicator_value(dash.node, indicator)) for indicator in INDICATORS]


def category_label(code: str) -> str:
    labels = {"all": _("All registered children"), ANY: _("In any policy category")}
    if code in labels:
        return labels[code]
    if code == "census_both_parents_away":
        return _("Both parents away (census definition)")
    if code == "census_migrant":
        return _("Migrant children (census definition)")
    rule = next((r for r in CATALOGUE if r.code == code), None)
    return _(str(rule.title)) if rule else code


def categories(node: Node) -> list[tuple[str, str, Cell]]:
    """Every category the division counts: (code, label, total), "all" and "any" first."""
    codes = sorted(f[len(CHILDREN_PREFIX):] for f in node.figures if f.startswith(CHILDREN_PREFIX))
    first = [c for c in ("all", ANY) if c in codes]
    return [(c, category_label(c), node.cell(CHILDREN_PREFIX + c))
            for c in first + [c for c in codes if c not in first]]


SEX_LABELS = {"male": gettext_lazy("boys"), "female": gettext_lazy("girls")}
AREA_LABELS = {"U": gettext_lazy("urban"), "R": gettext_lazy("rural"),
               "?": gettext_lazy("urban/rural not known")}
BANDS = ("0-2", "3-5", "6-11", "12-14", "15-17")


def breakdowns(node: Node, category: str) -> dict[str, list[tuple[str, str, Cell]]]:
    """Sex, age band and area of a category's children: (key, label, cell); zeros shown."""
    family = CHILDREN_PREFIX + category
    return {
        "sex": [(f"sex:{k}", str(label), node.cell(family, f"sex:{k}"))
                for k, label in SEX_LABELS.items()],
        "band": [(f"band:{b}", _("%(band)s years") % {"band": b.replace("-", "–")},
                  node.cell(family, f"band:{b}")) for b in BANDS],
        "area": [(f"area:{k}", str(label), node.cell(family, f"area:{k}"))
                 for k, label in AREA_LABELS.items()],
    }


def trends(dash: Dashboard) -> list[tuple[str, str, list[tuple[date, Cell]]]]:
    """Each monthly measure: (measure, label, [(month, cell)])."""
    return [(measure, str(label), [(m, dash.node.cell(measure, month_key(m)))
                                   for m in dash.months]) for measure, label in TRENDS]


def ranking(dash: Dashboard, category: str | None = None) -> list[tuple[Node, Cell]]:
    """The sub-divisions by the category's children, largest first; suppressed ones last."""
    family = CHILDREN_PREFIX + (category or dash.category)
    rows = [(node, node.cell(family)) for node in dash.children]
    return sorted(rows, key=lambda r: (r[1].suppressed, -(r[1].value or 0), r[0].code))


def stages(node: Node) -> list[tuple[str, Cell]]:
    from everychild.cases.lifecycle import Stage

    return [(str(label), node.cell("cases.cases_open", f"stage:{value}"))
            for value, label in Stage.choices if value != Stage.CLOSED]


def suppression_note(dash: Dashboard) -> dict[str, int]:
    """How many published cells are suppressed, by reason (for the "what and why" note)."""
    found = {disclosure.PRIMARY: 0, disclosure.COMPLEMENTARY: 0}
    for node in (dash.node, *dash.children):
        for keys in node.decisions.values():
            for reason in keys.values():
                found[reason] = found.get(reason, 0) + 1
    return found


def level_label(level: int) -> str:
    return Level(level).label



def chart_data(dash: Dashboard) -> dict:
    """What the page's charts draw (ECharts): suppressed values are null, never zero."""
    parts = breakdowns(dash.node, dash.category)
    return {
        "months": [f"{m:%Y-%m}" for m in dash.months],
        "trends": [{"name": label, "data": [c.value for _m, c in cells]}
                   for _measure, label, cells in trends(dash)],
        "breakdowns": {name: {"labels": [label for _k, label, _c in rows],
                              "data": [c.value for _k, _l, c in rows]}
                       for name, rows in parts.items()},
        "ranking": [{"code": node.code, "name": node.name, "value": cell.value,
                     "suppressed": cell.reason or None} for node, cell in ranking(dash)],
    }
