"""Exports of the insights: the county report (PDF) embeds the packaged CJK font, misses no
glyph and extracts as Chinese; the workbook's (XLSX) and the CSV's figures equal the dashboard's
Cells for the same actor, disclosure control included; an analyst's files hold no name or ID;
the county report only for counties, nothing outside the jurisdiction, every export audited;
the SVG charts are valid and show their values and their gaps."""

import csv
import functools
import io
import shutil
import subprocess
import zipfile
from dataclasses import replace
from datetime import date
from xml.etree import ElementTree

import pytest
from django.urls import reverse
from django.utils import translation
from fontTools.ttLib import TTFont
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from conftest import skip_or_fail
from everychild.audit.models import AuditEvent
from everychild.cases.tests.factories import NOW
from everychild.core.management.commands.vendor_assets import merged_font_path
from everychild.core.outbox import deliver
from everychild.insights import charts, exports, queries
from everychild.insights.figures import month_key
from everychild.insights.indicators import BY_CODE, INDICATORS, TRENDS
from everychild.insights.jobs import follow_the_clock
from everychild.insights.queries import Cell
from everychild.places.models import Division
from everychild.registry.models import Child
from everychild.registry.services import register_child
from everychild.registry.tests.factories import (
    OTHER_VILLAGE_SAME_TOWNSHIP,
    VILLAGE,
    left_behind,
    valid_id,
)

TODAY = NOW.date()
COUNTY = "610723000000"
TOWNSHIP = VILLAGE[:9] + "000"
NAMES = ["张伟", "王芳", "刘洋", "陈静", "杨磊", "赵敏", "黄勇", "周杰"]
ADDRESS = "东咀村三组"  # left_behind()'s household address
CAREGIVER = "王奶奶"


# -- the world ----------------------------------------------------------------------------------

def _register(actor, name: str, village: str, born: date, sex: str = "male", seq: int = 1):
    registration = left_behind(name=name, village=village, born=born,
                               id_number=valid_id(born, sex, seq=seq))
    registration = replace(registration, input=replace(registration.input, sex=sex))
    return register_child(actor, registration, today=TODAY)


@pytest.fixture
def world(director, clock, make_actor):
    """Seven children in one township of 洋县 (shown to analysts), one in another township
    (suppressed, and what would reveal it); with ID numbers."""
    other_township = (Division.objects.filter(level=5, code__startswith=COUNTY[:6])
                      .exclude(code__startswith=VILLAGE[:9]).order_by("code").first())
    neighbour = make_actor("child_director", OTHER_VILLAGE_SAME_TOWNSHIP)
    for n, name in enumerate(NAMES[:7]):
        actor, village = (director, VILLAGE) if n % 2 else (neighbour, OTHER_VILLAGE_SAME_TOWNSHIP)
        _register(actor, name, village, date(2010 + n, 3, 1), "female" if n % 3 else "male",
                  seq=n + 10)
    _register(make_actor("child_director", other_township.code), NAMES[7], other_township.code,
              date(2016, 5, 5), seq=30)
    deliver()
    follow_the_clock(TODAY)
    return other_township


@pytest.fixture
def analyst(make_actor):
    return make_actor("county_analyst", COUNTY)


def signed_in(client, actor, language: str | None = None):
    client.force_login(actor.user)
    if language:
        client.cookies["django_language"] = language
    return client


def get(client, name: str, code: str = COUNTY):
    return client.get(reverse(f"insights:{name}", args=[code]))


def expected(cell: Cell):
    """What a file must hold for a dashboard cell (written out here, not taken from exports)."""
    if not cell.suppressed:
        return cell.value
    return "–" if cell.reason == "empty" else "✱"


# -- PDF ------------------------------------------------------------------------------------------

def tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        skip_or_fail(f"{name} is not installed (apt package poppler-utils)")
    return found


def needs_font() -> None:
    if not merged_font_path().is_file():
        skip_or_fail("the report font is not built: run 'everychild vendor-assets'")


