"""Notification use cases: the seam through which monitoring, reporting and case work tell people
that something needs them (an overdue visit escalated to a director, then a township supervisor,
then a county officer; a report; a referral).

``notify`` writes one row per recipient, idempotently (the daily tick calls it again and again),
and after the transaction commits sends each new row through the configured outbound channels
(e-mail, later SMS). A channel failing never loses the in-app row nor breaks the caller.

Notifications carry no personal data: the message is a message id with plain parameters, the
link a relative URL inside the system. ``notify`` refuses an identity field name, a resident ID
number or a mobile phone number in either (a guard against mistakes, not a proof).
"""

import hashlib
import json
import re
from collections.abc import Iterable
from datetime import date, datetime
from functools import partial
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from everychild.access.policy import IDENTITY_FIELDS, active_posts
from everychild.accounts.models import Post, User
from everychild.core.ids import parse_uuid, uuid7
from everychild.notifications.channels import INBOX_PATH, deliver
from everychild.notifications.models import Notification
from everychild.notifications.queries import get_own, inbox, inbox_count, unread_count
from everychild.places.codes import NATION_CODE

__all__ = [
    "ALL", "InvalidNotification", "Recipient", "TEST_MESSAGE", "check_no_personal_data",
    "get_own", "inbox", "inbox_count", "mark_read", "notify", "send_test", "unread_count",
]

ALL = "all"
TEST_MESSAGE = gettext_noop("Test notification sent on %(date)s: notifications reach you.")

Recipient = User | Post | tuple[User, Post | None]

_NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"
# A resident ID number (18 characters, or the old 15 digits) or a mainland mobile number, standing
# alone. UUIDs (segments of 8, 4 and 12) and division codes (12 digits) never match.
PERSONAL_NUMBER = re.compile(
    _NOT_ALNUM_BEFORE + r"(?:[0-9]{17}[0-9Xx]|[0-9]{15}|1[3-9][0-9]{9})" + _NOT_ALNUM_AFTER
)
DIVISION_CODE = re.compile(r"[0-9]{12}")
MAX_LINK = 500
MAX_MESSAGE = 500
MAX_KIND = 60
MAX_DEDUPE_KEY = 200


class InvalidNotification(ValueError):
    """The caller asked for a notification that must not be sent (a programming error)."""


# --- checks ------------------------------------------------------------------------------------


def check_no_personal_data(where: str, value: str) -> None:
    """Raise InvalidNotification if ``value`` holds an ID number or a mobile phone number."""
    if PERSONAL_NUMBER.search(value):
        raise InvalidNotification(f"{where} looks like it holds personal data")


def _clean_link(link: str) -> str:
    link = (link or "").strip()
    if not link:
        return ""
    parts = urlsplit(link)
    if (not link.startswith("/") or link.startswith("//") or parts.scheme or parts.netloc
            or "\\" in link or len(link) > MAX_LINK or any(c.isspace() or ord(c) < 32 for c in link)):
        raise InvalidNotification("link must be a relative URL inside the system")
    if IDENTITY_FIELDS.intersection(k for k, _ in parse_qsl(parts.query, keep_blank_values=True)):
        raise InvalidNotification("link names an identity field")
    check_no_personal_data("link", link)
    return link


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise InvalidNotification(f"parameter of type {type(value).__name__} is not plain")


def _clean_params(params: dict[str, Any] | None) -> dict[str, Any]:
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise InvalidNotification("params must be a dict")
    cleaned = {}
    for key, value in params.items():
        if not isinstance(key, str) or key in IDENTITY_FIELDS:
            raise InvalidNotification(f"parameter {key!r} is not allowed")
        cleaned[key] = _plain(value)
        if isinstance(cleaned[key], str | int) and not isinstance(cleaned[key], bool):
            check_no_personal_data(f"parameter {key!r}", str(cleaned[key]))
    return cleaned


def _auto_key(kind: str, message: str, params: dict[str, Any], link: str, division_code: str) -> str:
    blob = json.dumps([kind, message, params, link, division_code], sort_keys=True, ensure_ascii=False)
    return "auto:" + hashlib.sha256(blob.encode()).hexdigest()


def _is_pair(item: object) -> bool:
    return (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], User)
            and (item[1] is None or isinstance(item[1], Post)))


