"""The notifications API: the caller's own notifications, paged, and marking them read."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from everychild.core.api_auth import api_actor
from everychild.core.schemas import responses
from everychild.notifications import services
from everychild.notifications.models import Notification
from everychild.notifications.queries import MAX_LIMIT

router = Router()


class NotificationOut(Schema):
    id: str
    kind: str
    message: str = Field(description="The message in the request's language.")
    message_id: str = Field(description="The untranslated message id.")
    params: dict[str, Any]
    link: str = Field(description="A relative URL inside the system, or empty.")
    division_code: str
    post_id: str | None
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Schema):
    count: int
    unread: int
    limit: int
    offset: int
    items: list[NotificationOut]


class ListQuery(Schema):
    limit: int = 50
    offset: int = 0
    unread: bool = False


class MarkReadIn(Schema):
    ids: list[UUID] = Field(default_factory=list, max_length=500)
    all: bool = False


class MarkedOut(Schema):
    marked: int
    unread: int


def notification_out(n: Notification) -> dict[str, Any]:
    return {"id": str(n.pk), "kind": n.kind, "message": n.render(), "message_id": n.message,
            "params": n.params if isinstance(n.params, dict) else {}, "link": n.link,
            "division_code": n.division_code, "post_id": str(n.post_id) if n.post_id else None,
            "created_at": n.created_at, "read_at": n.read_at}


def _user(request: HttpRequest):
    user = api_actor(request).user
    if user is None:
        raise HttpError(401, "unauthenticated")
    return user


@router.get("", response=responses({200: NotificationPage}))
def list_notifications(request: HttpRequest, q: Query[ListQuery]):
    """The caller's notifications, newest first (``unread=true``: unread ones only)."""
    user = _user(request)
    limit = max(1, min(q.limit, MAX_LIMIT))
    offset = max(0, q.offset)
    rows = services.inbox(user, limit, offset, unread_only=q.unread)
    return {"count": services.inbox_count(user, unread_only=q.unread),
            "unread": services.unread_count(user), "limit": limit, "offset": offset,
            "items": [notification_out(n) for n in rows]}


@router.post("/read", response=responses({200: MarkedOut}))
def mark_notifications_read(request: HttpRequest, payload: MarkReadIn):
    """Mark the given notifications (or ``all``) read; 404 if any id is not the caller's."""
    user = _user(request)
    if payload.all == bool(payload.ids):
        raise HttpError(400, "give either ids or all")
    try:
        marked = services.mark_read(user, services.ALL if payload.all else payload.ids)
    except Notification.DoesNotExist:
        raise HttpError(404, "not found") from None
    return {"marked": marked, "unread": services.unread_count(user)}


@router.post("/{notification_id}/read", response=responses({200: NotificationOut}))
def mark_notification_read(request: HttpRequest, notification_id: str):
    """Mark one notification read and return it."""
    user = _user(request)
    try:
        services.mark_read(user, [notification_id])
        return notification_out(services.get_own(user, notification_id))
    except Notification.DoesNotExist:
        raise HttpError(404, "not found") from None