def pdf_fonts(pdf: bytes, tmp_path) -> list[list[str]]:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([tool("pdffonts"), str(path)], capture_output=True, text=True,
                         check=True).stdout
    return [line.split() for line in out.splitlines()[2:]]


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run([tool("pdftotext"), "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


@functools.cache
def font_cmap() -> frozenset[int]:
    return frozenset(TTFont(merged_font_path()).getBestCmap())


def missing_glyphs(pdf: bytes, tmp_path) -> set[str]:
    """Characters of the PDF's text that its font has no glyph for. Only the packaged font may
    be embedded (a fallback font would mean Pango went looking elsewhere), and every character
    must be in that font's cmap: pdftotext alone proves nothing (it reads the ToUnicode map,
    which names the character even when a box was drawn)."""
    fonts = pdf_fonts(pdf, tmp_path)
    assert fonts, "no font in the PDF"
    for row in fonts:
        name, embedded = row[0], row[-5]
        assert "+NotoSC" in name and embedded == "yes", fonts
    return {ch for ch in pdf_text(pdf, tmp_path)
            if not ch.isspace() and ord(ch) not in font_cmap()}


def test_the_pdf_embeds_the_font_misses_no_glyph_and_extracts_as_chinese(
        world, officer, client, tmp_path):
    needs_font()
    response = get(signed_in(client, officer), "report_pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="everychild-610723000000-2025-06.pdf"')
    pdf = response.content
    assert missing_glyphs(pdf, tmp_path) == set()
    text = pdf_text(pdf, tmp_path)
    for chinese in ("洋县", "陕西省", "留守儿童", "综合评估", "走访"):
        assert chinese in text
    assert "✱" not in text  # the officer sees identities: nothing is suppressed


def test_the_glyph_check_finds_a_character_the_font_lacks(tmp_path):
    """劐 is absent from fontsource's Noto Sans SC: the check above must catch it."""
    needs_font()
    pdf = exports.render_pdf("<html><body><p>洋县 劐</p></body></html>")
    assert "洋县" in pdf_text(pdf, tmp_path)
    assert ord("劐") not in font_cmap()
    try:
        found = missing_glyphs(pdf, tmp_path)
    except AssertionError:  # Pango found it in a system font: also a failure of the check
        return
    assert found == {"劐"}


def test_the_pdf_in_english(world, officer, client, tmp_path):
    needs_font()
    response = get(signed_in(client, officer, "en"), "report_pdf")
    assert response.status_code == 200
    text = pdf_text(response.content, tmp_path)
    for english in ("Children of 洋县", "How many", "Who: sex, age and area",
                    "Where: the sub-divisions", "How served", "Disclosure control",
                    "Left-behind child", "boys", "comprehensive assessment", "Visits"):
        assert english in text
    assert missing_glyphs(response.content, tmp_path) == set()


def test_the_pdf_shows_the_analysts_suppressions(world, analyst, client, tmp_path):
    needs_font()
    dash = queries.dashboard(analyst, COUNTY)
    other = next(node for node in dash.children if node.code == world.code[:9] + "000")
    assert other.cell("children:all").suppressed  # one child: below the threshold
    response = get(signed_in(client, analyst), "report_pdf")
    text = pdf_text(response.content, tmp_path)
    assert any(line.split()[-3:] == [other.name, "✱", "✱"] for line in text.splitlines())
    assert missing_glyphs(response.content, tmp_path) == set()


# -- XLSX -----------------------------------------------------------------------------------------

def sheet_rows(book, title: str) -> list[tuple]:
    return list(book[title].iter_rows(values_only=True))


@pytest.mark.parametrize("role", ["civil_affairs_officer", "county_analyst"])
def test_every_figure_of_the_workbook_equals_the_dashboard(world, make_actor, client, role):
    actor = make_actor(role, COUNTY)
    response = get(signed_in(client, actor), "report_xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="everychild-610723000000-2025-06.xlsx"')
    book = load_workbook(io.BytesIO(response.content))
    dash = queries.dashboard(actor, COUNTY)
    node = dash.node
    compared: list = []

    def check(found, cell: Cell) -> None:
        assert found == expected(cell)
        compared.append(found)

    names = [str(exports.SHEETS[k]) for k in (
        "indicators", "categories", "who", "where", "trends", "stages", "notes")]
    assert book.sheetnames == names
    indicators, categories, who, where, trends, stages, _notes = (book[n] for n in names)

    rows = list(indicators.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in sorted(rows)] == sorted(i.code for i in INDICATORS)
    for code, _title, _section, value, *_rest in rows:
        check(value, queries.indicator_value(node, BY_CODE[code]))

    rows = list(categories.iter_rows(min_row=2, values_only=True))
    assert {r[0] for r in rows} == {code for code, _l, _c in queries.categories(node)}
    for code, _label, _kind, value in rows:
        check(value, node.cell(f"children:{code}"))

    header = next(who.iter_rows(max_row=1, values_only=True))
    keys = {exports.key_label(k): k for k in exports._breakdown_keys()}
    for code, _label, _kind, total, *parts in who.iter_rows(min_row=2, values_only=True):
        check(total, node.cell(f"children:{code}"))
        for label, value in zip(header[4:], parts, strict=True):
            check(value, node.cell(f"children:{code}", keys[label]))

    rows = list(where.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [n.code for n, _c in queries.ranking(dash, "any")]
    children = {n.code: n for n in dash.children}
    for n, (code, _name, rank, registered, policy) in enumerate(rows, start=1):
        check(registered, children[code].cell("children:all"))
        check(policy, children[code].cell("children:any"))
        assert rank == (None if policy == "✱" else n)

    header = next(trends.iter_rows(max_row=1, values_only=True))
    assert list(header[2:]) == [f"{m:%Y-%m}" for m in dash.months]
    rows = list(trends.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [m for m, _l in TRENDS]
    for measure, _label, *values in rows:
        for month, value in zip(dash.months, values, strict=True):
            check(value, node.cell(measure, month_key(month)))

    for code, _label, value in stages.iter_rows(min_row=2, values_only=True):
        check(value, node.cell("cases.cases_open", f"stage:{code}"))

    numbers = [v for v in compared if isinstance(v, int | float)]
    if dash.protected:  # a world this small leaves the analyst zeros and markers
        assert "✱" in compared and 0 in numbers
    else:
        assert any(v >= 5 for v in numbers)  # not a workbook of zeros and markers
        assert "✱" not in compared and 1 in numbers  # small figures shown to the officer


def test_a_suppressed_cell_of_the_workbook_says_why(world, analyst, client):
    response = get(signed_in(client, analyst), "report_xlsx")
    book = load_workbook(io.BytesIO(response.content))
    marked = [cell for sheet in book for row in sheet.iter_rows() for cell in row
              if cell.value == "✱"]
    assert marked
    assert all(cell.comment and cell.comment.text for cell in marked)
    notes = sheet_rows(book, book.sheetnames[-1])
    listed = [row for row in notes if row[0] == world.code[:9] + "000"]
    assert listed and all(row[4] for row in listed)  # which figure, and why


# -- CSV ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["civil_affairs_officer", "county_analyst"])
def test_every_figure_of_the_csv_equals_the_dashboard(world, make_actor, client, role):
    actor = make_actor(role, COUNTY)
    response = get(signed_in(client, actor), "export_csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, for Excel
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    dash = queries.dashboard(actor, COUNTY)
    nodes = {n.code: n for n in (dash.node, *dash.children)}
    seen = set()
    for code, name, figure, _label, key, _key_label, value, reason in rows[1:]:
        node = nodes[code]
        assert name == node.name
        if figure.startswith("indicator:"):
            cell = queries.indicator_value(node, BY_CODE[figure.removeprefix("indicator:")])
        else:
            cell = node.cell(figure, key)
        want = expected(cell)
        assert value == str(want)
        assert bool(reason) == cell.suppressed
        seen.add((code, figure, key))
    # everything the dashboard shows is there: cards, categories, breakdowns, ranking, trends
    for code, _l, _c in queries.categories(dash.node):
        for key in ("total", "sex:female", "band:0-2", "area:?"):
            assert (COUNTY, f"children:{code}", key) in seen
    assert all((n.code, "children:any", "total") in seen for n in dash.children)
    assert all((COUNTY, m, month_key(dash.months[0])) in seen for m, _l in TRENDS)
    assert all((COUNTY, f"indicator:{i.code}", "") in seen for i in INDICATORS)
    values = [r[6] for r in rows[1:]]
    assert ("✱" in values) == dash.protected


def test_the_csv_at_a_township(world, analyst, client):
    response = get(signed_in(client, analyst), "export_csv", TOWNSHIP)
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="everychild-{TOWNSHIP}-2025-06.csv"')
    codes = {row[0] for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig")))}
    assert TOWNSHIP in codes and VILLAGE in codes and COUNTY not in codes


# -- masking, levels, audit -----------------------------------------------------------------------

def xlsx_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        return "".join(book.read(name).decode("utf-8") for name in book.namelist())


def test_an_analysts_exports_hold_no_name_or_id(world, analyst, client, tmp_path):
    needs_font()
    children = list(Child.objects.all())
    assert len(children) == 8 and all(c.id_number for c in children)
    secrets = [*NAMES, CAREGIVER, ADDRESS, "张父", "李母",
               *[c.id_number for c in children], *[str(c.pk) for c in children]]
    signed_in(client, analyst)
    found = {
        "csv": get(client, "export_csv").content.decode("utf-8-sig"),
        "xlsx": xlsx_text(get(client, "report_xlsx").content),
        "pdf": pdf_text(get(client, "report_pdf").content, tmp_path),
    }
    for fmt, text in found.items():
        assert "洋县" in text, fmt  # the place is there, in the text searched
        leaked = [secret for secret in secrets if secret in text]
        assert leaked == [], fmt
    for response in (get(client, "export_csv"), get(client, "report_xlsx")):
        assert response["Content-Disposition"].isascii()


def test_the_county_report_only_for_a_county(world, officer, make_actor, client):
    signed_in(client, officer)
    for name in ("report_pdf", "report_xlsx"):
        assert get(client, name, TOWNSHIP).status_code == 404
        assert get(client, name, VILLAGE).status_code == 404
    assert get(client, "export_csv", VILLAGE).status_code == 200
    provincial = make_actor("provincial_analyst", "610000000000")
    signed_in(client, provincial)
    assert get(client, "report_xlsx", "610700000000").status_code == 404  # a prefecture
    assert get(client, "report_xlsx", COUNTY).status_code == 200
    assert get(client, "export_csv", "610700000000").status_code == 200


def test_nothing_outside_the_jurisdiction_or_without_the_capability(
        world, lc_officer, make_actor, client):
    signed_in(client, lc_officer)
    for name in ("export_csv", "report_pdf", "report_xlsx"):
        assert get(client, name).status_code == 404
        assert get(client, name, "999999000000").status_code == 404
    signed_in(client, make_actor("hotline_operator", COUNTY))
    for name in ("export_csv", "report_xlsx"):
        assert get(client, name).status_code == 403
    assert not AuditEvent.objects.filter(action="insights.export").exists()


def test_every_export_is_audited(world, analyst, client):
    signed_in(client, analyst)
    needs_font()
    for name in ("export_csv", "report_xlsx", "report_pdf"):
        assert get(client, name).status_code == 200
    assert get(client, "export_csv", TOWNSHIP).status_code == 200
    events = AuditEvent.objects.filter(action="insights.export").order_by("seq")
    assert [(e.object_type, e.object_id, e.detail["format"]) for e in events] == [
        ("division", COUNTY, "csv"), ("division", COUNTY, "xlsx"), ("division", COUNTY, "pdf"),
        ("division", TOWNSHIP, "csv")]
    assert {e.actor_id for e in events} == {analyst.user.pk}


# -- charts ---------------------------------------------------------------------------------------

def parse(svg: str) -> ElementTree.Element:
    assert "<script" not in svg
    return ElementTree.fromstring(svg)


SVG = "{http://www.w3.org/2000/svg}"


def texts(root: ElementTree.Element) -> list[str]:
    return [t.text for t in root.iter(f"{SVG}text")]


def test_bars_show_values_and_a_gap_for_a_suppressed_one():
    root = parse(charts.bars([("男", Cell(12)), ("女", Cell(None, "primary")), ("x<&>", Cell(0))],
                             "性别"))
    assert root.tag == f"{SVG}svg"
    assert {"12", "0", "✱", "男", "女", "x<&>", "性别"} <= set(texts(root))
    rects = [r for r in root.iter(f"{SVG}rect")]
    assert len(rects) == 2  # no bar for the suppressed value
    heights = sorted(float(r.get("height")) for r in rects)
    assert heights[0] == 0 and heights[1] > 0


def test_hbars_rank_places_and_mark_the_suppressed():
    root = parse(charts.hbars([("纸坊街道", Cell(40)), ("龙亭镇", Cell(7)),
                               ("谢村镇", Cell(None, "complementary"))], "儿童"))
    widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect")]
    assert len(widths) == 2 and widths[0] > widths[1] > 0
    assert {"40", "7", "✱", "谢村镇"} <= set(texts(root))


def test_a_line_breaks_at_a_suppressed_month():
    months = ["01", "02", "03", "04", "05"]
    cells = [Cell(3), Cell(5), Cell(None, "primary"), Cell(8), Cell(9)]
    root = parse(charts.lines(months, [("走访", cells)], "趋势"))
    lines = list(root.iter(f"{SVG}polyline"))
    assert len(lines) == 2  # 01-02 and 04-05, nothing through 03
    assert [len(pl.get("points").split()) for pl in lines] == [2, 2]
    assert len(list(root.iter(f"{SVG}circle"))) == 4
    tips = [t.text for c in root.iter(f"{SVG}circle") for t in c.iter(f"{SVG}title")]
    assert "走访 04: 8" in tips
    assert "✱" in texts(root) and "走访" in texts(root)


def test_charts_label_in_the_active_language():
    with translation.override("en"):
        svg = charts.lines(["01", "02"], [("Visits", [Cell(None, "primary"), Cell(1)])], "T")
    assert "✱ suppressed" in texts(parse(svg))


@given(st.floats(min_value=1e-3, max_value=1e12))
def test_nice_max_is_a_round_number_just_above(value):
    top = charts.nice_max(value)
    assert value <= top < 2.5 * value * (1 + 1e-9)
    mantissa = f"{top:e}".split("e")[0].rstrip("0").rstrip(".")
    assert mantissa in {"1", "2", "5"}
