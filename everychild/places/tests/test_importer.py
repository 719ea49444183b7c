"""The division importer: the demo extract, re-imports, stand-in rows, and malformed files
refused with file, line and reason while nothing is imported."""

import csv
import shutil
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connections, transaction

from everychild.accounts.demo import DEMO_DIVISIONS
from everychild.cli import main as everychild_cli
from everychild.places import importer
from everychild.places.codes import NATION_CODE, Level, prefix
from everychild.places.importer import (
    DivisionFileError,
    check_divisions,
    import_divisions,
    iter_divisions,
    read_divisions,
)
from everychild.places.models import Division, UrbanRuralSource
from everychild.places.services import set_urban_rural

DEMO_COUNTS = {Level.NATION: 1, Level.PROVINCE: 2, Level.PREFECTURE: 2, Level.COUNTY: 2,
               Level.TOWNSHIP: 28, Level.VILLAGE: 364}
DEMO_TOTAL = sum(DEMO_COUNTS.values())
HEADERS = {
    "provinces.csv": ["code", "name"],
    "cities.csv": ["code", "name", "provinceCode"],
    "areas.csv": ["code", "name", "cityCode", "provinceCode"],
    "streets.csv": ["code", "name", "areaCode", "provinceCode", "cityCode"],
    "villages.csv": ["code", "name", "streetCode", "provinceCode", "cityCode", "areaCode"],
}
NATIONAL = Path(__file__).resolve().parents[3] / "var" / "divisions" / "package" / "dist"


def counts_by_level() -> dict[int, int]:
    return dict(Counter(Division.objects.values_list("level", flat=True)))


@pytest.fixture
def extract(tmp_path) -> Path:
    """A copy of the demo extract that a test may spoil."""
    target = tmp_path / "dist"
    shutil.copytree(DEMO_DIVISIONS, target)
    return target


def append(path: Path, line: str) -> int:
    """Add a line at the end of a file; return its line number."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip("\n") + "\n" + line + "\n", encoding="utf-8")
    return len(path.read_text(encoding="utf-8").splitlines())


def append_bytes(path: Path, line: bytes) -> int:
    """Add a line of raw bytes at the end of a file; return its line number."""
    with path.open("ab") as handle:
        handle.write(line + b"\n")
    return path.read_bytes().count(b"\n")


def write_list(directory: Path, rows: dict[str, list[tuple[str, str]]]) -> Path:
    """Write the five files in the package's format from (code, name) pairs per file; the
    parent and ancestor columns are derived from each code."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, header in HEADERS.items():
        with (directory / name).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, quoting=csv.QUOTE_NONNUMERIC)
            writer.writerow(header)
            for code, title in rows.get(name, []):
                parts = {"provinceCode": code[:2], "cityCode": code[:4], "areaCode": code[:6],
                         "streetCode": code[:9]}
                writer.writerow([code, title, *(parts[column] for column in header[2:])])
    return directory


# --- the demo extract ---------------------------------------------------------------------

@pytest.mark.django_db
def test_demo_extract_counts_by_level(demo_places):
    assert counts_by_level() == DEMO_COUNTS
    assert Division.objects.get(code="610723000000").name == "洋县"
    assert Division.objects.get(code="533124000000").name == "陇川县"
    assert set(Division.objects.values_list("version", flat=True)) == {"2023"}


@pytest.mark.django_db
def test_every_division_hangs_under_its_parent(demo_places):
    nation = Division.objects.get(code=NATION_CODE)
    assert nation.level == Level.NATION and nation.parent is None
    assert nation.name == importer.NATION_NAME
    for division in Division.objects.exclude(code=NATION_CODE).select_related("parent"):
        parent = division.parent
        assert parent is not None, division
        assert parent.level == division.level - 1, division
        assert division.code.startswith(parent.prefix), division
    chain = []
    node = Division.objects.get(code="610723001212")
    while node is not None:
        chain.append(node.code)
        node = node.parent
    assert chain == ["610723001212", "610723001000", "610723000000", "610700000000",
                     "610000000000", NATION_CODE]


@pytest.mark.django_db
def test_a_township_ending_in_zeros_keeps_its_level_and_villages(demo_places):
    farm = Division.objects.get(code="533124400000")  # 陇川农场
    assert farm.level == Level.TOWNSHIP and farm.prefix == "533124400"
    villages = Division.objects.within(farm.prefix)
    assert villages.filter(level=Level.VILLAGE).count() == farm.children.count() > 0


