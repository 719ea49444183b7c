"""``{% notifications_badge %}``: the header's link to the inbox with the unread count."""

import logging

from django import template
from django.db import DatabaseError

from everychild.notifications.queries import unread_count

register = template.Library()
logger = logging.getLogger(__name__)


@register.inclusion_tag("notifications/_badge.html", takes_context=True)
def notifications_badge(context: template.Context) -> dict:
    actor = context.get("actor")
    user = getattr(actor, "user", None)
    if user is None:
        request = context.get("request")
        user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return {"show": False}
    try:
        count = unread_count(user)
    except DatabaseError:  # an error page while the database is down still renders
        logger.warning("unread notifications could not be counted")
        return {"show": False}
    return {"show": True, "count": count, "shown": "99+" if count > 99 else str(count)}
