"""Risk: a transparent structured instrument, and the rule for a child's one current risk level.

Pure, like the classification rules: no models, no clock. The instrument is a versioned rule whose
items, answer options, weights and thresholds are data, labelled **provisional, not validated** (no
validated instrument is named in the sources; see domain.md §5). Each item carries a note tracing it
to domain.md. Any answer naming a mandatory-reporting situation (domain.md §3) forces the level to
high, whatever the score, and every result lists the answers that drove it, as :class:`Reason` values.

The current risk level (domain.md §2): one per child, with its source; the most recent *high* signal
stands until a supervisor lowers it with a reason. A lower signal from a visit, a report or a case
assessment does not lower a standing high.

Rules here are :class:`PolicyRule` values, selected by code, province and day like the classification
rules (:class:`~everychild.rules.catalogue.Catalogue`): a province overrides a rule by adding a version
with its province code (``RISK_RULES.with_rules(...)``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cached_property
from types import MappingProxyType
from typing import Any

from django.utils.translation import gettext_noop as _  # marks message ids; rendering translates

from .catalogue import Catalogue
from .findings import Reason
from .rule import Source

# --- risk levels -----------------------------------------------------------------------------------


class RiskLevel(StrEnum):
    """The three levels of domain.md §5 (high: immediate risk of serious harm)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def term(self) -> str:
        """The level as a message id (a Reason term)."""
        return RISK_LEVEL_TERMS[self]


_RANK = {RiskLevel.LOW: 0, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2}
RISK_LEVEL_TERMS = {RiskLevel.LOW: _("low"), RiskLevel.MEDIUM: _("medium"), RiskLevel.HIGH: _("high")}


# --- a rule without a per-child check: policies and instruments ----------------------------------


@dataclass(frozen=True)
class PolicyRule:
    """One version of a policy rule (visit plans, the risk instrument, the current-level rule).

    Like :class:`~everychild.rules.rule.Rule`: ``province`` "" is the national default, else the
    2-digit code of the province whose version this is; ``params`` are the values, and those named in
    ``configuration`` are configurable defaults rather than the text of a source. ``provisional``
    marks a rule that is not validated (shown as such to users)."""

    code: str
    version: str
    title: str  # message id
    sources: tuple[Source, ...]
    effective_from: date
    province: str = ""
    params: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)
    configuration: tuple[str, ...] = ()
    provisional: bool = False
    notes: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))
        unknown = set(self.configuration) - set(self.params)
        if unknown:
            raise ValueError(f"{self.code} {self.version}: configuration names unknown params {unknown}")

    @cached_property
    def citation(self) -> str:
        """The documents, short, for reasons."""
        return ", ".join(s.document for s in self.sources)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.code, self.province, self.version)

    def param(self, name: str) -> Any:
        return self.params[name]


def select(catalogue: Catalogue, code: str, province_code: str, on: date) -> PolicyRule:
    """The version of ``code`` in force in ``province_code`` on ``on`` (LookupError: none)."""
    found = catalogue.rule_for(code, province_code, on)
    if found is None:
        raise LookupError(f"no {code} rule in force in province {province_code!r} on {on}")
    return found  # type: ignore[return-value]  # the catalogue holds PolicyRule values here


# --- sources ---------------------------------------------------------------------------------------

CASE_MANAGEMENT_2014 = Source(
    document="CPWG 2014", issuer="Child Protection Working Group",
    title="Inter-Agency Guidelines for Case Management and Child Protection", year=2014,
    note="risk levels and response times are widely used practice defaults not confirmed against a page "
         "of the guidelines (domain.md §5): configuration")
MONITORING_2019 = Source(
    document="民发〔2019〕34号", issuer="Ministry of Civil Affairs and nine other departments",
    title="关于进一步健全农村留守儿童和困境儿童关爱服务体系的意见 (Opinions on Further Improving the Care "
          "and Service System for Rural Left-behind Children and Children in Difficult Circumstances)",
    year=2019, note="child directors and supervisors, regular visits (定期走访); domain.md §2")
MANDATORY_REPORTING_2020 = Source(
    document="强制报告意见（试行）", issuer="Supreme People's Procuratorate and others",
    title="关于建立侵害未成年人案件强制报告制度的意见（试行） (Opinions on Establishing a "
          "Mandatory Reporting System for Cases of Harm to Minors (Trial))",
    year=2020, note="issued May 2020; the nine situations of domain.md §3")


