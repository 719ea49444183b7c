"""Reading the audit log: administrators see events within their own jurisdiction."""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from everychild.access.policy import Actor, visible
from everychild.accounts.roles import Capability
from everychild.audit.models import AuditEvent
from everychild.places.codes import prefix_range


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


def _start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def events(actor: Actor, flt: EventFilter) -> QuerySet[AuditEvent]:
    """Events the actor may browse, newest first, narrowed by ``flt``."""
    qs = visible(actor, AuditEvent.objects.all(), Capability.AUDIT_VIEW)
    if flt.division_prefix:
        if not flt.division_prefix.isdigit() or len(flt.division_prefix) > 12:
            raise ValidationError({"division_prefix": _("Enter the digits of a division code.")})
        qs = qs.filter(division_code__range=prefix_range(flt.division_prefix))
    if flt.action:
        qs = qs.filter(action=flt.action)
    if flt.object_type:
        qs = qs.filter(object_type=flt.object_type)
    if flt.object_id:
        qs = qs.filter(object_id=flt.object_id)
    if flt.since:
        qs = qs.filter(at__gte=_start(flt.since))
    if flt.until:
        qs = qs.filter(at__lt=_start(flt.until) + timezone.timedelta(days=1))
    return qs.order_by("-at", "-seq")
