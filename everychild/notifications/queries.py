"""Reads of a user's own notifications. A user sees their own and nobody else's: another user's
notification is simply not found."""

from uuid import UUID

from django.db.models import QuerySet

from everychild.core.ids import parse_uuid
from everychild.notifications.models import Notification

MAX_LIMIT = 200


def _signed_in(user: object) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and getattr(user, "pk", None) is not None)


def own(user: object, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first (none for an anonymous user)."""
    if not _signed_in(user):
        return Notification.objects.none()
    rows = Notification.objects.filter(recipient=user)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-created_at", "-id")


def inbox(user: object, limit: int = 50, offset: int = 0, *, unread_only: bool = False
          ) -> list[Notification]:
    """A page of the user's notifications, newest first; ``limit`` is kept within 1..200."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    return list(own(user, unread_only=unread_only)[offset: offset + limit])


def inbox_count(user: object, *, unread_only: bool = False) -> int:
    return own(user, unread_only=unread_only).count()


def unread_count(user: object) -> int:
    """How many of the user's notifications are unread (the header badge)."""
    return inbox_count(user, unread_only=True)


def get_own(user: object, notification_id: UUID | str) -> Notification:
    """One of the user's notifications; raises Notification.DoesNotExist for anyone else's."""
    pk = parse_uuid(notification_id)
    if pk is None:
        raise Notification.DoesNotExist
    return own(user).get(pk=pk)
