"""How the rules read a parent's situations on a day (domain.md §1.1 and §1.3).

The definitions of 民发〔2019〕62号 and 民发〔2020〕125号 are held in :class:`SituationDefinitions`, a
value each rule version carries, so a province or a later version can change them as data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

from django.utils.translation import gettext_noop as _  # marks message ids; rendering translates

from .dates import add_months
from .facts import DeathKind, DisabilityType, ParentFacts, ParentSituation
from .facts import ParentSituationKind as K
from .findings import PARENT_TERMS, Reason

RESTRICTIONS = frozenset({K.CUSTODY_OR_SENTENCE, K.DRUG_REHABILITATION, K.OTHER_RESTRICTION})
#: the six situations of 民发〔2019〕62号
SITUATIONS_2019 = frozenset(RESTRICTIONS | {K.SEVERELY_DISABLED, K.SEVERELY_ILL, K.OUT_OF_CONTACT})
#: the eight situations after 民发〔2020〕125号 added revoked guardianship and deportation
SITUATIONS_2020 = frozenset(SITUATIONS_2019 | {K.GUARDIANSHIP_REVOKED, K.DEPORTED})

MEASURE_TERMS = {
    K.CUSTODY_OR_SENTENCE: _("serving a sentence or held in custody"),
    K.DRUG_REHABILITATION: _("in compulsory isolation for drug rehabilitation"),
    K.OTHER_RESTRICTION: _("under another measure restricting personal liberty"),
}
KIND_TERMS = {
    K.AT_HOME: _("living at home"),
    K.MIGRANT_WORKER: _("working away from home"),
    K.DEAD: _("dead"),
    K.MISSING_DECLARED: _("declared missing by a court"),
    K.OUT_OF_CONTACT: _("out of contact"),
    K.CUSTODY_OR_SENTENCE: _("serving a sentence or held in custody"),
    K.DRUG_REHABILITATION: _("in compulsory isolation for drug rehabilitation"),
    K.OTHER_RESTRICTION: _("under another measure restricting personal liberty"),
    K.SEVERELY_DISABLED: _("severely disabled"),
    K.SEVERELY_ILL: _("seriously ill"),
    K.GUARDIANSHIP_REVOKED: _("guardianship revoked by a court"),
    K.DEPORTED: _("deported"),
}
DISABILITY_TERMS = {
    DisabilityType.INTELLECTUAL: _("intellectual"),
    DisabilityType.MENTAL: _("mental"),
    DisabilityType.PHYSICAL: _("physical"),
    DisabilityType.VISUAL: _("visual"),
    DisabilityType.HEARING: _("hearing"),
    DisabilityType.SPEECH: _("speech"),
    DisabilityType.MULTIPLE: _("multiple"),
    None: _("unspecified"),
}
DEATH_TERMS = {
    DeathKind.NATURAL: _("natural death"),
    DeathKind.DECLARED_BY_COURT: _("declared dead by a court"),
    None: _("natural or declared by a court, not recorded which"),
}
NATIONAL_SERIOUS_ILLNESS = _("the local list of major and serious illnesses for medical assistance")


@dataclass(frozen=True)
class SituationDefinitions:
    """The situations of §1.3 and their definitions, for one rule version.

    ``both_branch``: situations that count when both parents are in one; ``one_dead_branch``: those that
    count for the parent whose other parent is dead or declared missing (the same set S nationally).
    """

    both_branch: frozenset[K]
    one_dead_branch: frozenset[K]
    restriction_min_months: int = 6
    out_of_contact_min_months: int = 6
    serious_any_type_grades: frozenset[int] = frozenset({1, 2})
    serious_intellectual_mental_grades: frozenset[int] = frozenset({1, 2, 3, 4})
    serious_illness_definition: str = NATIONAL_SERIOUS_ILLNESS

    @cached_property  # asked for every situation assessed
    def kinds(self) -> frozenset[K]:
        return self.both_branch | self.one_dead_branch


DEFINITIONS_2019 = SituationDefinitions(both_branch=SITUATIONS_2019, one_dead_branch=SITUATIONS_2019)
DEFINITIONS_2020 = SituationDefinitions(both_branch=SITUATIONS_2020, one_dead_branch=SITUATIONS_2020)


@dataclass(frozen=True)
class ParentStatus:
    """A parent's situations on one day, sorted into what the rules ask."""

    role: str
    dead: Reason | None
    missing: Reason | None
    qualifying: tuple[tuple[K, Reason], ...]  # situations of the set S that count, with why
    other: tuple[Reason, ...]  # situations holding that do not count, with why
    unknown: Reason | None  # set when nothing holds or the parent is not identified

    @property
    def dead_or_missing(self) -> Reason | None:
        return self.dead or self.missing

    def in_set(self, kinds: frozenset[K]) -> Reason | None:
        """The first qualifying situation whose kind is in ``kinds``."""
        return next((reason for kind, reason in self.qualifying if kind in kinds), None)

    def explanation(self) -> tuple[Reason, ...]:
        """Every sentence about this parent, for a finding that needs to say why not."""
        found = [r for r in (self.dead, self.missing) if r] + [r for _, r in self.qualifying]
        found += list(self.other)
        if self.unknown:
            found.append(self.unknown)
        return tuple(found)


