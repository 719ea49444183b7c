"""Transfers of a child between jurisdictions: proposed by the sending county, accepted or
declined by the receiving one. The row is the read-only trace both sides keep: the sending
county still sees that the child left, when and where to, though no longer the child's record."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from everychild.core.fields import EncryptedTextField
from everychild.core.ids import uuid7

__all__ = ["ChildTransfer", "TransferState"]


class TransferState(models.TextChoices):
    PROPOSED = "proposed", _("proposed, waiting for the receiving county")
    ACCEPTED = "accepted", _("accepted: the child's records moved")
    DECLINED = "declined", _("declined")
    CANCELLED = "cancelled", _("cancelled")


class ChildTransfer(models.Model):
    """A child's move from one village to another (usually across counties)."""

    # A transfer records both places; it is never moved itself (registry.transfers).
    CHILD_PLACE_FIELD = None

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    child = models.ForeignKey("registry.Child", on_delete=models.PROTECT, related_name="transfers")
    from_division_code = models.CharField(_("from (village)"), max_length=12)
    to_division_code = models.CharField(_("to (village)"), max_length=12)
    state = models.CharField(_("state"), max_length=10, choices=TransferState.choices,
                             default=TransferState.PROPOSED)
    reason = EncryptedTextField(_("why the child moves"))
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")
    decline_reason = EncryptedTextField(_("why it was declined"), blank=True)
    moved = models.JSONField(default=dict, blank=True)  # table -> rows moved

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [models.UniqueConstraint(
            fields=["child"], condition=models.Q(state="proposed"),
            name="transfer_one_pending_per_child")]
        indexes = [models.Index(fields=["from_division_code", "proposed_at"], name="transfer_from"),
                   models.Index(fields=["to_division_code", "proposed_at"], name="transfer_to")]
