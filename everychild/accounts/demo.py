"""Demo places and users: every role in 洋县 Yang County and 陇川县 Longchuan County."""

from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Q

from everychild.accounts.models import Agency, AgencyKind, Post, Role, User
from everychild.accounts.roles import ROLE_SEEDS, seed_roles
from everychild.places.codes import NATION_CODE, Level
from everychild.places.importer import import_divisions
from everychild.places.models import Division

DEMO_DIVISIONS = Path(__file__).resolve().parent.parent / "places" / "data" / "demo"
DEMO_PASSWORD = "everychild-demo"
DEMO_COUNTIES = {"yx": "610723000000", "lc": "533124000000"}
AGENCY_FOR_ROLE = {
    "police_officer": (AgencyKind.POLICE, "公安局"),
    "procurator": (AgencyKind.PROCURATORATE, "人民检察院"),
    "one_stop_staff": (AgencyKind.ONE_STOP, "未成年人一站式询问救助中心"),
    "civil_affairs_officer": (AgencyKind.CIVIL_AFFAIRS, "民政局"),
    "hotline_operator": (AgencyKind.HOTLINE, "12345热线"),
    "service_provider": (AgencyKind.SERVICE_PROVIDER, "儿童之家"),
    "reporter_school": (AgencyKind.SCHOOL, "中心小学"),
    "reporter_clinic": (AgencyKind.CLINIC, "卫生院"),
    "reporter_village_committee": (AgencyKind.VILLAGE_COMMITTEE, "村民委员会"),
}


# Demo users other apps add at the demo prefectures (汉中市 hz_, 德宏州 dh_), e.g. the police
# officers that escalated reports reach.
EXTRA_DEMO_USERS = r"^(hz|dh)_"
DEMO_NAMES = ("王丽", "李娜", "张伟", "刘洋", "陈静", "杨敏", "赵军", "黄磊", "周芳", "吴霞", "徐强")


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    role_name: str
    jurisdiction: str
    jurisdiction_name: str
    password: str

    def as_dict(self) -> dict:
        return asdict(self)


def _place_for(level: str, county: Division) -> Division:
    if level == "nation":
        return Division.objects.get(pk=NATION_CODE)
    if level == "province":
        return county.parent.parent
    if level == "county":
        return county
    # Directors work in a rural village (村民委员会); their supervisor in its township.
    village = (Division.objects.within(county.prefix).filter(level=Level.VILLAGE,
               name__regex=r"村(民)?委员?会$").order_by("code").first())
    return village.parent if level == "township" else village


def _user(username: str, full_name: str) -> User:
    user, _ = User.objects.get_or_create(username=username, defaults={"full_name": full_name})
    user.set_password(DEMO_PASSWORD)
    user.is_active = True
    user.save()
    return user


def load_demo() -> list[DemoUser]:
    """Import the demo divisions and create (or refresh) the demo users. Idempotent."""
    if settings.PRODUCTION:
        raise ImproperlyConfigured("Demo users are never created in production.")
    with transaction.atomic():
        import_divisions(DEMO_DIVISIONS)
        seed_roles(Role)
        for short, county_code in DEMO_COUNTIES.items():
            county = Division.objects.get(pk=county_code)
            for seed in ROLE_SEEDS:
                if seed.level == "nation" and short != "yx":
                    continue  # one national analyst
                place = _place_for(seed.level, county)
                agency = None
                if seed.code in AGENCY_FOR_ROLE:
                    kind, suffix = AGENCY_FOR_ROLE[seed.code]
                    name = f"{county.name}{suffix}"
                    agency, _ = Agency.objects.get_or_create(
                        division=place if place.level >= Level.COUNTY else county,
                        kind=kind, name=name,
                    )
                username = seed.code if seed.level == "nation" else f"{short}_{seed.code}"
                demo_user(username, seed.code, place, agency)
    return demo_users()


def demo_user(username: str, role: str, place: Division, agency: Agency | None = None) -> Post:
    """A demo user (password ``DEMO_PASSWORD``) with one post; idempotent."""
    user = _user(username, DEMO_NAMES[len(username) % len(DEMO_NAMES)])
    post, _ = Post.objects.get_or_create(user=user, role_id=role, division=place,
                                         defaults={"agency": agency})
    return post


def demo_users() -> list[DemoUser]:
    """The demo users with their posts, as printed by ``everychild demo-users``."""
    result = []
    posts = (Post.objects.filter(Q(user__username__in=_demo_usernames())
                                 | Q(user__username__regex=EXTRA_DEMO_USERS))
             .select_related("user", "role", "division").order_by("division_id", "role__sort_order"))
    for post in posts:
        result.append(DemoUser(post.user.username, post.role_id, post.role.name_zh,
                               post.division_id, post.division.name, DEMO_PASSWORD))
    return result


def _demo_usernames() -> list[str]:
    names = []
    for short in DEMO_COUNTIES:
        for seed in ROLE_SEEDS:
            names.append(seed.code if seed.level == "nation" else f"{short}_{seed.code}")
    return names
