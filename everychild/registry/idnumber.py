"""Resident identity numbers (公民身份号码, GB 11643-1999), domain.md §6.1.

18 characters: digits 1-6 the address code of the county at first registration, 7-14 the date
of birth ``YYYYMMDD``, 15-17 a sequence number whose last digit is odd for men and even for women,
and an ISO 7064 MOD 11-2 check character (``0``-``9`` or ``X``). The legacy 15-digit number
(GB 11643-1989: date without century, no check character) is converted to 18 characters.

Many address codes have been abolished since people were first registered, so an unknown code is
only a warning. Messages are translatable and meant for the person entering the number.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from everychild.core.crypto import blind_index

LENGTH = 18
LEGACY_LENGTH = 15
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"  # indexed by (Σ digit × weight) mod 11
EARLIEST_BIRTH_YEAR = 1900
BLIND_INDEX_PURPOSE = "id_number"

# Full-width digits and X (as typed with a Chinese input method), the ideographic space.
_WIDE = str.maketrans({
    **{chr(0xFF10 + i): str(i) for i in range(10)},
    "\uff38": "X", "\uff58": "X", "x": "X", "\u3000": " ",
})
_DIGITS = frozenset("0123456789")


class IdNumberError(ValueError):
    """A number that cannot be a resident identity number; ``str(error)`` is for the user.

    ``code`` is one of ``"length"``, ``"characters"``, ``"date"``, ``"future"``, ``"check"``.
    """

    def __init__(self, message: str, code: str, expected: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.expected = expected  # for "check": the check character the number would need


@dataclass(frozen=True)
class ParsedId:
    number: str  # 18 upper-case ASCII characters
    date_of_birth: date
    sex: str  # "male" or "female", as registry.models.Sex
    region_code: str  # 6 digits: the county at first registration
    warnings: list[str] = field(default_factory=list)
    converted_from: str | None = None  # the legacy 15-digit number, when one was entered

    def age_on(self, day: date) -> int:
        """Age in whole years on ``day`` (a 29 February birthday counts from 1 March)."""
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    if len(first17) != LENGTH - 1 or not _DIGITS.issuperset(first17):
        raise ValueError("the check character is computed from exactly 17 ASCII digits")
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def _clean(raw: str | int | None) -> str:
    text = "" if raw is None else str(raw)  # spreadsheets may hand over an int
    return "".join(text.translate(_WIDE).split()).upper()


def normalise(raw: str) -> str:
    """18 upper-case ASCII characters from what was typed or imported.

    Removes spaces, accepts full-width digits and a lower-case or full-width x, and converts a
    legacy 15-digit number (its year gains "19" and a check character is computed). Checks only
    length and characters (IdNumberError otherwise); ``parse`` checks the rest.
    """
    number = _clean(raw)
    if len(number) == LEGACY_LENGTH and _DIGITS.issuperset(number):
        first17 = number[:6] + "19" + number[6:]
        return first17 + check_character(first17)
    if len(number) != LENGTH:
        if not number:
            message = _("Enter the resident ID number.")
        else:
            message = _(
                "A resident ID number has 18 characters (or 15 digits for an old number); "
                "this one has %(count)d."
            ) % {"count": len(number)}
        raise IdNumberError(message, "length")
    if not _DIGITS.issuperset(number[:17]) or not (number[17] in _DIGITS or number[17] == "X"):
        raise IdNumberError(
            _("A resident ID number has only digits, and X only as its last character."),
            "characters",
        )
    return number


def parse(
    raw: str,
    *,
    today: date | None = None,
    known_region: Callable[[str], bool] | None = None,
) -> ParsedId:
    """Validate a resident ID number and read its date of birth, sex and region.

    Raises IdNumberError for a wrong length or characters, a date of birth that does not exist
    or is in the future, and a wrong check character (the message names the right one).
    ``known_region(code)`` returning False for the six-digit address code adds a warning only.
    """
    cleaned = _clean(raw)
    number = normalise(raw)
    converted_from = cleaned if len(cleaned) == LEGACY_LENGTH else None
    stamp = number[6:14]
    shown = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:]}"
    try:
        dob = date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:]))
    except ValueError:
        dob = None
    if dob is None or dob.year < EARLIEST_BIRTH_YEAR:
        raise IdNumberError(
            _("The date of birth in this number, %(date)s, is not a possible date.") % {"date": shown},
            "date",
        )
    if dob > (today or timezone.localdate()):
        raise IdNumberError(
            _("The date of birth in this number, %(date)s, is in the future.") % {"date": shown},
            "future",
        )
    expected = check_character(number[:17])
    if number[17] != expected:
        raise IdNumberError(
            _(
                "The check character should be %(expected)s, not %(given)s. "
                "Check the last character, or whether another digit was mistyped."
            ) % {"expected": expected, "given": number[17]},
            "check",
            expected=expected,
        )
    region = number[:6]
    warnings: list[str] = []
    if known_region is not None and not known_region(region):
        warnings.append(
            _(
                "The region code %(code)s in this number is not a known division; it may be an "
                "abolished code. Check the number."
            ) % {"code": region}
        )
    return ParsedId(
        number=number,
        date_of_birth=dob,
        sex="male" if int(number[16]) % 2 else "female",
        region_code=region,
        warnings=warnings,
        converted_from=converted_from,
    )


def _sex_label(sex: str) -> str:
    return {"male": _("male"), "female": _("female")}.get(sex, sex)


def cross_check(parsed: ParsedId, date_of_birth: date | None, sex: str | None) -> list[str]:
    """Warnings (for the user to confirm) where the entered date of birth or sex differ from
    the number's. ``None`` or an empty value is not compared."""
    warnings: list[str] = []
    if date_of_birth is not None and date_of_birth != parsed.date_of_birth:
        warnings.append(
            _(
                "The date of birth entered, %(entered)s, differs from the one in the ID number, "
                "%(in_number)s."
            ) % {"entered": date_of_birth.isoformat(), "in_number": parsed.date_of_birth.isoformat()}
        )
    if sex and sex != parsed.sex:
        warnings.append(
            _("The sex entered (%(entered)s) differs from the one in the ID number (%(in_number)s).")
            % {"entered": _sex_label(sex), "in_number": _sex_label(parsed.sex)}
        )
    return warnings


def blind_key(number: str) -> str:
    """The keyed hash of the normalised number, for exact lookup and duplicate detection."""
    return blind_index(normalise(number), BLIND_INDEX_PURPOSE)


def mask(number: str) -> str:
    """The number with its date of birth and sequence hidden: "610723********123X".

    For those allowed to see a number partially; keeps the region code and the last four.
    Anything that is not a number of the right length is hidden completely.
    """
    try:
        shown = normalise(number)
    except IdNumberError:
        return "*" * len(_clean(number))
    return shown[:6] + "*" * 8 + shown[14:]
