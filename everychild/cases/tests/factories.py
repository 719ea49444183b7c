"""What the case-management tests share: the clock, the places, a plan that can be submitted."""

from datetime import datetime
from zoneinfo import ZoneInfo

from everychild.cases.services import AssessmentInput
from everychild.registry.tests.factories import OTHER_COUNTY_VILLAGE, VILLAGE

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 6, 2, 9, 0, tzinfo=SHANGHAI)  # a Monday morning, local time
TOWNSHIP = VILLAGE[:9] + "000"
COUNTY = VILLAGE[:6] + "000000"
LC_COUNTY = OTHER_COUNTY_VILLAGE[:6] + "000000"


def goals(n: int = 1, status: str = "open") -> list[dict]:
    return [{"goal": f"目标{i}：孩子按时上学", "status": status,
             "actions": [{"what": "联系学校", "who": "儿童主任", "by": "2025-06-30"}]}
            for i in range(1, n + 1)]


def assessment(risk: str = "medium", **extra) -> AssessmentInput:
    return AssessmentInput(risk_level=risk, summary="家中无人照料", child_views="想和奶奶住",
                           **extra)
