"""Resident ID numbers (GB 11643-1999, domain.md §6.1): checksum, dates, sex, legacy numbers."""

from datetime import date, timedelta

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from everychild.registry import idnumber
from everychild.registry.idnumber import (
    CHECK_CHARACTERS,
    WEIGHTS,
    IdNumberError,
    ParsedId,
    blind_key,
    check_character,
    cross_check,
    mask,
    normalise,
    parse,
)

TODAY = date(2025, 6, 30)
WORKED_EXAMPLE = "11010519491231002X"  # from the standard


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def make(region: str, born: date, sequence: int) -> str:
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


valid_ids = st.builds(
    make,
    region=st.integers(100000, 999999).map(str),
    born=st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    sequence=st.integers(0, 999),
)


def _error(raw: str, **kwargs) -> IdNumberError:
    with pytest.raises(IdNumberError) as info:
        parse(raw, today=TODAY, **kwargs)
    return info.value


# The worked example and the algorithm


def test_worked_example_from_the_standard():
    assert check_character(WORKED_EXAMPLE[:17]) == "X"
    parsed = parse(WORKED_EXAMPLE, today=TODAY)
    assert parsed == ParsedId(number=WORKED_EXAMPLE, date_of_birth=date(1949, 12, 31), sex="female",
                              region_code="110105", warnings=[], converted_from=None)


