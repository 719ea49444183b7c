"""Exports of the insights: every published figure of a division as CSV (any level the user may
see), and for a county the printable report (PDF) and a workbook of the same indicators (XLSX),
modelled on the census reports about children: how many, who, where, how served.

Every export reads ``queries.dashboard`` for the same actor, so it carries the dashboard's
Cells with the disclosure decisions already taken: a suppressed figure is written as ✱ with
its reason, never as a blank or a zero, and a role that sees no identities gets exactly what
its dashboard shows. Nothing here reads a child, so no name or ID can end up in a file. Every
export is audited.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext as _

from everychild.access.policy import Actor, actor_for
from everychild.audit.services import record
from everychild.cases.lifecycle import Stage
from everychild.core.management.commands.vendor_assets import merged_font_path
from everychild.insights import charts, queries
from everychild.insights.figures import CHILDREN_PREFIX, month_key
from everychild.insights.indicators import COUNT, DAYS, HOURS, INDICATORS, SHARE, TRENDS, Indicator
from everychild.insights.queries import ANY, BANDS, Cell, Dashboard, Node
from everychild.places.codes import Level
from everychild.places.models import Division
from everychild.services.models import ReferralState, ServiceType

MARKER = "✱"  # a suppressed figure, as on the dashboard
EMPTY = "–"  # nothing to compute from (a share of none)
EMPTY_REASON = "empty"
CSV, XLSX, PDF = "csv", "xlsx", "pdf"
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    PDF: "application/pdf",
}
ALL = "all"
POLICY, CENSUS = "policy", "census"
CENSUS_PREFIX = "census_"
TREND_FAMILIES = tuple(measure for measure, _label in TRENDS)
OPEN_CASES = "cases.cases_open"


# -- the views ----------------------------------------------------------------------------------

def csv_response(request: HttpRequest, code: str) -> HttpResponse:
    """Every published figure of the division and its sub-divisions, in long form."""
    actor, dash = _dashboard(request, code, county_only=False)
    return _download(actor, dash, CSV, csv_bytes(dash))


def xlsx_response(request: HttpRequest, code: str) -> HttpResponse:
    """The county workbook: one sheet per section of the report."""
    actor, dash = _dashboard(request, code, county_only=True)
    return _download(actor, dash, XLSX, xlsx_bytes(build(dash)))


def pdf_response(request: HttpRequest, code: str) -> HttpResponse:
    """The printable county report."""
    actor, dash = _dashboard(request, code, county_only=True)
    return _download(actor, dash, PDF, pdf_bytes(build(dash)))


def _dashboard(request: HttpRequest, code: str, county_only: bool) -> tuple[Actor, Dashboard]:
    """The actor's dashboard of ``code``: 404 outside the jurisdiction, and for the county
    report at any level but a county's (PermissionDenied, 403, without the capability)."""
    actor = actor_for(request)
    try:
        division = queries.division_for(actor, code)
    except Division.DoesNotExist:
        raise Http404 from None
    if county_only and division.level != Level.COUNTY:
        raise Http404
    return actor, queries.dashboard(actor, division.code)


def file_name(dash: Dashboard, fmt: str) -> str:
    """ASCII only and nothing personal: the division's code and the month of the figures."""
    return f"everychild-{dash.division.code}-{dash.today:%Y-%m}.{fmt}"


def _download(actor: Actor, dash: Dashboard, fmt: str, content: bytes) -> HttpResponse:
    record(actor, "insights.export", division_code=dash.division.code, object_type="division",
           object_id=dash.division.code, detail={"format": fmt})
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{file_name(dash, fmt)}"'
    response["Cache-Control"] = "no-store"
    return response


# -- labels -------------------------------------------------------------------------------------

def shown(cell: Cell) -> int | float | str:
    """What a file writes for a cell: the number, or the marker (never blank, never 0)."""
    if not cell.suppressed:
        return cell.value
    return EMPTY if cell.reason == EMPTY_REASON else MARKER


def reason_text(cell: Cell, threshold: int) -> str:
    """Why a cell has no number (the dashboard's wording); "" for a number."""
    if not cell.suppressed:
        return ""
    if cell.reason == "primary":
        return _("Fewer than %(n)s: suppressed to protect the children") % {"n": threshold}
    if cell.reason == "complementary":
        return _("Suppressed so that a small figure cannot be worked out from the others")
    return _("No figure to compute from")


def category_label(code: str) -> str:
    # category_label gives a catalogue rule's title as its message id, untranslated: translate
    # it here (a label already translated comes back unchanged).
    return _(queries.category_label(code))


