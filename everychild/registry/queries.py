"""Reads of the registry, always scoped by the access gate, and audited one event per request."""

from dataclasses import asdict, dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from everychild.access.policy import Actor, require, visible
from everychild.accounts.roles import Capability
from everychild.audit.services import record, record_list
from everychild.core.ids import parse_uuid
from everychild.places.codes import prefix_range
from everychild.registry import idnumber, names
from everychild.registry.models import Child, NameKey


@dataclass(frozen=True)
class ChildFilter:
    category: str = ""
    division_prefix: str = ""
    age_min: int | None = None
    age_max: int | None = None
    sex: str = ""
    school_status: str = ""
    has_id_number: bool | None = None
    text: str = ""  # name, pinyin or initials (sent in a POST body, never a URL)
    id_number: str = ""  # exact, through the blind index (POST body only)

    def for_audit(self) -> dict[str, str]:
        """The filter as recorded in the audit log: search terms are noted, not copied."""
        out = {k: str(v) for k, v in asdict(self).items() if v not in ("", None)}
        for secret in ("text", "id_number"):
            if secret in out:
                out[secret] = "(given)"
        return out


def _born_between(age_min: int | None, age_max: int | None, today: date) -> Q:
    q = Q()
    if age_min is not None:
        q &= Q(date_of_birth__lte=_years_before(today, age_min))
    if age_max is not None:
        q &= Q(date_of_birth__gt=_years_before(today, age_max + 1))
    return q


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _key_range(prefix: str) -> Q:
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return Q(key__gte=prefix, key__lt=upper)


def children(actor: Actor, flt: ChildFilter, today: date | None = None) -> QuerySet[Child]:
    """The children the actor may see, narrowed by ``flt``; newest registrations first."""
    today = today or timezone.localdate()
    qs = visible(actor, Child.objects.all(), Capability.CHILD_VIEW)
    if flt.division_prefix:
        if not flt.division_prefix.isascii() or not flt.division_prefix.isdigit():
            raise ValidationError({"division_prefix": _("Enter the digits of a division code.")})
        qs = qs.filter(division_code__range=prefix_range(flt.division_prefix[:12]))
    if flt.category:
        qs = qs.filter(categories__category=flt.category, categories__until=None)
    if flt.sex:
        qs = qs.filter(sex=flt.sex)
    if flt.school_status:
        qs = qs.filter(school_status=flt.school_status)
    if flt.has_id_number is not None:
        qs = qs.exclude(id_number_hash="") if flt.has_id_number else qs.filter(id_number_hash="")
    qs = qs.filter(_born_between(flt.age_min, flt.age_max, today))
    if flt.id_number:
        try:
            number = idnumber.normalise(flt.id_number)
        except ValueError:
            raise ValidationError({"id_number": _("Not a resident ID number.")}) from None
        qs = qs.filter(id_number_hash=idnumber.blind_key(number))
    if flt.text.strip():
        keys = names.query_keys(flt.text)
        match = Q()
        for key in keys:
            match |= _key_range(key)
        qs = qs.filter(pk__in=NameKey.objects.filter(match).values("child_id"))
    return qs.order_by("-created_at")


def search(actor: Actor, flt: ChildFilter, limit: int = 50, offset: int = 0) -> list[Child]:
    """One page of ``children`` — recorded as one audit event with the ids it returned."""
    require(actor, Capability.CHILD_VIEW)
    rows = list(children(actor, flt)[offset: offset + limit])
    record_list(actor, "child.search", division_code=actor.post.division_id, object_type="child",
                filters=flt.for_audit(), ids=[c.pk for c in rows])
    return rows


def get_child(actor: Actor, child_id: str, purpose: str = "view") -> Child:
    """One child's record, if the actor may see it; the read is audited."""
    pk = parse_uuid(child_id)
    child = Child.objects.filter(pk=pk).first() if pk else None
    if child is None:
        raise Child.DoesNotExist
    try:
        require(actor, Capability.CHILD_VIEW, child.division_code)
    except PermissionDenied:
        raise Child.DoesNotExist from None  # never confirm a record exists elsewhere
    record(actor, "child.read", division_code=child.division_code, object_type="child",
           object_id=child.pk, detail={"purpose": purpose})
    return child
