"""Service pages at request level: the directory (search, add, edit; 403 without a reading
capability, 404 for a provider outside the jurisdiction), the provider staff's referrals (only
their provider's, only what is shared, answers in the service's order), the allowances (the
entitled list, a child's allowances) and the child-profile tag."""

from datetime import date

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from everychild.cases import services as cases
from everychild.cases.tests.factories import COUNTY, NOW, TOWNSHIP, assessment, goals
from everychild.core.outbox import deliver
from everychild.registry.models import Child
from everychild.registry.services import ParentInput, SituationInput, register_child
from everychild.registry.tests.factories import OTHER_COUNTY_VILLAGE, VILLAGE, left_behind
from everychild.services.models import (
    Benefit,
    BenefitStatus,
    ProviderCoverage,
    Referral,
    ReferralState,
    ServiceProvider,
    ServiceType,
)
from everychild.services.services import ProviderInput, ReferralInput, make_referral, save_provider

# clock, director (of the village), social_worker and officer (of the county), supervisor (of
# the township), child and case: the shared fixtures of everychild.cases.tests.fixtures.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def signed_in(client, actor):
    client.force_login(actor.user)
    return client


def text(response) -> str:
    return response.content.decode()


def said(message: str) -> str:
    """A service's message as the page shows it (in the default language, escaped)."""
    with translation.override("zh-hans"):
        return escape(translation.gettext(message))


# --- people, providers, children ----------------------------------------------------------------------



@pytest.fixture
def analyst(make_actor):
    return make_actor("county_analyst", COUNTY)


def make_provider(officer, name="洋县儿童心理服务中心", services=("psychological",),
                  coverage=(COUNTY,), division=COUNTY, **extra) -> ServiceProvider:
    return save_provider(officer, ProviderInput(
        name=name, kind=extra.pop("kind", "psychological"), division_code=division,
        services=list(services), coverage=list(coverage), **extra))


@pytest.fixture
def provider(officer):
    return make_provider(officer, phone="0916-1234567", hours="周一至周五 8:30-17:30",
                         capacity=20, address="洋县城关")


@pytest.fixture
def staff(make_actor, provider):
    """A staff member of the provider (a post whose agency is the provider's)."""
    return make_actor("service_provider", COUNTY, agency=provider.agency)


def orphan(name: str = "李娜", village: str = VILLAGE):
    """Both parents dead: an orphan, entitled to the orphans' basic living allowance."""
    registration = left_behind(name=name, village=village, born=date(2016, 5, 1))
    dead = [SituationInput(kind="dead", since=date(2024, 1, 1))]
    registration.parents = [ParentInput(role="father", name="李父", situations=dead),
                            ParentInput(role="mother", name="赵母", situations=list(dead))]
    return registration


def refer(case, social_worker, supervisor, provider, share=("sex", "age", "village"),
          need="孩子情绪低落，需要心理疏导") -> Referral:
    """Bring the case to implementation (assessments, a plan approved) and refer the child."""
    cases.initial_assessment(social_worker, case.pk, assessment())
    cases.comprehensive_assessment(social_worker, case.pk, assessment())
    plan = cases.save_plan(social_worker, case.pk, goals(), 0)
    cases.submit_plan(social_worker, case.pk, plan.version)
    cases.decide_plan(supervisor, case.pk, True)
    return make_referral(social_worker, case.pk, ReferralInput(
        provider_id=str(provider.pk), service_type="psychological", need=need,
        share=list(share)))


# --- the directory -------------------------------------------------------------------------------------


def test_the_directory_shows_each_provider_and_the_officer_may_add_and_edit(
        client, officer, provider):
    page = signed_in(client, officer).get(reverse("services:directory"))
    body = text(page)
    assert page.status_code == 200
    assert body.count('data-testid="provider-row"') == 1
    assert "洋县儿童心理服务中心" in body
    with translation.override("zh-hans"):
        assert escape(str(ServiceType.PSYCHOLOGICAL.label)) in body
    assert 'data-testid="provider-serves">洋县<' in body  # the county it serves, by name
    assert "0916-1234567" in body and "8:30-17:30" in body and 'data-testid="state-run"' in body
    assert reverse("services:provider_new") in body
    assert reverse("services:provider_edit", kwargs={"provider_id": provider.pk}) in body