def _extra_family_labels() -> dict[str, str]:
    return {
        "visits.children_visited": _("Children visited"),
        "visits.plans": _("Children with a visit plan"),
        "reports.reports_acknowledged": _("Reports acknowledged"),
        "referrals.referrals_accepted": _("Referrals accepted"),
        "referrals.referrals_open": _("Open referrals"),
        "workforce.directors": _("Child directors in post"),
        "workforce.villages": _("Villages"),
        "workforce.villages_with_director": _("Villages with a child director"),
    }


def family_label(family: str) -> str:
    """A family's name for people: a category, a monthly measure, an indicator's count."""
    if family.startswith(CHILDREN_PREFIX):
        return category_label(family[len(CHILDREN_PREFIX):])
    measure, _sep, kind = family.partition(":")
    labels = _extra_family_labels()
    labels.update({i.numerator: str(i.title) for i in INDICATORS
                   if i.unit == COUNT and "#" not in i.numerator})
    labels.update({m: str(label) for m, label in TRENDS})
    label = labels.get(measure, measure)
    if kind:
        kinds = dict(ServiceType.choices)
        return f"{label}: {kinds.get(kind, kind)}"
    return label


def key_label(key: str) -> str:
    """A breakdown's name for people: "boys", "6–11 years", "2025-06", a case step..."""
    if key == "total":
        return _("total")
    kind, _sep, value = key.partition(":")
    labels = {
        "sex": {"male": _("boys"), "female": _("girls")},
        "area": {"U": _("urban"), "R": _("rural"), "?": _("urban/rural not known")},
        "status": {"on_time": _("on time"), "overdue": _("overdue")},
        "stage": dict(Stage.choices),
        "state": dict(ReferralState.choices),
    }
    if kind == "band":
        return _("%(band)s years") % {"band": value.replace("-", "–")}
    if kind == "month":
        return value
    return str(labels.get(kind, {}).get(value, key))


def _breakdown_keys() -> list[str]:
    return [key for _group, keys in breakdown_groups() for key, _label in keys]


# -- the report's sections ----------------------------------------------------------------------

@dataclass(frozen=True)
class CategoryRow:
    code: str
    label: str
    kind: str  # ALL, POLICY or CENSUS: census-definition figures are never mixed in
    total: Cell
    parts: list[tuple[str, Cell]]  # (key, cell): sex, age band, area, as breakdown_groups()


@dataclass(frozen=True)
class PlaceRow:
    rank: int | None  # None when the figure ranked by is suppressed (listed last, by code)
    node: Node
    children: Cell  # registered
    policy: Cell  # in at least one policy category


@dataclass(frozen=True)
class Suppressed:
    code: str
    name: str
    figure: str
    key: str
    reason: str


@dataclass
class Report:
    """What the PDF and the workbook both show, in the report's order."""

    dash: Dashboard
    headline: list[tuple[Indicator, Cell]]
    census: list[tuple[Indicator, Cell]]
    served: list[tuple[Indicator, Cell]]
    categories: list[CategoryRow]
    places: list[PlaceRow]
    trends: list[tuple[str, str, list[tuple[date, Cell]]]]
    stages: list[tuple[str, Cell]]
    note: dict[str, int]
    suppressed: list[Suppressed]

    @property
    def breakdown_keys(self) -> list[tuple[str, str]]:
        return [(key, key_label(key)) for key in _breakdown_keys()]


HEADLINE = ("children", "vulnerable")


def build(dash: Dashboard) -> Report:
    """The county report's sections from the dashboard's helpers: the same Cells."""
    cards = queries.cards(dash)
    return Report(
        dash=dash,
        headline=[(i, c) for i, c in cards if i.code in HEADLINE],
        census=[(i, c) for i, c in cards if i.code.startswith(CENSUS_PREFIX)],
        served=[(i, c) for i, c in cards
                if i.code not in HEADLINE and not i.code.startswith(CENSUS_PREFIX)],
        categories=category_rows(dash.node),
        places=place_rows(dash),
        trends=queries.trends(dash),
        stages=queries.stages(dash.node),
        note=queries.suppression_note(dash),
        suppressed=suppressed_cells(dash),
    )


def category_rows(node: Node) -> list[CategoryRow]:
    """Every category the division counts with its breakdowns: all children, the policy
    categories, then the census-definition figures."""
    rows = []
    for code, _label, total in queries.categories(node):
        cells = {key: cell for group in queries.breakdowns(node, code).values()
                 for key, _l, cell in group}
        kind = ALL if code == ALL else CENSUS if code.startswith(CENSUS_PREFIX) else POLICY
        rows.append(CategoryRow(code, category_label(code), kind, total,
                                [(key, cells[key]) for key in _breakdown_keys()]))
    order = {ALL: 0, POLICY: 1, CENSUS: 2}
    return sorted(rows, key=lambda r: order[r.kind])  # stable: the dashboard's order within