def test_check_character_follows_the_weights_and_table():
    assert WEIGHTS == (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    assert list(WEIGHTS) == [2 ** (17 - i) % 11 for i in range(17)]
    for r, expected in enumerate("10X98765432"):
        # The 17th weight is 2 and the 16th 4: find digits giving each remainder.
        for a in range(10):
            for b in range(10):
                if (4 * a + 2 * b) % 11 == r:
                    assert check_character("0" * 15 + f"{a}{b}") == expected


@pytest.mark.parametrize("bad", ["1234567890123456", "123456789012345678", "1101051949123100X", "１" * 17])
def test_check_character_needs_seventeen_ascii_digits(bad):
    with pytest.raises(ValueError):
        check_character(bad)


@given(valid_ids)
def test_every_valid_number_passes(number):
    parsed = parse(number, today=TODAY)
    assert parsed.number == number
    assert parsed.date_of_birth == date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    assert parsed.sex == ("male" if int(number[16]) % 2 else "female")
    assert parsed.region_code == number[:6]
    assert parsed.warnings == []


@given(valid_ids, st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_single_character_change_fails(number, position, replacement):
    if replacement == number[position] or (replacement == "X" and position < 17):
        return
    changed = number[:position] + replacement + number[position + 1:]
    assert check_character(changed[:17]) != changed[17]
    with pytest.raises(IdNumberError):
        parse(changed, today=TODAY)


@given(valid_ids, st.integers(0, 16))
def test_any_adjacent_transposition_fails(number, position):
    a, b = number[position], number[position + 1]
    if a == b:
        return
    swapped = number[:position] + b + a + number[position + 2:]
    with pytest.raises(IdNumberError):
        parse(swapped, today=TODAY)
    if swapped[:17].isdigit():
        assert check_character(swapped[:17]) != swapped[17]


def test_mod_11_2_detects_every_single_error_and_adjacent_transposition_exhaustively():
    """The algebra behind the property tests, over every position and digit pair."""
    for w in WEIGHTS:
        for a in range(10):
            for b in range(10):
                if a != b:
                    assert w * (a - b) % 11 != 0  # single-digit change among the first 17
    for w1, w2 in zip(WEIGHTS, WEIGHTS[1:], strict=False):
        for a in range(10):
            for b in range(10):
                if a != b:
                    assert (w1 - w2) * (a - b) % 11 != 0  # transposition among the first 17
    # Transposing the 17th digit d and the check character c: valid only if c == d.
    for total in range(11):  # Σ digit × weight of the first 16 digits, mod 11
        for d in range(10):
            c = CHECK_CHARACTERS[(total + 2 * d) % 11]
            if c == "X" or int(c) == d:
                continue
            assert CHECK_CHARACTERS[(total + 2 * int(c)) % 11] != str(d)


# Input forms


def test_full_width_digits_lower_case_x_and_spaces_are_accepted():
    assert normalise("１１０１０５１９４９１２３１００２ｘ") == WORKED_EXAMPLE
    assert normalise("11010519491231002x") == WORKED_EXAMPLE
    assert normalise(" 110105 19491231 002x ") == WORKED_EXAMPLE
    assert normalise("110105\u300019491231002Ｘ") == WORKED_EXAMPLE
    assert parse("１１０１０５１９４９１２３１００２ｘ", today=TODAY).number == WORKED_EXAMPLE


def test_legacy_fifteen_digit_number_is_converted():
    assert normalise("110105491231002") == WORKED_EXAMPLE
    parsed = parse("110105 491231 002", today=TODAY)
    assert parsed.number == WORKED_EXAMPLE
    assert parsed.converted_from == "110105491231002"
    assert parsed.date_of_birth == date(1949, 12, 31)
    assert parse("610723850301123", today=TODAY).number == "61072319850301123" + check_character(
        "61072319850301123")


@given(valid_ids.filter(lambda n: n[6:8] == "19"))
def test_legacy_numbers_round_trip(number):
    legacy = number[:6] + number[8:17]
    assert normalise(legacy) == number
    assert parse(legacy, today=TODAY).number == number


def test_an_int_from_a_spreadsheet_is_read():
    assert normalise(610723198503011235) == "610723198503011235"  # type: ignore[arg-type]


# Bad input: each error with its message


@pytest.mark.parametrize("raw, count", [("1101051949123100", 16), ("11010519491231002X1", 19),
                                        ("11010549123100", 14)])
def test_wrong_length(raw, count):
    error = _error(raw)
    assert error.code == "length"
    assert str(error) == ("A resident ID number has 18 characters (or 15 digits for an old number); "
                          f"this one has {count}.")


def test_empty():
    assert _error("  ").code == "length"
    assert str(_error("")) == "Enter the resident ID number."


@pytest.mark.parametrize("raw", ["1101051949123100XX", "11010519491231002Y", "11010519491231A02X",
                                 "11010519491231002-", "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", "11010549123100X"])
def test_wrong_characters(raw):
    error = _error(raw)
    assert error.code in {"characters", "length"}
    if len(raw) == 18:
        assert error.code == "characters"
        assert str(error) == "A resident ID number has only digits, and X only as its last character."


@pytest.mark.parametrize("stamp, shown", [("20230230", "2023-02-30"), ("20231301", "2023-13-01"),
                                          ("20230000", "2023-00-00"), ("18991231", "1899-12-31"),
                                          ("21000229", "2100-02-29")])
def test_impossible_date(stamp, shown):
    first17 = "610723" + stamp + "123"
    error = _error(first17 + check_character(first17))
    assert error.code == "date"
    assert str(error) == f"The date of birth in this number, {shown}, is not a possible date."


def test_leap_day_is_possible():
    assert parse(make("610723", date(2020, 2, 29), 123), today=TODAY).date_of_birth == date(2020, 2, 29)


def test_date_in_the_future():
    error = _error(make("610723", TODAY + timedelta(days=1), 123))
    assert error.code == "future"
    assert str(error) == "The date of birth in this number, 2025-07-01, is in the future."
    assert parse(make("610723", TODAY, 123), today=TODAY).date_of_birth == TODAY


def test_future_is_judged_against_the_local_date_by_default():
    tomorrow = date.today() + timedelta(days=2)
    with pytest.raises(IdNumberError) as info:
        parse(make("610723", tomorrow, 123))
    assert info.value.code == "future"


def test_wrong_check_character_says_which_one_is_needed():
    first17 = "61072320150301123"
    right = check_character(first17)
    wrong = "3" if right != "3" else "4"
    error = _error(first17 + wrong)
    assert error.code == "check"
    assert error.expected == right
    assert str(error).startswith(f"The check character should be {right}, not {wrong}.")


def test_message_example_from_the_brief():
    first17 = next(f"61072320150301{n:03d}" for n in range(1000)
                   if check_character(f"61072320150301{n:03d}") == "7")
    assert str(_error(first17 + "3")).startswith("The check character should be 7, not 3.")


def test_errors_are_value_errors():
    with pytest.raises(ValueError):
        normalise("abc")


# Region codes


def test_unknown_region_is_only_a_warning():
    number = make("612345", date(2015, 3, 1), 123)
    parsed = parse(number, today=TODAY, known_region=lambda code: code == "610723")
    assert parsed.number == number
    assert parsed.warnings == ["The region code 612345 in this number is not a known division; it may "
                               "be an abolished code. Check the number."]
    assert parse(number, today=TODAY, known_region=lambda code: True).warnings == []
    assert parse(number, today=TODAY).warnings == []


# Sex, age, cross-check


def test_sex_from_the_seventeenth_digit():
    assert parse(make("610723", date(2015, 3, 1), 121), today=TODAY).sex == "male"
    assert parse(make("610723", date(2015, 3, 1), 120), today=TODAY).sex == "female"


def test_age_on():
    parsed = parse(make("610723", date(2008, 2, 29), 121), today=TODAY)
    assert parsed.age_on(date(2026, 2, 28)) == 17
    assert parsed.age_on(date(2026, 3, 1)) == 18


def test_cross_check():
    parsed = parse(make("610723", date(2015, 3, 1), 121), today=TODAY)
    assert cross_check(parsed, date(2015, 3, 1), "male") == []
    assert cross_check(parsed, None, None) == []
    assert cross_check(parsed, date(2015, 3, 2), "male") == [
        "The date of birth entered, 2015-03-02, differs from the one in the ID number, 2015-03-01."]
    assert cross_check(parsed, date(2015, 3, 1), "female") == [
        "The sex entered (female) differs from the one in the ID number (male)."]
    assert len(cross_check(parsed, date(2014, 3, 1), "female")) == 2


# Blind index and masking


def test_blind_key_is_of_the_normalised_number():
    key = blind_key(WORKED_EXAMPLE)
    assert key == blind_key("110105491231002") == blind_key("１１０１０５１９４９１２３１００２ｘ")
    assert key != blind_key(make("110105", date(1949, 12, 31), 3))
    assert WORKED_EXAMPLE not in key and len(key) == 64
    from everychild.core.crypto import blind_index
    assert key == blind_index(WORKED_EXAMPLE, "id_number")


def test_mask_keeps_region_and_last_four():
    assert mask("61072319850301123X") == "610723********123X"
    assert mask("61072319850301123x") == "610723********123X"
    assert mask("610723850301123") == "610723********" + normalise("610723850301123")[-4:]
    assert mask("12345") == "*****"
    assert mask("") == ""


def test_module_constants():
    assert idnumber.LENGTH == 18 and idnumber.LEGACY_LENGTH == 15
