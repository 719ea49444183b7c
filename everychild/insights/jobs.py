"""Keeping the rollups current: the outbox consumers (the lower apps name what changed), the
transfer hook, and the tick job for what changes with the calendar alone (birthdays, due dates
passing, a parent's half year away), each idempotent."""

from calendar import isleap
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from everychild.accounts.models import Post
from everychild.cases.models import Case
from everychild.insights.models import RollupMark
from everychild.insights.rollups import CLOCK, chunks, refresh
from everychild.insights.tasks import decide
from everychild.places.models import Division
from everychild.registry.models import Child, ParentSituation, SituationKind
from everychild.reports.models import Report
from everychild.rules.dates import add_months
from everychild.services.models import Referral
from everychild.visits.models import VisitPlan

AWAY_MONTHS = 6


def _places(model: type[models.Model], ids: Iterable[Any]) -> set[str]:
    return set(model.objects.filter(pk__in=list(ids)).values_list("division_code", flat=True))


def _recount(codes: set[str], sources: list[str]) -> None:
    """Refresh the places; once committed, have the pages above them decided on the queue."""
    if refresh(codes, sources):
        transaction.on_commit(lambda: decide.enqueue(sorted(codes)))


def children_changed(ids: list[str]) -> None:
    """child.changed, benefit.changed: the children's villages, recounted."""
    _recount(_places(Child, ids), ["children"])


def visits_changed(ids: list[str]) -> None:
    """visit.changed (child ids): visits and plans of their villages."""
    _recount(_places(Child, ids), ["visits"])


def reports_changed(ids: list[str]) -> None:
    _recount(_places(Report, ids), ["reports"])


def cases_changed(ids: list[str]) -> None:
    _recount(_places(Case, ids), ["cases"])


def referrals_changed(ids: list[str]) -> None:
    _recount(_places(Referral, ids), ["referrals"])


def child_moved(child: Child, old_code: str, new_code: str, actor: Any, now: Any
                ) -> dict[str, int]:
    """A transfer moved the child's rows (settings.EVERYCHILD_CHILD_MOVED): both villages are
    recounted in the transfer's transaction, so no level counts the child twice."""
    return {"insights": refresh([old_code, new_code])}


def follow_the_clock(today: date | None = None, now: datetime | None = None) -> int:
    """Recount the places where something changed without an outbox row: posts of child
    directors (every run), and, once per new day, what the calendar alone changed — a birthday
    (an age, or turning 18), a visit or case step falling overdue, a parent's half year away
    reached — and the villages and directors of every place. Returns rows changed."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    with transaction.atomic():
        mark, created = RollupMark.objects.select_for_update().get_or_create(
            name=CLOCK, defaults={"day": today})
        since, first = mark.at, mark.day
        mark.day, mark.at = max(today, mark.day), now
        mark.save(update_fields=["day", "at"])
    done = 0
    if since is not None:
        done += refresh(set(Post.objects.filter(updated_at__gt=since)
                            .values_list("division_id", flat=True)), ["workforce"], today)
    days = [] if created else [first + timedelta(days=n) for n in range(1, (today - first).days + 1)]
    for day in days:
        done += refresh(_birthdays(day) | _away_half_year(day), ["children"], today)
        done += refresh(set(VisitPlan.objects.filter(next_due=day - timedelta(days=1))
                            .values_list("division_code", flat=True)), ["visits"], today)
        start = timezone.make_aware(datetime.combine(day, time.min))
        done += refresh(set(Case.objects.filter(
            next_due__gte=start - timedelta(days=1), next_due__lt=start).exclude(
            stage="closed").values_list("division_code", flat=True)), ["cases"], today)
    if created or since is None or days:
        for places in chunks():
            done += refresh(places.codes or _codes_under(places.under), ["workforce"], today)
    return done


def _codes_under(prefix: str | None) -> list[str]:
    return list(Division.objects.within(prefix or "").values_list("code", flat=True))


def _birthdays(day: date) -> set[str]:
    days = [(day.month, day.day)]
    if (day.month, day.day) == (2, 28) and not isleap(day.year):
        days.append((2, 29))  # born on 29 February: a year older on 28 February
    found: set[str] = set()
    for month, mday in days:
        found |= set(Child.objects.filter(date_of_birth__month=month, date_of_birth__day=mday)
                     .values_list("division_code", flat=True))
    return found


def _away_half_year(day: date) -> set[str]:
    """Villages of children whose parent reached half a year away working on ``day``, or whose
    recorded time away ended that day."""
    around = add_months(day, -AWAY_MONTHS)
    window = (around - timedelta(days=3), around + timedelta(days=3))
    rows = ParentSituation.objects.filter(
        kind=SituationKind.MIGRANT_WORKER, since__range=window).values_list("division_code", "since")
    ended = ParentSituation.objects.filter(kind=SituationKind.MIGRANT_WORKER, until=day)
    return ({code for code, since in rows if add_months(since, AWAY_MONTHS) == day}
            | set(ended.values_list("division_code", flat=True)))
