"""What the reporting tests share: the routing table of two demo counties (county, prefecture
and province units for each receiver), the people who receive reports, the clock."""

from datetime import datetime
from zoneinfo import ZoneInfo

from everychild.accounts.models import Agency
from everychild.places.models import Division
from everychild.reports.models import RoutingEntry

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 6, 2, 9, 0, tzinfo=SHANGHAI)  # a Monday morning, local time
YX, LC = "610723000000", "533124000000"  # 洋县, 陇川县
YX_TOWNSHIP = "610723001000"
HANZHONG, SHAANXI = "610700000000", "610000000000"
KINDS = {"police": "公安", "civil_affairs": "民政", "procuratorate": "检察"}


def unit(division: str, receiver: str, route: bool = True) -> Agency:
    """The agency receiving ``receiver`` reports at ``division`` (and its routing row)."""
    place = Division.objects.get(pk=division)
    agency, _ = Agency.objects.get_or_create(division=place, kind=receiver,
                                             name=f"{place.name}{KINDS[receiver]}")
    if route:
        RoutingEntry.objects.get_or_create(division=place, receiver=receiver, agency=agency,
                                           active=True)
    return agency


def routing_table(*counties: str) -> dict[tuple[str, str], Agency]:
    """Units for every receiver at each county, its prefecture and its province."""
    found = {}
    for county in counties or (YX, LC):
        for division in (county, county[:4].ljust(12, "0"), county[:2].ljust(12, "0")):
            for receiver in KINDS:
                found[(division, receiver)] = unit(division, receiver)
    return found
