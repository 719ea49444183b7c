"""Bulk import of children from XLSX or CSV files, as a background job with progress.

Every data row goes through ``services.register_child``, the same validation, duplicate checks,
classification and audit as the registration page, and ends in exactly one of four buckets:

* imported — registered now;
* unchanged — already in the registry: the same ID number, or (without an ID number) the
  same name, date of birth and village. Re-importing a file registers nobody twice;
* rejected — listed with row, column and message, and handed back in a correction file (the
  rows with a column 错误说明) to correct and import again;
* awaiting confirmation — warnings the user must confirm (an ID number that disagrees with
  the date of birth, a possible duplicate): confirmed on the import page, or by importing the
  row again with 是 in the column 确认.

``imported + unchanged + rejected + awaiting_confirmation`` is always the number of rows.
Rows are registered in batches, one transaction per batch, with the progress saved on the job.
"""

import gc
import json
import logging
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from itertools import islice
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from everychild.access.policy import Actor, actor_for_post, can, require
from everychild.accounts.roles import Capability
from everychild.audit.services import record
from everychild.core.ids import parse_uuid
from everychild.places.queries import DivisionLookup
from everychild.registry import bulk_tables, services
from everychild.registry.bulk_columns import (
    FIELD_COLUMNS,
    RowProblems,
    cell_text,
    cell_warning,
    excel_date_text,
    parse_row,
)
from everychild.registry.bulk_files import (
    ImportFileError,
    Layout,
    correction_xlsx,
    layout_of,
    open_source,
)
from everychild.registry.bulk_load import BatchLoader, RowResult
from everychild.registry.models import Child
from everychild.registry.models_bulk import (
    OUTCOME_COUNTER,
    ImportJob,
    ImportRow,
    ImportStatus,
    RowOutcome,
)

__all__ = ["ImportFileError", "confirm_rows", "correction_file", "dismiss_rows", "get_job",
           "jobs_for", "run_job", "start_import"]

logger = logging.getLogger(__name__)

BATCH = 2000  # rows per transaction and per progress step
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_FILE_NAME = 200


