"""The provisional risk instrument (scores, forced high, the drivers listed) and the one current risk
level (a high stands until a supervisor lowers it with a reason)."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from everychild.rules.risk import (
    CURRENT_LEVEL_2025,
    INSTRUMENT_2025,
    ITEMS,
    REPORTING_SITUATIONS,
    CurrentRisk,
    LoweringRefused,
    RiskLevel,
    RiskSignal,
    RiskSource,
    current_risk_level,
    instrument_for,
    score,
)

RULE = instrument_for("61", date(2025, 6, 1))
CALM = {item.code: item.options[0].code for item in ITEMS if not item.multiple}
SINGLE = [item for item in ITEMS if not item.multiple]


def answers(**changes):
    return {**CALM, **changes}


# --- the instrument --------------------------------------------------------------------------------


def test_instrument_is_labelled_provisional_and_traced():
    assert RULE is INSTRUMENT_2025 and RULE.provisional
    assert "provisional, not validated" in RULE.title
    assert {"medium_from", "high_from", "items"} <= set(RULE.configuration)
    assert {i.code for i in ITEMS} == {"safety", "health_nutrition", "schooling", "guardianship",
                                       "emotional_wellbeing", "living_conditions", "reporting_situations"}
    for item in ITEMS:
        assert "domain.md §" in item.note
        assert len(item.options) >= 3


def test_calm_answers_are_low_with_no_drivers():
    result = score(CALM, RULE)
    assert (result.level, result.score, result.forced, result.drivers) == (RiskLevel.LOW, 0, False, ())
    assert result.max_score == 22 and result.provisional
    assert result.sentences() == ["Score 0 of 22: low risk (medium from 4 points, high from 10; instrument "
                                  "2025.1, provisional, not validated)."]


@pytest.mark.parametrize(("changes", "points", "level"), [
    ({"schooling": "irregular"}, 1, RiskLevel.LOW),
    ({"safety": "concern"}, 3, RiskLevel.LOW),
    ({"safety": "concern", "schooling": "irregular"}, 4, RiskLevel.MEDIUM),   # medium from 4
    ({"safety": "harm_suspected", "guardianship": "limited", "schooling": "irregular"}, 9, RiskLevel.MEDIUM),
    ({"safety": "harm_suspected", "guardianship": "absent_or_improper"}, 10, RiskLevel.HIGH),  # high from 10
    ({"safety": "harm_suspected", "health_nutrition": "unmet", "schooling": "out_of_school",
      "guardianship": "absent_or_improper", "emotional_wellbeing": "severe_distress",
      "living_conditions": "unsafe"}, 22, RiskLevel.HIGH),
])
def test_score_and_thresholds(changes, points, level):
    result = score(answers(**changes), RULE)
    assert (result.score, result.level, result.forced) == (points, level, False)
    assert len(result.drivers) == len(changes)
    assert {r.code for r in result.drivers} == {"risk_answer_points"}


def test_the_drivers_are_listed_in_words():
    result = score(answers(safety="harm_suspected", schooling="irregular"), RULE)
    assert result.sentences()[1:] == ["Safety: harm suspected or threatened (weighted score 6).",
                                      "Schooling: irregular attendance (weighted score 1)."]


@pytest.mark.parametrize("situation", [o.code for o in REPORTING_SITUATIONS])
def test_any_mandatory_reporting_situation_forces_high(situation):
    result = score(answers(reporting_situations=[situation]), RULE)
    assert result.level is RiskLevel.HIGH and result.forced and result.score == 0
    assert result.drivers[0].code == "risk_forced_high"
    assert "mandatory-reporting situation: the risk level is high whatever the score" in result.sentences()[1]


def test_several_situations_each_listed_once():
    result = score(answers(reporting_situations=["abandonment", "organised_begging", "abandonment"]), RULE)
    assert [r.code for r in result.drivers] == ["risk_forced_high", "risk_forced_high"]


@pytest.mark.parametrize("bad", [
    {k: v for k, v in CALM.items() if k != "safety"},          # unanswered
    answers(safety="nonsense"),                                  # unknown answer
    answers(unknown_item="x"),                                   # unknown item
    answers(safety=["safe", "concern"]),                         # one answer only
])
def test_bad_answers_refused(bad):
    with pytest.raises(ValueError):
        score(bad, RULE)


@st.composite
def any_answers(draw):
    chosen = {item.code: draw(st.sampled_from([o.code for o in item.options])) for item in SINGLE}
    chosen["reporting_situations"] = draw(st.lists(st.sampled_from([o.code for o in REPORTING_SITUATIONS]),
                                                   max_size=3))
    return chosen


@given(any_answers())
def test_score_properties(chosen):
    result = score(chosen, RULE)
    assert 0 <= result.score <= result.max_score
    assert result.forced == bool(chosen["reporting_situations"])
    if result.forced:
        assert result.level is RiskLevel.HIGH
    else:
        expected = (RiskLevel.HIGH if result.score >= 10 else
                    RiskLevel.MEDIUM if result.score >= 4 else RiskLevel.LOW)
        assert result.level is expected
    non_zero = [i for i in SINGLE if i.weight * i.option(chosen[i.code]).points]
    assert len(result.drivers) == len(non_zero) + len(set(chosen["reporting_situations"]))
    assert all(str(r) for r in result.reasons)


@given(any_answers(), st.sampled_from(SINGLE))
def test_a_worse_answer_never_lowers_the_level(chosen, item):
    worse = {**chosen, item.code: item.options[-1].code}
    assert score(worse, RULE).level.rank >= score(chosen, RULE).level.rank


# --- one current risk level ------------------------------------------------------------------------

D1, D2, D3 = date(2025, 1, 10), date(2025, 2, 10), date(2025, 3, 10)


def signal(level, source=RiskSource.VISIT, on=D2, note=""):
    return RiskSignal(RiskLevel(level), source, on, note)


HIGH = CurrentRisk(RiskLevel.HIGH, RiskSource.REPORT, D1)


def test_first_signal_sets_the_level():
    current = current_risk_level(None, signal("medium", on=D1))
    assert (current.level, current.source, current.since) == (RiskLevel.MEDIUM, RiskSource.VISIT, D1)
    assert current.reasons[0].code == "risk_level_set"


@pytest.mark.parametrize("source", [RiskSource.VISIT, RiskSource.REPORT, RiskSource.CASE])
@pytest.mark.parametrize("level", ["low", "medium"])
def test_a_lower_signal_does_not_lower_a_standing_high(level, source):
    current = current_risk_level(HIGH, signal(level, source))
    assert (current.level, current.source, current.since) == (RiskLevel.HIGH, RiskSource.REPORT, D1)
    assert current.reasons[0].code == "risk_high_stands"
    assert "stands until a supervisor lowers it with a reason" in current.reasons[0].render()


def test_a_supervisor_lowers_a_high_with_a_reason():
    current = current_risk_level(HIGH, signal("low", RiskSource.SUPERVISOR, note="Mother returned home."))
    assert (current.level, current.source, current.since) == (RiskLevel.LOW, RiskSource.SUPERVISOR, D2)
    assert current.reasons[0].render().startswith(
        "A supervisor lowered the risk level from high to low on 2025-02-10: Mother returned home. (")


@pytest.mark.parametrize("note", ["", "   "])
def test_a_supervisor_without_a_reason_is_refused(note):
    with pytest.raises(LoweringRefused) as refused:
        current_risk_level(HIGH, signal("medium", RiskSource.SUPERVISOR, note=note))
    assert refused.value.reason.code == "risk_lowering_needs_reason"


def test_a_new_high_signal_replaces_the_source():
    current = current_risk_level(HIGH, signal("high", RiskSource.CASE, on=D3))
    assert (current.level, current.source, current.since) == (RiskLevel.HIGH, RiskSource.CASE, D3)


@pytest.mark.parametrize(("old", "new"), [("medium", "low"), ("low", "medium"), ("medium", "high"),
                                          ("low", "high")])
def test_below_high_the_most_recent_signal_wins(old, new):
    current = CurrentRisk(RiskLevel(old), RiskSource.VISIT, D1)
    assert current_risk_level(current, signal(new)).level is RiskLevel(new)


def test_signals_in_date_order():
    with pytest.raises(ValueError):
        current_risk_level(CurrentRisk(RiskLevel.LOW, RiskSource.VISIT, D2), signal("low", on=D1))


signals = st.builds(RiskSignal, level=st.sampled_from(RiskLevel),
                    source=st.sampled_from([RiskSource.VISIT, RiskSource.REPORT, RiskSource.CASE]),
                    on=st.just(D1), note=st.just(""))


@given(st.lists(signals, min_size=1, max_size=8))
def test_once_high_only_a_supervisor_lowers_it(seq):
    current = None
    seen_high = False
    for s in seq:
        current = current_risk_level(current, s, CURRENT_LEVEL_2025)
        seen_high = seen_high or s.level is RiskLevel.HIGH
        assert (current.level is RiskLevel.HIGH) == seen_high
