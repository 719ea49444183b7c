"""The facts the classification rules read, as frozen dataclasses.

The registry maps its models onto these; the rules never touch the database. Values that are not
known are ``None`` (or ``HukouType.UNKNOWN``), never guessed: a rule that needs an unknown fact says so
in its reasons instead of deciding silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class ParentSituationKind(StrEnum):
    """What a parent's situation is (domain.md §1.1 and §1.3)."""

    AT_HOME = "at_home"
    MIGRANT_WORKER = "migrant_worker"  # away working (外出务工)
    DEAD = "dead"  # 死亡: natural death or declared dead by a court (see DeathKind)
    MISSING_DECLARED = "missing_declared"  # 失踪: declared missing by a court
    OUT_OF_CONTACT = "out_of_contact"  # 失联: counted from the police's acceptance of the report
    CUSTODY_OR_SENTENCE = "custody_or_sentence"  # 服刑在押
    DRUG_REHABILITATION = "drug_rehabilitation"  # 强制隔离戒毒
    OTHER_RESTRICTION = "other_restriction"  # 被执行其他限制人身自由的措施
    SEVERELY_DISABLED = "severely_disabled"  # 重残 (grade and type decide, see the rules)
    SEVERELY_ILL = "severely_ill"  # 重病 (as defined by the local list)
    GUARDIANSHIP_REVOKED = "guardianship_revoked"  # 被撤销监护资格 (by a court)
    DEPORTED = "deported"  # 被遣送（驱逐）出境 (a foreign parent)


class DeathKind(StrEnum):
    """How a death is established; both count as dead (民发〔2019〕62号)."""

    NATURAL = "natural"
    DECLARED_BY_COURT = "declared_by_court"


class DisabilityType(StrEnum):
    """Disability types of the disability certificate (残疾人证)."""

    INTELLECTUAL = "intellectual"
    MENTAL = "mental"
    PHYSICAL = "physical"
    VISUAL = "visual"
    HEARING = "hearing"
    SPEECH = "speech"
    MULTIPLE = "multiple"


class HukouType(StrEnum):
    """Rural or urban, by the urban-rural classification code of the hukou village (§6.3: first
    digit 2 rural, 1 urban); ``UNKNOWN`` when the village has no code. Never inferred from a name."""

    RURAL = "rural"
    URBAN = "urban"
    UNKNOWN = "unknown"


def _check_grade(grade: int | None) -> None:
    if grade is not None and grade not in (1, 2, 3, 4):
        raise ValueError(f"a disability grade is 1, 2, 3 or 4, not {grade!r}")


@dataclass(frozen=True)
class ParentSituation:
    """One situation of a parent, with its dates and the details the rules need.

    ``since`` is the first day of the situation (for a migrant worker: since when working away; for a
    death: the date of death or of the court's declaration). ``until`` is the day the situation ends
    or is scheduled to end — the end of a sentence's or measure's term — and the situation no longer
    holds on that day; ``None`` means open-ended. A situation holds on a day when
    ``since <= day < until`` (missing bounds do not limit it).
    """

    kind: ParentSituationKind
    since: date | None = None
    until: date | None = None
    cross_county: bool | None = None  # migrant work: across a county boundary? (None: not known)
    disability_grade: int | None = None  # severely disabled: the certificate's grade, 1 (most) to 4
    disability_type: DisabilityType | None = None
    police_report_accepted_on: date | None = None  # out of contact: the police accepted the report
    death_kind: DeathKind | None = None  # dead: natural or declared by a court

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", ParentSituationKind(self.kind))
        if self.disability_type is not None:
            object.__setattr__(self, "disability_type", DisabilityType(self.disability_type))
        if self.death_kind is not None:
            object.__setattr__(self, "death_kind", DeathKind(self.death_kind))
        _check_grade(self.disability_grade)
        if self.since is not None and self.until is not None and self.until < self.since:
            raise ValueError(f"a situation cannot end ({self.until}) before it starts ({self.since})")

    def holds_on(self, day: date) -> bool:
        """Whether the situation holds on ``day`` (a death, once it happened, always holds)."""
        if self.since is not None and day < self.since:
            return False
        if self.kind is ParentSituationKind.DEAD:
            return True
        return self.until is None or day < self.until


@dataclass(frozen=True)
class ParentFacts:
    """What is known about one parent.

    ``known`` is False when the parent is not identified (e.g. a father never named). A parent with no
    situation holding on the day of evaluation has *unknown facts*: no rule counts such a parent as
    away, at home or unable to care; the reasons say the situation is not recorded.
    """

    situations: tuple[ParentSituation, ...] = ()
    known: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "situations", tuple(self.situations))

    def holding(self, on: date) -> tuple[ParentSituation, ...]:
        """The situations that hold on ``on``.

        The rules ask this many times per evaluation, always for the same day: the answer for the last
        day asked is kept on the instance (not a field: equality, hashing and ``repr`` ignore it)."""
        cached = self.__dict__.get("_holding")
        if cached is not None and cached[0] == on:
            return cached[1]
        found = tuple([s for s in self.situations if s.holds_on(on)])
        if len(found) == len(self.situations):
            found = self.situations  # all of them, the usual case: nothing new to keep
        object.__setattr__(self, "_holding", (on, found))
        return found

    @property
    def facts_unknown(self) -> bool:
        """True when nothing is recorded about this parent."""
        return not self.situations


@dataclass(frozen=True)
class ChildFacts:
    """Everything the classification reads about one child.

    ``province_code`` (2 digits) selects provincial rule versions; ``hukou_division_code`` and
    ``residence_division_code`` are statistical division codes (up to 12 digits).
    ``other_parent_incapacity_confirmed`` with ``other_parent_incapacity_reason`` is the "other, with a
    reason confirmed by a supervisor" branch of "the other parent lacks guardianship capacity" (§1.1):
    it applies to the parent who is not away working.
    """

    date_of_birth: date
    province_code: str = ""
    hukou_type: HukouType = HukouType.UNKNOWN
    hukou_division_code: str = ""
    residence_division_code: str = ""
    father: ParentFacts = field(default_factory=ParentFacts)
    mother: ParentFacts = field(default_factory=ParentFacts)
    both_parents_cannot_be_found: bool = False  # 查找不到生父母
    family_minimum_allowance: bool = False  # 低保
    family_extreme_poverty_support: bool = False  # 特困供养
    family_assessed_poor: bool = False  # otherwise assessed poor
    disability_grade: int | None = None
    disability_type: DisabilityType | None = None
    has_disability_certificate: bool = False
    serious_illness: bool = False
    guardianship_harm: bool = False  # abuse, abandonment, injury or unlawful harm, suffered or threatened
    other_parent_incapacity_confirmed: bool = False
    other_parent_incapacity_reason: str = ""
    lives_alone: bool = False
    left_unattended: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "hukou_type", HukouType(self.hukou_type))
        if self.disability_type is not None:
            object.__setattr__(self, "disability_type", DisabilityType(self.disability_type))
        _check_grade(self.disability_grade)
        if self.province_code and (len(self.province_code) != 2 or not self.province_code.isdigit()):
            raise ValueError(f"a province code has 2 digits, not {self.province_code!r}")

    def parents(self) -> tuple[tuple[str, ParentFacts], tuple[str, ParentFacts]]:
        """(role, facts) for the father and the mother, in that order."""
        return (("father", self.father), ("mother", self.mother))