def test_a_caseworker_searches_but_may_not_edit_and_an_analyst_is_refused(
        client, social_worker, analyst, officer, provider):
    make_provider(officer, name="洋县法律援助中心", services=("legal_aid",), kind="legal_aid")
    signed_in(client, social_worker)
    everything = text(client.get(reverse("services:directory")))
    assert everything.count('data-testid="provider-row"') == 2
    assert 'data-testid="provider-edit"' not in everything
    assert 'data-testid="provider-add"' not in everything
    legal = text(client.get(reverse("services:directory"), {"service": "legal_aid"}))
    assert "洋县法律援助中心" in legal and "洋县儿童心理服务中心" not in legal
    by_name = text(client.get(reverse("services:directory"), {"text": "心理"}))
    assert by_name.count('data-testid="provider-row"') == 1
    assert signed_in(client, analyst).get(reverse("services:directory")).status_code == 403


def test_an_inactive_provider_shows_only_to_those_who_keep_the_directory(client, officer,
                                                                       social_worker):
    make_provider(officer, name="已停办的服务站", active=False)
    kept = text(signed_in(client, officer).get(reverse("services:directory")))
    assert "已停办的服务站" in kept and 'data-testid="provider-edit"' in kept
    assert "已停办的服务站" not in text(signed_in(client, social_worker)
                                  .get(reverse("services:directory")))


def test_the_directory_by_place_finds_who_serves_a_village(client, officer, provider):
    township_only = make_provider(officer, name="东咀儿童之家", kind="children_centre",
                                  services=("day_care",), coverage=(TOWNSHIP,), division=TOWNSHIP)
    signed_in(client, officer)
    here = text(client.get(reverse("services:directory"), {"code": VILLAGE}))
    assert township_only.name in here and provider.name in here
    elsewhere = "610723002000"  # another township of 洋县
    there = text(client.get(reverse("services:directory"), {"place": elsewhere}))
    assert township_only.name not in there and provider.name in there
    outside = client.get(reverse("services:directory"), {"code": OTHER_COUNTY_VILLAGE})
    assert outside.status_code == 422 and "errorlist" in text(outside)
    assert client.get(reverse("services:directory"), {"code": "12ab"}).status_code == 422


def test_adding_a_provider_and_bad_input_gets_the_services_messages(client, officer):
    signed_in(client, officer)
    form = client.get(reverse("services:provider_new"))
    assert form.status_code == 200 and 'data-testid="provider-form"' in text(form)
    bad = client.post(reverse("services:provider_new"), {"name": "", "kind": "",
                                                        "division_code": "", "extra_codes": ""})
    body = text(bad)
    assert bad.status_code == 422 and not ServiceProvider.objects.exists()
    for message in ("This field is required.", "Choose the kind of provider.",
                    "Choose the county, township or village where it is.",
                    "Choose the services it offers.",
                    "Choose at least one place the provider serves."):
        assert said(message) in body, message
    outside = client.post(reverse("services:provider_new"), {
        "name": "某诊所", "kind": "clinic", "division_code": COUNTY, "services": ["medical"],
        "extra_codes": OTHER_COUNTY_VILLAGE})
    assert outside.status_code == 422 and not ServiceProvider.objects.exists()
    saved = client.post(reverse("services:provider_new"), {
        "name": "洋县中医院", "kind": "clinic", "state_run": "on", "division_code": COUNTY,
        "services": ["medical", "rehabilitation"], "coverage": [COUNTY], "extra_codes": "",
        "phone": "0916-8211111", "capacity": "30", "active": "on"})
    assert saved.status_code == 302
    provider = ServiceProvider.objects.get(name="洋县中医院")
    assert provider.state_run and provider.capacity == 30
    assert {s.service_type for s in provider.services.all()} == {"medical", "rehabilitation"}
    assert list(ProviderCoverage.objects.filter(provider=provider)
                .values_list("prefix", flat=True)) == ["610723"]


