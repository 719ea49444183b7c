"""Demo children: about 2,000 synthetic children in the two demo counties (issue 3 §8).

Every child is registered through :func:`everychild.registry.services.register_child` by the
county's demo civil-affairs officer, so validation, encryption, classification, audit and the
timeline are the real ones. The mix is sized from the policy-definition figures of domain.md §1:
MCA 2018 counted about 6.97 million rural left-behind children (96 % cared for by grandparents;
ages 0–5 21.7 %, 6–13 67.4 %, 14–16 10.9 %) against about 253,000 de facto unsupported children
(2021), so left-behind children are by far the largest group of a western rural county's register,
followed by children of low-income (低保) families, children with disabilities or serious illness,
de facto unsupported children and orphans.

Idempotent: child ``i`` of a county is drawn from a random generator seeded with (seed, county,
``i``) alone, and a county that already holds ``n`` children registered by its demo officer gets
only children ``n`` … ``count - 1``. Dates are relative to ``today``, so ages stay plausible
whenever the demo is loaded. Names, ID numbers and families are invented: any resemblance to a
real person is chance.
"""

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from everychild.access.policy import Actor, actor_for_post
from everychild.accounts.demo import DEMO_COUNTIES
from everychild.accounts.models import Post
from everychild.places.codes import Level, prefix_range
from everychild.places.models import Division
from everychild.registry.idnumber import check_character
from everychild.registry.models import (
    Child,
    ChildCategory,
    DisabilityType,
    HukouType,
    SchoolStatus,
    Sex,
    SituationKind,
)
from everychild.registry.services import (
    CaregiverInput,
    ChildInput,
    DuplicateIdNumber,
    HouseholdInput,
    ParentInput,
    Registration,
    SituationInput,
    register_child,
)
from everychild.rules import CATALOGUE
from everychild.rules.dates import add_months

DEFAULT_COUNT = 2000
DEFAULT_SEED = 20180905  # the date MCA published the 2018 left-behind count
OFFICER_ROLE = "civil_affairs_officer"
# 洋县 has about twice 陇川县's population; its share of the demo children.
COUNTY_SHARE = {"yx": 0.6, "lc": 0.4}
BATCH = 100  # children per transaction

# --- profiles: what a child's family situation is, weighted per 100 children ----------------------
# Left-behind (both parents away, or one away and the other dead, seriously ill, disabled or in
# custody) about two thirds; the rest as a county's register of vulnerable children holds them.
PROFILE_WEIGHTS = {
    "both_away": 52,
    "one_away_other_ill": 5,
    "one_away_other_dead": 3,
    "one_away_other_custody": 1,
    "lives_alone": 1,
    "recently_away": 2,  # both parents left less than six months ago: not yet left-behind
    "one_away_other_home": 8,  # one parent away, the other at home: not left-behind
    "poor_family": 12,
    "disabled_or_ill_child": 4,
    "de_facto_unsupported": 4,
    "orphan": 3,
    "guardianship_harm": 2,
    "infant_left_unattended": 1,
    "parents_home": 2,
}
LEFT_BEHIND_PROFILES = frozenset({"both_away", "one_away_other_ill", "one_away_other_dead",
                                  "one_away_other_custody", "lives_alone"})
AWAY_PROFILES = LEFT_BEHIND_PROFILES | {"recently_away", "one_away_other_home", "guardianship_harm"}


def _schedule() -> tuple[str, ...]:
    """The profiles of 100 consecutive children, each spread evenly (a rare profile comes early
    enough that a few dozen children hold one of each)."""
    slots = []
    for name, weight in PROFILE_WEIGHTS.items():
        slots += [((k + 0.5) * 100 / weight, name) for k in range(weight)]
    return tuple(name for _, name in sorted(slots))


SCHEDULE = _schedule()