# --- the instrument --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One answer to an item: its points (before the item's weight) and whether it forces high."""

    code: str
    label: str  # message id
    points: int = 0
    forces_high: bool = False


@dataclass(frozen=True)
class Item:
    """One question of the instrument. ``multiple``: several answers may be chosen (none is allowed).
    ``note`` traces the item to domain.md."""

    code: str
    title: str  # message id
    weight: int
    options: tuple[Option, ...]
    note: str
    multiple: bool = False

    def option(self, code: str) -> Option:
        for o in self.options:
            if o.code == code:
                return o
        raise ValueError(f"item {self.code!r} has no answer {code!r}")


# The nine situations of the mandatory-reporting opinion (domain.md §3), in its order.
REPORTING_SITUATIONS: tuple[Option, ...] = tuple(Option(code, label, forces_high=True) for code, label in (
    ("private_parts_injury", _("abnormal injury, or suspected, to the genitals or private parts")),
    ("girl_under_14_sexual_assault",
     _("a girl under 14 who has suffered or is suspected to have suffered sexual assault, is pregnant or "
       "has had an abortion")),
    ("girl_14_plus_pregnancy_assault",
     _("a girl 14 or over who is pregnant or has had an abortion as a result of sexual assault")),
    ("multiple_injuries_abuse",
     _("multiple injuries, severe malnutrition or impaired consciousness, with violence, bullying, abuse, "
       "beating or drugging present or suspected")),
    ("abnormal_disability_or_death",
     _("disability or death from suicide, self-harm, work injury, poisoning, drugging, beating or other "
       "abnormal causes")),
    ("abandonment", _("abandonment, or being left without care for a long time")),
    ("missing_or_trafficked", _("a minor of unknown origin, missing, or abducted, trafficked or bought")),
    ("organised_begging", _("a minor organised to beg")),
    ("other_serious_harm",
     _("other serious harm to physical or mental health, or imminent unlawful harm")),
))

ITEMS: tuple[Item, ...] = (
    Item("safety", _("Safety"), 3, (
        Option("safe", _("no safety concern")),
        Option("concern", _("some concern about safety at home, at school or in the neighbourhood"), 1),
        Option("harm_suspected", _("harm suspected or threatened"), 2),
    ), note="domain.md §5: high risk is immediate risk of serious harm; §1.2 kind 3 (abuse, abandonment, "
            "accidental injury or unlawful harm)"),
    Item("health_nutrition", _("Health and nutrition"), 2, (
        Option("adequate", _("health and nutrition needs met")),
        Option("partly_met", _("health or nutrition needs only partly met"), 1),
        Option("unmet", _("untreated illness or malnutrition"), 2),
    ), note="domain.md §1.2 kind 2 (disability, serious illness) and §3 situation 4 (severe malnutrition)"),
    Item("schooling", _("Schooling"), 1, (
        Option("attending", _("attending school or care regularly, or not of school age")),
        Option("irregular", _("irregular attendance"), 1),
        Option("out_of_school", _("out of school at compulsory-education age"), 2),
    ), note="domain.md §1.2 kind 1 (poverty causing difficulty in schooling) and §8 (school stage)"),
    Item("guardianship", _("Guardianship and caregiver capacity"), 2, (
        Option("capable", _("a capable caregiver")),
        Option("limited", _("a caregiver with limited capacity (elderly, ill or overburdened)"), 1),
        Option("absent_or_improper", _("guardianship absent or improper"), 2),
    ), note="domain.md §1.1 and §1.3 (guardianship capacity), §1.2 kind 3 (lack of or improper "
            "guardianship)"),
    Item("emotional_wellbeing", _("Emotional wellbeing"), 2, (
        Option("no_concern", _("no concern about emotional wellbeing")),
        Option("distress", _("signs of distress or withdrawal"), 1),
        Option("severe_distress", _("severe distress, or thoughts of self-harm"), 2),
    ), note="domain.md §5 (children's views heard in the assessment) and §3 situation 5 (self-harm)"),
    Item("living_conditions", _("Living conditions"), 1, (
        Option("adequate", _("adequate living conditions")),
        Option("poor", _("poor living conditions"), 1),
        Option("unsafe", _("unsafe housing, or living alone or unattended"), 2),
    ), note="domain.md §1.2 kind 1 (difficulty in living) and the alerts for a child living alone or left "
            "unattended (Minors Protection Law Art. 21, rules.catalogue)"),
    Item("reporting_situations", _("Mandatory-reporting situations observed"), 0, REPORTING_SITUATIONS,
         note="domain.md §3: the nine situations of the mandatory-reporting opinion; any one forces high",
         multiple=True),
)