def _pairs(recipients: Iterable[Recipient] | Recipient) -> list[tuple[User, Post | None]]:
    """(user, post) pairs, one per active user (the first post given for a user wins)."""
    if isinstance(recipients, User | Post) or _is_pair(recipients):
        recipients = [recipients]  # type: ignore[list-item]
    pairs: dict[Any, tuple[User, Post | None]] = {}
    for item in recipients:  # type: ignore[union-attr]
        if isinstance(item, Post):
            user, post = item.user, item
        elif _is_pair(item):
            user, post = item  # type: ignore[misc]
        else:
            user, post = item, None
        if not isinstance(user, User) or user.pk is None:
            raise InvalidNotification("a recipient must be a saved user")
        if post is not None and (not isinstance(post, Post) or post.user_id != user.pk):
            raise InvalidNotification("a recipient's post must be one of the user's posts")
        if user.is_active and user.pk not in pairs:
            pairs[user.pk] = (user, post)
    return list(pairs.values())


# --- use cases ---------------------------------------------------------------------------------


def notify(
    recipients: Iterable[Recipient] | Recipient,
    *,
    kind: str,
    message: str,
    params: dict[str, Any] | None = None,
    link: str = "",
    division_code: str,
    dedupe_key: str = "",
) -> list[Notification]:
    """Notify each recipient (a user, a post, or a (user, post) pair) once per ``dedupe_key``.

    ``message`` is a message id marked with ``gettext_noop`` and ``params`` its plain parameters
    (rendered in each reader's language when shown); ``link`` a relative URL inside the system;
    ``division_code`` the 12-digit code of the place it concerns. Without a ``dedupe_key`` the
    content itself is the key. Inactive users are skipped.

    Returns the notifications created now: a recipient who already has one with this key gets
    nothing new (and no second e-mail). The new rows are sent through the outbound channels after
    the surrounding transaction commits; a channel failing is logged and does not raise.
    """
    kind = (kind or "").strip()
    if not kind or len(kind) > MAX_KIND:
        raise InvalidNotification("kind must be a short code")
    if not isinstance(message, str) or not message.strip() or len(message) > MAX_MESSAGE:
        raise InvalidNotification("message must be a message id")
    if not isinstance(division_code, str) or not DIVISION_CODE.fullmatch(division_code):
        raise InvalidNotification("division_code must have 12 digits")
    params = _clean_params(params)
    link = _clean_link(link)
    dedupe_key = (dedupe_key or "").strip() or _auto_key(kind, message, params, link, division_code)
    if len(dedupe_key) > MAX_DEDUPE_KEY:
        raise InvalidNotification("dedupe_key is too long")
    pairs = _pairs(recipients)
    if not pairs:
        return []

    created: list[Notification] = []
    with transaction.atomic():
        already = set(Notification.objects.filter(
            recipient__in=[user.pk for user, _ in pairs], dedupe_key=dedupe_key,
        ).values_list("recipient_id", flat=True))
        for user, post in pairs:
            if user.pk in already:
                continue
            row = Notification(recipient=user, post=post, kind=kind, message=message,
                               params=params, link=link, division_code=division_code,
                               dedupe_key=dedupe_key)
            try:
                with transaction.atomic():  # a concurrent notify may have just written it
                    row.save(force_insert=True)
            except IntegrityError:
                continue
            created.append(row)
        if created:
            transaction.on_commit(partial(deliver, list(created)), robust=True)
    return created


def mark_read(user: User, ids: Iterable[UUID | str] | Literal["all"]) -> int:
    """Mark the user's notifications read: those in ``ids``, or all of them with ``ALL``.

    Returns how many were unread. Raises Notification.DoesNotExist (a 404 at the edges) when any
    id is not one of the user's own notifications, and then marks nothing."""
    if isinstance(ids, str):
        if ids != ALL:
            raise InvalidNotification("ids must be ids or ALL")
        wanted = None
    else:
        wanted = {parse_uuid(i) for i in ids}
        if None in wanted:
            raise Notification.DoesNotExist
        if not wanted:
            return 0
    if not getattr(user, "is_authenticated", False):
        if wanted is None:
            return 0
        raise Notification.DoesNotExist
    with transaction.atomic():
        rows = Notification.objects.filter(recipient=user)
        if wanted is not None:
            rows = rows.filter(pk__in=wanted)
            if rows.count() != len(wanted):
                raise Notification.DoesNotExist
        return rows.filter(read_at__isnull=True).update(read_at=timezone.now())


def send_test(user: User) -> list[Notification]:
    """A test notification to ``user`` through every channel (checks the e-mail settings)."""
    post = active_posts(user).first()
    return notify([(user, post)], kind="test", message=TEST_MESSAGE,
                  params={"date": timezone.localdate()}, link=INBOX_PATH,
                  division_code=post.division_id if post else NATION_CODE,
                  dedupe_key=f"test:{uuid7()}")