# --- names -------------------------------------------------------------------------------------------
HAN_SURNAMES = (
    "王" * 9 + "李" * 9 + "张" * 8 + "刘" * 7 + "陈" * 6 + "杨" * 6 + "赵" * 4 + "黄" * 3 + "周" * 3
    + "吴" * 3 + "徐" * 2 + "孙" * 2 + "胡" * 2 + "朱" * 2 + "高" * 2 + "何" * 2 + "郭" * 2 + "马" * 2
    + "罗" * 2 + "梁" + "宋" + "郑" + "谢" + "韩" + "唐" + "冯" + "董" + "程" + "曹" + "袁" + "邓" + "许"
    + "傅" + "沈" + "曾" + "彭" + "吕" + "苏" + "蒋" + "蔡" + "贾" + "丁" + "魏" + "薛" + "叶" + "阎"
    + "余" + "潘" + "杜" + "戴" + "夏" + "钟" + "汪" + "田" + "任" + "姜" + "范" + "方" + "石" + "姚"
    + "谭" + "廖" + "邹" + "熊" + "金" + "陆" + "郝" + "孔" + "白" + "崔" + "康" + "毛" + "邱" + "秦"
    + "江" + "史" + "顾" + "侯" + "邵" + "孟" + "龙" + "万" + "段" + "雷" + "钱" + "汤" + "尹" + "易"
    + "常" + "武" + "乔" + "贺" + "龚" + "文" + "单" + "曾" + "解"
)
BOY_CHARS = "浩宇轩子涛博俊杰睿晨泽铭一鑫磊阳航然豪熙皓明文天辰锦昊宸奕恒凯瑞峰强伟斌超鹏飞翔宏志勇"
GIRL_CHARS = "欣怡涵诗雨萱可馨婷佳琪静雅思若诺语汐梦瑶悦依紫蕊彤妍璐丽娜芳慧敏晴雪月霞洁"
ADULT_MALE_CHARS = "军平建国华明伟勇强刚海林波辉斌亮春生文涛磊成东峰红军志新永德保"
ADULT_FEMALE_CHARS = "芳丽秀英娟霞敏燕玲红梅琴艳萍兰凤春花桂珍琳静云翠"
# Dehong Dai names: 岩 (boys) or 玉 (girls) and a name, often with a surname taken later.
DAI_SURNAMES = "线孟方刀龚思郗俸多放尹朗"
DAI_NAME_CHARS = "温罕香波坎帕应叫拉相宝保所恩门甩旺喊丙约燕南腊双"
# Jingpo names: a clan surname, a birth-order name and a personal name.
JINGPO_SURNAMES = "排岳雷金石何早董孔勒"
JINGPO_ORDER = {"male": "麻诺腊途堵", "female": "果鲁路扎堵"}
JINGPO_NAME_CHARS = "干东勇英仙南香春云丽山弄当糯宝生"
ETHNICITIES = {  # per county, code and weight (陇川县 is in the Dehong Dai and Jingpo prefecture)
    "yx": (("01", 99), ("03", 1)),
    "lc": (("01", 42), ("18", 28), ("28", 20), ("39", 5), ("20", 3), ("46", 2)),
}
NUMERALS = "一二三四五六七八九十"

# --- places parents work in (used when the division is imported; the demo has only two counties) ------
DESTINATIONS = {
    "yx": ("610100000000", "440300000000", "441900000000", "320500000000", "330200000000",
           "500000000000", "610100000000"),
    "lc": ("530100000000", "533102000000", "440300000000", "330100000000", "533103000000"),
}
CONTACT = ("每周视频通话", "每周电话", "每月电话", "每月电话", "逢年过节回家", "很少联系")
ILLNESSES = ("尿毒症", "恶性肿瘤", "精神分裂症", "重度肝硬化", "白血病", "脑梗后遗症")
CHILD_ILLNESSES = ("白血病", "先天性心脏病", "肾病综合征", "地中海贫血", "癫痫", "脑瘫")
DISABILITY_TYPES = (("intellectual", 30), ("physical", 25), ("hearing", 10), ("speech", 8),
                    ("visual", 8), ("mental", 7), ("multiple", 12))
GRADES = ("一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "初一", "初二", "初三",
          "高一", "高二", "高三")


