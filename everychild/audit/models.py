"""The append-only audit log: one hash chain per county, each with its own head."""

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from everychild.core.ids import uuid7


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or remove an audit row."""


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses every bulk change. Database triggers (migration 0002, ``guards.py``) refuse
    whatever gets past Python, raw SQL included."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events are append-only")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AppendOnlyError("audit events are append-only")


class AppendOnly(models.Model):
    """A row that is inserted once and never changed or removed."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit events are append-only")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events are append-only")


class AuditEvent(AppendOnly):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    chain = models.CharField(_("chain"), max_length=6)
    seq = models.PositiveBigIntegerField(_("sequence"))
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor_id = models.UUIDField(_("actor"), null=True, blank=True)
    actor_username = models.CharField(_("actor"), max_length=150, blank=True)
    post_id = models.UUIDField(_("post"), null=True, blank=True)
    role = models.CharField(_("role"), max_length=50, blank=True)
    action = models.CharField(_("action"), max_length=60)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    division_code = models.CharField(_("division code"), max_length=12)
    reason = models.TextField(_("reason"), blank=True)
    request_id = models.CharField(_("request id"), max_length=40, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq_unique")
        ]
        indexes = [
            models.Index(fields=["division_code", "at"], name="audit_division_at"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]


class ChainHead(models.Model):
    """The newest event of one chain; locked (per county) while an event is appended."""

    chain = models.CharField(max_length=6, primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)


class Checkpoint(AppendOnly):
    """A keyed snapshot of a chain head taken by the tick, so removing the newest events shows."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    chain = models.CharField(max_length=6)
    seq = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)
    mac = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["chain", "seq"], name="audit_checkpoint_chain")]
