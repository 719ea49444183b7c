"""The directory, referrals and allowances: a referral's lifecycle and deadline, what a provider
sees (its own referrals, only what is shared), consent for non-state providers, and the children
entitled to an allowance who do not receive it."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from everychild.cases import services as cases
from everychild.cases.tests.factories import COUNTY, LC_COUNTY, NOW, TOWNSHIP, assessment, goals
from everychild.core.outbox import deliver
from everychild.notifications.models import Notification
from everychild.registry.services import register_child
from everychild.registry.tests.factories import VILLAGE, left_behind
from everychild.registry.updates import record_consent
from everychild.services import queries
from everychild.services import services as s
from everychild.services.models import Referral

pytestmark = pytest.mark.django_db
OTHER_TOWNSHIP_VILLAGE = "610723103201"  # a village of 龙亭镇, not the child's township


def provider_input(**changes) -> s.ProviderInput:
    values = dict(name="洋县儿童之家", kind="children_centre", division_code=COUNTY,
                  services=["day_care", "psychological"], coverage=[COUNTY], phone="0916-1234567",
                  hours="周一至周五 8:00-17:30", capacity=40)
    values.update(changes)
    return s.ProviderInput(**values)


@pytest.fixture
def centre(officer):
    return s.save_provider(officer, provider_input())


@pytest.fixture
def centre_staff(centre, make_actor):
    return make_actor("service_provider", COUNTY, agency=centre.agency)


@pytest.fixture
def active_case(case, social_worker, supervisor):
    cases.initial_assessment(social_worker, case.pk, assessment())
    cases.comprehensive_assessment(social_worker, case.pk, assessment())
    plan = cases.save_plan(social_worker, case.pk, goals(), 0)
    cases.submit_plan(social_worker, case.pk, plan.version)
    cases.decide_plan(supervisor, case.pk, True)
    case.refresh_from_db()
    return case


def refer(actor, case, provider, **changes) -> Referral:
    values = dict(provider_id=str(provider.pk), service_type="day_care", need="放学后无人照看")
    values.update(changes)
    return s.make_referral(actor, case.pk, s.ReferralInput(**values))


# --- the directory ---------------------------------------------------------------------------------


def test_a_county_officer_keeps_the_directory(officer, make_actor):
    provider = s.save_provider(officer, provider_input())
    assert provider.agency.kind == "service_provider"
    assert set(provider.services.values_list("service_type", flat=True)) == {"day_care",
                                                                             "psychological"}
    assert list(provider.coverage.values_list("prefix", flat=True)) == [COUNTY[:6]]
    s.save_provider(officer, provider_input(services=["day_care"], coverage=[TOWNSHIP]),
                    provider.pk)
    assert list(provider.coverage.values_list("prefix", flat=True)) == [TOWNSHIP[:9]]
    with pytest.raises(ServiceProviderMissing):
        s.save_provider(make_actor("civil_affairs_officer", LC_COUNTY), provider_input(
            division_code=LC_COUNTY, coverage=[LC_COUNTY]), provider.pk)


ServiceProviderMissing = s.ServiceProvider.DoesNotExist


def test_bad_provider_input_is_refused_with_each_reason(officer, make_actor):
    with pytest.raises(ValidationError) as refused:
        s.save_provider(officer, provider_input(name=" ", kind="bar", services=["spa"],
                                                coverage=[LC_COUNTY], capacity=-1))
    assert {"name", "kind", "services", "coverage", "capacity"} <= set(refused.value.message_dict)
    with pytest.raises(PermissionDenied):
        s.save_provider(make_actor("child_director", VILLAGE), provider_input())


def test_the_directory_is_searched_by_service_and_the_childs_place(centre, officer, social_worker,
                                                                   make_actor):
    clinic = s.save_provider(officer, provider_input(name="磨子桥镇卫生院", kind="clinic",
                                                     services=["medical"], coverage=[TOWNSHIP]))
    village = TOWNSHIP[:9] + "212"
    assert {p.pk for p in queries.providers(social_worker, place=village)} == {centre.pk,
                                                                               clinic.pk}
    assert [p.pk for p in queries.providers(social_worker, "medical", village)] == [clinic.pk]
    other_township_village = OTHER_TOWNSHIP_VILLAGE
    assert [p.pk for p in queries.providers(social_worker, "medical",
                                            other_township_village)] == []
    assert {p.pk for p in queries.providers(officer)} == {centre.pk, clinic.pk}
    assert queries.providers(make_actor("civil_affairs_officer", LC_COUNTY)) == []
    with pytest.raises(PermissionDenied):
        queries.providers(make_actor("county_analyst", COUNTY))


# --- referrals -----------------------------------------------------------------------------------------


def test_a_referral_goes_round_the_loop(active_case, centre, centre_staff, social_worker, clock):
    referral = refer(social_worker, active_case, centre)
    assert referral.state == "sent" and referral.sharing_basis == "statutory"
    assert referral.due_at == NOW + timedelta(days=3)  # Monday + 3 working days
    assert Notification.objects.filter(recipient=centre_staff.user, kind="referral").exists()
    with pytest.raises(ValidationError):
        s.respond(centre_staff, referral.pk, "complete", "done", "achieved")  # not accepted yet
    s.respond(centre_staff, referral.pk, "accept")
    s.respond(centre_staff, referral.pk, "start")
    with pytest.raises(ValidationError):
        s.respond(centre_staff, referral.pk, "complete", "", "achieved")  # feedback required
    s.respond(centre_staff, referral.pk, "complete", "每天放学后在儿童之家写作业", "achieved")
    referral.refresh_from_db()
    assert referral.state == "completed" and referral.loop_closed
    assert referral.feedback.startswith("每天")
    steps = list(active_case.steps.filter(action__startswith="referral_")
                 .values_list("action", flat=True).order_by("at"))
    assert steps == ["referral_sent", "referral_accepted", "referral_started", "referral_completed"]
    assert Notification.objects.filter(recipient=social_worker.user, kind="referral").count() == 3


def test_a_declined_referral_gives_its_reason(active_case, centre, centre_staff, social_worker):
    referral = refer(social_worker, active_case, centre)
    with pytest.raises(ValidationError):
        s.respond(centre_staff, referral.pk, "decline")
    s.respond(centre_staff, referral.pk, "decline", "名额已满")
    referral.refresh_from_db()
    assert referral.state == "declined" and referral.decline_reason == "名额已满"
    with pytest.raises(ValidationError):
        s.cancel_referral(social_worker, referral.pk, "不需要了")  # already closed


def test_referrals_carry_out_an_approved_plan(case, centre, social_worker):
    with pytest.raises(ValidationError):
        refer(social_worker, case, centre)
    assert not Referral.objects.exists()


def test_the_provider_must_offer_the_service_and_serve_the_place(active_case, officer,
                                                                social_worker, centre):
    with pytest.raises(ValidationError) as refused:
        refer(social_worker, active_case, centre, service_type="legal_aid")
    assert "service_type" in refused.value.message_dict
    far = s.save_provider(officer, provider_input(name="另一镇儿童之家",
                                                  coverage=["610723103000"]))
    with pytest.raises(ValidationError) as refused:
        refer(social_worker, active_case, far)
    assert "provider_id" in refused.value.message_dict


def test_a_provider_sees_its_referrals_and_only_what_is_shared(active_case, centre, centre_staff,
                                                              officer, social_worker, make_actor):
    mine = refer(social_worker, active_case, centre, share=["age", "sex"])
    clinic = s.save_provider(officer, provider_input(name="县医院", kind="clinic",
                                                     services=["medical"]))
    theirs = refer(social_worker, active_case, clinic, service_type="medical", need="体检")
    clinic_staff = make_actor("service_provider", COUNTY, agency=clinic.agency)
    assert [r.pk for r in queries.provider_referrals(centre_staff)] == [mine.pk]
    assert [r.pk for r in queries.provider_referrals(clinic_staff)] == [theirs.pk]
    with pytest.raises(Referral.DoesNotExist):
        queries.referral_detail(clinic_staff, mine.pk)
    with pytest.raises(Referral.DoesNotExist):
        s.respond(clinic_staff, mine.pk, "accept")
    shared = queries.shared(queries.referral_detail(centre_staff, mine.pk))
    assert set(shared) == {"age", "sex"} and active_case.child.name not in str(shared)
    assert set(queries.shared(theirs)) == set(s.DEFAULT_SHARED)


def test_a_non_state_provider_needs_consent_or_a_safety_reason(active_case, officer,
                                                              social_worker, director):
    ngo = s.save_provider(officer, provider_input(name="阳光社工服务中心", kind="social_work",
                                                  state_run=False))
    with pytest.raises(ValidationError) as refused:
        refer(social_worker, active_case, ngo)
    assert "同意" in str(refused.value)  # the recorded consent for sharing
    with_reason = refer(social_worker, active_case, ngo, safety_reason="孩子夜间独处，有安全风险")
    assert with_reason.sharing_basis == "safety"
    record_consent(director, active_case.child.pk, "sharing_ngo", "guardian", "王奶奶",
                   NOW.date(), "转介服务", "书面", "一年", today=NOW.date())
    with_consent = refer(social_worker, active_case, ngo, need="心理辅导")
    assert with_consent.sharing_basis == "consent" and with_consent.consent_id is not None


def test_an_unanswered_referral_goes_to_the_supervisor_at_its_deadline(
        active_case, centre, social_worker, supervisor, clock):
    referral = refer(social_worker, active_case, centre)
    clock.move_to(referral.due_at - timedelta(minutes=1))
    assert s.escalate_unanswered() == 0
    clock.move_to(referral.due_at + timedelta(minutes=1))
    assert s.escalate_unanswered() == 1
    assert s.escalate_unanswered() == 0  # once
    assert Notification.objects.filter(recipient=supervisor.user,
                                       kind="referral_unanswered").count() == 1
    assert active_case.steps.filter(action="referral_escalated").exists()


def test_a_child_at_high_risk_gets_an_answer_within_24_hours(active_case, centre, social_worker):
    cases.record_review(social_worker, active_case.pk, cases.ReviewInput(
        risk_level="high", summary="又独自在家", child_views="害怕"))
    referral = refer(social_worker, active_case, centre)
    assert referral.high_risk and referral.due_at == NOW + timedelta(hours=24)


@pytest.mark.django_db(transaction=True)
def test_the_escalation_is_enqueued_for_the_deadline(active_case, centre, social_worker, clock,
                                                     restore_signal_handlers):
    from django.core.management import call_command

    referral = refer(social_worker, active_case, centre)
    call_command("db_worker", batch=True, startup_delay=False, reload=False)
    referral.refresh_from_db()
    assert referral.escalated_at is None  # not due yet: the queued escalation waits
    clock.move_to(referral.due_at + timedelta(seconds=5))
    call_command("db_worker", batch=True, startup_delay=False, reload=False)
    referral.refresh_from_db()
    assert referral.escalated_at is not None


# --- allowances -----------------------------------------------------------------------------------------


@pytest.fixture
def orphan(director):
    from everychild.registry.services import ParentInput, SituationInput

    registration = left_behind(name="李小红", born=date(2014, 9, 9))
    dead = [SituationInput(kind="dead", since=date(2022, 1, 1))]
    registration.parents = [ParentInput(role="father", name="李父", situations=dead),
                            ParentInput(role="mother", name="陈母", situations=dead)]
    registered = register_child(director, registration, today=NOW.date())
    deliver()
    return registered


def test_the_children_entitled_but_not_receiving(orphan, child, officer, supervisor, make_actor):
    assert orphan.categories.filter(until=None, category="orphan").exists()
    found = queries.entitled_not_receiving(officer)
    assert [(e.child.pk, e.kind, e.status) for e in found] == [(orphan.pk, "orphan_allowance", "")]
    s.record_benefit(supervisor, orphan.pk, s.BenefitInput(kind="orphan_allowance",
                                                            status="applied",
                                                            applied_on=NOW.date()))
    assert [e.status for e in queries.entitled_not_receiving(officer)] == ["applied"]
    s.record_benefit(officer, orphan.pk, s.BenefitInput(
        kind="orphan_allowance", status="paying", monthly_amount="1450.00",
        period_from=date(2025, 7, 1), paying_office="洋县民政局"))
    assert queries.entitled_not_receiving(officer) == []
    assert orphan.benefits.get().monthly_amount == 1450
    with pytest.raises(PermissionDenied):
        queries.entitled_not_receiving(make_actor("child_director", child.division_code))
    assert queries.entitled_not_receiving(make_actor("civil_affairs_officer", LC_COUNTY)) == []


def test_a_paid_allowance_is_complete_and_the_two_allowances_exclude_each_other(orphan, officer):
    with pytest.raises(ValidationError) as refused:
        s.record_benefit(officer, orphan.pk, s.BenefitInput(kind="orphan_allowance",
                                                             status="paying",
                                                             monthly_amount="abc"))
    assert {"monthly_amount", "period_from", "paying_office"} <= set(refused.value.message_dict)
    s.record_benefit(officer, orphan.pk, s.BenefitInput(
        kind="orphan_allowance", status="paying", monthly_amount="1450",
        period_from=date(2025, 7, 1), paying_office="洋县民政局"))
    with pytest.raises(ValidationError):
        s.record_benefit(officer, orphan.pk, s.BenefitInput(
            kind="de_facto_allowance", status="paying", monthly_amount="1450",
            period_from=date(2025, 7, 1), paying_office="洋县民政局"))
    assert orphan.events.filter(kind="benefit").count() == 1


def test_children_already_paid_never_hide_one_who_is_not(director, officer):
    from everychild.registry.services import ParentInput, SituationInput

    dead = [SituationInput(kind="dead", since=date(2022, 1, 1))]
    orphans = []
    for n, name in enumerate(["赵一", "钱二", "孙三"]):
        registration = left_behind(name=name, born=date(2013, 1, 1 + n))
        registration.parents = [ParentInput(role="father", situations=dead),
                                ParentInput(role="mother", situations=dead)]
        orphans.append(register_child(director, registration, today=NOW.date()))
    for paid in sorted(orphans, key=lambda c: c.pk)[:2]:
        s.record_benefit(officer, paid.pk, s.BenefitInput(
            kind="orphan_allowance", status="paying", monthly_amount="1450",
            period_from=date(2025, 1, 1), paying_office="洋县民政局"))
    found = queries.entitled_not_receiving(officer, limit=1)
    assert [e.child.pk for e in found] == [max(orphans, key=lambda c: c.pk).pk]
