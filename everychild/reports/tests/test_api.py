"""The reporting API: idempotent intake from another system, the receiving units' inbox and
actions, a reporter's status, scoping (404 outside), problem details, local times."""

import pytest

from everychild.accounts.services import issue_token
from everychild.registry.tests.factories import VILLAGE
from everychild.reports.models import Report
from everychild.reports.tests.factories import YX

API = "/api/v1/reports"
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def token(actor):
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(None, actor.user)}"}


def post(client, path, body, headers, **extra):
    return client.post(path, body, content_type="application/json", **headers, **extra)


BODY = {"situations": ["abandonment"], "what_happened": "孩子独自在家已两周",
        "child_name": "小明", "child_age": 7, "happened_division_code": VILLAGE}


def test_intake_with_an_idempotency_key_files_once(client, teacher, units):
    headers = token(teacher)
    first = post(client, API, BODY, headers, HTTP_IDEMPOTENCY_KEY="school-system-42")
    assert first.status_code == 201, first.content
    again = post(client, API, BODY, headers, HTTP_IDEMPOTENCY_KEY="school-system-42")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert again.json()["created"] is False and Report.objects.count() == 1
    other = post(client, API, {**BODY, "child_age": 8}, headers,
                 HTTP_IDEMPOTENCY_KEY="school-system-42")
    assert other.status_code == 422 and "idempotency_key" in other.json()["errors"]
    assert other["Content-Type"] == "application/problem+json"


def test_almost_nothing_known_is_201_with_a_warning(client, teacher, units):
    response = post(client, API, {}, token(teacher))
    assert response.status_code == 201 and response.json()["warnings"]


def test_bad_input_is_422_with_the_field(client, teacher, units):
    response = post(client, API, {**BODY, "situations": ["nope"]}, token(teacher))
    assert response.status_code == 422 and "situations" in response.json()["errors"]
    wrong_type = post(client, API, {**BODY, "child_age": "seven"}, token(teacher))
    assert wrong_type.status_code == 422


def test_the_receiving_unit_reads_and_acknowledges_in_local_time(client, teacher, yx_police,
                                                                 lc_police, units):
    filed = post(client, API, BODY, token(teacher)).json()
    inbox = client.get(f"{API}/inbox", **token(yx_police)).json()
    assert [t["report_id"] for t in inbox["open"]] == [filed["id"]]
    assert inbox["open"][0]["due_at"].endswith("+08:00")
    detail = client.get(f"{API}/{filed['id']}", **token(yx_police))
    assert detail.status_code == 200
    assert detail.json()["reporter"]["name"] == teacher.user.full_name  # receivers only
    assert client.get(f"{API}/{filed['id']}", **token(lc_police)).status_code == 404
    assert client.get(f"{API}/inbox", **token(lc_police)).json()["open"] == []
    done = post(client, f"{API}/{filed['id']}/actions", {"kind": "acknowledged"}, token(yx_police))
    assert done.status_code == 201
    status = client.get(f"{API}/{filed['id']}/status", **token(teacher)).json()
    assert status["acknowledged_at"] and status["received"]
    assert set(status) == {"id", "reference", "filed_at", "received", "acknowledged_at",
                           "acted_on", "outcome_told_at"}


def test_a_reporter_cannot_read_the_report_and_others_cannot_see_its_status(
        client, teacher, make_actor, units):
    filed = post(client, API, BODY, token(teacher)).json()
    assert client.get(f"{API}/{filed['id']}", **token(teacher)).status_code in (403, 404)
    stranger = make_actor("reporter_clinic", YX)
    assert client.get(f"{API}/{filed['id']}/status", **token(stranger)).status_code == 404
    assert client.get(f"{API}/mine", **token(stranger)).json() == []
    assert [r["id"] for r in client.get(f"{API}/mine", **token(teacher)).json()] == [filed["id"]]


def test_metrics_are_aggregates(client, teacher, yx_police, make_actor, units):
    filed = post(client, API, BODY, token(teacher)).json()
    post(client, f"{API}/{filed['id']}/actions", {"kind": "acknowledged"}, token(yx_police))
    analyst = make_actor("county_analyst", YX)
    found = client.get(f"{API}/metrics", **token(analyst)).json()
    police = next(u for u in found["units"] if u["unit"].endswith("公安"))
    assert police["answered"] == 1 and police["share_within_deadline"] == 1.0
    assert "小明" not in str(found) and filed["id"] not in str(found)


def test_routing_table_is_kept_by_administrators(client, make_actor, units):
    admin = make_actor("system_admin", YX)
    table = client.get(f"{API}/routing", **token(admin)).json()
    assert {(r["division_code"], r["receiver"]) for r in table} >= {(YX, "police")}
    police = next(r for r in table if r["division_code"] == YX and r["receiver"] == "police")
    off = post(client, f"{API}/routing/{police['id']}/deactivate", {}, token(admin))
    assert off.status_code == 200 and off.json()["active"] is False
    back = post(client, f"{API}/routing", {"division_code": YX, "receiver": "police",
                                           "agency_name": "洋县公安局未成年人保护大队"}, token(admin))
    assert back.status_code == 201 and back.json()["agency"] == "洋县公安局未成年人保护大队"
    other = make_actor("system_admin", "533124000000")
    assert post(client, f"{API}/routing/{back.json()['id']}/deactivate", {},
                token(other)).status_code == 404
    assert post(client, f"{API}/routing", {"division_code": YX, "receiver": "police",
                                           "agency_name": "x"}, token(other)).status_code == 403