@dataclass(frozen=True)
class Village:
    code: str
    name: str
    urban: bool


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def _between(rng: random.Random, start: date, end: date) -> date:
    if end <= start:
        return start
    return start + timedelta(days=rng.randrange((end - start).days + 1))


class _Person:
    """Name drawing by ethnicity."""

    def __init__(self, rng: random.Random, ethnicity: str) -> None:
        self.rng, self.ethnicity = rng, ethnicity

    def surname(self) -> str:
        if self.ethnicity == "18":
            return self.rng.choice(DAI_SURNAMES) if self.rng.random() < 0.5 else ""
        if self.ethnicity == "28":
            return self.rng.choice(JINGPO_SURNAMES)
        return self.rng.choice(HAN_SURNAMES)

    def given(self, sex: str, adult: bool = False) -> str:
        rng = self.rng
        if self.ethnicity == "18":
            return ("岩" if sex == "male" else "玉") + rng.choice(DAI_NAME_CHARS)
        if self.ethnicity == "28":
            return rng.choice(JINGPO_ORDER[sex]) + rng.choice(JINGPO_NAME_CHARS)
        chars = ((ADULT_MALE_CHARS if sex == "male" else ADULT_FEMALE_CHARS) if adult else
                 (BOY_CHARS if sex == "male" else GIRL_CHARS))
        if rng.random() < (0.45 if adult else 0.3):
            return rng.choice(chars)
        first, second = rng.sample(chars, 2)
        return first + second

    def name(self, sex: str, surname: str | None = None, adult: bool = False) -> str:
        return (self.surname() if surname is None else surname) + self.given(sex, adult)


def _age(rng: random.Random, left_behind: bool) -> int:
    """Ages of left-behind children in MCA's 2018 bands (under 16); others 0–17."""
    if left_behind:
        band = _weighted(rng, (((0, 5), 217), ((6, 13), 674), ((14, 15), 109)))
        return rng.randint(*band)
    return rng.randint(0, 17)


def _date_of_birth(rng: random.Random, age: int, today: date, min_days: int = 0) -> date:
    latest = min(_add_years(today, -age), today - timedelta(days=min_days))
    earliest = _add_years(today, -(age + 1)) + timedelta(days=1)
    return _between(rng, earliest, max(earliest, latest))


def _id_number(rng: random.Random, county: str, born: date, sex: str, bump: int = 0) -> str:
    seq = (rng.randrange(100) * 10 + rng.randrange(5) * 2 + (1 if sex == "male" else 0) + bump * 20) % 1000
    first17 = f"{county[:6]}{born:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


def _school(rng: random.Random, age: int) -> tuple[str, str]:
    if age < 3:
        return SchoolStatus.NOT_SCHOOL_AGE, ""
    if age < 6:
        return (SchoolStatus.PRESCHOOL, "幼儿园") if rng.random() < 0.85 else \
            (SchoolStatus.NOT_SCHOOL_AGE, "")
    if age >= 15:
        roll = rng.random()
        if roll < 0.6:
            return SchoolStatus.IN_SCHOOL, GRADES[min(age - 6, len(GRADES) - 1)]
        return (SchoolStatus.FINISHED, "") if roll < 0.85 else (SchoolStatus.DROPPED_OUT, "")
    if age >= 13 and rng.random() < 0.03:
        return SchoolStatus.DROPPED_OUT, ""
    return SchoolStatus.IN_SCHOOL, GRADES[age - 6]


