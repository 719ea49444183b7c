"""Demo cases for the two demo counties, through the real services as the demo users, so every
page has something to show: a case being carried out with a referral waiting for the children's
centre (``*_service_provider``) to answer; a plan waiting for the township supervisor's decision
(``*_child_supervisor``); a new case nobody has assessed, opened days ago so the tick escalates
it; and a closed case whose referral came back. With the service directory and allowances of
``everychild.services.demo``. Idempotent: a county that has cases gets no more."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from everychild.access.policy import Actor, actor_for_post
from everychild.accounts.demo import DEMO_COUNTIES
from everychild.accounts.models import Post
from everychild.cases import services as cases
from everychild.cases.models import Case
from everychild.places.codes import prefix_range
from everychild.places.models import Division
from everychild.registry.models import Child
from everychild.services import demo as directory
from everychild.services import services
from everychild.services.models import ServiceProvider


def _actor(username: str) -> Actor:
    return actor_for_post(Post.objects.select_related("user", "role", "division", "agency")
                          .get(user__username=username))


def _assessment(risk: str, views: str) -> cases.AssessmentInput:
    return cases.AssessmentInput(
        risk_level=risk, summary="祖辈照料能力有限，孩子放学后常无人看管。",
        needs={"care": "放学后无人照看", "education": "作业无人辅导"},
        strengths="奶奶关心孩子，班主任愿意配合。", child_views=views)


GOALS = [{"goal": "孩子放学后有安全的去处", "status": "open", "actions": [
    {"what": "转介到儿童之家参加课后活动", "who": "社会工作者", "by": ""},
    {"what": "每周电话联系外出务工的父母", "who": "儿童主任", "by": ""}]},
    {"goal": "孩子按时完成作业", "status": "open", "actions": [
        {"what": "与班主任商定每周反馈", "who": "社会工作者", "by": ""}]}]


def _goals(now, status: str = "open") -> list[dict]:
    due = (timezone.localtime(now) + timedelta(days=30)).date().isoformat()
    return [{**g, "status": status, "actions": [{**a, "by": due} for a in g["actions"]]}
            for g in GOALS]


def _to_plan_review(case: Case, worker: Actor, start) -> None:
    cases.initial_assessment(worker, case.pk, _assessment("medium", "想和奶奶住，不想去别处。"),
                             now=start + timedelta(hours=20))
    cases.comprehensive_assessment(worker, case.pk, _assessment("medium", "希望放学后有人一起玩。"),
                                   now=start + timedelta(days=3))
    plan = cases.save_plan(worker, case.pk, _goals(start), 0, now=start + timedelta(days=4))
    cases.submit_plan(worker, case.pk, plan.version, now=start + timedelta(days=4))


def _children(*prefixes: str) -> list[Child]:
    """Four children: of the director's village first, then of its township, then its county."""
    found: list[Child] = []
    for prefix in prefixes:
        more = Child.objects.filter(division_code__range=prefix_range(prefix)).exclude(
            pk__in=[c.pk for c in found]).order_by("pk")
        found += list(more[:4 - len(found)])
    return found


def _cases(short: str, county: Division) -> int:
    if Case.objects.filter(division_code__range=prefix_range(county.prefix)).exists():
        return 0
    now = timezone.now()
    worker, director = _actor(f"{short}_social_worker"), _actor(f"{short}_child_director")
    supervisor, officer = _actor(f"{short}_child_supervisor"), _actor(
        f"{short}_civil_affairs_officer")
    children = _children(director.post.division_id, supervisor.post.division.prefix,
                         county.prefix)
    if len(children) < 4:
        return 0
    centre = ServiceProvider.objects.get(name=f"{county.name}儿童之家")
    provider_staff = _actor(f"{short}_service_provider")

    def open_for(child: Child, summary: str, start, caseworker: Actor | None) -> Case:
        opener = caseworker or (director if child.division_code == director.post.division_id
                                else worker)
        return cases.open_case(opener, cases.OpenInput(
            child_id=str(child.pk), summary=summary, source="visit",
            caseworker_post_id=str(caseworker.post.pk) if caseworker else ""), now=start)

    def boss(child: Child) -> Actor:  # the township supervisor, else the county officer
        return supervisor if child.division_code.startswith(supervisor.post.jurisdiction) \
            else officer

    # 1. carried out, a referral waiting for the children's centre
    start = now - timedelta(days=20)
    active = open_for(children[0], "走访发现孩子放学后常独自在家。", start, worker)
    _to_plan_review(active, worker, start)
    cases.decide_plan(boss(children[0]), active.pk, True, now=start + timedelta(days=5))
    services.make_referral(worker, active.pk, services.ReferralInput(
        provider_id=str(centre.pk), service_type="day_care", need="放学后到儿童之家参加活动。",
        goal_id=""), now=now - timedelta(hours=5))
    # 2. a plan waiting for the township supervisor
    start = now - timedelta(days=8)
    own = children[1].division_code == director.post.division_id
    _to_plan_review(open_for(children[1], "学校反映孩子情绪低落、常缺课。", start,
                             director if own else worker), director if own else worker, start)
    # 3. new, unassessed and overdue: the tick tells the caseworker's supervisors
    open_for(children[2], "邻居反映孩子晚上一个人在家。", now - timedelta(days=5), None)
    # 4. closed: the referral came back, the goals were met
    start = now - timedelta(days=60)
    done = open_for(children[3], "奶奶生病住院，孩子无人照料。", start, worker)
    _to_plan_review(done, worker, start)
    cases.decide_plan(boss(children[3]), done.pk, True, now=start + timedelta(days=5))
    referral = services.make_referral(worker, done.pk, services.ReferralInput(
        provider_id=str(centre.pk), service_type="day_care", need="奶奶住院期间的日间照料。"),
        now=start + timedelta(days=6))
    services.respond(provider_staff, referral.pk, "accept", now=start + timedelta(days=7))
    services.respond(provider_staff, referral.pk, "complete", "孩子每天放学后在儿童之家，奶奶已出院。",
                     "achieved", now=start + timedelta(days=40))
    goals = cases.plan_goals(Case.objects.get(pk=done.pk).plan)
    cases.record_review(worker, done.pk, cases.ReviewInput(
        risk_level="low", summary="奶奶出院，照料恢复。", child_views="很开心奶奶回家了。",
        goal_status={g["id"]: "met" for g in goals}), now=start + timedelta(days=41))
    cases.request_closure(worker, done.pk, "goals_met", "目标均已达成，孩子安全。",
                          now=start + timedelta(days=42))
    cases.decide_closure(boss(children[3]), done.pk, True, now=start + timedelta(days=43))
    return 4


def load_cases() -> dict[str, int]:
    """The demo directory, allowances and cases (idempotent)."""
    if settings.PRODUCTION:
        raise ImproperlyConfigured("Demo cases are never created in production.")
    made = {"providers": 0, "allowances": 0, "cases": 0}
    for short, code in DEMO_COUNTIES.items():
        county = Division.objects.get(pk=code)
        with transaction.atomic():
            made["providers"] += directory.load_directory(short, county)
            made["allowances"] += directory.load_benefits(short, county)
            made["cases"] += _cases(short, county)
    return made
