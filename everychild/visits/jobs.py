"""Periodic monitoring work for ``everychild tick`` (each run idempotent) and the outbox
consumer that keeps plans following the children."""

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_noop

from everychild.accounts.models import Post
from everychild.notifications.services import notify
from everychild.places.codes import prefix_range
from everychild.places.models import Division
from everychild.rules.catalogue import Catalogue
from everychild.rules.risk import PolicyRule
from everychild.rules.visit_plans import VISIT_PLAN_CODE, VISIT_POLICIES, Notify, policy_for
from everychild.visits import due_counts
from everychild.visits.models import VisitPlan
from everychild.visits.plans import refresh_plans

__all__ = ["escalate_overdue", "prune_due_counts", "refresh_plans"]

# Who is told, by the level reached: the role of their post and the digits of its division.
RECIPIENTS = {Notify.DIRECTOR: ("child_director", 12),
              Notify.TOWNSHIP_SUPERVISOR: ("child_supervisor", 9),
              Notify.COUNTY_OFFICER: ("civil_affairs_officer", 6)}
OVERDUE_MESSAGE = gettext_noop(
    "%(count)s children in %(place)s have a visit overdue by %(days)s days or more.")


def escalate_overdue(today: date | None = None, catalogue: Catalogue = VISIT_POLICIES) -> int:
    """Tell the director, then the township supervisor, then the county officer about visits
    overdue past each threshold: one notification per post, level and day. Set-based: per
    province rule and level, one count of the plans to raise and one UPDATE, each an index
    range on (escalated, next due) over the plans overdue past the threshold, so the work
    follows the children due, not the registry's size. Returns the plans escalated."""
    today = today or timezone.localdate()
    overrides = sorted({r.province for r in catalogue if r.code == VISIT_PLAN_CODE and r.province})
    rest = Q()
    done = 0
    for province in overrides:
        where = Q(division_code__range=prefix_range(province))
        rest &= ~where
        done += _escalate(policy_for(province, today, catalogue), where, today)
    return done + _escalate(policy_for("", today, catalogue), rest, today)


def _escalate(rule: PolicyRule, where: Q, today: date) -> int:
    steps = [(days, Notify(role)) for days, role in rule.param("escalation")]

    def raising(level: int, days: int):  # plans below ``level`` at least ``days`` overdue
        return VisitPlan.objects.filter(where, escalated__in=list(range(level)),
                                        next_due__lt=today - timedelta(days=days - 1))

    with transaction.atomic():
        for level, (days, role) in enumerate(steps, 1):
            places = (raising(level, days).annotate(place=Substr("division_code", 1,
                                                                  RECIPIENTS[role][1]))
                      .values_list("place").annotate(n=Count("pk")).order_by("place"))
            for place, count in places:
                _notify(role, place, count, days, today)
        done = 0
        for level in range(len(steps), 0, -1):  # the highest level reached, in one UPDATE each
            done += raising(level, steps[level - 1][0]).update(escalated=level)
    return done


def _notify(role: Notify, place: str, count: int, days: int, today: date) -> None:
    code, digits = RECIPIENTS[role]
    posts = list(Post.objects.filter(active=True, role_id=code,
                                     division__code__range=prefix_range(place[:digits]))
                 .select_related("user"))
    division = place.ljust(12, "0")
    name = Division.objects.filter(pk=division).values_list("name", flat=True).first()
    notify(posts, kind="visit_overdue", message=OVERDUE_MESSAGE,
           params={"count": count, "place": name or division, "days": days},
           link="/visits/", division_code=division,
           dedupe_key=f"visit_overdue:{role.value}:{division}:{today.isoformat()}")


def prune_due_counts(today: date | None = None) -> int:
    """Drop the overviews' rollup rows that no overview reads any more."""
    return due_counts.prune(today or timezone.localdate())
