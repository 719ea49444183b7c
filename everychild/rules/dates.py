"""Calendar arithmetic for the rules: ages, birthdays and month periods.

A period "in years" or "in months" ends on the corresponding day of the end month; when that month has
no corresponding day (a 29 February birthday in a common year, 31 August + 6 months), the last day of
the month is used — the reading of the Civil Code (民法典) Art. 202 for periods counted in years and
months. A child therefore turns 16 on the 16th birthday, and a child born on 29 February turns 16 or
18 on 28 February of a common year.
"""

from calendar import monthrange
from datetime import date
from functools import lru_cache


@lru_cache(maxsize=1 << 15)  # a bulk import asks for the same few thousand days over and over
def add_months(start: date, months: int) -> date:
    """The day ``months`` calendar months after ``start`` (end-of-month clamped)."""
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(start.day, monthrange(year, month)[1]))


def birthday(date_of_birth: date, age: int) -> date:
    """The day a child born on ``date_of_birth`` reaches ``age`` full years."""
    return add_months(date_of_birth, 12 * age)


def check_born(date_of_birth: date, on: date) -> None:
    """Refuse a day before the date of birth (ValueError)."""
    if on < date_of_birth:
        raise ValueError(f"{on} is before the date of birth {date_of_birth}")


def age_on(date_of_birth: date, on: date) -> int:
    """Full years of age on ``on`` (the age changes on the birthday itself)."""
    check_born(date_of_birth, on)
    years = on.year - date_of_birth.year
    if birthday(date_of_birth, years) > on:
        years -= 1
    return years


def months_elapsed(start: date, end: date, months: int) -> bool:
    """True when ``end`` is ``months`` calendar months or more after ``start``."""
    return add_months(start, months) <= end
