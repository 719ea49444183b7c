"""Bulk import and export of children: every row accounted for, correction files, no duplicates
on re-import, CSV encodings, malformed files refused whole, audited exports."""

import csv
import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from openpyxl import Workbook, load_workbook

from everychild.audit.models import AuditEvent
from everychild.registry import bulk
from everychild.registry.bulk_columns import COLUMNS, EXAMPLE_NAME
from everychild.registry.bulk_export import build_export, export_children
from everychild.registry.bulk_files import template_csv, template_xlsx
from everychild.registry.models import Child, ChildCategory
from everychild.registry.models_bulk import ImportJob, ImportRow, ImportStatus, RowOutcome
from everychild.registry.queries import ChildFilter
from everychild.registry.services import register_child
from everychild.registry.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    OTHER_VILLAGE_SAME_TOWNSHIP,
    VILLAGE,
    left_behind,
    valid_id,
)

NAME, SEX, DOB, ID, VILLAGE_COL = "姓名", "性别", "出生日期", "公民身份号码", "现居住村（居）区划代码"
HEADERS = [NAME, SEX, DOB, ID, "民族", "户籍类型", VILLAGE_COL, "就学状况", "父亲姓名", "父亲状况",
           "父亲外出起始日期", "父亲跨县外出", "父亲去向区划代码", "母亲姓名", "母亲状况",
           "母亲状况起始日期", "母亲跨县外出", "低保", "主要照料人姓名", "主要照料人关系",
           "照料人年龄", "照料能力", "确认"]
GOOD_ID = valid_id(date(2015, 3, 1))


def child_row(name="张伟", sex="男", born="2015-03-01", id_number="", village=VILLAGE, **more):
    """A left-behind child: both parents working away across a county boundary."""
    row = {NAME: name, SEX: sex, DOB: born, ID: id_number, "民族": "汉族", "户籍类型": "农业",
           VILLAGE_COL: village, "就学状况": "在校", "父亲姓名": "张父", "父亲状况": "外出务工",
           "父亲外出起始日期": "2023-02-01", "父亲跨县外出": "是", "父亲去向区划代码": "533124",
           "母亲姓名": "李母", "母亲状况": "外出务工", "母亲状况起始日期": "2023/2/1",
           "母亲跨县外出": "是", "低保": "否", "主要照料人姓名": "王奶奶", "主要照料人关系": "祖母",
           "照料人年龄": "66", "照料能力": "一般"}
    row.update(more)
    return row


def mixed_rows() -> list[dict]:
    wrong = GOOD_ID[:-1] + ("0" if GOOD_ID[-1] != "0" else "1")
    return [
        child_row(id_number=GOOD_ID),                                  # row 2: imported
        child_row(name="李娜", sex="女", born="2016-07-09"),            # row 3: imported
        child_row(name="赵六", id_number=wrong),                        # row 4: check character
        child_row(name="钱七", born="2099-01-01"),                      # row 5: in the future
        child_row(name="孙八", village="999999999999"),                 # row 6: unknown village
        child_row(name="周九", village=OTHER_VILLAGE_SAME_TOWNSHIP),    # row 7: not my village
        child_row(name=""),                                            # row 8: no name
        child_row(name="吴十", id_number=valid_id(date(2015, 3, 2), seq=77)),  # row 9: to confirm
    ]


def xlsx_bytes(rows: list[dict], headers: list[str] = HEADERS, above: list | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "儿童名单"
    if above:
        sheet.append(above)
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h, "") for h in headers])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows: list[dict], encoding: str, headers: list[str] = HEADERS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers])
    return out.getvalue().encode(encoding)


def run(actor, content: bytes, name: str = "children.xlsx") -> ImportJob:
    job = bulk.start_import(actor, content, name, enqueue=False)
    return bulk.run_job(job.pk)


def problems(job: ImportJob) -> dict[int, list[tuple[str, str]]]:
    return {row.line: [(p["column"], p["message"]) for p in row.detail["problems"]]
            for row in job.rows.filter(outcome=RowOutcome.REJECTED)}


