"""Statistical division codes (统计用区划代码): 12 digits, province 2, prefecture 2, county 2,
township 3, village 3. A jurisdiction is the prefix of its level; never strip zeros to find it
(thousands of township codes end in "00")."""

from enum import IntEnum

from django.utils.translation import gettext_lazy as _

CODE_LENGTH = 12
NATION_CODE = "000000000000"


class Level(IntEnum):
    NATION = 0
    PROVINCE = 1
    PREFECTURE = 2
    COUNTY = 3
    TOWNSHIP = 4
    VILLAGE = 5

    @property
    def label(self) -> str:
        return str(LEVEL_LABELS[self])


LEVEL_LABELS = {
    Level.NATION: _("nation"),
    Level.PROVINCE: _("province"),
    Level.PREFECTURE: _("prefecture"),
    Level.COUNTY: _("county"),
    Level.TOWNSHIP: _("township"),
    Level.VILLAGE: _("village"),
}

# Significant digits of a code at each level: its jurisdiction prefix length.
PREFIX_LENGTH = {
    Level.NATION: 0,
    Level.PROVINCE: 2,
    Level.PREFECTURE: 4,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
}
LEVEL_OF_LENGTH = {length: level for level, length in PREFIX_LENGTH.items() if length}


def normalise(raw: str) -> tuple[str, Level]:
    """Turn a 2/4/6/9/12-digit code into its 12-digit form and level.

    Raises ValueError for anything else.
    """
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) not in LEVEL_OF_LENGTH:
        raise ValueError(f"not a division code of 2, 4, 6, 9 or 12 digits: {raw!r}")
    return raw.ljust(CODE_LENGTH, "0"), LEVEL_OF_LENGTH[len(raw)]


def prefix(code: str, level: int) -> str:
    """The jurisdiction prefix of a 12-digit code at a level."""
    return code[: PREFIX_LENGTH[Level(level)]]


def prefix_range(jurisdiction_prefix: str) -> tuple[str, str]:
    """Inclusive bounds of every 12-digit code under a prefix.

    All codes are 12 ASCII digits, so these bounds compare the same way in every collation
    and a ``BETWEEN`` on an indexed column is an index range scan on any database.
    """
    if jurisdiction_prefix and not (jurisdiction_prefix.isascii() and jurisdiction_prefix.isdigit()):
        raise ValueError("a jurisdiction prefix is digits only")
    if len(jurisdiction_prefix) > CODE_LENGTH:
        raise ValueError(f"a jurisdiction prefix has at most {CODE_LENGTH} digits")
    return (
        jurisdiction_prefix.ljust(CODE_LENGTH, "0"),
        jurisdiction_prefix.ljust(CODE_LENGTH, "9"),
    )


def county_of(code: str) -> str:
    """The six-digit county part of a code (also the province/prefecture head for higher codes)."""
    return code[:6]


def township_kind(code: str) -> str:
    """Type of a township from digits 7-9 of a 12-digit code (domain.md §6.2).

    001-099 street office ("street"), 100-199 town ("town"), 200-399 township ("township"),
    400-599 state-farm-type unit ("farm"); anything else, 000 included, is "other".
    """
    block = int(code[6:9])
    if 1 <= block <= 99:
        return "street"
    if 100 <= block <= 199:
        return "town"
    if 200 <= block <= 399:
        return "township"
    if 400 <= block <= 599:
        return "farm"
    return "other"
