"""/api/v1/children: the same services as the pages, problem details on bad input."""

from datetime import date

import pytest

from everychild.accounts.services import issue_token
from everychild.registry.tests.factories import VILLAGE, valid_id

BORN = date.today().replace(year=date.today().year - 9, month=3, day=1)
AWAY = {"kind": "migrant_worker", "since": "2020-02-01", "cross_county": True,
        "destination_code": "533124000000"}


def _payload(**child):
    body = {"name": "张伟", "sex": "male", "date_of_birth": BORN.isoformat(),
            "division_code": VILLAGE, "hukou_type": "rural", **child}
    return {"child": body, "household": {"minimum_allowance": False},
            "parents": [{"role": "father", "situations": [AWAY]},
                        {"role": "mother", "situations": [AWAY]}],
            "caregivers": [{"relationship": "grandmother_paternal", "age": 64, "primary": True}]}


@pytest.fixture
def auth(make_actor):
    def for_role(role="child_director", where=VILLAGE):
        actor = make_actor(role, where)
        return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(None, actor.user)}"}
    return for_role


@pytest.mark.django_db
def test_register_then_read_and_search(client, auth):
    headers = auth()
    created = client.post("/api/v1/children", _payload(), content_type="application/json",
                          **headers)
    assert created.status_code == 201, created.content
    body = created.json()
    assert "left_behind" in [c["category"] for c in body["categories"]]
    reasons = next(c for c in body["categories"] if c["category"] == "left_behind")["reasons"]
    assert reasons and all(isinstance(r, str) and r for r in reasons)
    got = client.get(f"/api/v1/children/{body['id']}", **headers)
    assert got.status_code == 200 and got.json()["name"] == "张伟"
    found = client.post("/api/v1/children/search", {"text": "zw"},
                        content_type="application/json", **headers)
    assert [c["id"] for c in found.json()["items"]] == [body["id"]]


@pytest.mark.django_db
def test_bad_input_is_a_problem_with_field_errors(client, auth):
    headers = auth()
    number = valid_id(BORN)
    wrong = number[:-1] + ("1" if number[-1] != "1" else "2")
    response = client.post("/api/v1/children", _payload(id_number=wrong),
                           content_type="application/json", **headers)
    assert response.status_code == 422
    assert "id_number" in response.json()["errors"]
    future = client.post("/api/v1/children", _payload(date_of_birth="2999-01-01"),
                         content_type="application/json", **headers)
    assert future.status_code == 422 and "date_of_birth" in future.json()["errors"]
    unknown = client.post("/api/v1/children", _payload(division_code="999999999999"),
                          content_type="application/json", **headers)
    assert unknown.status_code == 422 and "division_code" in unknown.json()["errors"]


@pytest.mark.django_db
def test_warnings_need_confirmation_and_duplicates_are_refused(client, auth):
    headers = auth()
    mismatched = valid_id(BORN.replace(day=2))
    first = client.post("/api/v1/children", _payload(id_number=mismatched),
                        content_type="application/json", **headers)
    assert first.status_code == 409 and first.json()["warnings"]
    confirmed = client.post("/api/v1/children", {**_payload(id_number=mismatched),
                                                 "confirmed": True},
                            content_type="application/json", **headers)
    assert confirmed.status_code == 201
    again = client.post("/api/v1/children", {**_payload(id_number=mismatched), "confirmed": True},
                        content_type="application/json", **headers)
    assert again.status_code == 409
    assert again.json()["existing_child_id"] == confirmed.json()["id"]


@pytest.mark.django_db
def test_outsiders_and_analysts_get_nothing(client, auth):
    created = client.post("/api/v1/children", _payload(), content_type="application/json",
                          **auth()).json()
    outsider = auth("child_director", "533124101201")
    assert client.get(f"/api/v1/children/{created['id']}", **outsider).status_code == 404
    analyst = auth("county_analyst", "610723000000")
    assert client.get(f"/api/v1/children/{created['id']}", **analyst).status_code == 404
    listed = client.post("/api/v1/children/search", {}, content_type="application/json",
                         **analyst)
    assert listed.status_code == 403
    garbage = client.get("/api/v1/children/not-a-uuid", **auth())
    assert garbage.status_code == 404