def assert_adds_up(job: ImportJob) -> None:
    job.refresh_from_db()
    assert job.imported + job.unchanged + job.rejected + job.awaiting_confirmation == job.total
    assert job.rows.count() == job.total
    for outcome, count in ((RowOutcome.IMPORTED, job.imported), (RowOutcome.UNCHANGED, job.unchanged),
                           (RowOutcome.REJECTED, job.rejected),
                           (RowOutcome.AWAITING, job.awaiting_confirmation)):
        assert job.rows.filter(outcome=outcome).count() == count, outcome


@pytest.fixture(autouse=True)
def english(client):
    """Messages are compared in English (the source language)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def director(make_actor):
    return make_actor("child_director", VILLAGE)


@pytest.mark.django_db
def test_good_rows_land_and_bad_rows_are_listed_with_row_column_and_message(director):
    job = run(director, xlsx_bytes(mixed_rows()))

    assert job.status == ImportStatus.DONE and job.total == 8
    assert (job.imported, job.unchanged, job.rejected, job.awaiting_confirmation) == (2, 0, 5, 1)
    assert_adds_up(job)
    assert Child.objects.count() == 2
    zhang = Child.objects.get(id_number_hash__gt="")
    assert zhang.name == "张伟" and zhang.registered_by == director.user
    assert ChildCategory.objects.filter(child=zhang, category="left_behind", until=None).exists()
    assert zhang.parents.get(role="mother").situations.get().since == date(2023, 2, 1)
    assert zhang.caregivers.get().relationship == "grandmother_paternal"

    found = problems(job)
    assert set(found) == {4, 5, 6, 7, 8}
    [(column, message)] = found[4]
    assert column == ID and GOOD_ID[-1] in message
    assert found[5] == [(DOB, "The date of birth is in the future.")]
    assert found[6][0][0] == VILLAGE_COL and "999999999999" in found[6][0][1]
    assert found[7] == [(VILLAGE_COL, "This village is outside your jurisdiction.")]
    assert found[8][0][0] == NAME
    awaiting = job.rows.get(outcome=RowOutcome.AWAITING)
    assert awaiting.line == 9 and "2015-03-02" in " ".join(awaiting.detail["warnings"])
    event = AuditEvent.objects.get(action="child.import")
    assert event.object_id == str(job.pk) and event.detail["rejected"] == 5
    # One event per county and batch names every child it registered.
    [created] = AuditEvent.objects.filter(action="child.create")
    assert created.object_id == str(job.pk) and created.division_code == "610723000000"
    assert sorted(created.detail["children"]) == sorted(
        str(pk) for pk in Child.objects.values_list("pk", flat=True))
    job.refresh_from_db()
    assert job.content is None  # the uploaded file is not kept


@pytest.mark.django_db
def test_correction_file_round_trip_imports_only_the_corrected_rows(director):
    job = run(director, xlsx_bytes(mixed_rows()))
    sheet = load_workbook(io.BytesIO(bulk.correction_file(director, job))).active
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = table[0]
    assert header[-1] == "错误说明" and "确认" in header
    by_line = {row[header.index(NAME)]: row for row in table[1:]}
    assert len(table) == 1 + 6  # five rejected and one awaiting confirmation
    assert "Row 5, column 出生日期" in by_line["钱七"][-1]
    assert "确认" in by_line["吴十"][-1]
    assert AuditEvent.objects.filter(action="child.import_corrections").exists()

    # Correct two rows, confirm one, leave the others as they were.
    by_line["钱七"][header.index(DOB)] = "2016-01-01"
    nameless = next(row for name, row in by_line.items() if not name)
    nameless[header.index(NAME)] = "王芳"
    by_line["吴十"][header.index("确认")] = "是"
    corrected = Workbook()
    for row in table:
        corrected.active.append(row)
    out = io.BytesIO()
    corrected.save(out)

    again = run(director, out.getvalue(), "corrections.xlsx")
    assert again.total == 6
    assert (again.imported, again.unchanged, again.rejected, again.awaiting_confirmation) == (3, 0, 3, 0)
    assert_adds_up(again)
    assert Child.objects.count() == 5
    assert sorted(c.name for c in Child.objects.all()) == sorted(
        ["张伟", "李娜", "钱七", "王芳", "吴十"])
    assert set(problems(again)) == {2, 4, 5}  # rows of the correction file, still uncorrected


@pytest.mark.django_db
def test_reimporting_the_same_file_creates_no_duplicates(director):
    content = xlsx_bytes(mixed_rows())
    first = run(director, content)
    bulk.confirm_rows(director, first)  # the row awaiting confirmation is registered
    first.refresh_from_db()
    assert (first.imported, first.awaiting_confirmation) == (3, 0)
    assert first.rows.get(line=9).outcome == RowOutcome.IMPORTED
    assert_adds_up(first)

    second = run(director, content)
    assert (second.imported, second.unchanged, second.rejected, second.awaiting_confirmation) == (
        0, 3, 5, 0)
    assert_adds_up(second)
    assert Child.objects.count() == 3
    assert {r.child_id for r in second.rows.filter(outcome=RowOutcome.UNCHANGED)} == set(
        Child.objects.values_list("pk", flat=True))


@pytest.mark.django_db
def test_same_row_twice_in_one_file_is_registered_once(director):
    job = run(director, xlsx_bytes([child_row(name="李娜"), child_row(name="李娜")]))
    assert (job.imported, job.unchanged) == (1, 1)
    assert Child.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_and_gb18030(director, encoding):
    job = run(director, csv_bytes(mixed_rows(), encoding), "children.csv")
    assert job.file_kind == "csv"
    assert (job.imported, job.rejected, job.awaiting_confirmation) == (2, 5, 1)
    assert_adds_up(job)
    assert sorted(c.name for c in Child.objects.all()) == ["张伟", "李娜"]


@pytest.mark.django_db
def test_xlsx_with_title_row_typed_cells_and_extra_columns(director):
    headers = ["序号", *HEADERS, "备注人"]
    rows = [
        {**child_row(name="李娜", born=date(2016, 7, 9)), "序号": 1, "备注人": "x"},
        {**child_row(name="张伟"), ID: int(GOOD_ID[:-1] + "0") if GOOD_ID[-1] == "X" else int(GOOD_ID),
         "序号": 2},
    ]
    job = run(director, xlsx_bytes(rows, headers, above=["东咀村儿童名单（2025年）"]))
    assert job.ignored_columns == ["备注人"]
    assert (job.imported, job.rejected) == (1, 1)
    assert Child.objects.get().date_of_birth == date(2016, 7, 9)
    [(column, message)] = problems(job)[4]  # title row 1, header row 2
    assert column == ID and "15 digits" in message


@pytest.mark.django_db
@pytest.mark.parametrize(("content", "name", "reason"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "photo.png", "neither"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls", ".xls"),
    (b"PK\x03\x04 not really a zip", "broken.xlsx", "XLSX"),
    (b"", "empty.csv", "empty"),
    ("姓名,出生日期,性别\n张伟,2015-03-01,男\n".encode(), "no-village.csv", "现居住村（居）区划代码"),
    ("姓名,姓名,性别,出生日期,现居住村（居）区划代码\n".encode(), "twice.csv", "twice"),
])
def test_malformed_files_are_refused_whole(director, content, name, reason):
    with pytest.raises(bulk.ImportFileError) as info:
        bulk.start_import(director, content, name, enqueue=False)
    assert reason in str(info.value)
    assert not ImportJob.objects.exists() and not Child.objects.exists()


@pytest.mark.django_db
def test_a_file_broken_half_way_imports_nothing(director):
    good = csv_bytes([child_row(name="李娜")], "utf-8")
    broken = good + b'"unterminated,' + "张".encode() + b'"x"\r\n'
    job = run(director, broken, "broken.csv")
    assert job.status == ImportStatus.REFUSED and "Row 3" in job.error
    assert not Child.objects.exists() and not job.rows.exists()


@pytest.mark.django_db
def test_command_now_imports_and_writes_corrections(director, tmp_path, capsys):
    path = tmp_path / "children.xlsx"
    path.write_bytes(xlsx_bytes(mixed_rows()))
    corrections = tmp_path / "fix.xlsx"
    call_command("import_children", str(path), "--user", director.user.username, "--now",
                 "--corrections", str(corrections))
    out = capsys.readouterr().out
    assert "8 rows" in out and "2 imported" in out and "5 rejected" in out
    assert "Row 5, column 出生日期: The date of birth is in the future." in out
    assert load_workbook(corrections).active.max_row == 7
    assert Child.objects.count() == 2


@pytest.mark.django_db
def test_command_refuses_malformed_files_and_users_without_the_right(director, make_actor,
                                                                      tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes("名字,生日\n张伟,2015-03-01\n".encode())
    with pytest.raises(CommandError, match="nothing imported: .*姓名"):
        call_command("import_children", str(path), "--user", director.user.username, "--now")
    analyst = make_actor("county_analyst", "610723000000")
    path.write_bytes(csv_bytes([child_row()], "utf-8"))
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_children", str(path), "--user", analyst.user.username, "--now")
    assert not ImportJob.objects.exists() and not Child.objects.exists()


@pytest.mark.django_db
def test_templates_hold_the_headers_and_the_example_row_is_refused(director):
    workbook = load_workbook(io.BytesIO(template_xlsx(VILLAGE)))
    assert workbook.sheetnames == ["儿童名单", "填写说明"]
    sheet = workbook["儿童名单"]
    headers = [c.value for c in sheet[1]]
    assert headers == [c.header for c in COLUMNS]
    assert {"姓名", "性别", "出生日期", "公民身份号码", "民族", "户籍类型", "户籍地区划代码",
            VILLAGE_COL, "就学状况", "年级", "残疾类别", "残疾等级", "患重病", "父亲姓名",
            "父亲状况", "父亲跨县外出", "父亲去向区划代码", "母亲状况", "低保", "特困",
            "主要照料人姓名", "主要照料人关系"} <= set(headers)
    assert sheet.cell(row=2, column=1).value == EXAMPLE_NAME
    assert len(list(workbook["填写说明"].iter_rows())) > len(COLUMNS)
    csv_text = template_csv(VILLAGE).decode("utf-8-sig")
    assert csv_text.splitlines()[0].split(",") == headers

    for content, name in ((template_xlsx(VILLAGE), "t.xlsx"), (template_csv(VILLAGE), "t.csv")):
        job = run(director, content, name)
        assert (job.total, job.rejected) == (1, 1)
        assert "example row" in problems(job)[2][0][1]
    assert not Child.objects.exists()


@pytest.mark.django_db
def test_a_filled_in_template_imports(director):
    sheet_bytes = template_xlsx(VILLAGE)
    workbook = load_workbook(io.BytesIO(sheet_bytes))
    sheet = workbook["儿童名单"]
    headers = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=headers.index("姓名") + 1, value="陈小红")
    sheet.cell(row=2, column=headers.index("性别") + 1, value="女")
    sheet.cell(row=2, column=headers.index("公民身份号码") + 1).value = None
    out = io.BytesIO()
    workbook.save(out)
    job = run(director, out.getvalue(), "filled.xlsx")
    assert (job.imported, job.rejected) == (1, 0), problems(job)
    child = Child.objects.get()
    assert (child.name, child.sex, child.division_code) == ("陈小红", "female", VILLAGE)


@pytest.mark.django_db
def test_export_is_scoped_and_carries_the_audit_event(make_actor):
    supervisor = make_actor("child_supervisor", "610723001000")
    mine = register_child(supervisor, left_behind(id_number=GOOD_ID))
    register_child(supervisor, left_behind(name="李四", village=OTHER_VILLAGE_SAME_TOWNSHIP))
    elsewhere = make_actor("child_director", OTHER_COUNTY_VILLAGE)
    register_child(elsewhere, left_behind(name="王五", village=OTHER_COUNTY_VILLAGE))

    director = make_actor("child_director", VILLAGE, user=supervisor.user)
    export = build_export(director, ChildFilter())
    event = AuditEvent.objects.get(action="child.export")
    assert export.event == event and event.detail["ids"] == [str(mine.pk)]
    workbook = load_workbook(io.BytesIO(export.content))
    sheet = workbook.active
    rows = [r for r in sheet.iter_rows(values_only=True)]
    assert str(event.pk) in rows[0][0]
    header = rows[1]
    assert header[:3] == ("儿童编号", "类别", "登记时间") and NAME in header
    data = rows[2:]
    assert [r[header.index(NAME)] for r in data] == ["张伟"]
    assert data[0][header.index(ID)] == GOOD_ID and data[0][header.index("父亲状况")] == "外出务工"
    assert data[0][header.index(VILLAGE_COL)] == VILLAGE
    username = supervisor.user.username
    assert str(event.pk) in sheet.oddHeader.center.text and username in sheet.oddHeader.left.text
    assert str(event.pk) in sheet.oddFooter.center.text and username in sheet.oddFooter.left.text
    props = workbook.properties
    assert props.creator == username and props.identifier == str(event.pk)
    assert str(event.pk) in props.keywords and str(event.pk) in props.description
    assert str(event.pk) in props.title

    # An export re-imports as "already registered".
    job = run(director, export.content, "export.xlsx")
    assert (job.total, job.unchanged) == (1, 1)


@pytest.mark.django_db
def test_township_export_has_every_child_of_the_township(make_actor):
    supervisor = make_actor("child_supervisor", "610723001000")
    register_child(supervisor, left_behind())
    register_child(supervisor, left_behind(name="李四", village=OTHER_VILLAGE_SAME_TOWNSHIP))
    content = export_children(supervisor, ChildFilter())
    names = [r[3] for r in load_workbook(io.BytesIO(content)).active.iter_rows(min_row=3,
                                                                              values_only=True)]
    assert sorted(names) == ["张伟", "李四"]
    narrowed = export_children(supervisor, ChildFilter(division_prefix=OTHER_VILLAGE_SAME_TOWNSHIP))
    assert load_workbook(io.BytesIO(narrowed)).active.max_row == 3


@pytest.mark.django_db
def test_analyst_cannot_export(make_actor, client, tmp_path):
    analyst = make_actor("county_analyst", "610723000000")
    with pytest.raises(PermissionDenied):
        export_children(analyst, ChildFilter())
    client.force_login(analyst.user)
    assert client.post("/children/bulk/export/", {}).status_code == 403
    assert client.get("/children/bulk/").status_code == 403
    with pytest.raises(CommandError, match="nothing exported"):
        call_command("export_children", str(tmp_path / "out.xlsx"), "--user",
                     analyst.user.username)
    assert not AuditEvent.objects.filter(action="child.export").exists()


@pytest.mark.django_db
def test_export_page_and_command(make_actor, client, tmp_path, capsys):
    director = make_actor("child_director", VILLAGE)
    register_child(director, left_behind())
    client.force_login(director.user)
    assert client.get("/children/bulk/export/").status_code == 200
    response = client.post("/children/bulk/export/", {"sex": "male", "text": "zw"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert "attachment" in response["Content-Disposition"]
    assert load_workbook(io.BytesIO(response.content)).active.max_row == 3
    event = AuditEvent.objects.get(action="child.export")
    assert event.detail["filter"] == {"sex": "male", "text": "(given)"}

    out = tmp_path / "out.xlsx"
    call_command("export_children", str(out), "--user", director.user.username)
    assert "exported 1 children" in capsys.readouterr().out
    assert load_workbook(out).properties.creator == director.user.username


@pytest.mark.django_db
def test_import_pages(director, client):
    client.force_login(director.user)
    page = client.get("/children/bulk/")
    assert page.status_code == 200 and "template.xlsx" in page.content.decode()
    assert client.get("/children/bulk/template.xlsx")["Content-Type"].startswith(
        "application/vnd.openxmlformats")
    assert client.get("/children/bulk/template.csv").content.startswith(b"\xef\xbb\xbf")

    refused = client.post("/children/bulk/", {"file": io.BytesIO(b"\x00\x01binary")})
    assert refused.status_code == 400 and "Nothing was imported" in refused.content.decode()
    assert not ImportJob.objects.exists()

    upload = io.BytesIO(xlsx_bytes(mixed_rows()))
    upload.name = "children.xlsx"
    response = client.post("/children/bulk/", {"file": upload})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/imports/{job.pk}/")
    assert job.status == ImportStatus.QUEUED and job.task_id
    card = client.get(f"/children/bulk/imports/{job.pk}/status/", HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 2s"' in card.content.decode()

    bulk.run_job(job.pk)
    detail = client.get(f"/children/bulk/imports/{job.pk}/").content.decode()
    assert "This village is outside your jurisdiction." in detail and "吴十" in detail
    card = client.get(f"/children/bulk/imports/{job.pk}/status/?page=detail").content.decode()
    assert "every 2s" not in card
    corrections = client.get(f"/children/bulk/imports/{job.pk}/corrections.xlsx")
    assert load_workbook(io.BytesIO(corrections.content)).active.max_row == 7

    row = job.rows.get(outcome=RowOutcome.AWAITING)
    client.post(f"/children/bulk/imports/{job.pk}/rows/", {"action": "confirm", "row": [row.pk]})
    row.refresh_from_db()
    job.refresh_from_db()
    assert row.outcome == RowOutcome.IMPORTED and (job.imported, job.awaiting_confirmation) == (3, 0)
    assert Child.objects.filter(pk=row.child_id).exists()


@pytest.mark.django_db
def test_dismissed_rows_go_to_the_correction_file(director):
    job = run(director, xlsx_bytes(mixed_rows()))
    assert bulk.dismiss_rows(director, job) == 1
    job.refresh_from_db()
    assert (job.rejected, job.awaiting_confirmation) == (6, 0)
    assert_adds_up(job)
    assert "chose not to register" in bulk.explain(job.rows.get(line=9))


@pytest.mark.django_db
def test_jobs_are_their_owners(director, make_actor, client):
    job = run(director, xlsx_bytes([child_row()]))
    other = make_actor("child_director", VILLAGE)
    with pytest.raises(ImportJob.DoesNotExist):
        bulk.get_job(other, job.pk)
    client.force_login(other.user)
    assert client.get(f"/children/bulk/imports/{job.pk}/").status_code == 404
    assert client.get(f"/children/bulk/imports/{job.pk}/corrections.xlsx").status_code == 404
    assert client.get("/children/bulk/imports/not-a-uuid/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_background_import_through_the_page_and_the_worker(make_actor, client, tmp_path,
                                                           restore_signal_handlers):
    director = make_actor("child_director", VILLAGE)
    client.force_login(director.user)
    upload = io.BytesIO(csv_bytes(mixed_rows(), "gb18030"))
    upload.name = "children.csv"
    client.post("/children/bulk/", {"file": upload})
    path = tmp_path / "more.xlsx"
    path.write_bytes(xlsx_bytes([child_row(name="陈小红", sex="女", born="2014-05-05")]))
    call_command("import_children", str(path), "--user", director.user.username)
    assert ImportJob.objects.filter(status=ImportStatus.QUEUED).count() == 2

    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)

    web, command = ImportJob.objects.order_by("created_at")
    assert web.status == command.status == ImportStatus.DONE
    assert (web.total, web.imported, web.rejected, web.awaiting_confirmation) == (8, 2, 5, 1)
    assert (command.total, command.imported) == (1, 1)
    assert web.processed == 8 and web.content is None
    assert ImportRow.objects.count() == 9 and Child.objects.count() == 3
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(status="SUCCESSFUL",
                                       task_path__endswith="import_children").count() == 2
    assert not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists()  # the outbox too


@pytest.mark.django_db
def test_a_possible_duplicate_waits_for_confirmation_with_a_link(make_actor, client):
    supervisor = make_actor("child_supervisor", "610723001000")
    first = run(supervisor, xlsx_bytes([child_row(name="张伟")]))
    job = run(supervisor, xlsx_bytes([child_row(name="章伟", village=OTHER_VILLAGE_SAME_TOWNSHIP)]))
    assert (job.imported, job.awaiting_confirmation) == (0, 1)
    existing = first.rows.get().child_id
    assert job.rows.get().detail["duplicates"][0]["child_id"] == str(existing)
    client.force_login(supervisor.user)
    assert f"/children/{existing}/" in client.get(f"/children/bulk/imports/{job.pk}/").content.decode()
    client.post(f"/children/bulk/imports/{job.pk}/rows/", {"action": "confirm", "all": "1"})
    assert Child.objects.count() == 2