def _terms(role: str, **more: str) -> dict[str, str]:
    return {"parent": PARENT_TERMS[role], **more}


def assess(role: str, situation: ParentSituation, on: date, defs: SituationDefinitions,
           source: str) -> tuple[bool, Reason]:
    """Whether one holding situation of the set S counts under ``defs``, and why."""
    kind = situation.kind
    if kind not in defs.kinds:
        return False, Reason.make(
            "situation_not_in_rule",
            _("The %(parent)s is %(situation)s, which is not a situation of this rule version (%(source)s)."),
            terms=_terms(role, situation=KIND_TERMS[kind]), source=source)
    if kind is K.SEVERELY_DISABLED:
        return _assess_disability(role, situation, defs, source)
    if kind is K.SEVERELY_ILL:
        return True, Reason.make(
            "parent_seriously_ill",
            _("The %(parent)s is seriously ill, as defined by %(definition)s (%(source)s)."),
            terms=_terms(role, definition=defs.serious_illness_definition), source=source)
    if kind in RESTRICTIONS:
        return _assess_restriction(role, situation, on, defs.restriction_min_months, source)
    if kind is K.OUT_OF_CONTACT:
        return _assess_out_of_contact(role, situation, on, defs.out_of_contact_min_months, source)
    if kind is K.GUARDIANSHIP_REVOKED:
        return True, Reason.make(
            "parent_guardianship_revoked",
            _("A court has revoked the guardianship of the %(parent)s (%(source)s)."),
            terms=_terms(role), source=source)
    return True, Reason.make(  # K.DEPORTED
        "parent_deported",
        _("The %(parent)s, a foreign national, has been deported (%(source)s)."),
        terms=_terms(role), source=source)


def _assess_disability(role: str, s: ParentSituation, defs: SituationDefinitions,
                       source: str) -> tuple[bool, Reason]:
    grade, kind = s.disability_grade, s.disability_type
    if grade is None:
        return False, Reason.make(
            "parent_disability_grade_unknown",
            _("The %(parent)s is recorded as severely disabled, but the disability grade is not recorded "
               "(%(source)s)."),
            terms=_terms(role), source=source)
    serious = grade in defs.serious_any_type_grades or (
        grade in defs.serious_intellectual_mental_grades
        and kind in (DisabilityType.INTELLECTUAL, DisabilityType.MENTAL))
    terms = _terms(role, type=DISABILITY_TERMS[kind])
    if serious:
        return True, Reason.make(
            "parent_seriously_disabled",
            _("The %(parent)s has a serious disability: a grade %(grade)s %(type)s disability "
               "(%(source)s)."),
            terms=terms, grade=grade, source=source)
    return False, Reason.make(
        "parent_disability_not_serious",
        _("The %(parent)s has a grade %(grade)s %(type)s disability, which is not a serious disability "
           "(grades 1–2, or 3–4 intellectual or mental) (%(source)s)."),
        terms=terms, grade=grade, source=source)


def _assess_restriction(role: str, s: ParentSituation, on: date, months: int,
                        source: str) -> tuple[bool, Reason]:
    terms = _terms(role, measure=MEASURE_TERMS[s.kind])
    if s.since is None:
        return False, Reason.make(
            "restriction_start_unknown",
            _("The %(parent)s is %(measure)s, but the start date is not recorded, so the term of "
               "%(months)s months cannot be checked (%(source)s)."),
            terms=terms, months=months, source=source)
    threshold = add_months(s.since, months)
    if s.until is not None:
        if threshold <= s.until:
            return True, Reason.make(
                "restriction_term_long",
                _("The %(parent)s is %(measure)s for a term of %(months)s months or more, from %(since)s "
                   "to %(until)s (%(source)s)."),
                terms=terms, months=months, since=s.since, until=s.until, source=source)
        return False, Reason.make(
            "restriction_term_short",
            _("The %(parent)s is %(measure)s for a term shorter than %(months)s months, from %(since)s "
               "to %(until)s (%(source)s)."),
            terms=terms, months=months, since=s.since, until=s.until, source=source)
    if threshold <= on:
        return True, Reason.make(
            "restriction_elapsed",
            _("The %(parent)s has been %(measure)s since %(since)s, %(months)s months or more "
               "(%(source)s)."),
            terms=terms, months=months, since=s.since, source=source)
    return False, Reason.make(
        "restriction_not_yet",
        _("The %(parent)s has been %(measure)s since %(since)s, less than %(months)s months; with no end "
           "of term recorded it counts from %(from)s (%(source)s)."),
        terms=terms, months=months, since=s.since, source=source, **{"from": threshold})