class RowRegistrar:
    """Registers rows for one actor, reusing the actor and caching division look-ups."""

    def __init__(self, actor: Actor, layout: Layout, today: date | None = None) -> None:
        self.actor = actor
        self.layout = layout
        self.today = today
        self.divisions = DivisionLookup()

    def code_exists(self, code: str) -> bool:
        return self.divisions.exists(code)

    def cells(self, raw: list[Any]) -> tuple[list[str], dict[str, str], list[tuple[str, str]]]:
        """Cell texts, the texts by column key, and problems only the raw cells show."""
        keys = self.layout.keys
        texts: list[str] = []
        problems: list[tuple[str, str]] = []
        for position, value in enumerate(raw):
            if type(value) is str:  # CSV cells: nothing but the text to read
                texts.append(value.strip())
                continue
            key = keys[position] if position < len(keys) else None
            value = excel_date_text(key, value)
            warning = cell_warning(key, value)
            if warning:
                problems.append((key or "", warning))
            texts.append(cell_text(value))
        while len(texts) < len(keys):
            texts.append("")
        stray = [position for position in range(len(keys), len(texts)) if texts[position]]
        if stray:
            from openpyxl.utils import get_column_letter

            problems.append(("", _("There are values in columns without a header (%(columns)s): "
                                   "give them a header or delete them.") % {
                "columns": ", ".join(get_column_letter(p + 1) for p in stray)}))
        by_key = {key: text for key, text in zip(keys, texts, strict=False) if key}
        return texts, by_key, problems

    def problem(self, key: str, message: str) -> dict[str, str]:
        return {"column": self.layout.header_of(key) if key else "", "message": str(message)}

    def register(self, by_key: dict[str, str], problems: list[tuple[str, str]] | None = None,
                 confirm: bool = False) -> RowResult:
        if problems:
            return RowResult(RowOutcome.REJECTED,
                             problems=[self.problem(k, m) for k, m in problems])
        try:
            parsed = parse_row(by_key, self.code_exists)
        except RowProblems as exc:
            return RowResult(RowOutcome.REJECTED,
                             problems=[self.problem(k, m) for k, m in exc.problems])
        registration = parsed.registration
        village = registration.input.division_code
        existing = self._same_child(registration.input)
        if existing is not None:
            return RowResult(RowOutcome.UNCHANGED, child_id=existing, division_code=village)
        with transaction.atomic():  # a savepoint: a row that fails leaves the batch intact
            try:
                child = services.register_child(self.actor, registration,
                                                confirmed=parsed.confirmed or confirm,
                                                today=self.today)
            except services.DuplicateIdNumber as exc:
                if exc.existing_id:
                    return RowResult(RowOutcome.UNCHANGED, child_id=parse_uuid(exc.existing_id),
                                     division_code=village)
                return self._rejected(exc)
            except services.NeedsConfirmation as exc:
                return RowResult(RowOutcome.AWAITING, division_code=village,
                                 warnings=[str(w) for w in exc.warnings],
                                 duplicates=[{"child_id": d.child_id, "reason": str(d.reason)}
                                             for d in exc.duplicates])
            except ValidationError as exc:
                return self._rejected(exc)
            except PermissionDenied:
                return RowResult(RowOutcome.REJECTED, problems=[self.problem(
                    "division_code", _("This village is outside your jurisdiction."))])
        return RowResult(RowOutcome.IMPORTED, child_id=child.pk, division_code=child.division_code)

    def _rejected(self, exc: ValidationError) -> RowResult:
        problems = []
        if hasattr(exc, "error_dict"):
            for name, messages in exc.message_dict.items():
                key = FIELD_COLUMNS.get(name, "")
                if name == "parents":
                    key = next((k for k in ("father_kind", "mother_kind") if k in self.layout.keys),
                               "")
                elif name == NON_FIELD_ERRORS:
                    key = ""
                problems += [self.problem(key, m) for m in messages]
        else:
            problems = [self.problem("", m) for m in exc.messages]
        return RowResult(RowOutcome.REJECTED, problems=problems)

    def _same_child(self, data: services.ChildInput) -> Any:
        """Without an ID number: a child the actor sees with the same name, date of birth and
        village is this row, registered before."""
        if data.id_number.strip() or not data.name.strip() or len(data.division_code) != 12:
            return None
        if not can(self.actor, Capability.CHILD_VIEW, data.division_code):
            return None
        name = data.name.strip()
        for pk, stored in Child.objects.filter(division_code=data.division_code,
                                               date_of_birth=data.date_of_birth
                                               ).values_list("pk", "name"):
            if (stored or "").strip() == name:
                return pk
        return None


# --- starting and running a job -----------------------------------------------------------

def start_import(
    actor: Actor, content: bytes, file_name: str, *, language: str = "", enqueue: bool = True,
) -> ImportJob:
    """Check the file's form (a spreadsheet with the required headers) and queue the import.

    Raises ImportFileError for a file that cannot be imported at all: nothing is created.
    """
    require(actor, Capability.CHILD_EDIT)
    if len(content) > MAX_UPLOAD_BYTES:
        raise ImportFileError(_("The file is larger than %(size)d MB: split it into several "
                                "files.") % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)})
    source = open_source(content, file_name)
    layout = source.layout()
    job = ImportJob.objects.create(
        division_code=actor.post.division_id, user=actor.user, post=actor.post,
        file_name=(file_name or "upload")[-MAX_FILE_NAME:], file_kind=source.kind,
        language=language or translation.get_language() or settings.LANGUAGE_CODE,
        content=zlib.compress(content, 1), headers=layout.headers,
        ignored_columns=layout.ignored)
    if enqueue:
        from everychild.registry.tasks import import_children

        result = import_children.enqueue(str(job.pk))
        ImportJob.objects.filter(pk=job.pk).update(task_id=str(result.id))
        job.task_id = str(result.id)
    return job