def test_editing_a_provider_in_and_outside_the_jurisdiction(client, officer, lc_officer,
                                                            social_worker, provider):
    url = reverse("services:provider_edit", kwargs={"provider_id": provider.pk})
    signed_in(client, officer)
    form = text(client.get(url))
    assert 'value="洋县儿童心理服务中心"' in form and 'value="0916-1234567"' in form
    changed = client.post(url, {
        "name": "洋县儿童心理服务中心", "kind": "psychological", "state_run": "on",
        "division_code": COUNTY, "services": ["psychological", "casework"],
        "coverage": [TOWNSHIP], "extra_codes": VILLAGE[:9] + "999", "active": "on"})
    assert changed.status_code == 422  # an unknown village code
    changed = client.post(url, {
        "name": "洋县儿童心理服务中心", "kind": "psychological", "state_run": "on",
        "division_code": COUNTY, "services": ["psychological", "casework"],
        "coverage": [TOWNSHIP], "extra_codes": other_village(), "active": "on"})
    assert changed.status_code == 302
    assert sorted(ProviderCoverage.objects.filter(provider=provider)
                  .values_list("prefix", flat=True)) == sorted([TOWNSHIP[:9], other_village()])
    assert signed_in(client, lc_officer).get(url).status_code == 404
    assert client.post(url, {"name": "x"}).status_code == 404
    assert signed_in(client, social_worker).get(url).status_code == 403
    assert client.get(reverse("services:provider_new")).status_code == 403


def other_village() -> str:
    """A village of another township of 洋县."""
    from everychild.places.models import Division

    return Division.objects.within("610723002").filter(level=5).order_by("code").first().code


# --- the provider's referrals -----------------------------------------------------------------------


def test_staff_see_their_referral_and_only_what_is_shared(client, child, case, social_worker,
                                                         supervisor, provider, staff):
    referral = refer(case, social_worker, supervisor, provider)
    signed_in(client, staff)
    listing = text(client.get(reverse("services:referrals")))
    assert listing.count('data-testid="referral-row"') == 1 and referral.reference in listing
    assert child.name not in listing  # the name was not shared
    page = client.get(reverse("services:referral", kwargs={"referral_id": referral.pk}))
    body = text(page)
    assert page.status_code == 200 and 'data-testid="shared-info"' in body
    assert "孩子情绪低落" in body and "东咀" in body  # the need; the village (shared)
    assert child.name not in body and "王奶奶" not in body  # neither name nor caregiver
    assert 'data-testid="referral-accept"' in body and 'data-testid="referral-due"' in body


def test_a_shared_name_shows_and_another_provider_gets_404(client, child, case, social_worker,
                                                           supervisor, officer, provider,
                                                           make_actor):
    referral = refer(case, social_worker, supervisor, provider,
                     share=("name", "sex", "age", "caregiver"))
    signed_in(client, make_actor("service_provider", COUNTY, agency=provider.agency))
    body = text(client.get(reverse("services:referral", kwargs={"referral_id": referral.pk})))
    assert child.name in body and "王奶奶" in body
    other = make_provider(officer, name="另一家机构")
    signed_in(client, make_actor("service_provider", COUNTY, agency=other.agency))
    assert client.get(reverse("services:referral",
                              kwargs={"referral_id": referral.pk})).status_code == 404
    assert 'data-testid="referral-row"' not in text(client.get(reverse("services:referrals")))
    answer = client.post(reverse("services:referral_respond",
                                 kwargs={"referral_id": referral.pk}), {"action": "accept"})
    assert answer.status_code == 404
    referral.refresh_from_db()
    assert referral.state == ReferralState.SENT


