"""Mandatory reporting (强制报告): who receives a report of suspected harm, how fast each must act,
and where it goes when a deadline passes (domain.md §3).

Pure rules: no models, no clock. The nine situations are those of the 2020 opinion (codes shared
with the risk instrument, :data:`~everychild.rules.risk.REPORTING_SITUATIONS`). The deadlines are
the system's reading of "immediately" (立即) and of local procedures, so they are configurable
defaults of a versioned :class:`~everychild.rules.risk.PolicyRule` that a province overrides, and
each is shown with its source; the 3-day feedback to the reporting unit is the opinion's own.

Defaults (policy ``mandatory_reporting`` 2020.1):

- every report goes to the **police** (public security) and to **civil affairs** (Minors
  Protection Law Art. 11), and a copy to the **procuratorate**, which supervises handling (a
  configurable default: ``procuratorate_copy``);
- the police acknowledge within **1 hour** for situations 1–5 and 7, and for 9 when the reporter
  marks the danger as imminent; otherwise within **24 hours**;
- civil affairs contact the child and arrange safety within **24 hours** where care is absent
  (situation 6), and otherwise acknowledge within 24 hours; the procuratorate acknowledges its copy
  within 24 hours;
- the police tell the reporting unit the outcome within **3 days** of accepting (受案) or filing
  (立案) the case;
- a missed deadline escalates one level up: county → prefecture → province, where the higher unit
  gets the same time again;
- the routing place is where the harm happened if known, else the child's residence, else the
  reporter's post; a place with no receiving unit routes to the next level up and alerts
  administrators.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from django.utils.translation import gettext_noop as _

from .catalogue import Catalogue
from .dates import age_on
from .findings import Reason
from .risk import MANDATORY_REPORTING_2020, REPORTING_SITUATIONS, PolicyRule, select
from .rule import Source

MINORS_PROTECTION_LAW_2020 = Source(
    document="未成年人保护法", issuer="Standing Committee of the National People's Congress",
    title="中华人民共和国未成年人保护法 (Minors Protection Law, revised 2020)", year=2020,
    article="Art. 11", note="in force 1 June 2021: report at once to public security, civil affairs, "
                            "education and other relevant departments")
SPP_2023 = Source(
    document="高检发〔2023〕4号", issuer="Supreme People's Procuratorate and others",
    title="关于办理性侵害未成年人刑事案件的意见 (Opinions on handling criminal cases of sexual "
          "assault on minors)", year=2023, article="Art. 5",
    note="sexual offences against minors filed at once, complex ones within 7 days")

SITUATION_CODES: tuple[str, ...] = tuple(o.code for o in REPORTING_SITUATIONS)
SITUATION_LABELS: dict[str, str] = {o.code: o.label for o in REPORTING_SITUATIONS}
# The opinion's numbering (1-9), for the rule's parameters and for people who know it by number.
SITUATION_NUMBER: dict[str, int] = {code: n for n, code in enumerate(SITUATION_CODES, 1)}
GIRL_UNDER_14 = "girl_under_14_sexual_assault"
GIRL_14_PLUS = "girl_14_plus_pregnancy_assault"
ABANDONMENT = "abandonment"
OTHER_SERIOUS = "other_serious_harm"


class Receiver(StrEnum):
    """The kinds of receiving unit (their codes are those of accounts.AgencyKind)."""

    POLICE = "police"
    CIVIL_AFFAIRS = "civil_affairs"
    PROCURATORATE = "procuratorate"


class Duty(StrEnum):
    """What a receiving unit must do by its deadline."""

    ACKNOWLEDGE = "acknowledge"  # accept the report (受理)
    ARRANGE_SAFETY = "arrange_safety"  # contact the child and arrange safety
    FEEDBACK = "feedback"  # tell the reporting unit the outcome


RECEIVER_TERMS = {Receiver.POLICE: _("public security (police)"),
                  Receiver.CIVIL_AFFAIRS: _("civil affairs"),
                  Receiver.PROCURATORATE: _("the procuratorate")}
DUTY_TERMS = {Duty.ACKNOWLEDGE: _("acknowledge the report"),
              Duty.ARRANGE_SAFETY: _("contact the child and arrange safety"),
              Duty.FEEDBACK: _("tell the reporting unit the outcome")}

# Routing levels, lowest first: the digits of the code that name the unit's division.
ESCALATION_DIGITS: tuple[int, ...] = (6, 4, 2)  # county, prefecture, province

REPORTING_CODE = "mandatory_reporting"

REPORTING_2020 = PolicyRule(
    code=REPORTING_CODE, version="2020.1", title=_("Mandatory reporting: receivers and deadlines"),
    sources=(MANDATORY_REPORTING_2020, MINORS_PROTECTION_LAW_2020, SPP_2023),
    effective_from=date(2020, 5, 29),
    params={
        "procuratorate_copy": True,
        "police_urgent_situations": (1, 2, 3, 4, 5, 7),  # and 9 when imminent
        "police_urgent_hours": 1,
        "police_hours": 24,
        "care_absent_situations": (6,),
        "civil_affairs_safety_hours": 24,
        "civil_affairs_hours": 24,
        "procuratorate_hours": 24,
        "feedback_days": 3,
    },
    configuration=("procuratorate_copy", "police_urgent_situations", "police_urgent_hours",
                   "police_hours", "care_absent_situations", "civil_affairs_safety_hours",
                   "civil_affairs_hours", "procuratorate_hours"),
    notes="The hours are the system's reading of 立即 (immediately) and of local procedures "
          "(domain.md §3): configurable per province, shown as defaults, not as law. The 3-day "
          "feedback after 受案/立案 is the 2020 opinion's, as reported.")

REPORTING_POLICIES = Catalogue((REPORTING_2020,))  # type: ignore[arg-type]


def policy_for(province_code: str, on: date, catalogue: Catalogue = REPORTING_POLICIES) -> PolicyRule:
    """The reporting policy in force in ``province_code`` ("" national) on ``on``."""
    return select(catalogue, REPORTING_CODE, province_code, on)


# --- deadlines -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """What one kind of receiving unit must do, within how many hours, and why."""

    receiver: Receiver
    duty: Duty
    hours: int
    reason: Reason

    def due(self, start: datetime) -> datetime:
        return start + timedelta(hours=self.hours)


def _numbers(situations: Iterable[str]) -> set[int]:
    return {SITUATION_NUMBER[code] for code in situations if code in SITUATION_NUMBER}


def deadlines(situations: Iterable[str], imminent: bool, rule: PolicyRule) -> list[Deadline]:
    """The receivers of a report of ``situations`` (codes; none known is allowed) and each one's
    deadline. ``imminent``: the reporter marked the danger as imminent."""
    numbers = _numbers(situations)
    src = rule.citation
    urgent = numbers & set(rule.param("police_urgent_situations")) or (
        imminent and SITUATION_NUMBER[OTHER_SERIOUS] in numbers)
    hours = rule.param("police_urgent_hours") if urgent else rule.param("police_hours")
    found = [Deadline(Receiver.POLICE, Duty.ACKNOWLEDGE, hours, Reason.make(
        "report_police_urgent" if urgent else "report_police",
        _("The police acknowledge a report of these situations within %(hours)s hours (the system's "
          "reading of \"immediately\"; %(source)s).") if urgent else
        _("The police acknowledge the report within %(hours)s hours (the system's reading of "
          "\"immediately\"; %(source)s)."), hours=hours, source=src))]
    if numbers & set(rule.param("care_absent_situations")):
        hours = rule.param("civil_affairs_safety_hours")
        found.append(Deadline(Receiver.CIVIL_AFFAIRS, Duty.ARRANGE_SAFETY, hours, Reason.make(
            "report_civil_affairs_safety",
            _("The child is left without care: civil affairs contact the child and arrange safety "
              "within %(hours)s hours (%(source)s)."), hours=hours, source=src)))
    else:
        hours = rule.param("civil_affairs_hours")
        found.append(Deadline(Receiver.CIVIL_AFFAIRS, Duty.ACKNOWLEDGE, hours, Reason.make(
            "report_civil_affairs",
            _("Civil affairs acknowledge the report within %(hours)s hours (%(source)s)."),
            hours=hours, source=src)))
    if rule.param("procuratorate_copy"):
        hours = rule.param("procuratorate_hours")
        found.append(Deadline(Receiver.PROCURATORATE, Duty.ACKNOWLEDGE, hours, Reason.make(
            "report_procuratorate",
            _("The procuratorate, which supervises the handling, acknowledges its copy within "
              "%(hours)s hours (a configurable default; %(source)s)."), hours=hours, source=src)))
    return found


def feedback_deadline(rule: PolicyRule) -> Deadline:
    """After the police accept (受案) or file (立案) the case: the outcome to the reporting unit."""
    days = rule.param("feedback_days")
    return Deadline(Receiver.POLICE, Duty.FEEDBACK, 24 * days, Reason.make(
        "report_feedback",
        _("The police tell the reporting unit the outcome within %(days)s days of accepting or filing "
          "the case (%(source)s)."), days=days, source=rule.citation))


# --- routing ---------------------------------------------------------------------------------------


class RoutingBasis(StrEnum):
    HAPPENED = "happened"
    RESIDENCE = "residence"
    REPORTER = "reporter"


BASIS_TERMS = {RoutingBasis.HAPPENED: _("where the harm happened"),
               RoutingBasis.RESIDENCE: _("the child's residence"),
               RoutingBasis.REPORTER: _("the reporter's post")}


def routing_place(happened: str, residence: str, reporter: str) -> tuple[str, RoutingBasis]:
    """The code a report is routed by: where the harm happened if known, else the child's
    residence, else the reporter's post (12-digit codes, "" when unknown)."""
    for code, basis in ((happened, RoutingBasis.HAPPENED), (residence, RoutingBasis.RESIDENCE),
                        (reporter, RoutingBasis.REPORTER)):
        if code:
            return code, basis
    raise ValueError("a report is always routed: the reporter's post is known")