class _Planner:
    """Draws one county's children."""

    def __init__(self, short: str, county: str, villages: list[Village], destinations: list[str],
                 today: date, seed: int) -> None:
        self.short, self.county, self.villages = short, county, villages
        self.destinations, self.today, self.seed = destinations, today, seed
        self.village_weights = [1 if v.urban else 3 for v in villages]

    def plan(self, index: int) -> tuple[str, Registration, random.Random]:
        rng = random.Random(f"everychild-demo/{self.seed}/{self.short}/{index}")  # noqa: S311 (demo data)
        profile = SCHEDULE[index % len(SCHEDULE)]
        today = self.today
        village = rng.choices(self.villages, weights=self.village_weights)[0]
        ethnicity = _weighted(rng, ETHNICITIES[self.short])
        people = _Person(rng, ethnicity)
        sex = Sex.MALE if rng.random() < 0.53 else Sex.FEMALE  # a child sex ratio of about 113
        left_behind = profile in LEFT_BEHIND_PROFILES
        if profile == "lives_alone":
            age = rng.randint(12, 15)
        elif profile == "infant_left_unattended":
            age = rng.randint(2, 7)
        else:
            age = _age(rng, left_behind)
        # A baby whose parents work away is at least eight months old: they left after the birth,
        # and a left-behind child's parents six months ago or more.
        born = _date_of_birth(rng, age, today, min_days=250 if profile in AWAY_PROFILES else 0)
        surname = people.surname()
        child_name = people.name(sex, surname)
        father_name = people.name("male", surname, adult=True)
        mother_name = people.name("female", adult=True)

        no_id = rng.random() < (0.25 if age == 0 else 0.13)
        unregistered = no_id and rng.random() < 0.3
        hukou = (HukouType.UNREGISTERED if unregistered else
                 HukouType.URBAN if village.urban else HukouType.RURAL)
        school_status, grade = _school(rng, age)
        data = ChildInput(
            name=child_name, sex=sex, date_of_birth=born, division_code=village.code,
            id_number="" if no_id else _id_number(rng, self.county, born, sex),
            ethnicity=ethnicity, hukou_type=hukou,
            hukou_division_code="" if unregistered else village.code,
            school_status=school_status, grade=grade,
            nickname=(child_name[-1] * 2 if rng.random() < 0.5 else "小" + child_name[-1])
            if rng.random() < 0.2 else "",
        )
        household = HouseholdInput(
            address=f"{_village_short(village.name)}{NUMERALS[rng.randrange(8)]}组{rng.randint(1, 60)}号")
        father, mother, caregivers = self._family(rng, profile, born, father_name, mother_name,
                                                  surname, people)
        parents = [p for p in (father, mother) if p is not None]
        self._child_circumstances(rng, profile, data, household, bool(parents))
        return profile, Registration(input=data, household=household, parents=parents,
                                     caregivers=caregivers), rng

    # --- parents and caregivers ----------------------------------------------------------------------
    def _away(self, rng: random.Random, born: date, recent: bool = False,
              cross_county: bool = True) -> SituationInput:
        today = self.today
        if recent:
            since = today - timedelta(days=rng.randint(30, 150))
        else:
            since = _between(rng, max(born + timedelta(days=20), today - timedelta(days=3650)),
                             today - timedelta(days=220))
        destination = rng.choice(DESTINATIONS[self.short])
        return SituationInput(
            kind=SituationKind.MIGRANT_WORKER, since=since, cross_county=cross_county,
            destination_code=destination if destination in self.destinations and cross_county else "",
            contact_frequency=rng.choice(CONTACT))

    def _home(self, born: date) -> SituationInput:
        return SituationInput(kind=SituationKind.AT_HOME, since=born)

    def _dead(self, rng: random.Random, born: date) -> SituationInput:
        since = _between(rng, born, self.today - timedelta(days=30))
        return SituationInput(kind=SituationKind.DEAD, since=since, evidence="死亡证明")

    def _custody(self, rng: random.Random) -> SituationInput:
        since = self.today - timedelta(days=rng.randint(200, 1500))
        until = _add_years(since, rng.randint(2, 10))
        if until <= self.today:
            until = self.today + timedelta(days=rng.randint(60, 700))
        return SituationInput(kind=SituationKind.CUSTODY_OR_SENTENCE, since=since, until=until,
                              evidence="刑事判决书")

    def _ill(self, rng: random.Random) -> SituationInput:
        return SituationInput(kind=SituationKind.SEVERELY_ILL,
                              since=self.today - timedelta(days=rng.randint(90, 2000)),
                              evidence=rng.choice(ILLNESSES))

    def _disabled(self, rng: random.Random) -> SituationInput:
        if rng.random() < 0.4:
            kind, grade = rng.choice(("intellectual", "mental")), rng.randint(1, 4)
        else:
            kind, grade = rng.choice(("physical", "visual", "multiple", "hearing")), rng.randint(1, 2)
        return SituationInput(kind=SituationKind.SEVERELY_DISABLED,
                              since=self.today - timedelta(days=rng.randint(365, 6000)),
                              disability_type=kind, disability_grade=grade, evidence="残疾人证")

    def _out_of_contact(self, rng: random.Random) -> SituationInput:
        accepted = self.today - timedelta(days=rng.randint(200, 2000))
        return SituationInput(kind=SituationKind.OUT_OF_CONTACT,
                              since=accepted - timedelta(days=rng.randint(30, 300)),
                              police_report_accepted_on=accepted, evidence="公安机关受案回执")

    def _missing(self, rng: random.Random) -> SituationInput:
        return SituationInput(kind=SituationKind.MISSING_DECLARED,
                              since=self.today - timedelta(days=rng.randint(365, 3000)),
                              court_declared=True, evidence="法院宣告失踪判决书")

    def _grandparents(self, rng: random.Random, born: date, surname: str,
                      people: _Person) -> list[CaregiverInput]:
        """Grandparents (96 % of left-behind children's carers, MCA 2018), else an aunt or uncle."""
        child_age = (self.today - born).days // 365
        if rng.random() >= 0.975:  # with the children living alone, about 96 % overall
            relationship = rng.choice(("aunt", "uncle"))
            sex = "female" if relationship == "aunt" else "male"
            return [CaregiverInput(relationship=relationship, primary=True,
                                   name=people.name(sex, surname if sex == "male" else None, adult=True),
                                   age=child_age + rng.randint(25, 45), health="good",
                                   capacity=rng.choice(("good", "fair")))]
        side = "paternal" if rng.random() < 0.8 else "maternal"
        grandmother_age = child_age + rng.randint(45, 62)
        health = _weighted(rng, (("good", 40), ("fair", 45), ("poor", 15)))
        capacity = "poor" if health == "poor" else _weighted(rng, (("good", 35), ("fair", 55),
                                                                   ("poor", 10)))
        carers = [CaregiverInput(relationship=f"grandmother_{side}", primary=True,
                                 name=people.name("female", adult=True), age=min(grandmother_age, 88),
                                 health=health, capacity=capacity)]
        if rng.random() < 0.6:
            carers.append(CaregiverInput(
                relationship=f"grandfather_{side}",
                name=people.name("male", surname if side == "paternal" else None, adult=True),
                age=min(grandmother_age + rng.randint(0, 5), 90),
                health=_weighted(rng, (("good", 30), ("fair", 50), ("poor", 20))), capacity="fair"))
        return carers

    def _family(self, rng: random.Random, profile: str, born: date, father_name: str,
                mother_name: str, surname: str, people: _Person):
        def parent(role: str, name: str, *situations: SituationInput) -> ParentInput:
            return ParentInput(role=role, name=name, situations=list(situations))

        grandparents = self._grandparents(rng, born, surname, people)
        home_parents = [CaregiverInput(relationship="mother", name=mother_name, primary=True),
                        CaregiverInput(relationship="father", name=father_name)]
        away_role = "father" if rng.random() < 0.7 else "mother"

        def one_away(other: SituationInput):
            away = parent(away_role, father_name if away_role == "father" else mother_name,
                          self._away(rng, born))
            stay_role = "mother" if away_role == "father" else "father"
            stay = parent(stay_role, mother_name if stay_role == "mother" else father_name, other)
            return (away, stay) if away_role == "father" else (stay, away)

        if profile in ("both_away", "lives_alone", "recently_away"):
            recent = profile == "recently_away"
            father = parent("father", father_name, self._away(rng, born, recent))
            mother = parent("mother", mother_name, self._away(rng, born, recent))
            if profile == "lives_alone":
                return father, mother, [CaregiverInput(relationship="uncle", age=rng.randint(35, 50),
                                                       name=people.name("male", surname, adult=True),
                                                       capacity="poor")]
            return father, mother, grandparents
        if profile == "one_away_other_ill":
            father, mother = one_away(self._ill(rng) if rng.random() < 0.6 else self._disabled(rng))
            return father, mother, grandparents
        if profile == "one_away_other_dead":
            father, mother = one_away(self._dead(rng, born))
            return father, mother, grandparents
        if profile == "one_away_other_custody":
            father, mother = one_away(self._custody(rng))
            return father, mother, grandparents
        if profile == "one_away_other_home":
            away = parent("father", father_name, self._away(rng, born, cross_county=rng.random() < 0.8))
            return away, parent("mother", mother_name, self._home(born)), home_parents
        if profile == "de_facto_unsupported":
            roll = rng.random()
            first = self._dead(rng, born)
            if roll < 0.4:
                second = self._custody(rng)
            elif roll < 0.55:
                second = self._out_of_contact(rng)
            elif roll < 0.65:
                second = self._ill(rng)
            elif roll < 0.75:
                first, second = self._missing(rng), self._custody(rng)
            else:
                first, second = self._disabled(rng), self._disabled(rng)
            gone_role = "father" if rng.random() < 0.5 else "mother"
            father = parent("father", father_name, first if gone_role == "father" else second)
            mother = parent("mother", mother_name, second if gone_role == "father" else first)
            return father, mother, grandparents
        if profile == "orphan":
            if rng.random() < 0.2:  # abandoned: the parents cannot be found
                return None, None, grandparents[:1]
            return (parent("father", father_name, self._dead(rng, born)),
                    parent("mother", mother_name, self._dead(rng, born)), grandparents)
        if profile == "guardianship_harm":
            if rng.random() < 0.5:
                return (parent("father", father_name, self._away(rng, born)),
                        parent("mother", mother_name, self._home(born)),
                        [CaregiverInput(relationship="mother", name=mother_name, primary=True,
                                        capacity="poor")])
            return (parent("father", father_name, self._home(born)),
                    parent("mother", mother_name, self._home(born)), home_parents)
        # poor_family, disabled_or_ill_child, infant_left_unattended, parents_home
        return (parent("father", father_name, self._home(born)),
                parent("mother", mother_name, self._home(born)), home_parents)

    def _child_circumstances(self, rng: random.Random, profile: str, data: ChildInput,
                             household: HouseholdInput, parents_known: bool) -> None:
        if profile == "poor_family":
            roll = rng.random()
            household.minimum_allowance = roll < 0.7
            household.assessed_poor = 0.7 <= roll < 0.95
            household.extreme_poverty_support = roll >= 0.95
        elif profile == "de_facto_unsupported":
            household.minimum_allowance = rng.random() < 0.5
        elif profile == "orphan":
            data.both_parents_cannot_be_found = not parents_known
        elif profile == "guardianship_harm":
            data.guardianship_harm = True
        elif profile == "lives_alone":
            data.lives_alone = True
        elif profile == "infant_left_unattended":
            data.left_unattended = True
        else:
            household.minimum_allowance = rng.random() < 0.08
            household.assessed_poor = not household.minimum_allowance and rng.random() < 0.04
        if profile == "disabled_or_ill_child" or rng.random() < 0.015:
            if profile == "disabled_or_ill_child" and rng.random() < 0.25:
                data.serious_illness = True
                data.illness_note = rng.choice(CHILD_ILLNESSES)
            else:
                data.disability_type = _weighted(rng, DISABILITY_TYPES)
                data.disability_grade = _weighted(rng, ((1, 2), (2, 3), (3, 3), (4, 2)))
                if data.disability_type == DisabilityType.INTELLECTUAL and data.disability_grade <= 2 \
                        and data.school_status == SchoolStatus.IN_SCHOOL:
                    data.grade = "特殊教育学校" if rng.random() < 0.5 else "送教上门"


