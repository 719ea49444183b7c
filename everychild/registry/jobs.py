"""Periodic registry work for ``everychild tick``: idempotent, a second run changes nothing."""

from datetime import date

from django.db.models import Q
from django.utils import timezone

from everychild.places.codes import prefix_range
from everychild.places.models import Division
from everychild.registry.classify import classify, rules_key
from everychild.registry.models import Child, ChildCategory, RulesApplied
from everychild.rules import CATALOGUE, Catalogue

BATCH = 500


def _aged_out(today: date) -> Q:
    """Children still in a category whose age limit they have reached (an index range over
    the current categories' ``ends_on``)."""
    reached = ChildCategory.objects.filter(until=None, ends_on__lte=today)
    return Q(pk__in=reached.values("child_id"))


def _changed_provinces(today: date, catalogue: Catalogue) -> dict[str, str]:
    """Provinces whose rules key differs from the one last applied: {province: key now}."""
    applied = dict(RulesApplied.objects.values_list("province_code", "rules_key"))
    changed = {}
    for province in Division.objects.filter(level=1).values_list("code", flat=True):
        key = rules_key(province[:2], today, catalogue)
        if applied.get(province[:2]) != key:
            changed[province[:2]] = key
    return changed


def _stale_rules(changed: dict[str, str]) -> Q:
    """Children of the changed provinces classified under other rule versions."""
    q = Q(pk__in=[])
    for province, key in changed.items():
        q |= Q(division_code__range=prefix_range(province)) & ~Q(rules_key=key)
    return q


def reclassify_due(today: date | None = None, catalogue: Catalogue | None = None) -> int:
    """Re-evaluate children who reached an age limit or whose rules changed; return how many."""
    today = today or timezone.localdate()
    catalogue = catalogue or CATALOGUE
    changed = _changed_provinces(today, catalogue)
    due = Child.objects.filter(_aged_out(today) | _stale_rules(changed))
    done = 0
    for child in due.prefetch_related("parents__situations").iterator(chunk_size=BATCH):
        classify(child, today=today, catalogue=catalogue)
        done += 1
    for province, key in changed.items():
        RulesApplied.objects.update_or_create(province_code=province, defaults={
            "rules_key": key, "applied_on": today})
    return done