INSTRUMENT_CODE = "risk_instrument"
CURRENT_LEVEL_CODE = "current_risk_level"

INSTRUMENT_2025 = PolicyRule(
    code=INSTRUMENT_CODE, version="2025.1",
    title=_("Structured risk assessment (provisional, not validated)"),
    sources=(CASE_MANAGEMENT_2014, MANDATORY_REPORTING_2020), effective_from=date(2021, 6, 1),
    params={"items": ITEMS, "medium_from": 4, "high_from": 10},
    configuration=("items", "medium_from", "high_from"), provisional=True,
    notes="Provisional, not validated: items, weights and thresholds are the system's transparent starting "
          "point, to be validated before they are relied on. Score = sum of weight x points; any "
          "mandatory-reporting situation forces high.")
CURRENT_LEVEL_2025 = PolicyRule(
    code=CURRENT_LEVEL_CODE, version="2025.1", title=_("One current risk level per child"),
    sources=(MONITORING_2019, CASE_MANAGEMENT_2014), effective_from=date(2019, 4, 30),
    params={"sticky_level": RiskLevel.HIGH}, configuration=("sticky_level",),
    notes="domain.md §2: the most recent high signal stands until a supervisor lowers it with a reason "
          "(a system default; the effective date is configuration).")

RISK_RULES = Catalogue((INSTRUMENT_2025, CURRENT_LEVEL_2025))  # type: ignore[arg-type]


def instrument_for(province_code: str, on: date, catalogue: Catalogue = RISK_RULES) -> PolicyRule:
    """The risk instrument in force in ``province_code`` ("" national) on ``on``."""
    return select(catalogue, INSTRUMENT_CODE, province_code, on)


@dataclass(frozen=True)
class RiskScore:
    """The instrument's result: the level, the score, whether a reporting situation forced it, and the
    reasons — the summary first, then every answer that drove it."""

    level: RiskLevel
    score: int
    max_score: int
    forced: bool
    reasons: tuple[Reason, ...]
    rule_code: str
    rule_version: str
    rule_province: str = ""
    provisional: bool = True

    @property
    def drivers(self) -> tuple[Reason, ...]:
        """The answers that drove the level (every reason but the summary)."""
        return self.reasons[1:]

    def sentences(self, language: str | None = None) -> list[str]:
        return [r.render(language) for r in self.reasons]


Answers = Mapping[str, str | Iterable[str]]


def score(answers: Answers, rule: PolicyRule) -> RiskScore:
    """Score ``answers`` (item code -> option code, or several codes for a multiple-answer item) with
    the instrument ``rule``. Every single-answer item must be answered (ValueError otherwise)."""
    items: tuple[Item, ...] = rule.param("items")
    known = {i.code for i in items}
    unknown = set(answers) - known
    if unknown:
        raise ValueError(f"unknown items {sorted(unknown)}")
    missing = [i.code for i in items if not i.multiple and i.code not in answers]
    if missing:
        raise ValueError(f"unanswered items {missing}")
    src = rule.citation
    total = 0
    forcing: list[Reason] = []
    drivers: list[Reason] = []
    for item in items:
        given = answers.get(item.code, ())
        codes = [given] if isinstance(given, str) else list(given)
        if not item.multiple and len(codes) != 1:
            raise ValueError(f"item {item.code!r} takes one answer")
        for code in dict.fromkeys(codes):
            option = item.option(code)
            points = item.weight * option.points
            total += points
            if option.forces_high:
                forcing.append(Reason.make(
                    "risk_forced_high",
                    _("%(item)s: %(answer)s. This is a mandatory-reporting situation: the risk level is high "
                      "whatever the score (%(source)s)."),
                    terms={"item": item.title, "answer": option.label}, source=src))
            elif points:
                drivers.append(Reason.make(
                    "risk_answer_points",
                    _("%(item)s: %(answer)s (weighted score %(points)s)."),
                    terms={"item": item.title, "answer": option.label}, points=points))
    max_score = sum(i.weight * max(o.points for o in i.options) for i in items)
    medium_from, high_from = rule.param("medium_from"), rule.param("high_from")
    forced = bool(forcing)
    if forced or total >= high_from:
        level = RiskLevel.HIGH
    elif total >= medium_from:
        level = RiskLevel.MEDIUM
    else:
        level = RiskLevel.LOW
    summary = Reason.make(
        "risk_score",
        _("Score %(score)s of %(max)s: %(level)s risk (medium from %(medium)s points, high from %(high)s; "
          "instrument %(version)s, provisional, not validated)."),
        terms={"level": level.term}, score=total, max=max_score, medium=medium_from, high=high_from,
        version=rule.version)
    return RiskScore(level=level, score=total, max_score=max_score, forced=forced,
                     reasons=(summary, *forcing, *drivers), rule_code=rule.code, rule_version=rule.version,
                     rule_province=rule.province, provisional=rule.provisional)