def _village_short(name: str) -> str:
    for suffix in ("村民委员会", "村委会", "居民委员会", "居委会"):
        if name.endswith(suffix):
            return name[: -len(suffix)] + ("村" if suffix.startswith("村") else "")
    return name


def county_actor(short: str) -> Actor:
    """The demo county civil-affairs officer (``yx_civil_affairs_officer``) who registers the
    demo children; ImproperlyConfigured if the demo users have not been loaded."""
    post = (Post.objects.select_related("user", "role", "division")
            .filter(user__username=f"{short}_{OFFICER_ROLE}", role_id=OFFICER_ROLE, active=True,
                    division_id=DEMO_COUNTIES[short]).first())
    if post is None:
        raise ImproperlyConfigured("Load the demo users first (everychild.accounts.demo.load_demo).")
    return actor_for_post(post)


def _villages(county_code: str) -> list[Village]:
    rows = (Division.objects.within(county_code[:6]).filter(level=Level.VILLAGE)
            .order_by("code").values_list("code", "name"))
    return [Village(code, name, "居民委员会" in name or "社区" in name) for code, name in rows]


def county_counts(count: int) -> dict[str, int]:
    """How many of ``count`` children each demo county gets."""
    first = round(count * COUNTY_SHARE["yx"])
    return {"yx": first, "lc": count - first}


