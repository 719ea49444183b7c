"""Reading the audit log: administrators see events within their own jurisdiction."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from everychild.access.policy import Actor, visible
from everychild.accounts.roles import Capability
from everychild.audit.models import AuditEvent
from everychild.places.codes import CODE_LENGTH, prefix_range


@dataclass(frozen=True)
class EventFilter:
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    division_prefix: str = ""
    since: date | None = None
    until: date | None = None

    def as_dict(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.__dict__.items() if v}


def _start(day: date) -> datetime | None:
    """Local midnight at the start of ``day`` in UTC; None when that is outside what a
    datetime can hold (year 1 or 9999), i.e. no bound at all."""
    try:
        return timezone.make_aware(datetime.combine(day, time.min)).astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _end(day: date) -> datetime | None:
    try:
        return _start(day + timedelta(days=1))
    except OverflowError:
        return None


def events(actor: Actor, flt: EventFilter) -> QuerySet[AuditEvent]:
    """Events the actor may browse, newest first, narrowed by ``flt``.

    Raises ValidationError for a division prefix that is not 1-12 ASCII digits.
    """
    qs = visible(actor, AuditEvent.objects.all(), Capability.AUDIT_VIEW)
    if flt.division_prefix:
        digits = flt.division_prefix
        if not (digits.isascii() and digits.isdigit()) or len(digits) > CODE_LENGTH:
            raise ValidationError({"division_prefix": _("Enter the digits of a division code.")})
        qs = qs.filter(division_code__range=prefix_range(digits))
    if flt.action:
        qs = qs.filter(action=flt.action)
    if flt.object_type:
        qs = qs.filter(object_type=flt.object_type)
    if flt.object_id:
        qs = qs.filter(object_id=flt.object_id)
    if flt.since and (start := _start(flt.since)) is not None:
        qs = qs.filter(at__gte=start)
    if flt.until and (end := _end(flt.until)) is not None:
        qs = qs.filter(at__lt=end)
    return qs.order_by("-at", "-seq")
