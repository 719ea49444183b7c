"""Working days in China: the State Council's yearly holiday notice (国务院办公厅关于节假日安排的通知),
with its make-up working days (调休), from the ``chinesecalendar`` package. For a year the package
does not know yet (each year's notice comes out in November or December, and a package release
follows), Monday to Friday; a newer package adds it."""

from datetime import date

import chinese_calendar


def is_weekday(day: date) -> bool:
    """Monday to Friday."""
    return day.weekday() < 5


def is_working_day(day: date) -> bool:
    """A working day in China: not a public holiday, and a weekday or a make-up working day."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the package has no notice for
        return is_weekday(day)
