"""Notifications: one row per recipient and message, the in-app inbox and the dedupe record.

The text is kept as a message id (English, marked with ``gettext_noop``) and its parameters, and
rendered in the reader's language when shown, so a notification written by the tick reads in
each user's own language. Notifications carry no personal data: the link points inside the
system, where the reader's own access decides what they may see.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from everychild.core.ids import uuid7


class Notification(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
        verbose_name=_("recipient"),
    )
    post = models.ForeignKey(
        "accounts.Post", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="notifications", verbose_name=_("post"),
        help_text=_("The post the notification was addressed through, if any."),
    )
    kind = models.CharField(_("kind"), max_length=60)
    message = models.CharField(_("message"), max_length=500)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    division_code = models.CharField(_("division code"), max_length=12)
    dedupe_key = models.CharField(_("deduplication key"), max_length=200)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "dedupe_key"], name="notify_dedupe_unique"),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notify_inbox"),
            models.Index(fields=["recipient", "-created_at"], name="notify_unread",
                         condition=Q(read_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.kind

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def render(self, language: str | None = None) -> str:
        """The message in ``language`` (default: the active language); never fails on old data."""
        if language is None:
            return _format(translation.gettext(self.message), self.params)
        with translation.override(language):
            return _format(translation.gettext(self.message), self.params)

    @property
    def text(self) -> str:
        """The message in the active language (for templates)."""
        return self.render()


def _format(template: str, params: Any) -> str:
    """``template`` filled with ``params``; a parameter named ``*_term`` is itself a message id
    (a word such as "the police"), translated like the template."""
    try:
        values = {key: translation.gettext(value) if key.endswith("_term") and
                  isinstance(value, str) else value for key, value in (params or {}).items()}
        return template % values
    except (KeyError, TypeError, ValueError):
        return template
