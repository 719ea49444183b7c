"""Notification pages: the inbox, opening a notification (marks it read, then follows its link)
and marking all read. A user only ever reaches their own notifications; anyone else's is a 404."""

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from everychild.access.policy import actor_for
from everychild.notifications import services
from everychild.notifications.models import Notification

PER_PAGE = 30


def _user(request: HttpRequest):
    actor = actor_for(request)
    if not actor.is_authenticated:
        raise PermissionDenied
    return actor.user


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        return 1


@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """The user's notifications, newest first, unread ones highlighted."""
    user = _user(request)
    page = _page_number(request)
    rows = services.inbox(user, PER_PAGE + 1, (page - 1) * PER_PAGE)
    return render(request, "notifications/inbox.html", {
        "rows": rows[:PER_PAGE], "page": page, "has_next": len(rows) > PER_PAGE,
        "unread": services.unread_count(user),
    })


@require_GET
def open_notification(request: HttpRequest, notification_id: UUID) -> HttpResponse:
    """Mark one notification read and go where it points (the inbox when it points nowhere)."""
    user = _user(request)
    try:
        notification = services.get_own(user, notification_id)
        services.mark_read(user, [notification.pk])
    except Notification.DoesNotExist:
        raise Http404 from None
    link = notification.link
    if not link or not url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return redirect("notification_inbox")
    return redirect(link)


@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if services.mark_read(user, services.ALL):
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notification_inbox")