def levels_from(code: str, digits: int = ESCALATION_DIGITS[0]) -> list[str]:
    """The division codes a report at ``code`` may go to, from ``digits`` up: county, then
    prefecture, then province (12-digit codes)."""
    return [code[:n].ljust(12, "0") for n in ESCALATION_DIGITS if n <= digits]


def next_level(code: str, digits: int) -> tuple[str, int] | None:
    """The division one escalation level above a unit at ``code`` named by ``digits`` digits
    (county 6 -> prefecture 4 -> province 2), with its digits; None above a province."""
    higher = [n for n in ESCALATION_DIGITS if n < digits]
    return (code[:higher[0]].ljust(12, "0"), higher[0]) if higher else None


# --- the situations against the child's age and sex -------------------------------------------------


def situation_warnings(situations: Iterable[str], sex: str, born: date | None,
                       happened: date | None) -> list[Reason]:
    """Situations 2 and 3 concern a girl under 14 and a girl 14 or over at the time of the event:
    what is inconsistent with what is known (warnings: a report is never refused for it)."""
    codes = set(situations)
    found = []
    girl_codes = codes & {GIRL_UNDER_14, GIRL_14_PLUS}
    if girl_codes and sex == "male":
        found.append(Reason.make("report_girl_situation_boy", _(
            "Situations 2 and 3 concern girls; the child is recorded as a boy: check the situation "
            "(situation 1, 4 or 9 may apply).")))
    if girl_codes and born is not None and happened is not None:
        age = age_on(born, happened)
        if GIRL_UNDER_14 in codes and age >= 14:
            found.append(Reason.make("report_girl_14_plus", _(
                "The child was %(age)s at the time of the event: situation 3 (a girl 14 or over) "
                "applies rather than situation 2."), age=age))
        if GIRL_14_PLUS in codes and age < 14:
            found.append(Reason.make("report_girl_under_14", _(
                "The child was %(age)s at the time of the event: situation 2 (a girl under 14) "
                "applies rather than situation 3."), age=age))
    return found
