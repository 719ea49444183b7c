"""What each place contributes to the rollups, counted from the lower apps' own tables.

A *source* counts, for a set of places (a list of codes, or every code under a prefix), the
base rows of each rollup table: ``{table: {place code: {key: values}}}``. The same function
serves the incremental refresh (a few places the outbox named) and ``rollup rebuild`` (every
place, a county at a time), so the two cannot disagree on what a row means.
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db.models import Q
from django.utils import timezone

from everychild.accounts.models import Post
from everychild.cases.lifecycle import Stage
from everychild.cases.models import Case
from everychild.places.codes import prefix_range
from everychild.places.models import Division
from everychild.registry.models import Child, ChildCategory, HukouType, ParentSituation, SituationKind
from everychild.reports.models import Report, ReportTask
from everychild.rules.benefits import entitlements, policy_for
from everychild.rules.catalogue import CATALOGUE
from everychild.rules.dates import age_on, months_elapsed
from everychild.rules.findings import RuleKind
from everychild.services.models import Benefit, BenefitStatus, Referral, ReferralState
from everychild.visits.models import Visit, VisitPlan

CHILDREN, EVENTS, STATES = "children", "events", "states"
ALL, ANY = "all", "any"  # every registered child under 18; in at least one policy category
CENSUS_AFFECTED = "census_affected_by_migration"  # the rules' census indicator, as counted
CENSUS_BOTH_AWAY = "census_both_parents_away"  # of those, both parents away half a year or more
CENSUS_MIGRANT = "census_migrant"  # hukou registered in another township
CENSUS_PREFIX = "census_"  # split urban/rural by the child's hukou, as the census does
POLICY_CATEGORIES = frozenset(rule.code for rule in CATALOGUE if rule.kind == RuleKind.CATEGORY)
ADULT = 18
CENSUS_AWAY_MONTHS = 6
DIRECTOR_ROLE = "child_director"

# {table: {place: Counter({key: values})}}; values are tuples added element-wise.
Found = dict[str, dict[str, dict[tuple, tuple[int, ...]]]]


@dataclass(frozen=True)
class Places:
    """Which places to count: exact codes, or every code under a prefix."""

    codes: tuple[str, ...] = ()
    under: str | None = None

    def q(self, field: str = "division_code") -> Q:
        if self.under is not None:
            low, high = prefix_range(self.under)
            return Q(**{f"{field}__gte": low, f"{field}__lte": high})
        return Q(**{f"{field}__in": self.codes})


def _add(found: Found, table: str, place: str, key: tuple, *values: int) -> None:
    row = found.setdefault(table, {}).setdefault(place, {})
    old = row.get(key)
    row[key] = values if old is None else tuple(a + b for a, b in zip(old, values, strict=True))


def area_of(urban_rural: str) -> str:
    """U, R or ? from a village's urban-rural classification code (domain §6.3)."""
    return {"1": "U", "2": "R"}.get(urban_rural[:1], "?")


def _hukou_area(hukou_type: str) -> str:
    return {HukouType.RURAL: "R", HukouType.URBAN: "U"}.get(hukou_type, "?")


def children(places: Places, today: date) -> Found:
    """Children under 18 by category x sex x age x area; the census-definition counts (area by
    the child's hukou, as the census splits them); children entitled to an allowance and not
    receiving it (states)."""
    found: Found = {}
    kids = list(Child.objects.filter(places.q()).values_list(
        "id", "division_code", "sex", "date_of_birth", "hukou_type", "hukou_division_code"))
    if not kids:
        return found
    categories = _by_child(ChildCategory.objects.filter(places.q(), until=None)
                           .values_list("child_id", "category"))
    away = _parents_away(places, today)
    paying = _by_child(Benefit.objects.filter(places.q(), status=BenefitStatus.PAYING)
                       .values_list("child_id", "kind"))
    areas = dict(Division.objects.filter(places.q("code")).values_list("code", "urban_rural"))
    rules: dict[str, Any] = {}
    for child_id, place, sex, born, hukou, hukou_place in kids:
        age = age_on(born, today) if born <= today else ADULT
        if age >= ADULT:
            continue
        area = area_of(areas.get(place, ""))
        held = categories.get(child_id, [])
        extra = _census(away.get(child_id, 0), place, hukou_place)
        policy = [ANY] if POLICY_CATEGORIES.intersection(held) else []
        for category in (ALL, *policy, *held, *extra):
            where = _hukou_area(hukou) if category.startswith(CENSUS_PREFIX) else area
            _add(found, CHILDREN, place, (category, sex, age, where), 1)
        rule = rules.get(place[:2]) or rules.setdefault(place[:2], policy_for(place[:2], today))
        missing = set(entitlements(held, rule)) - set(paying.get(child_id, []))
        for kind in (*sorted(missing), *(["any"] if missing else [])):
            _add(found, STATES, place, ("entitled_not_receiving", kind), 1)
    return found


def _by_child(rows: Iterable[tuple[Any, str]]) -> dict[Any, list[str]]:
    found: dict[Any, list[str]] = defaultdict(list)
    for child_id, value in rows:
        found[child_id].append(value)
    return found


def _parents_away(places: Places, today: date) -> Counter:
    """Per child, how many parents have been away working half a year or more on ``today``
    (as the rules' census indicator reads a parent's situations: a start date is needed)."""
    rows = ParentSituation.objects.filter(
        places.q(), Q(until=None) | Q(until__gt=today), kind=SituationKind.MIGRANT_WORKER,
        since__isnull=False).values_list("child_id", "parent_id", "since")
    parents: dict[Any, set] = defaultdict(set)
    for child_id, parent_id, since in rows:
        if since <= today and months_elapsed(since, today, CENSUS_AWAY_MONTHS):
            parents[child_id].add(parent_id)
    return Counter({child_id: len(ids) for child_id, ids in parents.items()})


