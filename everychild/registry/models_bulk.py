"""Bulk imports of children: one ``ImportJob`` per uploaded file, one ``ImportRow`` per data row.

Nothing is silently dropped: every non-blank data row of the file becomes exactly one
``ImportRow`` with one outcome, so ``imported + unchanged + rejected + awaiting_confirmation``
always equals ``total``. Rows that were rejected or wait for confirmation keep their cells
(encrypted), so they can be confirmed later or handed back in a correction file.
"""

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from everychild.core.fields import EncryptedBinaryField, EncryptedTextField
from everychild.core.ids import uuid7

__all__ = ["ImportJob", "ImportRow", "ImportStatus", "RowOutcome"]


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("waiting to start")
    RUNNING = "running", _("importing")
    DONE = "done", _("finished")
    REFUSED = "refused", _("refused: nothing imported")
    FAILED = "failed", _("failed")


class RowOutcome(models.TextChoices):
    IMPORTED = "imported", _("imported")
    UNCHANGED = "unchanged", _("already registered")
    REJECTED = "rejected", _("rejected")
    AWAITING = "awaiting", _("awaiting confirmation")


OUTCOME_COUNTER = {
    RowOutcome.IMPORTED: "imported",
    RowOutcome.UNCHANGED: "unchanged",
    RowOutcome.REJECTED: "rejected",
    RowOutcome.AWAITING: "awaiting_confirmation",
}


class ImportJob(models.Model):
    """One file imported by one user through one post, run as a background task."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    division_code = models.CharField(_("division code"), max_length=12, db_index=True,
                                     help_text=_("The division of the importing post."))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    post = models.ForeignKey("accounts.Post", on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("file name"), max_length=200)
    file_kind = models.CharField(max_length=4)  # "xlsx" or "csv"
    language = models.CharField(max_length=10, blank=True)
    # The uploaded file, encrypted, until the import has read it; then cleared.
    content = EncryptedBinaryField(null=True, blank=True)
    # The file's header cells as written (to hand rows back in a correction file), and the
    # columns it has that the import does not read.
    headers = models.JSONField(default=list, blank=True)
    ignored_columns = models.JSONField(default=list, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=ImportStatus.choices,
                              default=ImportStatus.QUEUED)
    error = models.TextField(_("why the file was refused"), blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    total = models.PositiveIntegerField(_("rows in the file"), null=True, blank=True)
    processed = models.PositiveIntegerField(_("rows processed"), default=0)
    imported = models.PositiveIntegerField(_("imported"), default=0)
    unchanged = models.PositiveIntegerField(_("already registered"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    awaiting_confirmation = models.PositiveIntegerField(_("awaiting confirmation"), default=0)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["user", "created_at"], name="importjob_user_created")]

    def __str__(self) -> str:
        return str(self.pk)

    @property
    def accounted(self) -> int:
        return self.imported + self.unchanged + self.rejected + self.awaiting_confirmation

    @property
    def percent(self) -> int:
        if self.status in (ImportStatus.DONE, ImportStatus.REFUSED, ImportStatus.FAILED):
            return 100
        if not self.total:
            return 0
        return min(100, self.processed * 100 // self.total)

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.REFUSED, ImportStatus.FAILED)


class ImportRow(models.Model):
    """One data row of an imported file and what became of it."""

    # The row belongs to its import job (the office that imported it), not to where the child
    # lives now: a transfer of the child leaves it (registry.transfers).
    CHILD_PLACE_FIELD = None

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    division_code = models.CharField(max_length=12, blank=True)
    line = models.PositiveIntegerField(_("row"))  # the row number as a spreadsheet shows it
    outcome = models.CharField(_("outcome"), max_length=9, choices=RowOutcome.choices)
    child = models.ForeignKey("registry.Child", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    # JSON: {"cells": [...], "problems": [{"column", "message"}], "warnings": [...],
    #        "duplicates": [{"child_id", "reason"}]}; empty for imported rows.
    detail_text = EncryptedTextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("imported row")
        constraints = [models.UniqueConstraint(fields=["job", "line"], name="importrow_job_line")]
        indexes = [models.Index(fields=["job", "outcome", "line"], name="importrow_job_outcome")]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.line}"

    @property
    def detail(self) -> dict[str, Any]:
        return json.loads(self.detail_text) if self.detail_text else {}

    @detail.setter
    def detail(self, value: dict[str, Any]) -> None:
        self.detail_text = json.dumps(value, ensure_ascii=False) if value else ""
