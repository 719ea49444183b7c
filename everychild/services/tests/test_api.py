"""The services API: the directory (no personal data; kept by county officers), a provider's side
of referrals (only the referrals made to its provider, and of the child only what is shared),
answering them, and allowances (the children entitled and not receiving one; recording one).
Scoping, 403 without the capability, 422 problem details, local times, the OpenAPI document."""

import pytest

from everychild.audit.models import AuditEvent
from everychild.cases.tests.factories import COUNTY, LC_COUNTY, NOW
from everychild.core.outbox import deliver
from everychild.registry.models import ChildCategory
from everychild.registry.services import register_child
from everychild.registry.tests.factories import VILLAGE
from everychild.services import services
from everychild.services.models import Benefit, Referral, ServiceProvider
from everychild.services.tests.builders import get, make_provider, orphan, send, to_implementation

API = "/api/v1/services"
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]
PROVIDER = {"name": "洋县儿童之家", "kind": "children_centre", "division_code": COUNTY,
            "services": ["day_care", "psychological"], "coverage": [COUNTY],
            "phone": "0916-1234567", "capacity": 40}


def problem_of(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


@pytest.fixture
def provider(officer):
    return make_provider(officer)


@pytest.fixture
def staff(make_actor, provider):
    """Service-provider staff: a post whose agency is the provider's."""
    return make_actor("service_provider", COUNTY, agency=provider.agency)


@pytest.fixture
def referral(case, social_worker, supervisor, provider):
    """A referral of the case to the provider that shares the child's sex and age, not the name."""
    to_implementation(case, social_worker, supervisor)
    return services.make_referral(social_worker, case.pk, services.ReferralInput(
        provider_id=str(provider.pk), service_type="psychological", need="情绪低落，需要心理辅导",
        share=["sex", "age"]))


# --- the directory ---------------------------------------------------------------------------------


def test_county_officers_keep_the_directory(client, officer, make_actor):
    added = send(client, "post", f"{API}/providers", PROVIDER, officer)
    assert added.status_code == 201, added.content
    found = added.json()
    assert found["services"] == ["day_care", "psychological"] and found["coverage"] == ["610723"]
    assert found["updated_at"].endswith("+08:00")
    changed = send(client, "put", f"{API}/providers/{found['id']}",
                   {**PROVIDER, "services": ["day_care"], "active": False}, officer)
    assert changed.status_code == 200 and changed.json()["services"] == ["day_care"]
    assert ServiceProvider.objects.get(pk=found["id"]).active is False
    other = make_actor("civil_affairs_officer", LC_COUNTY)
    problem_of(send(client, "put", f"{API}/providers/{found['id']}",
                    {**PROVIDER, "division_code": LC_COUNTY, "coverage": [LC_COUNTY]}, other), 404)
    problem_of(send(client, "put", f"{API}/providers/not-a-uuid", PROVIDER, officer), 404)
    outside = send(client, "post", f"{API}/providers", {**PROVIDER, "coverage": [LC_COUNTY]},
                   officer)
    assert "coverage" in problem_of(outside, 422)["errors"]
    problem_of(send(client, "post", f"{API}/providers", {**PROVIDER, "services": "all"}, officer),
               422)


def test_only_county_officers_add_providers(client, social_worker, staff):
    problem_of(send(client, "post", f"{API}/providers", PROVIDER, social_worker), 403)
    problem_of(send(client, "post", f"{API}/providers", PROVIDER, staff), 403)


def test_the_directory_is_searched_by_service_and_place(client, social_worker, officer, provider,
                                                        make_actor):
    other = make_provider(officer, name="洋县医院", services=("medical",), kind="clinic")
    by_service = get(client, f"{API}/providers", social_worker, service_type="psychological")
    assert [p["id"] for p in by_service.json()] == [str(provider.pk)]
    by_place = get(client, f"{API}/providers", social_worker, place=VILLAGE)
    assert {p["id"] for p in by_place.json()} == {str(provider.pk), str(other.pk)}
    assert get(client, f"{API}/providers", social_worker, text="医院").json()[0]["id"] == \
        str(other.pk)
    lc_worker = make_actor("social_worker", LC_COUNTY)
    assert get(client, f"{API}/providers", lc_worker).json() == []
    one = get(client, f"{API}/providers/{provider.pk}", social_worker)
    assert one.status_code == 200 and one.json()["name"] == provider.name
    problem_of(get(client, f"{API}/providers/{other.agency_id}", social_worker), 404)
    problem_of(get(client, f"{API}/providers/nope", social_worker), 404)
    problem_of(get(client, f"{API}/providers", social_worker, service_type="magic"), 422)


def test_roles_without_cases_or_the_directory_get_403(client, make_actor, provider):
    analyst = make_actor("county_analyst", COUNTY)
    problem_of(get(client, f"{API}/providers", analyst), 403)
    problem_of(get(client, f"{API}/providers/{provider.pk}", analyst), 403)


# --- the provider's side -----------------------------------------------------------------------------


def test_a_provider_sees_its_referrals_and_only_what_is_shared(client, staff, referral, officer,
                                                               make_actor):
    found = get(client, f"{API}/referrals", staff)
    assert found.status_code == 200, found.content
    [item] = found.json()
    assert item["id"] == str(referral.pk) and item["reference"] == referral.reference
    assert item["shared"] == {"sex": "male", "age": 10}
    assert item["need"] == "情绪低落，需要心理辅导" and item["state"] == "sent"
    assert item["due_at"].endswith("+08:00") and item["sent_at"].endswith("+08:00")
    assert "张伟" not in found.content.decode() and VILLAGE not in found.content.decode()
    assert str(referral.child_id) not in found.content.decode()
    assert str(referral.case_id) not in found.content.decode()
    assert AuditEvent.objects.filter(action="referral.list").exists()
    one = get(client, f"{API}/referrals/{referral.pk}", staff)
    assert one.status_code == 200 and "张伟" not in one.content.decode()
    # another provider's staff see nothing of it
    elsewhere = make_provider(officer, name="洋县社工站", kind="social_work")
    other_staff = make_actor("service_provider", COUNTY, agency=elsewhere.agency)
    assert get(client, f"{API}/referrals", other_staff).json() == []
    problem_of(get(client, f"{API}/referrals/{referral.pk}", other_staff), 404)
    problem_of(send(client, "post", f"{API}/referrals/{referral.pk}/respond", {"action": "accept"},
                    other_staff), 404)


def test_the_name_is_shown_when_it_was_shared(client, staff, case, social_worker, supervisor,
                                              provider):
    to_implementation(case, social_worker, supervisor)
    services.make_referral(social_worker, case.pk, services.ReferralInput(
        provider_id=str(provider.pk), service_type="psychological", need="放学后无人照看",
        share=["name", "age"]))
    [item] = get(client, f"{API}/referrals", staff).json()
    assert item["shared"] == {"name": "张伟", "age": 10}


def test_caseworkers_are_not_providers(client, social_worker, referral):
    problem_of(get(client, f"{API}/referrals", social_worker), 403)
    problem_of(get(client, f"{API}/referrals/{referral.pk}", social_worker), 404)


def test_a_provider_answers_in_order(client, staff, referral, social_worker):
    path = f"{API}/referrals/{referral.pk}/respond"
    early = send(client, "post", path, {"action": "start"}, staff)
    assert "action" in problem_of(early, 422)["errors"]
    assert "action" in problem_of(send(client, "post", path, {"action": "ignore"}, staff),
                                  422)["errors"]
    problem_of(send(client, "post", path, {}, staff), 422)
    accepted = send(client, "post", path, {"action": "accept"}, staff)
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    assert accepted.json()["answered_at"].endswith("+08:00")
    incomplete = send(client, "post", path, {"action": "complete"}, staff)
    assert {"text", "outcome"} <= set(problem_of(incomplete, 422)["errors"])
    done = send(client, "post", path, {"action": "complete", "text": "已完成八次辅导",
                                       "outcome": "achieved"}, staff)
    assert done.status_code == 200 and done.json()["state"] == "completed"
    assert Referral.objects.get(pk=referral.pk).feedback == "已完成八次辅导"
    record = get(client, f"/api/v1/cases/{referral.case_id}", social_worker).json()
    assert record["referrals"][0]["loop_closed"] is True and record["loop_closed"] is True
    assert record["referrals"][0]["feedback"] == "已完成八次辅导"


def test_a_declined_referral_needs_a_reason(client, staff, referral):
    path = f"{API}/referrals/{referral.pk}/respond"
    assert "text" in problem_of(send(client, "post", path, {"action": "decline"}, staff),
                                422)["errors"]
    declined = send(client, "post", path, {"action": "decline", "text": "名额已满"}, staff)
    assert declined.json()["state"] == "declined" and declined.json()["decline_reason"] == "名额已满"


# --- allowances -------------------------------------------------------------------------------------


@pytest.fixture
def orphan_child(director):
    registered = register_child(director, orphan(), today=NOW.date())
    deliver()
    assert ChildCategory.objects.filter(child=registered, category="orphan", until=None).exists()
    return registered


def test_children_entitled_and_not_receiving_an_allowance(client, officer, supervisor,
                                                          orphan_child, child, make_actor):
    found = get(client, f"{API}/benefits/entitled", officer)
    assert found.status_code == 200, found.content
    [row] = found.json()
    assert row["child_id"] == str(orphan_child.pk) and row["child_name"] == "李娜"
    assert row["kind"] == "orphan_allowance" and row["status"] == "" and row["reason"]
    assert AuditEvent.objects.filter(action="benefit.entitled").exists()
    assert get(client, f"{API}/benefits/entitled", supervisor, kind="de_facto_allowance"
               ).json() == []
    problem_of(get(client, f"{API}/benefits/entitled", officer, kind="lottery"), 422)
    problem_of(get(client, f"{API}/benefits/entitled", officer, place=LC_COUNTY), 403)
    problem_of(get(client, f"{API}/benefits/entitled", make_actor("social_worker", COUNTY)), 403)
    assert get(client, f"{API}/benefits/entitled", make_actor("civil_affairs_officer", LC_COUNTY)
               ).json() == []


def test_recording_an_allowance(client, officer, orphan_child, director, make_actor):
    path = f"{API}/benefits/{orphan_child.pk}"
    applied = send(client, "post", path, {"kind": "orphan_allowance", "status": "applied",
                                          "applied_on": "2025-05-20"}, officer)
    assert applied.status_code == 200, applied.content
    assert applied.json()["status"] == "applied"
    [row] = get(client, f"{API}/benefits/entitled", officer).json()
    assert row["status"] == "applied"
    paying = send(client, "post", path, {"kind": "orphan_allowance", "status": "paying"}, officer)
    assert {"monthly_amount", "period_from", "paying_office"} <= set(
        problem_of(paying, 422)["errors"])
    bad_amount = send(client, "post", path, {"kind": "orphan_allowance", "status": "paying",
                                             "monthly_amount": "lots", "period_from": "2025-06-01",
                                             "paying_office": "洋县民政局"}, officer)
    assert "monthly_amount" in problem_of(bad_amount, 422)["errors"]
    problem_of(send(client, "post", path, {"kind": "orphan_allowance", "status": "paying",
                                           "period_from": "June"}, officer), 422)
    paid = send(client, "post", path, {"kind": "orphan_allowance", "status": "paying",
                                       "monthly_amount": 1200, "period_from": "2025-06-01",
                                       "paying_office": "洋县民政局"}, officer)
    assert paid.status_code == 200, paid.content
    assert paid.json()["period_from"] == "2025-06-01"
    assert Benefit.objects.get(child=orphan_child).monthly_amount == 1200
    assert get(client, f"{API}/benefits/entitled", officer).json() == []
    problem_of(send(client, "post", path, {"kind": "orphan_allowance", "status": "applied"},
                    director), 403)
    problem_of(send(client, "post", path, {"kind": "orphan_allowance", "status": "applied"},
                    make_actor("civil_affairs_officer", LC_COUNTY)), 404)
    problem_of(send(client, "post", f"{API}/benefits/not-a-child",
                    {"kind": "orphan_allowance", "status": "applied"}, officer), 404)


# --- the OpenAPI document ---------------------------------------------------------------------------


def test_the_openapi_document_lists_the_services_paths(client):
    document = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/services/providers", "/api/v1/services/providers/{provider_id}",
                 "/api/v1/services/referrals", "/api/v1/services/referrals/{referral_id}",
                 "/api/v1/services/referrals/{referral_id}/respond",
                 "/api/v1/services/benefits/entitled", "/api/v1/services/benefits/{child_id}"):
        assert path in document["paths"], path
    responses = document["paths"]["/api/v1/services/referrals/{referral_id}"]["get"]["responses"]
    assert {"200", "403", "404"} <= set(responses)