def _census(parents_away: int, place: str, hukou_place: str) -> list[str]:
    """The census-definition counts a child is in (never a policy category)."""
    found = [CENSUS_AFFECTED] if parents_away else []
    if parents_away >= 2:
        found.append(CENSUS_BOTH_AWAY)
    if hukou_place and hukou_place[:9] != place[:9]:
        found.append(CENSUS_MIGRANT)
    return found


def month_of(moment: datetime | date) -> date:
    day = timezone.localdate(moment) if isinstance(moment, datetime) else moment
    return day.replace(day=1)


def _start_of(today: date) -> datetime:
    return timezone.make_aware(datetime.combine(today, time.min))


def visits(places: Places, today: date) -> Found:
    """Visits and children visited per month; visit plans, overdue and never visited now."""
    found: Found = {}
    seen: dict[tuple[str, date], set] = defaultdict(set)
    for place, child_id, day in Visit.objects.filter(places.q()).values_list(
            "division_code", "child_id", "visited_on"):
        _add(found, EVENTS, place, ("visits", month_of(day)), 1, 0)
        seen[place, month_of(day)].add(child_id)
    for (place, month), ids in seen.items():
        _add(found, EVENTS, place, ("children_visited", month), len(ids), 0)
    for place, due, last in VisitPlan.objects.filter(places.q(), next_due__isnull=False
                                                     ).values_list("division_code", "next_due",
                                                                   "last_visit_on"):
        _add(found, STATES, place, ("plans", ""), 1)
        if due < today:
            _add(found, STATES, place, ("plans_overdue", ""), 1)
        if last is None:
            _add(found, STATES, place, ("never_visited", ""), 1)
    return found


def _seconds(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds()))


def reports(places: Places, today: date) -> Found:
    """Reports by the month they were filed, at their routing place: acknowledged, within the
    deadline of the first acknowledgement task, the time it took, feedback given."""
    found: Found = {}
    deadline: dict[Any, datetime] = {}
    for report_id, due in ReportTask.objects.filter(places.q()).values_list("report_id",
                                                                            "due_at"):
        deadline[report_id] = min(due, deadline.get(report_id, due))
    for pk, place, filed, acked, feedback in Report.objects.filter(places.q()).values_list(
            "id", "division_code", "filed_at", "acknowledged_at", "feedback_at"):
        month = month_of(filed)
        _add(found, EVENTS, place, ("reports", month), 1, 0)
        if acked is not None:
            _add(found, EVENTS, place, ("reports_acknowledged", month), 1, _seconds(filed, acked))
            if pk in deadline and acked <= deadline[pk]:
                _add(found, EVENTS, place, ("reports_ack_in_time", month), 1, 0)
        if feedback is not None:
            _add(found, EVENTS, place, ("reports_feedback", month), 1, 0)
    return found


def cases(places: Places, today: date) -> Found:
    """Cases opened and closed (with the time to closure) per month; open cases by stage and
    overdue now (a step due before today)."""
    found: Found = {}
    start = _start_of(today)
    for place, stage, opened, closed, due in Case.objects.filter(places.q()).values_list(
            "division_code", "stage", "opened_at", "closed_at", "next_due"):
        _add(found, EVENTS, place, ("cases_opened", month_of(opened)), 1, 0)
        if stage == Stage.CLOSED and closed is not None:
            _add(found, EVENTS, place, ("cases_closed", month_of(closed)), 1,
                 _seconds(opened, closed))
            continue
        _add(found, STATES, place, ("cases_open", stage), 1)
        if due is not None and due < start:
            _add(found, STATES, place, ("cases_overdue", ""), 1)
    return found


ANSWERED = (ReferralState.ACCEPTED, ReferralState.IN_PROGRESS, ReferralState.COMPLETED)


def referrals(places: Places, today: date) -> Found:
    """Referrals by the month they were sent: accepted, completed (and the time it took), by
    service type; referrals open now."""
    found: Found = {}
    for place, kind, state, sent, completed in Referral.objects.filter(places.q()).values_list(
            "division_code", "service_type", "state", "sent_at", "completed_at"):
        month = month_of(sent)
        _add(found, EVENTS, place, ("referrals_sent", month), 1, 0)
        _add(found, EVENTS, place, (f"referrals_sent:{kind}", month), 1, 0)
        if state in ANSWERED:
            _add(found, EVENTS, place, ("referrals_accepted", month), 1, 0)
        if state == ReferralState.COMPLETED and completed is not None:
            _add(found, EVENTS, place, ("referrals_completed", month), 1,
                 _seconds(sent, completed))
        if state in (ReferralState.SENT, ReferralState.ACCEPTED, ReferralState.IN_PROGRESS):
            _add(found, STATES, place, ("referrals_open", state), 1)
    return found


def workforce(places: Places, today: date) -> Found:
    """Villages, child directors in post, and villages with at least one."""
    found: Found = {}
    directors = Counter(Post.objects.filter(places.q("division_id"), active=True,
                                            role__code=DIRECTOR_ROLE)
                        .values_list("division_id", flat=True))
    for code, level in Division.objects.filter(places.q("code")).values_list("code", "level"):
        if level == 5:
            _add(found, STATES, code, ("villages", ""), 1)
            if directors[code]:
                _add(found, STATES, code, ("villages_with_director", ""), 1)
    for code, n in directors.items():
        _add(found, STATES, code, ("directors", ""), n)
    return found


SOURCES: dict[str, Callable[[Places, date], Found]] = {
    "children": children, "visits": visits, "reports": reports, "cases": cases,
    "referrals": referrals, "workforce": workforce}
