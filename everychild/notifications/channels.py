"""Delivery channels: how a notification leaves the system besides the in-app inbox.

A channel is any class with a ``name`` and a ``send(notification)`` method (see :class:`Channel`);
``EVERYCHILD_NOTIFY_CHANNELS`` lists the ones in use, by short name (``"inapp"``, ``"email"``) or
by dotted path (``"myproject.sms.SmsChannel"``). An SMS channel is one more class: add it to
:data:`BUILTIN` (or name it by its path in the setting).

A channel never gets personal data to send: the rendered message (which carries none, see
``services.check_no_personal_data``) and an absolute link into the system.
"""

import logging
from typing import ClassVar, Protocol, runtime_checkable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from everychild.notifications.models import Notification

logger = logging.getLogger(__name__)

DEFAULT_CHANNELS = ["inapp", "email"]
DEFAULT_BASE_URL = "http://127.0.0.1:8000"  # as settings.EVERYCHILD_BASE_URL
INBOX_PATH = "/notifications/"
SUBJECT_LENGTH = 80
EMAIL_TIMEOUT = 20  # seconds, when EMAIL_TIMEOUT is unset: a dead mail server must not hang the tick


@runtime_checkable
class Channel(Protocol):
    """One way of delivering a notification."""

    name: str

    def send(self, notification: Notification) -> bool:
        """Deliver ``notification``; True when sent, False when skipped (no address, say).

        May raise on failure: the caller logs it and carries on with the next channel."""
        ...


class InAppChannel:
    """The in-app inbox. The notification row *is* the in-app message, so there is nothing to
    send: the row was written (in the caller's transaction) before any channel runs."""

    name: ClassVar[str] = "inapp"

    def send(self, notification: Notification) -> bool:
        return True


class EmailChannel:
    """E-mail through Django's configured backend (``EMAIL_BACKEND``), in the recipient's language.

    The body holds the message and an absolute link, nothing else; no names, no ID numbers.
    Users without an e-mail address are skipped."""

    name: ClassVar[str] = "email"

    def send(self, notification: Notification) -> bool:
        user = notification.recipient
        address = (getattr(user, "email", "") or "").strip()
        if not address or not getattr(user, "is_active", True):
            return False
        with translation.override(recipient_language(user)):
            subject, body = email_content(notification)
        connection = get_connection()
        if getattr(connection, "timeout", 0) is None:
            connection.timeout = EMAIL_TIMEOUT
        EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address],
                     connection=connection).send()
        return True


# Short names of the channels shipped with everychild. Add an SMS channel here when it exists.
BUILTIN: dict[str, type] = {InAppChannel.name: InAppChannel, EmailChannel.name: EmailChannel}


def recipient_language(user: object) -> str:
    """The user's interface language if set and offered, else the site default."""
    language = (getattr(user, "language", "") or "").strip()
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def base_url() -> str:
    return str(getattr(settings, "EVERYCHILD_BASE_URL", "") or DEFAULT_BASE_URL).rstrip("/")


def absolute_link(notification: Notification) -> str:
    """The notification's link (or the inbox) as an absolute URL on ``EVERYCHILD_BASE_URL``."""
    return base_url() + (notification.link or INBOX_PATH)


def email_content(notification: Notification) -> tuple[str, str]:
    """Subject and body in the active language."""
    text = notification.render()
    first_line = " ".join(text.split())
    if len(first_line) > SUBJECT_LENGTH:
        first_line = first_line[: SUBJECT_LENGTH - 1] + "…"
    subject = f"[{_('everychild')}] {first_line}"
    body = "\n\n".join([
        text,
        _("Open it in everychild: %(link)s") % {"link": absolute_link(notification)},
        _("Sign in to see the details. This message was sent automatically; "
          "do not reply to it."),
    ]) + "\n"
    return subject, body


def channel_classes() -> list[type]:
    """The channel classes named by ``EVERYCHILD_NOTIFY_CHANNELS``, in order (an unknown name is
    a configuration error and raises)."""
    names = getattr(settings, "EVERYCHILD_NOTIFY_CHANNELS", DEFAULT_CHANNELS)
    classes = []
    for entry in names:
        cls = BUILTIN.get(entry) if "." not in entry else import_string(entry)
        if cls is None:
            raise ValueError(f"unknown notification channel: {entry!r}")
        classes.append(cls)
    return classes


def outbound_channels() -> list[Channel]:
    """The configured channels that send something (everything but the in-app inbox)."""
    return [cls() for cls in channel_classes() if getattr(cls, "name", "") != InAppChannel.name]


def deliver(notifications: list[Notification]) -> dict[str, int]:
    """Send each notification through every outbound channel. A failing channel is logged (the
    notification's id and the error's type only: never an address or the text) and skipped; the
    in-app row stays. Returns how many were sent per channel."""
    sent: dict[str, int] = {}
    try:
        channels = outbound_channels()
    except Exception as exc:  # noqa: BLE001 - a bad setting must not break the caller
        logger.error("notification channels misconfigured (%s)", type(exc).__name__)
        return sent
    for channel in channels:
        name = getattr(channel, "name", type(channel).__name__)
        sent[name] = 0
        for notification in notifications:
            try:
                if channel.send(notification):
                    sent[name] += 1
            except Exception as exc:  # noqa: BLE001 - one channel failing must not stop the rest
                logger.warning("notification %s: channel %s failed (%s)",
                               notification.pk, name, type(exc).__name__)
    return sent