def run_job(job_id: Any, *, today: date | None = None) -> ImportJob:
    """Run a queued import (the background task, or ``import-children --now``).

    A job already started or finished is returned as it is, so a task delivered twice
    imports once.
    """
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=timezone.now())
    job = ImportJob.objects.select_related("post__role", "post__division", "post__user").get(
        pk=job_id)
    if not claimed:
        return job
    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            _run(job, today)
        except ImportFileError as exc:
            job.status, job.error = ImportStatus.REFUSED, str(exc)
        except Exception:
            logger.exception("import %s failed", job.pk)
            job.status = ImportStatus.FAILED
            job.error = _("The import stopped on an unexpected error after %(done)d rows. The "
                          "rows counted here are saved; import the file again to finish it "
                          "(rows already registered are not registered twice).") % {
                "done": job.processed}
            raise
        finally:
            job.content = None
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "error", "content", "finished_at"])
    return job


def _batches(rows: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while batch := list(islice(rows, size)):
        yield batch


def _uploaded(job: ImportJob) -> bytes:
    """The uploaded file. It is kept compressed (a 50 MB list of names is ~10 MB), so the
    copies that encryption and the database make of it stay small."""
    stored = bytes(job.content or b"")
    try:
        return zlib.decompress(stored)
    except zlib.error:  # a job queued before files were compressed
        return stored


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """A batch makes hundreds of thousands of short-lived objects and no reference cycles
    worth collecting mid-batch: the cyclic collector, run over and over, cost more than the
    classification itself. It runs once after each batch instead."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.collect(1)


def _run(job: ImportJob, today: date | None) -> None:
    actor = actor_for_post(job.post)
    if not actor.has(Capability.CHILD_EDIT):
        raise ImportFileError(_("The post this import was started through may no longer "
                                "register children."))
    source = open_source(_uploaded(job), job.file_name)
    layout = source.layout()
    job.total = source.count(layout)  # the whole file is read before any row is imported
    job.save(update_fields=["total"])
    registrar = RowRegistrar(actor, layout, today)
    loader = BatchLoader(registrar, job.pk, today)
    for batch in _batches(source.rows(layout), BATCH):
        with transaction.atomic(), _no_cyclic_gc():
            cells = [registrar.cells(raw) for _line, raw in batch]
            results = loader.load([(by_key, problems) for _texts, by_key, problems in cells])
            rows = []
            for (line, _raw), (texts, _by_key, _problems), result in zip(
                    batch, cells, results, strict=True):
                detail = result.detail(texts)
                rows.append({"id": bulk_tables.new_id(), "job_id": job.pk, "line": line,
                             "outcome": result.outcome, "child_id": result.child_id,
                             "division_code": result.division_code[:12],
                             "detail_text": json.dumps(detail, ensure_ascii=False)
                             if detail else ""})
                counter = OUTCOME_COUNTER[result.outcome]
                setattr(job, counter, getattr(job, counter) + 1)
            bulk_tables.write(ImportRow, rows)
            job.processed += len(batch)
            job.save(update_fields=["processed", "imported", "unchanged", "rejected",
                                    "awaiting_confirmation"])
    job.status = ImportStatus.DONE
    record(actor, "child.import", division_code=job.division_code, object_type="import_job",
           object_id=job.pk, detail={
               "file_kind": job.file_kind, "total": job.total, "imported": job.imported,
               "unchanged": job.unchanged, "rejected": job.rejected,
               "awaiting_confirmation": job.awaiting_confirmation})


# --- reading jobs, confirming rows, correction files ------------------------------------------

def jobs_for(actor: Actor) -> QuerySet[ImportJob]:
    """The actor's own imports through their current post, newest first."""
    if not actor.has(Capability.CHILD_EDIT):
        return ImportJob.objects.none()
    return (ImportJob.objects.filter(user=actor.user, post=actor.post).defer("content")
            .order_by("-created_at"))


def get_job(actor: Actor, job_id: Any) -> ImportJob:
    pk = parse_uuid(job_id)
    job = jobs_for(actor).filter(pk=pk).first() if pk else None
    if job is None or not can(actor, Capability.CHILD_EDIT, job.division_code):
        raise ImportJob.DoesNotExist
    return job


def rows_of(job: ImportJob, outcome: str, limit: int | None = None) -> list[ImportRow]:
    rows = job.rows.filter(outcome=outcome).order_by("line")
    return list(rows[:limit] if limit else rows)


def _layout(job: ImportJob) -> Layout:
    return layout_of(job.headers)


def _settle(actor: Actor, job: ImportJob, row_ids: Iterable[Any] | None, action: str) -> int:
    require(actor, Capability.CHILD_EDIT, job.division_code)
    if not job.finished:
        return 0
    pending = job.rows.filter(outcome=RowOutcome.AWAITING)
    if row_ids is not None:
        pending = pending.filter(pk__in=[p for p in map(parse_uuid, row_ids) if p])
    registrar = RowRegistrar(actor, _layout(job))
    done = 0
    for pk in pending.order_by("line").values_list("pk", flat=True):
        with transaction.atomic():
            row = ImportRow.objects.select_for_update().filter(
                pk=pk, outcome=RowOutcome.AWAITING).first()
            if row is None:  # settled meanwhile
                continue
            cells = row.detail.get("cells", [])
            if action == "confirm":
                _texts, by_key, _problems = registrar.cells(cells)
                result = registrar.register(by_key, confirm=True)
            else:
                result = RowResult(RowOutcome.REJECTED, division_code=row.division_code,
                                   problems=[{"column": "", "message": _(
                                       "Not registered: you chose not to register this row.")}])
            row.outcome, row.child_id = result.outcome, result.child_id
            row.detail = result.detail(cells)
            row.save(update_fields=["outcome", "child", "detail_text", "updated_at"])
            counter = OUTCOME_COUNTER[result.outcome]
            ImportJob.objects.filter(pk=job.pk).update(
                awaiting_confirmation=F("awaiting_confirmation") - 1, **{counter: F(counter) + 1})
            done += 1
    job.refresh_from_db(fields=["imported", "unchanged", "rejected", "awaiting_confirmation"])
    return done


def confirm_rows(actor: Actor, job: ImportJob, row_ids: Iterable[Any] | None = None) -> int:
    """Register rows awaiting confirmation (all of them when ``row_ids`` is None), warnings
    confirmed. A row may still be rejected (say, its village left the actor's jurisdiction)."""
    return _settle(actor, job, row_ids, "confirm")


def dismiss_rows(actor: Actor, job: ImportJob, row_ids: Iterable[Any] | None = None) -> int:
    """Leave rows awaiting confirmation unregistered: they move to the rejected rows (and the
    correction file, where 是 in the column 确认 registers them after all)."""
    return _settle(actor, job, row_ids, "dismiss")


def explain(row: ImportRow) -> str:
    """What is wrong with a row, in words naming the row and the columns."""
    detail = row.detail
    if row.outcome == RowOutcome.AWAITING:
        reasons = list(detail.get("warnings", []))
        reasons += [_("possible duplicate: %(reason)s") % {"reason": d["reason"]}
                    for d in detail.get("duplicates", [])]
        return _("Row %(row)d needs confirmation: %(reasons)s. Write 是 in the column 确认 to "
                 "register it anyway.") % {"row": row.line, "reasons": "; ".join(reasons)}
    parts = []
    for problem in detail.get("problems", []):
        if problem.get("column"):
            parts.append(_("Row %(row)d, column %(column)s: %(message)s") % {
                "row": row.line, "column": problem["column"], "message": problem["message"]})
        else:
            parts.append(_("Row %(row)d: %(message)s") % {"row": row.line,
                                                          "message": problem["message"]})
    return " ".join(parts)


def correction_file(actor: Actor, job: ImportJob) -> bytes:
    """The rejected rows and those awaiting confirmation, with a column 错误说明 (audited:
    the file holds personal data)."""
    require(actor, Capability.CHILD_EDIT, job.division_code)
    rows = list(job.rows.filter(outcome__in=[RowOutcome.REJECTED, RowOutcome.AWAITING])
                .order_by("line"))
    record(actor, "child.import_corrections", division_code=job.division_code,
           object_type="import_job", object_id=job.pk, detail={"rows": len(rows)})
    return correction_xlsx(job.headers, [(row.detail.get("cells", []), explain(row))
                                         for row in rows])