def test_rows_come_parents_first():
    rows = read_divisions(DEMO_DIVISIONS)
    assert rows[0] == importer.Row(NATION_CODE, Level.NATION, importer.NATION_NAME, None)
    seen = set()
    for row in rows:
        assert row.parent is None or row.parent in seen
        seen.add(row.code)
    assert len(rows) == len(seen) == DEMO_TOTAL
    assert check_divisions(DEMO_DIVISIONS) == (DEMO_TOTAL, 0)


@pytest.mark.django_db
def test_reimport_changes_nothing_and_keeps_what_officers_set(demo_places, make_actor):
    officer = make_actor("civil_affairs_officer", "610723000000")
    set_urban_rural(officer, "610723001212", "121", "seen on site")
    before = counts_by_level()

    result = import_divisions(DEMO_DIVISIONS)

    assert (result.rows, result.created, result.updated, result.unchanged) == (
        DEMO_TOTAL, 0, 0, DEMO_TOTAL)
    assert counts_by_level() == before == DEMO_COUNTS
    village = Division.objects.get(code="610723001212")
    assert village.urban_rural == "121"
    assert village.urban_rural_source == UrbanRuralSource.OFFICER
    assert village.urban_rural_set_by == officer.user


@pytest.mark.django_db
def test_reimport_applies_a_renamed_village_only(demo_places, make_actor, extract):
    officer = make_actor("civil_affairs_officer", "610723000000")
    set_urban_rural(officer, "610723001212", "220")
    villages = extract / "villages.csv"
    villages.write_text(villages.read_text(encoding="utf-8").replace(
        "610723001212,东咀村委会", "610723001212,东咀村民委员会"), encoding="utf-8")

    result = import_divisions(extract)

    assert (result.created, result.updated) == (0, 1)
    village = Division.objects.get(code="610723001212")
    assert village.name == "东咀村民委员会"
    assert (village.urban_rural, village.urban_rural_source) == ("220", UrbanRuralSource.OFFICER)


@pytest.mark.django_db
def test_a_new_version_is_recorded_on_every_row(demo_places):
    result = import_divisions(DEMO_DIVISIONS, version="2024")
    assert (result.created, result.updated) == (0, DEMO_TOTAL)
    assert set(Division.objects.values_list("version", flat=True)) == {"2024"}


@pytest.mark.django_db
def test_the_generic_writer_imports_the_same_rows():
    with transaction.atomic():
        count, _changed = importer._write_generic(iter_divisions(DEMO_DIVISIONS), "2023", None)
    assert count == DEMO_TOTAL
    assert counts_by_level() == DEMO_COUNTS


# --- stand-in rows: childless divisions repeated one level down -----------------------------

STAND_INS = {
    "provinces.csv": [("44", "广东省"), ("35", "福建省")],
    "cities.csv": [("4419", "东莞市"), ("3505", "泉州市")],
    "areas.csv": [("441900", "东莞市"), ("350502", "鲤城区"), ("350527", "金门县")],
    "streets.csv": [("441900003", "东城街道"), ("441900101", "石碣镇"), ("350502001", "海滨街道"),
                    ("350527000", "金门县")],
    "villages.csv": [("441900003001", "花城社区居委会"), ("441900101001", "石碣社区居委会"),
                     ("350502001001", "新华社区居委会"), ("350527000000", "金门县")],
}


@pytest.mark.django_db
def test_stand_in_rows_are_merged_into_their_parent(tmp_path):
    result = import_divisions(write_list(tmp_path, STAND_INS))

    assert result.stand_ins == 3
    dongguan = Division.objects.get(code="441900000000")
    assert (dongguan.level, dongguan.name) == (Level.PREFECTURE, "东莞市")
    assert dongguan.prefix == "4419"
    assert sorted(dongguan.children.values_list("code", flat=True)) == [
        "441900003000", "441900101000"]
    assert Division.objects.get(code="441900003001").parent_id == "441900003000"
    jinmen = Division.objects.get(code="350527000000")
    assert (jinmen.level, jinmen.name, jinmen.parent_id) == (Level.COUNTY, "金门县", "350500000000")
    assert not jinmen.children.exists()
    assert counts_by_level() == {0: 1, 1: 2, 2: 2, 3: 2, 4: 3, 5: 3}
    assert import_divisions(tmp_path).unchanged == result.rows  # idempotent here too


