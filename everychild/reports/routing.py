"""Where a report goes: the routing table's unit for a kind of receiver at the county of the
routing place, else its prefecture, else its province (rules.reporting). Who is told: the posts
of the unit that receive reports, and the administrators above a place when routing fell short."""

from dataclasses import dataclass

from django.utils.translation import gettext_noop

from everychild.accounts.models import Agency, Post
from everychild.accounts.roles import Capability
from everychild.notifications.services import notify
from everychild.places.codes import NATION_CODE
from everychild.reports.models import RoutingEntry
from everychild.rules.reporting import ESCALATION_DIGITS, levels_from

ADMIN_ALERT = gettext_noop(
    "A report of suspected harm in %(place)s found no %(receiver_term)s unit at the %(missing_term)s "
    "level: check the routing table.")


@dataclass(frozen=True)
class Route:
    """The unit found for a receiver: the agency, the division it is entered for, its digits."""

    agency: Agency
    division_code: str
    digits: int


def resolve(receiver: str, code: str, from_digits: int = ESCALATION_DIGITS[0]) -> Route | None:
    """The first active unit for ``receiver`` at ``code``'s county, prefecture or province
    (from the level of ``from_digits`` up); None when there is none even at the province."""
    levels = levels_from(code, from_digits)
    entries = {e.division_id: e for e in RoutingEntry.objects.filter(
        active=True, receiver=receiver, division_id__in=levels).select_related("agency")}
    for division, digits in zip(levels, [n for n in ESCALATION_DIGITS if n <= from_digits],
                                strict=True):
        if division in entries:
            return Route(entries[division].agency, division, digits)
    return None


def receiving_posts(agency: Agency) -> list[Post]:
    """The active posts of a unit whose role receives reports."""
    posts = Post.objects.filter(agency=agency, active=True).select_related("user", "role")
    return [p for p in posts if Capability.REPORT_RECEIVE in (p.role.capabilities or [])]


def administrators_over(code: str) -> list[Post]:
    """The active posts that maintain the routing table for ``code``: at its county, prefecture,
    province or the nation."""
    posts = Post.objects.filter(active=True, division_id__in=[*levels_from(code), NATION_CODE]) \
        .select_related("user", "role")
    return [p for p in posts if Capability.ROUTING_MANAGE in (p.role.capabilities or [])]


def alert_administrators(code: str, receiver_term: str, missing_term: str, place_name: str,
                         dedupe_key: str) -> int:
    """Tell the administrators over ``code`` that routing fell short (once per ``dedupe_key``)."""
    return len(notify(administrators_over(code), kind="routing_gap", message=ADMIN_ALERT,
                      params={"place": place_name, "receiver_term": receiver_term,
                              "missing_term": missing_term},
                      link="/reports/routing/", division_code=code, dedupe_key=dedupe_key))
