"""Demo service directory and allowances for the two demo counties, through the real services
as each county's civil-affairs officer: a children's centre (whose staff is the demo
``*_service_provider`` user), a hospital, legal aid, a rehabilitation centre, the social-assistance
office and a non-state social-work organisation; and the allowances of about half of the orphans
and de facto unsupported children, so the "entitled but not receiving" list shows the rest.
Idempotent: a provider already listed, or an allowance already recorded, is left as it is."""

from datetime import date

from django.utils import timezone

from everychild.access.policy import Actor, actor_for_post
from everychild.accounts.models import Post
from everychild.places.models import Division
from everychild.registry.models import ChildCategory
from everychild.rules.benefits import ORPHAN_ALLOWANCE
from everychild.services.models import Benefit, ServiceProvider
from everychild.services.services import BenefitInput, ProviderInput, record_benefit, save_provider

# (name suffix, kind, state-run, services, hours, capacity); the first is the demo users' centre.
PROVIDERS = (
    ("儿童之家", "children_centre", True, ["day_care", "parenting", "psychological"],
     "周一至周五 15:00-19:00，周六 9:00-17:00", 40),
    ("人民医院", "clinic", True, ["medical", "forensic"], "全天", None),
    ("法律援助中心", "legal_aid", True, ["legal_aid"], "工作日 8:30-17:30", None),
    ("残疾儿童康复中心", "disability_day_care", True, ["rehabilitation", "day_care"],
     "工作日 8:00-17:00", 30),
    ("民政局社会救助股", "social_assistance", True, ["social_assistance"], "工作日 8:30-17:30",
     None),
    ("阳光社会工作服务中心", "social_work", False, ["casework", "psychological", "parenting"],
     "工作日 9:00-18:00", 60),
)
MONTHLY = {"orphan_allowance": "1450.00", "de_facto_allowance": "1450.00"}


def officer_of(short: str) -> Actor:
    return actor_for_post(Post.objects.select_related("user", "role", "division", "agency")
                          .get(user__username=f"{short}_civil_affairs_officer"))


def load_directory(short: str, county: Division) -> int:
    officer = officer_of(short)
    made = 0
    for suffix, kind, state_run, services, hours, capacity in PROVIDERS:
        name = f"{county.name}{suffix}"
        if ServiceProvider.objects.filter(name=name, division_code=county.code).exists():
            continue
        save_provider(officer, ProviderInput(
            name=name, kind=kind, state_run=state_run, division_code=county.code,
            services=services, coverage=[county.code], hours=hours, capacity=capacity,
            phone="0000-0000000", address=f"{county.name}城区"))
        made += 1
    return made


def load_benefits(short: str, county: Division) -> int:
    """Half of the county's entitled children get a paying allowance; the rest wait."""
    officer = officer_of(short)
    entitled = (ChildCategory.objects.filter(division_code__startswith=county.code[:6], until=None,
                                             category__in=["orphan", "de_facto_unsupported"])
                .order_by("child_id").values_list("child_id", "category"))
    made = 0
    start = timezone.localdate().replace(day=1)
    for n, (child_id, category) in enumerate(entitled):
        kind = ORPHAN_ALLOWANCE if category == "orphan" else "de_facto_allowance"
        if n % 2 or Benefit.objects.filter(child_id=child_id, kind=kind).exists():
            continue
        record_benefit(officer, child_id, BenefitInput(
            kind=kind, status="paying", monthly_amount=MONTHLY[kind],
            period_from=date(start.year, 1, 1), paying_office=f"{county.name}民政局"))
        made += 1
    return made