@pytest.mark.parametrize(("file", "rows", "reason"), [
    ("areas.csv", [("441900", "东莞县")], "is its parent's code, but the name"),
    ("areas.csv", [("441900", "东莞市"), ("441901", "莞城区")], "already repeats"),
    ("areas.csv", [("441901", "莞城区"), ("441900", "东莞市")], "its parent has other children"),
    ("areas.csv", [("441900", "东莞市"), ("441900", "东莞市")], "appears twice"),
    ("provinces.csv", [("00", "中华人民共和国")], "is the nation's code"),
])
@pytest.mark.django_db
def test_doubtful_stand_ins_are_refused(tmp_path, file, rows, reason):
    # 东莞 without its county and everything below it, then the rows under test.
    spoiled = {name: [entry for entry in entries if not entry[0].startswith("441900")]
               for name, entries in STAND_INS.items()}
    spoiled[file] += rows
    with pytest.raises(DivisionFileError, match=reason) as caught:
        import_divisions(write_list(tmp_path, spoiled))
    assert caught.value.file == file
    assert caught.value.line == 1 + len(spoiled[file])
    assert not Division.objects.exists()


@pytest.mark.skipif(not (NATIONAL / "villages.csv").is_file(),
                    reason="the national list is not unpacked in var/divisions (make divisions)")
def test_the_national_list_passes_the_checks():
    assert check_divisions(NATIONAL) == (1 + 31 + 342 + 2975 + 41351 + 620572, 5)


# --- malformed files ----------------------------------------------------------------------

def spoil_header(extract: Path, file: str, header: str) -> int:
    path = extract / file
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([header, *lines[1:]]) + "\n", encoding="utf-8")
    return 1


MALFORMED = {
    # name: (file, spoil(extract) -> line, reason)
    "missing file": ("villages.csv", lambda d: (d / "villages.csv").unlink() or 0,
                     "file is missing"),
    "empty file": ("villages.csv", lambda d: (d / "villages.csv").write_bytes(b"") or 1,
                   "no header line"),
    "missing column": ("streets.csv", lambda d: spoil_header(
        d, "streets.csv", "code,name,provinceCode,cityCode,areaKode"), "missing columns: areaCode"),
    "bad code": ("villages.csv", lambda d: append(
        d / "villages.csv", "61072300121X,某村委会,610723001,61,6107,610723"),
        "not a division code"),
    "code of the wrong level": ("villages.csv", lambda d: append(
        d / "villages.csv", "610723001,某村委会,610723001,61,6107,610723"),
        "is not a village code"),
    "township code in the county file": ("areas.csv", lambda d: append(
        d / "areas.csv", "610723001,洋县,6107,61"), "is not a county code"),
    "unknown parent": ("villages.csv", lambda d: append(
        d / "villages.csv", "610723999001,某村委会,610723999,61,6107,610723"),
        "streetCode '610723999' is not a known township"),
    "parent of the wrong level": ("villages.csv", lambda d: append(
        d / "villages.csv", "610723001299,某村委会,610723,61,6107,610723"),
        "is not a known township"),
    "code not under its parent": ("villages.csv", lambda d: append(
        d / "villages.csv", "533124101299,某村委会,610723001,53,5331,533124"),
        "does not lie under its parent 610723001"),
    "ancestor column disagrees": ("villages.csv", lambda d: append(
        d / "villages.csv", "610723001299,某村委会,610723001,61,6107,533124"),
        "does not lie under '533124'"),
    "duplicate code": ("villages.csv", lambda d: append(
        d / "villages.csv", "610723001212,东咀村委会,610723001,61,6107,610723"), "appears twice"),
    "too many fields": ("villages.csv", lambda d: append(
        d / "villages.csv", "610723001299,某村委会,610723001,61,6107,610723,extra"),
        "wrong number of fields: 7 instead of 6"),
    "too few fields": ("villages.csv", lambda d: append(
        d / "villages.csv", "610723001299,某村委会,610723001"),
        "wrong number of fields: 3 instead of 6"),
    "empty name": ("villages.csv", lambda d: append(
        d / "villages.csv", "610723001299,  ,610723001,61,6107,610723"), "name is empty"),
    "name too long": ("villages.csv", lambda d: append(
        d / "villages.csv", "610723001299," + "村" * 101 + ",610723001,61,6107,610723"),
        "longer than 100 characters"),
    "line break in a name": ("villages.csv", lambda d: append(
        d / "villages.csv", '610723001299,"某\n村委会",610723001,61,6107,610723') - 1,
        "control character"),
    "not UTF-8": ("villages.csv", lambda d: append_bytes(
        d / "villages.csv", "610723001299,某村委会,610723001,61,6107,610723".encode("gb18030")),
        "not UTF-8"),
    "unterminated quote": ("villages.csv", lambda d: append(
        d / "villages.csv", '610723001299,"某村委会,610723001,61,6107,610723'), "not valid CSV"),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
@pytest.mark.django_db
def test_malformed_files_are_refused_and_nothing_is_imported(extract, case):
    file, spoil, reason = MALFORMED[case]
    line = spoil(extract)

    with pytest.raises(DivisionFileError) as caught:
        import_divisions(extract)

    assert (caught.value.file, caught.value.line) == (file, line)
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"{file}:{line}: ")
    assert not Division.objects.exists()


