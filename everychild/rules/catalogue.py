"""The rules as data: every version of every rule, national defaults and provincial overrides.

Selection (:meth:`Catalogue.rule_for`): for a code, a province and a day, the latest version of that
province in force on the day; where the province has none in force, the latest national version.
Effective dates whose exact day could not be confirmed say so in their source's ``note``; they are
configuration, like the values named in a rule's ``configuration``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from django.utils.translation import gettext_noop as _  # marks message ids; rendering translates

from . import checks
from .facts import HukouType
from .findings import RuleKind
from .rule import Rule, Source
from .situations import (
    DEFINITIONS_2019,
    DEFINITIONS_2020,
    SITUATIONS_2019,
    SITUATIONS_2020,
    SituationDefinitions,
)

# --- sources -------------------------------------------------------------------------------------------

LEFT_BEHIND_2016 = Source(
    document="国发〔2016〕13号", issuer="State Council",
    title="关于加强农村留守儿童关爱保护工作的意见 (Opinions on Strengthening the Care and Protection "
          "of Rural Left-behind Children)",
    year=2016, article="definition of 农村留守儿童", note="issued February 2016")
LEFT_BEHIND_2024 = Source(
    document="民发〔2024〕17号", issuer="Ministry of Civil Affairs and others",
    title="2024 revision of the left-behind and migrant children definitions",
    year=2024, article="definitions of 留守儿童 and 外出务工",
    note="known from consistent provincial implementations (monitoring from mid-June 2024); the day of "
         "issue is not confirmed, so the effective date is configuration")
DIFFICULT_2016 = Source(
    document="国发〔2016〕36号", issuer="State Council",
    title="关于加强困境儿童保障工作的意见 (Opinions on Strengthening the Protection of Children in Difficult "
          "Circumstances)",
    year=2016, article="definition of 困境儿童", note="issued June 2016")
DE_FACTO_2019 = Source(
    document="民发〔2019〕62号", issuer="Ministry of Civil Affairs and 11 other departments",
    title="关于进一步加强事实无人抚养儿童保障工作的意见 (Opinions on Further Strengthening Protection of De "
          "Facto Unsupported Children)",
    year=2019, article="一、明确保障对象", note="issued June 2019")
DE_FACTO_2020 = Source(
    document="民发〔2020〕125号", issuer="Ministry of Civil Affairs and others",
    title="关于进一步做好事实无人抚养儿童保障有关工作的通知 (adds revoked guardianship and deportation)",
    year=2020, note="issued late 2020; the day is not confirmed, so the effective date is configuration")
GUANGDONG_DE_FACTO = Source(
    document="粤民规字〔2019〕10号", issuer="Guangdong Department of Civil Affairs and others",
    title="关于进一步加强事实无人抚养儿童保障工作的实施意见 (Guangdong's implementation of 民发〔2019〕62号)",
    year=2019, article="一、明确保障对象", note="published 2019-12-20")
ORPHANS_2010 = Source(
    document="国办发〔2010〕54号", issuer="General Office of the State Council",
    title="关于加强孤儿保障工作的意见 (Opinions on Strengthening the Protection of Orphans)",
    year=2010, note="issued November 2010")
MINORS_PROTECTION_LAW = Source(
    document="未成年人保护法", issuer="Standing Committee of the National People's Congress",
    title="中华人民共和国未成年人保护法 (Minors Protection Law, revised 2020, in force 2021-06-01)",
    year=2020, article="Art. 21")
CENSUS_2020 = Source(
    document="NBS, UNICEF, UNFPA 2023", issuer="NBS, UNICEF China, UNFPA China",
    title="What the 2020 Census Can Tell Us About Children in China: Facts and Figures",
    year=2023, note="a statistical definition for the census indicator, not a policy category")

# --- nouns (for "no longer ...") -----------------------------------------------------------------------

LEFT_BEHIND_NOUN = _("a left-behind child")
SEVERE_ILLNESS_GUANGDONG = _(
    "Guangdong's rules for assessing minimum-allowance families "
    "(广东省最低生活保障家庭经济状况核对和生活状况评估认定办法)")

_LEFT_BEHIND_2016_PARAMS = {"requires_rural_hukou": True, "away_min_months": 0, "away_cross_county": False,
                            "situations": DEFINITIONS_2020}
_LEFT_BEHIND_2024_PARAMS = {"requires_rural_hukou": False, "away_min_months": 6, "away_cross_county": True,
                            "situations": DEFINITIONS_2020}
# "the other lacks guardianship capacity" read as dead, declared missing or in a §1.3 situation
# (an interpretation of 无监护能力, labelled as configuration)
_INTERPRETATION = ("situations",)

_GUANGDONG_2019 = SituationDefinitions(both_branch=SITUATIONS_2019, one_dead_branch=SITUATIONS_2019,
                                       serious_illness_definition=SEVERE_ILLNESS_GUANGDONG)
_GUANGDONG_2020 = SituationDefinitions(both_branch=SITUATIONS_2020, one_dead_branch=SITUATIONS_2020,
                                       serious_illness_definition=SEVERE_ILLNESS_GUANGDONG)
_DE_FACTO_2020_EFFECTIVE = date(2020, 12, 1)

RULES: tuple[Rule, ...] = (
    # 1.1 left-behind children: the policy definition (never the census one)
    Rule(code="left_behind", version="2016.1", kind=RuleKind.CATEGORY, title=_("Left-behind child"),
         noun=LEFT_BEHIND_NOUN, sources=(LEFT_BEHIND_2016,), effective_from=date(2016, 2, 4), age_limit=16,
         check=checks.left_behind, params=_LEFT_BEHIND_2016_PARAMS, configuration=_INTERPRETATION,
         notes="Rural hukou required; 'away working' has no duration or boundary condition in the 2016 "
               "text."),
    Rule(code="left_behind", version="2024.1", kind=RuleKind.CATEGORY, title=_("Left-behind child"),
         noun=LEFT_BEHIND_NOUN, sources=(LEFT_BEHIND_2024,), effective_from=date(2024, 6, 15), age_limit=16,
         check=checks.left_behind, params=_LEFT_BEHIND_2024_PARAMS, configuration=_INTERPRETATION,
         notes="No rural condition; away working = 6+ consecutive months across a county boundary."),
    Rule(code="left_behind_rural", version="2016.1", kind=RuleKind.SUBCATEGORY,
         title=_("Left-behind child, rural"), noun=_("a rural left-behind child"),
         sources=(LEFT_BEHIND_2016,), effective_from=date(2016, 2, 4), age_limit=16,
         check=checks.left_behind_split, params={**_LEFT_BEHIND_2016_PARAMS, "hukou_type": HukouType.RURAL},
         configuration=_INTERPRETATION),
    Rule(code="left_behind_rural", version="2024.1", kind=RuleKind.SUBCATEGORY,
         title=_("Left-behind child, rural"), noun=_("a rural left-behind child"),
         sources=(LEFT_BEHIND_2024,), effective_from=date(2024, 6, 15), age_limit=16,
         check=checks.left_behind_split, params={**_LEFT_BEHIND_2024_PARAMS, "hukou_type": HukouType.RURAL},
         configuration=_INTERPRETATION),
    Rule(code="left_behind_urban", version="2024.1", kind=RuleKind.SUBCATEGORY,
         title=_("Left-behind child, urban"), noun=_("an urban left-behind child"),
         sources=(LEFT_BEHIND_2024,), effective_from=date(2024, 6, 15), age_limit=16,
         check=checks.left_behind_split, params={**_LEFT_BEHIND_2024_PARAMS, "hukou_type": HukouType.URBAN},
         configuration=_INTERPRETATION),
    # 1.2 children in difficult circumstances: three national kinds
    Rule(code="difficult_economic", version="2016.1", kind=RuleKind.CATEGORY,
         title=_("Child in difficult circumstances: economic hardship"),
         noun=_("a child in difficult circumstances through economic hardship"), sources=(DIFFICULT_2016,),
         effective_from=date(2016, 6, 13), age_limit=18, check=checks.difficult_economic),
    Rule(code="difficult_disability", version="2016.1", kind=RuleKind.CATEGORY,
         title=_("Child in difficult circumstances: disability"),
         noun=_("a child in difficult circumstances through disability"), sources=(DIFFICULT_2016,),
         effective_from=date(2016, 6, 13), age_limit=18, check=checks.difficult_disability,
         params={"serious_illness_counts": True}, configuration=("serious_illness_counts",),
         notes="Serious illness is treated alongside disability as local practice does (configuration, not "
               "the text of 国发〔2016〕36号); the disability certificate is the evidence."),
    Rule(code="difficult_guardianship", version="2016.1", kind=RuleKind.CATEGORY,
         title=_("Child in difficult circumstances: lack of or improper guardianship"),
         noun=_("a child in difficult circumstances through lack of or improper guardianship"),
         sources=(DIFFICULT_2016,), effective_from=date(2016, 6, 13), age_limit=18,
         check=checks.difficult_guardianship),
    # 1.3 de facto unsupported children (orphans excluded)
    Rule(code="de_facto_unsupported", version="2019.1", kind=RuleKind.CATEGORY,
         title=_("De facto unsupported child"), noun=_("a de facto unsupported child"),
         sources=(DE_FACTO_2019,), effective_from=date(2019, 6, 18), age_limit=18,
         check=checks.de_facto_unsupported, params={"situations": DEFINITIONS_2019, "hukou_province": ""}),
    Rule(code="de_facto_unsupported", version="2020.1", kind=RuleKind.CATEGORY,
         title=_("De facto unsupported child"), noun=_("a de facto unsupported child"),
         sources=(DE_FACTO_2019, DE_FACTO_2020), effective_from=_DE_FACTO_2020_EFFECTIVE, age_limit=18,
         check=checks.de_facto_unsupported, params={"situations": DEFINITIONS_2020, "hukou_province": ""}),
    Rule(code="de_facto_unsupported", version="2019.1-44", province="44", kind=RuleKind.CATEGORY,
         title=_("De facto unsupported child"), noun=_("a de facto unsupported child"),
         sources=(DE_FACTO_2019, GUANGDONG_DE_FACTO), effective_from=date(2019, 12, 20), age_limit=18,
         check=checks.de_facto_unsupported, params={"situations": _GUANGDONG_2019, "hukou_province": "44"},
         notes="Guangdong: a Guangdong hukou is required; serious illness as in Guangdong's "
               "minimum-allowance assessment rules. The allowance continues past 18 for full-time "
               "students (a benefit matter, not the category)."),
    Rule(code="de_facto_unsupported", version="2020.1-44", province="44", kind=RuleKind.CATEGORY,
         title=_("De facto unsupported child"), noun=_("a de facto unsupported child"),
         sources=(DE_FACTO_2019, DE_FACTO_2020, GUANGDONG_DE_FACTO), effective_from=_DE_FACTO_2020_EFFECTIVE,
         age_limit=18, check=checks.de_facto_unsupported,
         params={"situations": _GUANGDONG_2020, "hukou_province": "44"},
         notes="Guangdong's rule with the two situations of 民发〔2020〕125号."),
    # 1.4 orphans
    Rule(code="orphan", version="2010.1", kind=RuleKind.CATEGORY, title=_("Orphan"), noun=_("an orphan"),
         sources=(ORPHANS_2010,), effective_from=date(2010, 11, 16), age_limit=18, check=checks.orphan,
         params={"situations": DEFINITIONS_2020}),
    # alerts (not categories)
    Rule(code="alert_living_alone", version="2021.1", kind=RuleKind.ALERT,
         title=_("Alert: child under 16 living alone"),
         noun=_("covered by the alert for a child under 16 living alone"), sources=(MINORS_PROTECTION_LAW,),
         effective_from=date(2021, 6, 1), age_limit=16, check=checks.alert_living_alone),
    Rule(code="alert_left_unattended", version="2021.1", kind=RuleKind.ALERT,
         title=_("Alert: child under 8 left unattended"),
         noun=_("covered by the alert for a child under 8 left unattended"), sources=(MINORS_PROTECTION_LAW,),
         effective_from=date(2021, 6, 1), age_limit=8, check=checks.alert_left_unattended),
    # the census indicator (never a category)
    Rule(code="census_affected_by_migration", version="2020.1", kind=RuleKind.INDICATOR,
         title=_("Children affected by migration, census definition (indicator)"),
         noun=_("counted in the census-definition indicator"), sources=(CENSUS_2020,),
         effective_from=date(2000, 1, 1), age_limit=18, check=checks.census_left_behind,
         params={"min_months": 6}, configuration=("min_months",),
         notes="Indicator only. Approximation: township crossings are not recorded; work away from home is "
               "taken to cross a township boundary. Migrant children are not derived here."),
)


class Catalogue:
    """A set of rule versions with the selection by province and day."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self._rules: tuple[Rule, ...] = tuple(rules)
        keys = [r.key for r in self._rules]
        if len(keys) != len(set(keys)):
            raise ValueError("a rule version appears twice")
        versions = [(r.code, r.version) for r in self._rules]
        if len(versions) != len(set(versions)):
            raise ValueError("version strings must be unique per code across provinces")
        self.codes: tuple[str, ...] = tuple(dict.fromkeys(r.code for r in self._rules))
        self._selected: dict[tuple[str, date], list[Rule]] = {}  # rules_for is called once per child

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules)

    def with_rules(self, *rules: Rule) -> Catalogue:
        """A new catalogue with more versions (a version bump, a new provincial override)."""
        return Catalogue((*self._rules, *rules))

    def versions(self, code: str, province: str = "") -> list[Rule]:
        """Every version of ``code`` for ``province`` ("" national), oldest first."""
        return sorted((r for r in self._rules if r.code == code and r.province == province),
                      key=lambda r: r.effective_from)

    def get(self, code: str, version: str) -> Rule:
        """The version ``version`` of ``code``."""
        for r in self._rules:
            if r.code == code and r.version == version:
                return r
        raise KeyError((code, version))

    def rule_for(self, code: str, province_code: str, on: date) -> Rule | None:
        """The version of ``code`` that applies in ``province_code`` on ``on`` (None: none in force)."""
        for province in ((province_code, "") if province_code else ("",)):
            in_force = [r for r in self.versions(code, province) if r.effective_from <= on]
            if in_force:
                return in_force[-1]
        return None

    def rules_for(self, province_code: str, on: date) -> list[Rule]:
        """Every rule that applies in ``province_code`` on ``on``, one per code, in catalogue order."""
        key = (province_code, on)
        if key not in self._selected:
            if len(self._selected) > 4096:
                self._selected.clear()
            found = (self.rule_for(code, province_code, on) for code in self.codes)
            self._selected[key] = [r for r in found if r is not None]
        return list(self._selected[key])


CATALOGUE = Catalogue(RULES)


def rules_for(province_code: str, on: date) -> list[Rule]:
    """The rules in force in ``province_code`` ("" for the national defaults) on ``on``."""
    return CATALOGUE.rules_for(province_code, on)
