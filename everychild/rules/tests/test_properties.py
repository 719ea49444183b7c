"""Properties over generated facts: precedence, age limits, the rural/urban split, and reasons that are
one sentence each, in words, citing the rule's source."""

import re
from datetime import date, timedelta

from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from everychild.rules import (
    CATALOGUE,
    ChildFacts,
    DeathKind,
    DisabilityType,
    ParentFacts,
    ParentSituation,
    ParentSituationKind,
    evaluate,
)
from everychild.rules.dates import birthday

DAYS = st.dates(min_value=date(2018, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def situations(draw):
    since = draw(st.none() | DAYS)
    until = draw(st.none() | DAYS)
    if since and until and until < since:
        since, until = until, since
    return ParentSituation(
        kind=draw(st.sampled_from(ParentSituationKind)), since=since, until=until,
        cross_county=draw(st.none() | st.booleans()),
        disability_grade=draw(st.none() | st.integers(1, 4)),
        disability_type=draw(st.none() | st.sampled_from(DisabilityType)),
        police_report_accepted_on=draw(st.none() | DAYS),
        death_kind=draw(st.none() | st.sampled_from(DeathKind)),
    )


parents = st.builds(ParentFacts, situations=st.lists(situations(), max_size=3).map(tuple),
                    known=st.booleans() | st.just(True))


@st.composite
def cases(draw):
    on = draw(st.dates(min_value=date(2016, 6, 13), max_value=date(2031, 12, 31)))
    dob = on - timedelta(days=draw(st.integers(0, 19 * 366)))
    province = draw(st.sampled_from(["44", "61", "53"]))
    facts = ChildFacts(
        date_of_birth=dob, province_code=province,
        hukou_type=draw(st.sampled_from(["rural", "urban", "unknown"])),
        hukou_division_code=draw(st.sampled_from(["", "440103001001", "610723100201"])),
        father=draw(parents), mother=draw(parents),
        **{name: draw(st.booleans()) for name in (
            "both_parents_cannot_be_found", "family_minimum_allowance", "family_extreme_poverty_support",
            "family_assessed_poor", "has_disability_certificate", "serious_illness", "guardianship_harm",
            "other_parent_incapacity_confirmed", "lives_alone", "left_unattended")},
        other_parent_incapacity_reason=draw(st.sampled_from(["", "Bedridden after a stroke"])),
        disability_grade=draw(st.none() | st.integers(1, 4)),
        disability_type=draw(st.none() | st.sampled_from(DisabilityType)),
    )
    return facts, on


SENTENCE = re.compile(r"^[A-Z][^\n]*[^.]\.$")


@settings(max_examples=300, deadline=None)
@given(cases())
def test_findings_hold_together(case):
    facts, on = case
    findings = evaluate(facts, on)
    by_code = {f.rule_code: f for f in findings}
    assert len(by_code) == len(findings)
    assert {r.code for r in CATALOGUE.rules_for(facts.province_code, on)} == set(by_code)
    # an orphan is never also de facto unsupported
    if by_code["orphan"].in_category and "de_facto_unsupported" in by_code:
        assert not by_code["de_facto_unsupported"].in_category
    # the rural / urban split is a partition of the left-behind category
    lb = by_code["left_behind"].in_category
    split = [by_code[c].in_category for c in ("left_behind_rural", "left_behind_urban") if c in by_code]
    assert sum(split) <= 1 and (not any(split) or lb)
    if lb and facts.hukou_type.value != "unknown" and len(split) == 2:
        assert sum(split) == 1
    for f in findings:
        rule = CATALOGUE.get(f.rule_code, f.rule_version)
        ends = birthday(facts.date_of_birth, rule.age_limit)
        assert f.in_category is False or on < ends
        if on >= ends:  # past the limit: out, with the age as the reason only if the rest still holds
            assert [r.code for r in f.reasons] == ["age_limit_reached"] or all(
                r.code != "age_limit_reached" for r in f.reasons)
        # simple facts decide simple rules
        if on < ends and f.rule_code == "difficult_economic":
            assert f.in_category == (facts.family_minimum_allowance or facts.family_extreme_poverty_support
                                     or facts.family_assessed_poor)
        if on < ends and f.rule_code == "difficult_guardianship":
            assert f.in_category == facts.guardianship_harm
        if on < ends and f.rule_code in ("alert_living_alone", "alert_left_unattended"):
            assert f.in_category == (facts.lives_alone if f.rule_code == "alert_living_alone"
                                     else facts.left_unattended)


@settings(max_examples=200, deadline=None)
@given(cases())
def test_every_reason_is_one_sentence_in_words_citing_the_source(case):
    facts, on = case
    for f in evaluate(facts, on):
        rule = CATALOGUE.get(f.rule_code, f.rule_version)
        assert f.reasons
        for sentence in f.sentences():
            assert SENTENCE.match(sentence), sentence
            assert ". " not in sentence and "%(" not in sentence and "  " not in sentence
            assert any(s.document in sentence for s in rule.sources), sentence
            assert rule.citation in sentence


@settings(max_examples=50, deadline=None)
@given(cases())
def test_reasons_render_in_every_language_and_are_deterministic(case):
    facts, on = case
    first = evaluate(facts, on)
    assert first == evaluate(facts, on)
    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert all(s for f in first for s in f.sentences())
