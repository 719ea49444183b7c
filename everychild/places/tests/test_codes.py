"""Statistical division codes: normalising, prefixes from levels (never from zeros), ranges."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from everychild.places.codes import (
    CODE_LENGTH,
    NATION_CODE,
    PREFIX_LENGTH,
    Level,
    county_of,
    normalise,
    prefix,
    prefix_range,
    township_kind,
)

LEVELS = [level for level in Level if level != Level.NATION]
ascii_digits = st.text(alphabet="0123456789", min_size=0, max_size=14)


def digits(length: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=length, max_size=length)


@pytest.mark.parametrize(("raw", "code", "level"), [
    ("61", "610000000000", Level.PROVINCE),
    ("6107", "610700000000", Level.PREFECTURE),
    ("610723", "610723000000", Level.COUNTY),
    ("610723001", "610723001000", Level.TOWNSHIP),
    ("610723001212", "610723001212", Level.VILLAGE),
    ("110106100", "110106100000", Level.TOWNSHIP),  # 北宫镇: ends in "00", still a township
    (" 533124 ", "533124000000", Level.COUNTY),
])
def test_normalise_each_length(raw, code, level):
    assert normalise(raw) == (code, level)


@pytest.mark.parametrize("raw", [
    "", "6", "610", "61072", "6107230", "61072300", "6107230012", "61072300121",
    "6107230012120", "61x7", "61-7", "６１", "٦١", "61 07", "+61",
])
def test_normalise_refuses_anything_else(raw):
    with pytest.raises(ValueError, match="not a division code"):
        normalise(raw)


@given(level=st.sampled_from(LEVELS), data=st.data())
def test_normalise_round_trips_through_the_prefix_of_its_level(level, data):
    raw = data.draw(digits(PREFIX_LENGTH[level]))
    code, found = normalise(raw)
    assert found == level
    assert len(code) == CODE_LENGTH and code.isdigit()
    assert code.startswith(raw) and set(code[len(raw):]) <= {"0"}
    # The prefix comes back whole from the level, whatever zeros the code ends in.
    assert prefix(code, level) == raw


@given(raw=st.text(max_size=14))
def test_normalise_accepts_only_ascii_digits_of_a_level_length(raw):
    stripped = raw.strip()
    valid = stripped.isascii() and stripped.isdigit() and len(stripped) in {2, 4, 6, 9, 12}
    if valid:
        assert normalise(raw)[0].startswith(stripped)
    else:
        with pytest.raises(ValueError):
            normalise(raw)


def test_prefix_is_taken_from_the_level_never_by_stripping_zeros():
    assert prefix("110106100000", Level.TOWNSHIP) == "110106100"  # not "1101061"
    assert prefix("533124400000", Level.TOWNSHIP) == "533124400"  # 陇川农场
    assert prefix("110100000000", Level.PREFECTURE) == "1101"
    assert prefix("610723000000", Level.COUNTY) == "610723"
    assert prefix("610723001212", Level.VILLAGE) == "610723001212"
    assert prefix(NATION_CODE, Level.NATION) == ""
    with pytest.raises(ValueError):
        prefix("610723000000", 6)


@given(level=st.sampled_from(list(Level)), code=digits(CODE_LENGTH))
def test_prefix_length_is_the_level_length(level, code):
    assert prefix(code, level) == code[: PREFIX_LENGTH[level]]


def test_prefix_range_examples():
    assert prefix_range("610723") == ("610723000000", "610723999999")
    assert prefix_range("110106100") == ("110106100000", "110106100999")
    assert prefix_range("") == ("000000000000", "999999999999")
    assert prefix_range("610723001212") == ("610723001212", "610723001212")
    for bad in ("61a", "６１", "1234567890123"):
        with pytest.raises(ValueError):
            prefix_range(bad)


@given(jurisdiction=ascii_digits, code=digits(CODE_LENGTH))
def test_prefix_range_holds_exactly_the_codes_under_the_prefix(jurisdiction, code):
    assume(len(jurisdiction) <= CODE_LENGTH)
    lo, hi = prefix_range(jurisdiction)
    assert len(lo) == len(hi) == CODE_LENGTH
    assert (lo <= code <= hi) is code.startswith(jurisdiction)


@given(jurisdiction=digits(6), code=digits(CODE_LENGTH))
def test_prefix_range_of_a_sibling_excludes_the_code(jurisdiction, code):
    assume(not code.startswith(jurisdiction))
    lo, hi = prefix_range(jurisdiction)
    assert not lo <= code <= hi


@pytest.mark.parametrize(("block", "kind"), [
    ("000", "other"), ("001", "street"), ("099", "street"), ("100", "town"), ("199", "town"),
    ("200", "township"), ("399", "township"), ("400", "farm"), ("599", "farm"),
    ("600", "other"), ("999", "other"),
])
def test_township_kind_examples(block, kind):
    assert township_kind(f"610723{block}000") == kind


@given(block=st.integers(min_value=0, max_value=999), head=digits(6), tail=digits(3))
def test_township_kind_follows_the_block(block, head, tail):
    kind = township_kind(f"{head}{block:03d}{tail}")
    expected = ("street" if 1 <= block <= 99 else "town" if 100 <= block <= 199
                else "township" if 200 <= block <= 399 else "farm" if 400 <= block <= 599
                else "other")
    assert kind == expected


def test_county_of():
    assert county_of("610723001212") == "610723"
    assert county_of(NATION_CODE) == "000000"