def place_rows(dash: Dashboard) -> list[PlaceRow]:
    """The sub-divisions by children in a policy category, largest first; those whose figure
    is suppressed come last, in code order, with no rank (it would mean nothing)."""
    return [PlaceRow(None if cell.suppressed else rank, node,
                     node.cell(CHILDREN_PREFIX + ALL), cell)
            for rank, (node, cell) in enumerate(queries.ranking(dash, ANY), start=1)]


def suppressed_cells(dash: Dashboard) -> list[Suppressed]:
    """Which figures were suppressed and why (not their values)."""
    found = []
    for node in (dash.node, *dash.children):
        for family, keys in sorted(node.decisions.items()):
            for key, reason in sorted(keys.items()):
                found.append(Suppressed(node.code, node.name, family_label(family),
                                        key_label(key), reason_text(Cell(None, reason),
                                                                    dash.threshold)))
    return found


# -- CSV ----------------------------------------------------------------------------------------

def csv_rows(dash: Dashboard) -> list[list]:
    """Long form: one row per figure of the division and of each sub-division — the
    indicators, then every family with its breakdowns (zeros included)."""
    rows = [[_("division code"), _("division"), _("figure"), _("figure name"), _("breakdown"),
             _("breakdown name"), _("value"), _("suppressed because")]]
    for node in (dash.node, *dash.children):
        place = [node.code, node.name]
        for indicator in INDICATORS:
            cell = queries.indicator_value(node, indicator)
            rows.append([*place, f"indicator:{indicator.code}", str(indicator.title), "", "",
                         shown(cell), reason_text(cell, dash.threshold)])
        for family in _families(node):
            label = family_label(family)
            for key in _keys(node, family, dash):
                cell = node.cell(family, key)
                rows.append([*place, family, label, key, key_label(key), shown(cell),
                             reason_text(cell, dash.threshold)])
    return rows


def _families(node: Node) -> list[str]:
    """The node's families, with those the dashboard always shows even when nothing counts."""
    always = [CHILDREN_PREFIX + ALL, CHILDREN_PREFIX + ANY, *TREND_FAMILIES, OPEN_CASES]
    return sorted({*node.figures, *node.decisions, *always})


def _keys(node: Node, family: str, dash: Dashboard) -> list[str]:
    keys = ["total"]
    if family.startswith(CHILDREN_PREFIX):
        keys += _breakdown_keys()
    elif family in TREND_FAMILIES:
        keys += [month_key(m) for m in dash.months]
    elif family == OPEN_CASES:
        keys += [f"stage:{value}" for value, _l in Stage.choices if value != Stage.CLOSED]
    seen = {*node.figures.get(family, {}), *node.decisions.get(family, {})}
    return keys + sorted(seen - set(keys))


