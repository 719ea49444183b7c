"""The overviews' rollup (``DueCount``): per village, how many plans fall due each day and each
month, never-visited ones apart. An overview on ``today`` sums month rows before this month and
day rows from the month's first day to a week ahead, so its cost follows the number of villages,
not the number of children due.

Every change of a plan's due date, village or first visit goes through :func:`apply_deltas` in
the transaction that saves the plan (``plans._refresh`` is the one writer); :func:`rebuild`
recounts everything from the plans and gives the same rows (a test compares the two).
"""

from collections import Counter
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Substr

from everychild.visits.models import DueCount, VisitPlan

DAY, MONTH = "D", "M"
WEEK = 7
Key = tuple[str, date, bool]  # (village, next due, never visited)


def plan_key(plan: VisitPlan) -> Key | None:
    """What a plan counts towards, or None when nothing is due."""
    if plan.next_due is None:
        return None
    return (plan.division_code, plan.next_due, plan.last_visit_on is None)


def _rows(key: Key) -> tuple[tuple[str, str, date, bool], ...]:
    code, due, never = key
    return (code, DAY, due, never), (code, MONTH, due.replace(day=1), never)


def deltas(changes: Iterable[tuple[Key | None, Key | None]]) -> Counter:
    """The rollup changes of plans going from one key to another (None: not counted)."""
    found: Counter = Counter()
    for before, after in changes:
        if before == after:
            continue
        for row in _rows(before) if before else ():
            found[row] -= 1
        for row in _rows(after) if after else ():
            found[row] += 1
    return found


UPSERT = ("INSERT INTO visits_duecount (division_code, period, starts_on, never_visited, plans) "
          "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (division_code, period, starts_on, "
          "never_visited) DO UPDATE SET plans = visits_duecount.plans + excluded.plans")


def apply_deltas(found: Counter) -> None:
    """Add ``found`` to the rollup (sorted, so concurrent writers lock rows in one order)."""
    rows = [(*key, n) for key, n in sorted(found.items()) if n]
    if not rows:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(UPSERT, rows)


def rebuild() -> int:
    """Recount the rollup from the plans (the bench after raw writes; the check of a test)."""
    with transaction.atomic():
        DueCount.objects.all().delete()
        counted = (VisitPlan.objects.exclude(next_due=None)
                   .values_list("division_code", "next_due", "last_visit_on"))
        found: Counter = Counter()
        keys: Counter = Counter()
        for code, due, last in counted.iterator(chunk_size=20_000):
            keys[(code, due, last is None)] += 1
        for key, n in keys.items():
            for row in _rows(key):
                found[row] += n
        DueCount.objects.bulk_create(
            [DueCount(division_code=c, period=p, starts_on=d, never_visited=v, plans=n)
             for (c, p, d, v), n in sorted(found.items())], batch_size=5000)
    return len(found)


def prune(today: date) -> int:
    """Drop what no overview reads any more: day rows before this month, and empty rows."""
    return DueCount.objects.filter(Q(period=DAY, starts_on__lt=today.replace(day=1))
                                   | Q(plans=0)).delete()[0]


def counts(rows: QuerySet, today: date, digits: int) -> list[dict[str, Any]]:
    """Overdue, due this week and never visited (among those) per place of ``digits`` digits,
    from the rollup rows ``rows`` (already scoped by the access gate)."""
    month = today.replace(day=1)
    read = rows.filter(Q(period=MONTH, starts_on__lt=month)
                       | Q(period=DAY, starts_on__gte=month,
                           starts_on__lte=today + timedelta(days=WEEK)))
    overdue = Q(period=MONTH) | Q(starts_on__lt=today)
    found = (read.annotate(place=Substr("division_code", 1, digits)).values("place")
             .annotate(overdue=Sum("plans", filter=overdue, default=0),
                       due_this_week=Sum("plans", filter=~overdue, default=0),
                       never_visited=Sum("plans", filter=Q(never_visited=True), default=0))
             .order_by("-overdue", "place"))
    return [row for row in found if row["overdue"] or row["due_this_week"]]