def test_answers_follow_the_services_order_with_its_messages(client, child, case, social_worker,
                                                             supervisor, provider, staff):
    referral = refer(case, social_worker, supervisor, provider)
    respond = reverse("services:referral_respond", kwargs={"referral_id": referral.pk})
    signed_in(client, staff)
    early = client.post(respond, {"action": "start"})  # not accepted yet
    assert early.status_code == 422 and 'data-testid="respond-error"' in text(early)
    no_reason = client.post(respond, {"action": "decline", "text": ""})
    assert no_reason.status_code == 422 and "errorlist" in text(no_reason)
    referral.refresh_from_db()
    assert referral.state == ReferralState.SENT
    assert client.post(respond, {"action": "accept"}).status_code == 302
    no_outcome = client.post(respond, {"action": "complete", "text": "已完成六次辅导"})
    assert no_outcome.status_code == 422 and "已完成六次辅导" in text(no_outcome)
    done = client.post(respond, {"action": "complete", "text": "已完成六次辅导",
                                 "outcome": "achieved"}, follow=True)
    assert done.status_code == 200
    referral.refresh_from_db()
    assert referral.state == ReferralState.COMPLETED and referral.feedback == "已完成六次辅导"
    listing = text(client.get(reverse("services:referrals"), {"state": "completed"}))
    assert referral.reference in listing
    assert referral.reference not in text(client.get(reverse("services:referrals"),
                                                     {"state": "sent"}))


def test_a_decline_with_its_reason(client, child, case, social_worker, supervisor, provider, staff):
    referral = refer(case, social_worker, supervisor, provider)
    respond = reverse("services:referral_respond", kwargs={"referral_id": referral.pk})
    assert signed_in(client, staff).post(respond, {"action": "decline",
                                                   "text": "本月名额已满"}).status_code == 302
    referral.refresh_from_db()
    assert referral.state == ReferralState.DECLINED and referral.decline_reason == "本月名额已满"


def test_the_referral_pages_need_the_capability(client, social_worker):
    signed_in(client, social_worker)
    assert client.get(reverse("services:referrals")).status_code == 403


# --- allowances ----------------------------------------------------------------------------------------


def test_an_orphan_is_listed_until_a_paying_allowance_is_recorded(client, director, officer,
                                                                 supervisor):
    child = register_child(director, orphan(), today=NOW.date())
    deliver()
    register_child(director, left_behind(name="王小明"), today=NOW.date())  # no allowance due
    signed_in(client, officer)
    page = client.get(reverse("services:entitled"))
    body = text(page)
    assert page.status_code == 200 and body.count('data-testid="entitled-row"') == 1
    assert "李娜" in body and "王小明" not in body and "东咀" in body
    assert reverse("child_detail", kwargs={"child_id": child.pk}) in body
    assert reverse("services:benefit", kwargs={"child_id": child.pk}) in body
    assert 'data-testid="entitled-reason"' in body
    # the township's supervisor sees the same child, filtered by place
    signed_in(client, supervisor)
    assert "李娜" in text(client.get(reverse("services:entitled"), {"place": VILLAGE}))
    assert "李娜" not in text(client.get(reverse("services:entitled"),
                                         {"kind": "de_facto_allowance"}))
    url = reverse("services:benefit", kwargs={"child_id": child.pk})
    applied = client.post(url, {"kind": "orphan_allowance", "status": "applied",
                                "applied_on": "2025-05-20"})
    assert applied.status_code == 302
    listed = text(client.get(reverse("services:entitled")))
    assert "李娜" in listed and 'data-testid="entitled-status"' in listed
    paying = client.post(url, {"kind": "orphan_allowance", "status": "paying",
                               "monthly_amount": "1200", "period_from": "2025-06-01",
                               "paying_office": "洋县民政局"})
    assert paying.status_code == 302
    assert Benefit.objects.get(child=child).status == BenefitStatus.PAYING
    assert 'data-testid="entitled-row"' not in text(client.get(reverse("services:entitled")))
    mine = text(client.get(url))
    assert 'data-testid="benefit-row"' in mine and "1200" in mine and "洋县民政局" in mine