def csv_bytes(dash: Dashboard) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel reads the Chinese right."""
    out = io.StringIO()
    csv.writer(out).writerows(csv_rows(dash))
    return out.getvalue().encode("utf-8-sig")


# -- XLSX ---------------------------------------------------------------------------------------

SHEETS = {
    "indicators": pgettext_lazy("workbook sheet", "Indicators"),
    "categories": pgettext_lazy("workbook sheet", "Categories"),
    "who": pgettext_lazy("workbook sheet", "Who"),
    "where": pgettext_lazy("workbook sheet", "Where"),
    "trends": pgettext_lazy("workbook sheet", "Trends"),
    "stages": pgettext_lazy("workbook sheet", "Open cases"),
    "notes": pgettext_lazy("workbook sheet", "Notes"),
}
NUMBER_FORMATS = {SHARE: "0.0%", HOURS: "0.0", DAYS: "0.0"}
SHEET_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def xlsx_bytes(report: Report) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    dash = report.dash
    book.properties.title = _("Children of %(place)s") % {"place": dash.division.name}
    book.properties.creator = "everychild"
    _indicators_sheet(book, report)
    _categories_sheet(book, report)
    _who_sheet(book, report)
    _where_sheet(book, report)
    _trends_sheet(book, report)
    _stages_sheet(book, report)
    _notes_sheet(book, report)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet(book, title: str, header: list[str], widths: list[int]):
    from openpyxl.styles import Font

    sheet = book.create_sheet(str(title).translate(SHEET_FORBIDDEN)[:31])
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "C2"
    for column, width in zip(sheet.iter_cols(max_col=len(widths), max_row=1), widths,
                             strict=True):
        sheet.column_dimensions[column[0].column_letter].width = width
    return sheet


def _put(sheet, row: int, column: int, cell: Cell, threshold: int, number_format: str = ""
         ) -> None:
    """A figure in a sheet: a number, or the marker with the reason as a comment."""
    from openpyxl.comments import Comment

    target = sheet.cell(row=row, column=column, value=shown(cell))
    if cell.suppressed:
        target.comment = Comment(reason_text(cell, threshold), "everychild")
    elif number_format:
        target.number_format = number_format


def _indicators_sheet(book, report: Report) -> None:
    sheet = _sheet(book, SHEETS["indicators"], [
        _("code"), _("indicator"), _("section"), _("value"), _("unit"), _("suppressed because"),
        _("formula"), _("source")], [22, 36, 16, 10, 8, 30, 60, 60])
    sections = [(_("How many"), report.headline), (_("Census definition"), report.census),
                (_("How served"), report.served)]
    for section, rows in sections:
        for indicator, cell in rows:
            sheet.append([indicator.code, str(indicator.title), section, None,
                          _unit(indicator), reason_text(cell, report.dash.threshold),
                          str(indicator.formula), str(indicator.source)])
            _put(sheet, sheet.max_row, 4, cell, report.dash.threshold,
                 NUMBER_FORMATS.get(indicator.unit, ""))


def _unit(indicator: Indicator) -> str:
    return {HOURS: _("hours"), DAYS: _("days"), SHARE: "%"}.get(indicator.unit, "")


def _kind_label(kind: str) -> str:
    return {ALL: _("all registered children"), POLICY: _("policy category"),
            CENSUS: _("census definition")}[kind]


def _categories_sheet(book, report: Report) -> None:
    sheet = _sheet(book, SHEETS["categories"], [_("code"), _("category"), _("definition"),
                                           _("children")], [30, 40, 20, 10])
    for row in report.categories:
        sheet.append([row.code, row.label, _kind_label(row.kind)])
        _put(sheet, sheet.max_row, 4, row.total, report.dash.threshold)


def _who_sheet(book, report: Report) -> None:
    keys = report.breakdown_keys
    sheet = _sheet(book, SHEETS["who"], [_("code"), _("category"), _("definition"), _("total"),
                                    *[label for _k, label in keys]],
                   [30, 40, 20, 8, *[10] * len(keys)])
    for row in report.categories:
        sheet.append([row.code, row.label, _kind_label(row.kind)])
        _put(sheet, sheet.max_row, 4, row.total, report.dash.threshold)
        parts = dict(row.parts)
        for column, (key, _label) in enumerate(keys, start=5):
            _put(sheet, sheet.max_row, column, parts[key], report.dash.threshold)


def _where_sheet(book, report: Report) -> None:
    sheet = _sheet(book, SHEETS["where"], [_("code"), _("place"), _("rank"), _("children"),
                                      _("in a policy category")], [16, 24, 6, 10, 16])
    for row in report.places:
        sheet.append([row.node.code, row.node.name, row.rank])
        _put(sheet, sheet.max_row, 4, row.children, report.dash.threshold)
        _put(sheet, sheet.max_row, 5, row.policy, report.dash.threshold)


def _trends_sheet(book, report: Report) -> None:
    months = [f"{m:%Y-%m}" for m in report.dash.months]
    sheet = _sheet(book, SHEETS["trends"], [_("code"), _("measure"), *months],
                   [28, 30, *[9] * len(months)])
    for measure, label, cells in report.trends:
        sheet.append([measure, label])
        for column, (_month, cell) in enumerate(cells, start=3):
            _put(sheet, sheet.max_row, column, cell, report.dash.threshold)


def _stages_sheet(book, report: Report) -> None:
    sheet = _sheet(book, SHEETS["stages"], [_("code"), _("step"), _("open cases")], [18, 40, 12])
    codes = [value for value, _l in Stage.choices if value != Stage.CLOSED]
    for code, (label, cell) in zip(codes, report.stages, strict=True):
        sheet.append([code, label])
        _put(sheet, sheet.max_row, 3, cell, report.dash.threshold)


def _notes_sheet(book, report: Report) -> None:
    dash = report.dash
    sheet = _sheet(book, SHEETS["notes"], [_("note"), ""], [60, 80])
    sheet.freeze_panes = None
    places = " › ".join([name for _c, name in dash.parents] + [dash.division.name])
    for line in [[_("Division"), f"{places} ({dash.division.code})"],
                 [_("Figures as of"), dash.today.isoformat()],
                 [_("Disclosure control"), disclosure_text(report)],
                 [_("Suppressed below the threshold"), report.note.get("primary", 0)],
                 [_("Suppressed to protect them"), report.note.get("complementary", 0)],
                 [_("Census definition"), census_text()], []]:
        sheet.append(line)
    if report.suppressed:
        sheet.append([_("Suppressed figures (which, not their values)")])
        sheet.append([_("division code"), _("division"), _("figure"), _("breakdown"),
                      _("suppressed because")])
        for item in report.suppressed:
            sheet.append([item.code, item.name, item.figure, item.key, item.reason])


def disclosure_text(report: Report) -> str:
    dash = report.dash
    if not dash.protected:
        return _("Prepared for a role that sees identities: small figures are not suppressed. "
                 "Do not publish this report as it is.")
    return " ".join([  # the dashboard's words, then what a file adds
        _("Aggregates only. Figures below %(n)s are suppressed (✱), and so are the figures "
          "that would let them be worked out.") % {"n": dash.threshold},
        _("A figure derived from a suppressed one is suppressed too; zeros are shown as 0.")])


def census_text() -> str:
    return _("Figures marked \"census definition\" follow the 2020 census (children 0–17, "
             "parents away half a year or more, hukou elsewhere); they are not the policy "
             "categories, which follow the rules in force, and the two are never added "
             "together.")


# -- PDF ----------------------------------------------------------------------------------------

def pdf_bytes(report: Report) -> bytes:
    """The report rendered by WeasyPrint, charts as SVG."""
    return render_pdf(render_to_string("insights/report.html", _context(report)))


def render_pdf(html: str) -> bytes:
    """A PDF of ``html`` in the merged Noto Sans SC (family "NotoSC"), the one font it may
    use; it fetches nothing else, from the network or from disk."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    font = merged_font_path()
    if not font.is_file():
        raise RuntimeError(f"the report font is missing ({font}): run 'everychild vendor-assets'")
    fonts = FontConfiguration()
    face = CSS(string=f'@font-face {{ font-family: NotoSC; src: url("{font.as_uri()}") '
                      f'format("truetype"); }} html {{ font-family: NotoSC; }}',
               font_config=fonts, url_fetcher=_only(font))
    return HTML(string=html, url_fetcher=_only(font)).write_pdf(stylesheets=[face],
                                                                font_config=fonts)


