"""Demo reporting: the routing table of the two demo counties (county, prefecture and province
units for the police, civil affairs and the procuratorate), a police officer at each prefecture
(so escalations reach someone), and a few reports filed through the real service — one already
acknowledged, one waiting, one whose deadline passed two days ago (the tick escalates it).
Idempotent: each demo report has a fixed idempotency key, so re-running files nothing new."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from everychild.access.policy import actor_for_post
from everychild.accounts.demo import DEMO_COUNTIES, demo_user
from everychild.accounts.models import Agency, Post
from everychild.places.codes import Level, prefix_range
from everychild.places.models import Division
from everychild.registry.models import Child
from everychild.reports.models import RoutingEntry
from everychild.reports.services import ReportInput, act, file_report

SUFFIX = {Level.COUNTY: {"police": "公安局", "civil_affairs": "民政局", "procuratorate": "人民检察院"},
          Level.PREFECTURE: {"police": "公安局", "civil_affairs": "民政局",
                             "procuratorate": "人民检察院"},
          Level.PROVINCE: {"police": "公安厅", "civil_affairs": "民政厅", "procuratorate": "人民检察院"}}
PREFECTURE_USERS = {"yx": "hz", "lc": "dh"}  # 汉中市, 德宏州: one police officer each


def _units(county: Division) -> int:
    made = 0
    for division in (county, county.parent, county.parent.parent):
        for receiver, suffix in SUFFIX[Level(division.level)].items():
            agency, _ = Agency.objects.get_or_create(division=division, kind=receiver,
                                                     name=f"{division.name}{suffix}")
            if not RoutingEntry.objects.filter(division=division, receiver=receiver,
                                               active=True).exists():
                RoutingEntry.objects.create(division=division, receiver=receiver, agency=agency)
                made += 1
    return made


def _post(username: str) -> Post:
    return Post.objects.select_related("user", "role", "division", "agency").get(
        user__username=username)


def _reports(short: str, county: Division) -> int:
    now = timezone.now()
    teacher = actor_for_post(_post(f"{short}_reporter_school"))
    director = actor_for_post(_post(f"{short}_child_director"))
    hotline = actor_for_post(_post(f"{short}_hotline_operator"))
    police = actor_for_post(_post(f"{short}_police_officer"))
    village = director.post.division_id
    child = Child.objects.filter(division_code__range=prefix_range(village)).order_by("pk").first()
    filed = [
        file_report(teacher, ReportInput(
            situations=["multiple_injuries_abuse"], suspected=["multiple_injuries_abuse"],
            urgency="urgent", what_happened="学生手臂和背部有多处淤青，说是在家被打的。",
            child_name="小雨", child_sex="female", child_age=10, perpetrator="step_parent",
            happened_division_code=village, safety_actions="已通知班主任陪同，暂留学校。"),
            idempotency_key=f"demo-{short}-school", now=now - timedelta(hours=3)),
        file_report(hotline, ReportInput(
            situations=["abandonment"], urgency="imminent",
            what_happened="来电称邻居家两个孩子独自在家已一周，无人照料。",
            happened_place="村东头", happened_division_code=village, caller_name="匿名",
            caller_relationship="邻居"),
            channel="hotline", idempotency_key=f"demo-{short}-call", now=now - timedelta(days=2)),
    ]
    if child is not None:
        filed.append(file_report(director, ReportInput(
            situations=["other_serious_harm"], urgency="not_urgent", child_id=str(child.pk),
            what_happened="走访时孩子说最近常被同学勒索零花钱。", perpetrator="peer"),
            idempotency_key=f"demo-{short}-visit", now=now - timedelta(minutes=20)))
    if filed[0].created:
        act(police, filed[0].report.pk, "acknowledged", now=now - timedelta(hours=2, minutes=30))
    return sum(f.created for f in filed)


def load_reports() -> dict[str, int]:
    """The demo routing table, prefecture police officers and demo reports (idempotent)."""
    if settings.PRODUCTION:
        raise ImproperlyConfigured("Demo reports are never filed in production.")
    made = {"routing": 0, "reports": 0}
    for short, code in DEMO_COUNTIES.items():
        county = Division.objects.get(pk=code)
        with transaction.atomic():
            made["routing"] += _units(county)
            prefecture = county.parent
            agency = Agency.objects.get(division=prefecture, kind="police")
            demo_user(f"{PREFECTURE_USERS[short]}_police_officer", "police_officer", prefecture,
                      agency)
        made["reports"] += _reports(short, county)
    return made