def test_the_benefit_form_shows_the_services_messages_and_guards_access(
        client, director, officer, lc_officer, social_worker):
    child = register_child(director, orphan(), today=NOW.date())
    deliver()
    url = reverse("services:benefit", kwargs={"child_id": child.pk})
    signed_in(client, officer)
    form = client.get(url, {"kind": "orphan_allowance"})
    assert form.status_code == 200 and 'data-testid="benefit-form"' in text(form)
    assert "李娜" in text(form)
    bad = client.post(url, {"kind": "orphan_allowance", "status": "paying"})
    assert bad.status_code == 422 and not Benefit.objects.exists()
    assert text(bad).count('class="errorlist') >= 3  # amount, from when, paying office
    backwards = client.post(url, {"kind": "orphan_allowance", "status": "applied",
                                  "period_from": "2025-06-01", "period_to": "2025-01-01"})
    assert backwards.status_code == 422 and not Benefit.objects.exists()
    assert signed_in(client, lc_officer).get(url).status_code == 404
    assert client.post(url, {"kind": "orphan_allowance", "status": "applied"}).status_code == 404
    assert signed_in(client, social_worker).get(url).status_code == 403
    assert client.get(reverse("services:entitled")).status_code == 403
    assert not Benefit.objects.exists()


def test_the_entitled_list_refuses_a_place_outside(client, officer):
    signed_in(client, officer)
    response = client.get(reverse("services:entitled"), {"place": OTHER_COUNTY_VILLAGE})
    assert response.status_code == 422


# --- the profile's tag ----------------------------------------------------------------------------------


PROFILE = Template("{% load service_tags %}{% child_services child %}")


def test_the_tag_shows_allowances_and_links_by_capability(director, officer):
    child = register_child(director, orphan(), today=NOW.date())
    deliver()
    from everychild.services.services import BenefitInput, record_benefit

    record_benefit(officer, child.pk, BenefitInput(
        kind="orphan_allowance", status="paying", monthly_amount="1200",
        period_from=date(2025, 6, 1), paying_office="洋县民政局"))
    html = PROFILE.render(Context({"actor": officer, "child": child}))
    assert 'data-testid="benefit-row"' in html and "1200" in html and "2025-06-01" in html
    assert reverse("services:benefit", kwargs={"child_id": child.pk}) in html
    assert reverse("transfer_propose", kwargs={"child_id": child.pk}) in html
    plain = PROFILE.render(Context({"actor": director, "child": child}))
    assert 'data-testid="benefit-row"' in plain
    assert 'data-testid="benefit-link"' not in plain and 'data-testid="transfer-link"' not in plain


def test_the_tag_lists_a_pending_transfer_and_hides_the_move_link(director, officer, lc_officer):
    from everychild.registry import transfers

    child = register_child(director, left_behind(), today=NOW.date())
    deliver()
    transfers.propose(officer, child.pk, OTHER_COUNTY_VILLAGE, "随父母到陇川生活")
    child = Child.objects.get(pk=child.pk)
    html = PROFILE.render(Context({"actor": officer, "child": child}))
    assert 'data-testid="child-transfer"' in html and 'data-state="proposed"' in html
    assert 'data-testid="transfer-link"' not in html  # one transfer at a time


def test_the_police_do_not_see_a_childs_allowances(officer, make_actor, child):
    from everychild.services import services

    services.record_benefit(officer, child.pk, services.BenefitInput(kind="other",
                                                                      status="applied"))
    police = make_actor("police_officer", COUNTY)
    template = Template("{% load service_tags %}{% child_services child %}")
    seen_by_police = template.render(Context({"actor": police, "child": child}))
    seen_by_officer = template.render(Context({"actor": officer, "child": child}))
    assert 'data-testid="child-services"' not in seen_by_police
    assert 'data-testid="child-services"' in seen_by_officer
