"""Setting a village's urban-rural classification: the service, the web pages and the API, each
with a county officer inside and outside its county and a role without the capability."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from everychild.accounts.services import issue_token
from everychild.audit.models import AuditEvent
from everychild.places.models import Division, UrbanRuralSource
from everychild.places.services import set_urban_rural

YANG_COUNTY, LONGCHUAN_COUNTY = "610723000000", "533124000000"
YANG_VILLAGE = "610723001212"  # 东咀村委会, 洋州街道, 洋县
LONGCHUAN_VILLAGE = "533124101201"  # 章凤村民委员会, 章凤镇, 陇川县
ACTION = "division.urban_rural.set"


def events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=ACTION).order_by("seq"))


def api_put(client: Client, token: str, code: str, body: dict | str):
    return client.put(
        f"/api/v1/places/divisions/{code}/urban-rural",
        data=body if isinstance(body, str) else json.dumps(body),
        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}",
    )


@pytest.fixture
def officer(make_actor):
    """The civil-affairs officer of 洋县."""
    return make_actor("civil_affairs_officer", YANG_COUNTY)


@pytest.fixture
def other_officer(make_actor):
    """The civil-affairs officer of 陇川县, the other demo county."""
    return make_actor("civil_affairs_officer", LONGCHUAN_COUNTY)


@pytest.fixture
def director(make_actor):
    """The child director of the village itself: may not edit divisions."""
    return make_actor("child_director", YANG_VILLAGE)


# --- the service ------------------------------------------------------------------------------

def test_officer_sets_a_village_in_the_county_and_it_is_audited(officer):
    village = set_urban_rural(officer, YANG_VILLAGE, "220", "checked with the township")

    village.refresh_from_db()
    assert village.urban_rural == "220"
    assert village.urban_rural_source == UrbanRuralSource.OFFICER
    assert village.urban_rural_set_by == officer.user
    assert village.urban_rural_set_at is not None
    assert village.is_urban is False
    [event] = events()
    assert event.division_code == YANG_VILLAGE
    assert (event.object_type, event.object_id) == ("division", YANG_VILLAGE)
    assert event.actor_id == officer.user.pk and event.role == "civil_affairs_officer"
    assert event.reason == "checked with the township"
    assert event.detail == {"before": "", "after": "220"}


def test_clearing_the_value_makes_it_unknown_again(officer):
    set_urban_rural(officer, YANG_VILLAGE, "111")
    village = set_urban_rural(officer, YANG_VILLAGE, "")
    assert (village.urban_rural, village.urban_rural_source) == ("", UrbanRuralSource.UNKNOWN)
    assert [e.detail for e in events()] == [{"before": "", "after": "111"},
                                            {"before": "111", "after": ""}]


def test_officer_of_the_other_county_is_refused(other_officer):
    with pytest.raises(PermissionDenied):
        set_urban_rural(other_officer, YANG_VILLAGE, "220")
    assert Division.objects.get(code=YANG_VILLAGE).urban_rural == ""
    assert events() == []
    set_urban_rural(other_officer, LONGCHUAN_VILLAGE, "210")  # its own county is fine


def test_child_director_is_refused(director):
    with pytest.raises(PermissionDenied):
        set_urban_rural(director, YANG_VILLAGE, "220")
    assert events() == []


@pytest.mark.parametrize("value", ["999", "11", "1110", "abc", " 220", "100"])
def test_an_invalid_code_is_a_field_error(officer, value):
    with pytest.raises(ValidationError) as caught:
        set_urban_rural(officer, YANG_VILLAGE, value)
    assert list(caught.value.message_dict) == ["urban_rural"]
    assert Division.objects.get(code=YANG_VILLAGE).urban_rural == ""
    assert events() == []


def test_an_unknown_division_is_a_field_error(officer):
    with pytest.raises(ValidationError) as caught:
        set_urban_rural(officer, "610723999999", "220")
    assert list(caught.value.message_dict) == ["division_code"]


def test_only_villages_carry_a_classification(officer):
    with pytest.raises(ValidationError) as caught:
        set_urban_rural(officer, "610723001000", "121")
    assert list(caught.value.message_dict) == ["urban_rural"]
    assert events() == []


# --- the web pages ----------------------------------------------------------------------------

def page(code: str) -> str:
    return reverse("division_urban_rural", kwargs={"code": code})


def test_officer_edits_on_the_web(client, officer):
    client.force_login(officer.user)
    assert client.get(page(YANG_VILLAGE)).status_code == 200
    response = client.post(page(YANG_VILLAGE), {"urban_rural": "121", "reason": "集镇"})
    assert response.status_code == 302
    assert response["Location"] == reverse("division_detail", kwargs={"code": YANG_VILLAGE})
    village = Division.objects.get(code=YANG_VILLAGE)
    assert (village.urban_rural, village.urban_rural_source) == ("121", UrbanRuralSource.OFFICER)
    assert [e.reason for e in events()] == ["集镇"]
    detail = client.get(reverse("division_detail", kwargs={"code": YANG_VILLAGE}))
    assert detail.status_code == 200 and page(YANG_VILLAGE) in detail.content.decode()


def test_an_invalid_code_on_the_web_is_a_form_error(client, officer):
    client.force_login(officer.user)
    response = client.post(page(YANG_VILLAGE), {"urban_rural": "999"})
    assert response.status_code == 200
    assert "urban_rural" in response.context["form"].errors
    assert Division.objects.get(code=YANG_VILLAGE).urban_rural == ""
    assert events() == []


def test_a_township_on_the_web_is_a_form_error(client, officer):
    client.force_login(officer.user)
    response = client.post(page("610723001000"), {"urban_rural": "121"})
    assert response.status_code == 200
    assert "urban_rural" in response.context["form"].errors
    assert events() == []


@pytest.mark.parametrize("who", ["other_officer", "director"])
def test_others_are_refused_on_the_web(client, request, who):
    actor = request.getfixturevalue(who)
    client.force_login(actor.user)
    assert client.get(page(YANG_VILLAGE)).status_code == 403
    for value in ("220", "999"):  # refused before the form is even read
        assert client.post(page(YANG_VILLAGE), {"urban_rural": value}).status_code == 403
    assert Division.objects.get(code=YANG_VILLAGE).urban_rural == ""
    assert events() == []
    detail = client.get(reverse("division_detail", kwargs={"code": YANG_VILLAGE}))
    assert detail.status_code == 200 and page(YANG_VILLAGE) not in detail.content.decode()


def test_an_unknown_division_on_the_web_is_not_found(client, officer):
    client.force_login(officer.user)
    assert client.get(page("610723999999")).status_code == 404
    assert client.get(reverse("division_detail", kwargs={"code": "610723999999"})).status_code == 404
    assert client.get("/places/abc/").status_code == 404


# --- the API ----------------------------------------------------------------------------------

def test_officer_sets_it_through_the_api(client, officer):
    token = issue_token(None, officer.user)
    response = api_put(client, token, YANG_VILLAGE, {"urban_rural": "112", "reason": "城乡结合"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["code"] == YANG_VILLAGE and body["parent"] == "610723001000"
    assert (body["urban_rural"], body["urban_rural_source"]) == ("112", "officer")
    [event] = events()
    assert (event.reason, event.actor_id) == ("城乡结合", officer.user.pk)


@pytest.mark.parametrize("who", ["other_officer", "director"])
def test_others_are_refused_by_the_api(client, request, who):
    actor = request.getfixturevalue(who)
    response = api_put(client, issue_token(None, actor.user), YANG_VILLAGE, {"urban_rural": "220"})
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["type"] == "urn:everychild:problem:forbidden"
    assert Division.objects.get(code=YANG_VILLAGE).urban_rural == ""
    assert events() == []


@pytest.mark.parametrize(("code", "body", "field"), [
    (YANG_VILLAGE, {"urban_rural": "999"}, "urban_rural"),
    ("610723001000", {"urban_rural": "121"}, "urban_rural"),
    ("610723999999", {"urban_rural": "220"}, "division_code"),
    ("nonsense", {"urban_rural": "220"}, "division_code"),
])
def test_invalid_requests_get_a_422_problem(client, officer, code, body, field):
    response = api_put(client, issue_token(None, officer.user), code, body)
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == "urn:everychild:problem:invalid" and problem["status"] == 422
    assert list(problem["errors"]) == [field]
    assert events() == []


@pytest.mark.parametrize(("body", "status"), [
    ({}, 422), ({"urban_rural": 220.5}, 422), ({"urban_rural": None}, 422), ("not json", 400),
])
def test_a_malformed_body_gets_a_problem(client, officer, body, status):
    response = api_put(client, issue_token(None, officer.user), YANG_VILLAGE, body)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/problem+json")
    assert events() == []


def test_the_api_refuses_without_a_token(client, demo_places):
    response = client.put(f"/api/v1/places/divisions/{YANG_VILLAGE}/urban-rural",
                          data=json.dumps({"urban_rural": "220"}),
                          content_type="application/json")
    assert response.status_code == 401
    assert Division.objects.get(code=YANG_VILLAGE).urban_rural == ""


def test_reading_divisions_through_the_api(client, director):
    token = issue_token(None, director.user)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    one = client.get("/api/v1/places/divisions/610723000000", **headers)
    assert one.status_code == 200 and one.json()["name"] == "洋县"
    children = client.get("/api/v1/places/divisions/610723000000/children", **headers)
    assert children.status_code == 200
    codes = [c["code"] for c in children.json()]
    assert codes == sorted(codes) and all(c.startswith("610723") for c in codes) and codes
    unknown = client.get("/api/v1/places/divisions/610723999999", **headers)
    assert unknown.status_code == 422 and list(unknown.json()["errors"]) == ["division_code"]
