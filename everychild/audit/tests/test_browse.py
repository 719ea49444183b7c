"""Administrators browse audit events within their own jurisdiction, and the browse is audited."""

import pytest

from everychild.accounts.services import issue_token
from everychild.audit.models import AuditEvent
from everychild.audit.services import record
from everychild.audit.verify import verify_all

from .conftest import LONGCHUAN_VILLAGE, YANG_VILLAGE

pytestmark = pytest.mark.django_db

API = "/api/v1/audit/events"


@pytest.fixture
def events_in_both_counties(db):
    yang = [record(None, "child.view", division_code=YANG_VILLAGE, object_type="child",
                   object_id=f"y{n}") for n in range(3)]
    longchuan = [record(None, "child.view", division_code=LONGCHUAN_VILLAGE,
                        object_type="child", object_id=f"l{n}") for n in range(2)]
    return yang, longchuan


@pytest.fixture
def yang_admin(make_actor):
    return make_actor("system_admin", "610723000000")


def browses() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="audit.browse").order_by("at", "seq"))


def bearer(actor) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(None, actor.user)}"}


def test_the_page_shows_only_events_in_the_admins_jurisdiction(
    client, yang_admin, events_in_both_counties
):
    yang, _ = events_in_both_counties
    client.force_login(yang_admin.user)
    page = client.get("/audit/")
    assert page.status_code == 200
    rows = page.context["rows"]
    assert {e.id for e in rows} == {e.id for e in yang}
    assert all(e.division_code.startswith("610723") for e in rows)
    body = page.content.decode()  # the object cells (a bare "l0" may be in a random token)
    assert "<td>child y0</td>" in body and "<td>child l0</td>" not in body


def test_the_page_records_the_browse_with_its_filter_and_ids(
    client, yang_admin, events_in_both_counties
):
    yang, _ = events_in_both_counties
    client.force_login(yang_admin.user)
    page = client.get("/audit/", {"object_type": "child", "division_prefix": "610723001"})
    shown = [str(e.id) for e in page.context["rows"]]
    assert sorted(shown) == sorted(str(e.id) for e in yang)
    [browse] = browses()
    assert browse.actor_id == yang_admin.user.pk and browse.role == "system_admin"
    assert browse.division_code == "610723000000" and browse.object_type == "audit_event"
    assert browse.request_id == page["X-Request-Id"]
    assert browse.detail == {
        "filter": {"object_type": "child", "division_prefix": "610723001"},
        "count": len(shown),
        "ids": shown,
    }
    client.get("/audit/")
    assert len(browses()) == 2  # one event per request
    assert verify_all() == []


def test_a_provincial_admin_sees_the_counties_of_the_province(client, make_actor, events_in_both_counties):
    yang, longchuan = events_in_both_counties
    admin = make_actor("system_admin", "610000000000")  # province of Shaanxi
    client.force_login(admin.user)
    rows = client.get("/audit/").context["rows"]
    assert {e.id for e in rows} == {e.id for e in yang}


@pytest.mark.parametrize("role", ["child_director", "civil_affairs_officer", "county_analyst"])
def test_the_page_refuses_roles_without_audit_view(client, make_actor, role,
                                                   events_in_both_counties):
    actor = make_actor(role, "610723000000")
    client.force_login(actor.user)
    assert client.get("/audit/").status_code == 403
    assert browses() == []


@pytest.mark.parametrize("params", [
    {"division_prefix": "61a"},
    {"division_prefix": "６１"},
    {"division_prefix": "1234567890123"},
    {"since": "2026-13-45"},
    {"until": "yesterday"},
])
def test_bad_filters_are_form_errors(client, yang_admin, events_in_both_counties, params):
    client.force_login(yang_admin.user)
    page = client.get("/audit/", params)
    assert page.status_code == 200
    assert page.context["form"].errors and page.context["rows"] == []


@pytest.mark.parametrize("params", [
    {"since": "0001-01-01"},
    {"until": "9999-12-31"},
    {"since": "9999-12-31", "until": "0001-01-01"},
    {"page": "nonsense"},
    {"page": "999"},
])
def test_extreme_filters_are_not_server_errors(client, yang_admin, events_in_both_counties,
                                               params):
    client.force_login(yang_admin.user)
    assert client.get("/audit/", params).status_code == 200


def test_date_filters_narrow_the_page(client, yang_admin, events_in_both_counties):
    client.force_login(yang_admin.user)
    assert len(client.get("/audit/", {"since": "2000-01-01"}).context["rows"]) == 3
    assert client.get("/audit/", {"until": "2000-01-01"}).context["rows"] == []


def test_the_api_lists_only_events_in_the_callers_jurisdiction(
    client, yang_admin, events_in_both_counties
):
    yang, _ = events_in_both_counties
    auth = bearer(yang_admin)  # issuing the token is itself an event in 洋县
    response = client.get(API, **auth)
    assert response.status_code == 200
    body = response.json()
    assert all(e["division_code"].startswith("610723") for e in body)
    assert {e["id"] for e in body} >= {str(e.id) for e in yang}
    assert {e["action"] for e in body} == {"child.view", "token.issue"}
    [browse] = browses()
    assert browse.detail["ids"] == [e["id"] for e in body]
    assert browse.detail["count"] == len(body)


def test_the_api_records_the_filter(client, yang_admin, events_in_both_counties):
    auth = bearer(yang_admin)
    response = client.get(API, {"action": "child.view", "limit": 2}, **auth)
    assert response.status_code == 200 and len(response.json()) == 2
    [browse] = browses()
    assert browse.detail["filter"] == {"action": "child.view"}
    assert browse.request_id == response["X-Request-Id"]


def test_the_api_refuses_roles_without_audit_view(client, make_actor, events_in_both_counties):
    officer = make_actor("civil_affairs_officer", "610723000000")
    response = client.get(API, **bearer(officer))
    assert response.status_code == 403
    assert browses() == []


def test_the_api_refuses_anonymous_callers(client, events_in_both_counties):
    assert client.get(API).status_code == 401


@pytest.mark.parametrize("params", [
    {"division_prefix": "61a"},
    {"division_prefix": "６１"},
    {"division_prefix": "1234567890123"},
    {"since": "2026-13-45"},
    {"until": "nope"},
    {"limit": "many"},
])
def test_the_api_answers_bad_filters_with_422(client, yang_admin, events_in_both_counties,
                                              params):
    response = client.get(API, params, **bearer(yang_admin))
    assert response.status_code == 422
    assert browses() == []


@pytest.mark.parametrize("params", [
    {"since": "0001-01-01", "until": "9999-12-31"},
    {"limit": "-5"},
    {"limit": "100000"},
])
def test_the_api_survives_extreme_filters(client, yang_admin, events_in_both_counties, params):
    assert client.get(API, params, **bearer(yang_admin)).status_code == 200