def _only(font: Path):
    """A URL fetcher that fetches the font and nothing else."""
    from weasyprint.urls import URLFetcher

    allowed = font.as_uri()

    class OnlyTheFont(URLFetcher):
        def fetch(self, url, headers=None):
            if url != allowed:
                raise ValueError(f"the report fetches nothing but its font: {url}")
            return super().fetch(url, headers)

    return OnlyTheFont()


def _context(report: Report) -> dict:
    dash = report.dash
    policy = next((r for r in report.categories if r.code == ANY), None)
    return {
        "report": report, "dash": dash,
        "language": get_language(), "level": queries.level_label(dash.division.level),
        "breakdown_keys": report.breakdown_keys, "breakdown_groups": breakdown_groups(),
        "policy_rows": [r for r in report.categories if r.kind != CENSUS],
        "census_rows": [r for r in report.categories if r.kind == CENSUS],
        "disclosure_text": disclosure_text(report), "census_text": census_text(),
        "months": [f"{m:%Y-%m}" for m in dash.months],
        "who_charts": _who_charts(policy) if policy else [],
        "where_chart": charts.hbars(
            [(r.node.name, r.policy) for r in report.places],
            _("Children in a policy category"), width=680) if report.places else "",
        "trends_chart": charts.lines(
            [f"{m:%m}" for m in dash.months],
            [(label, [c for _m, c in cells]) for _measure, label, cells in report.trends],
            _("The last 12 months")),
    }


def breakdown_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """The breakdowns under a heading each, with short labels (a table's columns, a chart's
    bars): sex, age band, area."""
    return [
        (_("Sex"), [("sex:male", _("boys")), ("sex:female", _("girls"))]),
        (_("Age (years)"), [(f"band:{b}", b.replace("-", "–")) for b in BANDS]),
        (_("Area"), [("area:U", _("urban")), ("area:R", _("rural")), ("area:?", _("not known"))]),
    ]


def _who_charts(row: CategoryRow) -> list:
    """Sex, age band and area of the children in a policy category, as three bar charts."""
    parts = dict(row.parts)
    return [charts.bars([(label, parts[key]) for key, label in keys], title,
                        width=70 + 34 * len(keys)) for title, keys in breakdown_groups()]