@pytest.mark.django_db
def test_a_refused_reimport_leaves_the_previous_list_alone(demo_places, extract):
    villages = extract / "villages.csv"
    villages.write_text(villages.read_text(encoding="utf-8").replace("东咀村委会", "改名村委会"),
                        encoding="utf-8")
    append(villages, "610723001212,东咀村委会,610723001,61,6107,610723")  # a duplicate

    with pytest.raises(DivisionFileError, match="appears twice"):
        import_divisions(extract, version="2024")

    assert Division.objects.get(code="610723001212").name == "东咀村委会"
    assert set(Division.objects.values_list("version", flat=True)) == {"2023"}


@pytest.mark.django_db
def test_a_fault_found_only_while_writing_rolls_everything_back(extract, monkeypatch):
    """The rows are checked again as they are written: if a file changed after the first
    reading, the transaction is rolled back."""
    monkeypatch.setattr(importer, "check_divisions", lambda directory, progress=None: (0, 0))
    append(extract / "villages.csv", "610723001299,,610723001,61,6107,610723")

    with pytest.raises(DivisionFileError, match="name is empty"):
        import_divisions(extract)

    assert not Division.objects.exists()


def test_progress_and_phases_are_reported(db):
    phases, progressed = [], []
    import_divisions(DEMO_DIVISIONS, progress=progressed.append,
                     phase=lambda name, total: phases.append((name, total)))
    assert phases == [("checking", None), ("writing", DEMO_TOTAL)]
    assert sum(progressed) == 2 * DEMO_TOTAL


# --- the command ----------------------------------------------------------------------------

@pytest.mark.django_db
def test_command_imports_and_reports(capsys):
    call_command("import_divisions", str(DEMO_DIVISIONS), "--no-progress")
    assert f"imported {DEMO_TOTAL} divisions" in capsys.readouterr().out
    assert counts_by_level() == DEMO_COUNTS

    call_command("import_divisions", str(DEMO_DIVISIONS), "--no-progress",
                 "--code-version", "2024")
    out = capsys.readouterr().out
    assert f"0 new, {DEMO_TOTAL} changed, 0 unchanged" in out
    assert Division.objects.get(code="610723000000").version == "2024"


@pytest.mark.django_db
def test_command_refuses_a_malformed_file_with_file_and_line(extract):
    line = append(extract / "villages.csv", "610723001299,,610723001,61,6107,610723")
    with pytest.raises(CommandError, match=rf"nothing imported: villages\.csv:{line}: name is empty"):
        call_command("import_divisions", str(extract), "--no-progress")
    assert not Division.objects.exists()


@pytest.mark.django_db
def test_everychild_import_divisions_entry_point(extract, capsys, monkeypatch):
    # run_from_argv closes every connection when it ends; keep the test's own open.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    line = append(extract / "villages.csv", "610723001299,某村委会,610723999,61,6107,610723")
    with pytest.raises(SystemExit) as exited:
        everychild_cli(["everychild", "import-divisions", str(extract), "--no-progress"])
    assert exited.value.code == 1
    assert f"villages.csv:{line}: streetCode '610723999' is not a known township" in (
        capsys.readouterr().err)
    assert not Division.objects.exists()


def test_the_prefix_of_each_imported_level():
    """Rows carry levels, so a township ending in "00" gets its full nine-digit prefix."""
    rows = {row.code: row for row in read_divisions(DEMO_DIVISIONS)}
    assert prefix("533124400000", rows["533124400000"].level) == "533124400"
    assert prefix("610723000000", rows["610723000000"].level) == "610723"