def _assess_out_of_contact(role: str, s: ParentSituation, on: date, months: int,
                           source: str) -> tuple[bool, Reason]:
    accepted = s.police_report_accepted_on
    if accepted is None:
        return False, Reason.make(
            "out_of_contact_no_report",
            _("The %(parent)s is out of contact, but the date the police accepted the report is not "
               "recorded; the %(months)s months count from that date (%(source)s)."),
            terms=_terms(role), months=months, source=source)
    threshold = add_months(accepted, months)
    if threshold <= on:
        return True, Reason.make(
            "out_of_contact_long",
            _("The %(parent)s has been out of contact for %(months)s months or more, counted from the "
               "police's acceptance of the report on %(date)s (%(source)s)."),
            terms=_terms(role), months=months, date=accepted, source=source)
    return False, Reason.make(
        "out_of_contact_short",
        _("The %(parent)s has been out of contact since the police accepted the report on %(date)s, less "
           "than %(months)s months ago; it counts from %(from)s (%(source)s)."),
        terms=_terms(role), months=months, date=accepted, source=source, **{"from": threshold})


def parent_status(role: str, parent: ParentFacts, on: date, defs: SituationDefinitions,
                  source: str) -> ParentStatus:
    """Sort the parent's situations holding on ``on``."""
    dead = missing = unknown = None
    qualifying: list[tuple[K, Reason]] = []
    other: list[Reason] = []
    holding = parent.holding(on)
    if not parent.known:
        unknown = Reason.make("parent_not_identified", _("The %(parent)s is not identified (%(source)s)."),
                              terms=_terms(role), source=source)
    elif not holding:
        unknown = Reason.make(
            "parent_situation_unknown",
            _("No current situation is recorded for the %(parent)s (%(source)s)."),
            terms=_terms(role), source=source)
    for s in holding:
        if s.kind is K.DEAD:
            dead = dead or Reason.make(
                "parent_dead", _("The %(parent)s is dead (%(death)s; %(source)s)."),
                terms=_terms(role, death=DEATH_TERMS[s.death_kind]), source=source)
        elif s.kind is K.MISSING_DECLARED:
            missing = missing or Reason.make(
                "parent_missing", _("The %(parent)s has been declared missing by a court (%(source)s)."),
                terms=_terms(role), source=source)
        elif s.kind in (K.AT_HOME, K.MIGRANT_WORKER):
            other.append(Reason.make(
                "parent_" + s.kind.value, _("The %(parent)s is %(situation)s (%(source)s)."),
                terms=_terms(role, situation=KIND_TERMS[s.kind]), source=source))
        else:
            counts, reason = assess(role, s, on, defs, source)
            if counts:
                qualifying.append((s.kind, reason))
            else:
                other.append(reason)
    return ParentStatus(role=role, dead=dead, missing=missing, qualifying=tuple(qualifying),
                        other=tuple(other), unknown=unknown)


def away_status(role: str, parent: ParentFacts, on: date, *, min_months: int, cross_county_required: bool,
                source: str) -> tuple[bool, Reason | None]:
    """Whether the parent counts as away working on ``on``, and why (None: no migrant work recorded)."""
    failure: Reason | None = None
    for s in parent.holding(on):
        if s.kind is not K.MIGRANT_WORKER:
            continue
        if cross_county_required and s.cross_county is not True:
            template = (_("The %(parent)s works away from home but within the county, which does not count "
                           "as working away (%(source)s).") if s.cross_county is False else
                        _("The %(parent)s works away from home, but whether across a county boundary is not "
                           "recorded (%(source)s)."))
            code = "away_within_county" if s.cross_county is False else "away_county_unknown"
            failure = failure or Reason.make(code, template, terms=_terms(role), source=source)
            continue
        if min_months:
            if s.since is None:
                failure = failure or Reason.make(
                    "away_since_unknown",
                    _("The %(parent)s works away from home, but since when is not recorded, so the "
                       "%(months)s months cannot be checked (%(source)s)."),
                    terms=_terms(role), months=min_months, source=source)
                continue
            threshold = add_months(s.since, min_months)
            if on < threshold:
                failure = failure or Reason.make(
                    "away_too_short",
                    _("The %(parent)s has been working away from home since %(since)s, less than "
                       "%(months)s months; it counts from %(from)s (%(source)s)."),
                    terms=_terms(role), since=s.since, months=min_months, source=source,
                    **{"from": threshold})
                continue
            if cross_county_required:
                return True, Reason.make(
                    "away_cross_county",
                    _("The %(parent)s has been working away from home across a county boundary since "
                       "%(since)s, %(months)s months or more (%(source)s)."),
                    terms=_terms(role), since=s.since, months=min_months, source=source)
            return True, Reason.make(
                "away_long",
                _("The %(parent)s has been working away from home since %(since)s, %(months)s months or "
                   "more (%(source)s)."),
                terms=_terms(role), since=s.since, months=min_months, source=source)
        return True, Reason.make("away", _("The %(parent)s is working away from home (%(source)s)."),
                                 terms=_terms(role), source=source)
    return False, failure
