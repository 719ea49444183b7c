"""Periodic monitoring work for ``everychild tick`` (each run idempotent) and the outbox
consumer that keeps plans following the children."""

from collections import defaultdict
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from everychild.accounts.models import Post
from everychild.notifications.services import notify
from everychild.places.codes import prefix_range
from everychild.places.models import Division
from everychild.rules.visit_plans import Notify, escalation, policy_for
from everychild.visits.models import Escalation, VisitPlan
from everychild.visits.plans import refresh_plans

__all__ = ["escalate_overdue", "refresh_plans"]

FIRST_THRESHOLD_DAYS = 7  # no rule escalates sooner (rules.visit_plans): the query's bound
BATCH = 1000
# Who is told, by the level reached: the role of their post and the digits of its division.
RECIPIENTS = {Notify.DIRECTOR: ("child_director", 12),
              Notify.TOWNSHIP_SUPERVISOR: ("child_supervisor", 9),
              Notify.COUNTY_OFFICER: ("civil_affairs_officer", 6)}
OVERDUE_MESSAGE = gettext_noop(
    "%(count)s children in %(place)s have a visit overdue by %(days)s days or more.")


def escalate_overdue(today: date | None = None) -> int:
    """Tell the director, then the township supervisor, then the county officer about visits
    overdue past each threshold: one notification per post, level and day. Reads only the
    plans overdue past the first threshold and not yet fully escalated (an index range), so
    the work follows the children due, not the registry's size. Returns plans escalated."""
    today = today or timezone.localdate()
    due = (VisitPlan.objects.filter(escalated__lt=Escalation.COUNTY,
                                    next_due__lte=today - timedelta(days=FIRST_THRESHOLD_DAYS))
           .only("pk", "division_code", "next_due", "escalated").order_by("pk"))
    done = 0
    last = None
    while True:
        batch = list(due.filter(pk__gt=last)[:BATCH] if last else due[:BATCH])
        if not batch:
            return done
        last = batch[-1].pk
        done += _escalate(batch, today)


def _escalate(plans: list[VisitPlan], today: date) -> int:
    places: dict[tuple[Notify, str], int] = defaultdict(int)
    days: dict[Notify, int] = {}
    raised = []
    rules: dict[str, object] = {}
    for plan in plans:
        province = plan.division_code[:2]
        rule = rules.get(province) or rules.setdefault(province, policy_for(province, today))
        step = escalation(plan.next_due, today, rule)
        if step.level <= plan.escalated:
            continue
        for role in step.notify[plan.escalated:]:
            places[(role, plan.division_code[:RECIPIENTS[role][1]])] += 1
            days[role] = dict((Notify(r), t) for t, r in rule.param("escalation"))[role]
        plan.escalated = step.level
        raised.append(plan)
    by_level: dict[int, list] = defaultdict(list)
    for plan in raised:
        by_level[plan.escalated].append(plan.pk)
    with transaction.atomic():
        for level, ids in by_level.items():  # one UPDATE per level, not a CASE per row
            VisitPlan.objects.filter(pk__in=ids).update(escalated=level)
        for (role, place), count in places.items():
            _notify(role, place, count, days[role], today)
    return len(raised)


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