def load_children(count: int = DEFAULT_COUNT, seed: int = DEFAULT_SEED, *,
                  today: date | None = None) -> int:
    """Register the demo children of both demo counties; returns how many were created.

    A county that already holds ``n`` children registered by its demo officer gets only the
    missing ``count`` share − ``n``: re-running creates nothing.
    """
    if settings.PRODUCTION:
        raise ImproperlyConfigured("Demo children are never created in production.")
    today = today or timezone.localdate()
    created = 0
    for short, wanted in county_counts(count).items():
        county = DEMO_COUNTIES[short]
        actor = county_actor(short)
        existing = Child.objects.filter(division_code__range=prefix_range(county[:6]),
                                        registered_by=actor.user).count()
        if existing >= wanted:
            continue
        villages = _villages(county)
        if not villages:
            raise ImproperlyConfigured(f"No villages imported under {county}.")
        destinations = set(Division.objects.filter(pk__in=DESTINATIONS[short])
                           .values_list("code", flat=True))
        planner = _Planner(short, county, villages, sorted(destinations), today, seed)
        for start in range(existing, wanted, BATCH):
            with transaction.atomic():
                for index in range(start, min(start + BATCH, wanted)):
                    _register(actor, planner, index, today)
                    created += 1
    return created


def _register(actor: Actor, planner: _Planner, index: int, today: date) -> Child:
    _profile, registration, rng = planner.plan(index)
    data = registration.input
    for bump in range(1, 50):
        try:
            return register_child(actor, registration, confirmed=True, today=today)
        except DuplicateIdNumber:  # the same date of birth and sequence drawn twice: draw again
            data.id_number = _id_number(rng, planner.county, data.date_of_birth, data.sex, bump)
    raise RuntimeError("no free ID number")  # pragma: no cover


def summary() -> list[dict]:
    """Per demo county: the children held, and how many are currently in each category."""
    result = []
    for short, county in DEMO_COUNTIES.items():
        scope = prefix_range(county[:6])
        children = Child.objects.filter(division_code__range=scope)
        current = ChildCategory.objects.filter(division_code__range=scope, until=None)
        categories = Counter(current.values_list("category", flat=True))
        name = Division.objects.filter(pk=county).values_list("name", flat=True).first() or county
        result.append({
            "county": county, "name": name, "short": short, "children": children.count(),
            "without_id_number": children.filter(id_number_hash="").count(),
            "in_no_category": children.exclude(pk__in=current.values("child_id")).count(),
            "categories": {code: categories[code] for code in CATALOGUE.codes if categories[code]},
        })
    return result