# --- one current risk level ------------------------------------------------------------------------


class RiskSource(StrEnum):
    """Where a risk level comes from (domain.md §2)."""

    VISIT = "visit_assessment"
    REPORT = "report"
    CASE = "case_assessment"
    SUPERVISOR = "supervisor"


RISK_SOURCE_TERMS = {
    RiskSource.VISIT: _("a visit assessment"),
    RiskSource.REPORT: _("a report"),
    RiskSource.CASE: _("a case assessment"),
    RiskSource.SUPERVISOR: _("a supervisor"),
}


@dataclass(frozen=True)
class RiskSignal:
    """A new risk level from a source on a day. A supervisor's signal carries ``note``, the reason
    in the supervisor's words (required to lower a standing high)."""

    level: RiskLevel
    source: RiskSource
    on: date
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "level", RiskLevel(self.level))
        object.__setattr__(self, "source", RiskSource(self.source))


@dataclass(frozen=True)
class CurrentRisk:
    """The child's one current risk level, with the source and day of the signal that set it."""

    level: RiskLevel
    source: RiskSource
    since: date
    reasons: tuple[Reason, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "level", RiskLevel(self.level))
        object.__setattr__(self, "source", RiskSource(self.source))


class LoweringRefused(ValueError):
    """A standing high was to be lowered by a supervisor without a reason."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason.render())
        self.reason = reason


def current_risk_level(current: CurrentRisk | None, signal: RiskSignal,
                       rule: PolicyRule = CURRENT_LEVEL_2025) -> CurrentRisk:
    """The current level after ``signal``. Signals are applied in date order (ValueError otherwise).

    The most recent signal sets the level, except that a standing ``sticky_level`` (high) is lowered
    only by a supervisor with a reason: another lower signal leaves it standing (and says so), and a
    supervisor lowering it without a reason is refused (:class:`LoweringRefused`)."""
    src = rule.citation
    sticky: RiskLevel = rule.param("sticky_level")
    terms = {"level": signal.level.term, "signal_source": RISK_SOURCE_TERMS[signal.source]}
    if current is not None and signal.on < current.since:
        raise ValueError(f"a signal of {signal.on} comes before the current level's {current.since}")
    if current is None or current.level.rank < sticky.rank or signal.level.rank >= current.level.rank:
        return CurrentRisk(signal.level, signal.source, signal.on, (Reason.make(
            "risk_level_set", _("The current risk level is %(level)s, from %(signal_source)s on %(date)s "
                                "(%(source)s)."), terms=terms, date=signal.on, source=src),))
    # a standing high, and a lower signal
    standing = {"standing": current.level.term, "standing_source": RISK_SOURCE_TERMS[current.source]}
    if signal.source is not RiskSource.SUPERVISOR:
        return CurrentRisk(current.level, current.source, current.since, (Reason.make(
            "risk_high_stands",
            _("The %(standing)s risk level from %(standing_source)s on %(since)s stands until a supervisor "
              "lowers it with a reason: the %(level)s level from %(signal_source)s on %(date)s does not "
              "lower it (%(source)s)."),
            terms={**terms, **standing}, since=current.since, date=signal.on, source=src),))
    note = signal.note.strip()
    if not note:
        raise LoweringRefused(Reason.make(
            "risk_lowering_needs_reason",
            _("A supervisor lowers a %(standing)s risk level only with a reason (%(source)s)."),
            terms=standing, source=src))
    return CurrentRisk(signal.level, signal.source, signal.on, (Reason.make(
        "risk_lowered_by_supervisor",
        _("A supervisor lowered the risk level from %(standing)s to %(level)s on %(date)s: %(note)s "
          "(%(source)s)."), terms={**terms, **standing}, date=signal.on, note=note, source=src),))
