"""/api/v1/insights: the indicators as aggregates only, for other platforms to read — the same
figures as the dashboards, with the same disclosure control for roles that see no identities."""

from django.http import HttpRequest
from ninja import Field, Router, Schema

from everychild.core.api_auth import api_actor
from everychild.core.schemas import or_404, responses
from everychild.insights import queries
from everychild.insights.indicators import INDICATORS
from everychild.places.codes import Level

router = Router()
LEVEL_NAMES = {level: level.name.lower() for level in Level}


class IndicatorOut(Schema):
    code: str
    title: str
    formula: str
    source: str
    unit: str = Field(description="count, share (0-1), hours, days or ratio")


class CellOut(Schema):
    value: float | None = Field(description="null when suppressed")
    suppressed: str | None = Field(
        None, description="primary (below the threshold), complementary (to protect another "
                          "cell) or empty (nothing to compute from); null when shown")


class FigureOut(CellOut):
    key: str
    label: str


class IndicatorValueOut(CellOut):
    code: str


class CategoryOut(CellOut):
    code: str
    label: str


class TrendOut(Schema):
    measure: str
    label: str
    months: list[str]
    values: list[CellOut]


class PlaceOut(CellOut):
    code: str
    name: str


class DashboardOut(Schema):
    code: str
    name: str
    level: str
    as_of: str
    protected: bool = Field(description="true: disclosure control applied (aggregates only)")
    threshold: int
    category: str
    indicators: list[IndicatorValueOut]
    categories: list[CategoryOut]
    breakdowns: dict[str, list[FigureOut]]
    trends: list[TrendOut]
    sub_divisions: list[PlaceOut]
    suppressed: dict[str, int] = Field(description="cells suppressed on this page, by reason")


def _cell(cell: queries.Cell) -> dict:
    return cell.as_dict()


@router.get("/indicators", response=responses({200: list[IndicatorOut]}))
def indicators(request: HttpRequest):
    """Every indicator's definition: its formula and its source."""
    return [{"code": i.code, "title": str(i.title), "formula": str(i.formula),
             "source": str(i.source), "unit": i.unit} for i in INDICATORS]


@router.get("/divisions/{code}", response=responses({200: DashboardOut}))
def division(request: HttpRequest, code: str, category: str = queries.ANY):
    """A division's figures: headline indicators, categories, who (sex, age band, area),
    monthly trends and the sub-divisions. 404 for a division outside the jurisdiction."""
    actor = api_actor(request)
    dash = or_404(queries.dashboard, actor, code, category)
    return {
        "code": dash.division.code, "name": dash.division.name,
        "level": LEVEL_NAMES[Level(dash.division.level)], "as_of": dash.today.isoformat(),
        "protected": dash.protected, "threshold": dash.threshold, "category": dash.category,
        "indicators": [{"code": i.code, **_cell(c)} for i, c in queries.cards(dash)],
        "categories": [{"code": c, "label": label, **_cell(cell)}
                       for c, label, cell in queries.categories(dash.node)],
        "breakdowns": {name: [{"key": k, "label": label, **_cell(cell)} for k, label, cell in rows]
                       for name, rows in queries.breakdowns(dash.node, dash.category).items()},
        "trends": [{"measure": m, "label": label, "months": [f"{d:%Y-%m}" for d, _c in cells],
                    "values": [_cell(c) for _d, c in cells]}
                   for m, label, cells in queries.trends(dash)],
        "sub_divisions": [{"code": node.code, "name": node.name, **_cell(cell)}
                          for node, cell in queries.ranking(dash)],
        "suppressed": queries.suppression_note(dash),
    }
