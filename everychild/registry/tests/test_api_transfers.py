"""The transfers API: proposing a child's move (at once inside the caller's jurisdiction), the
receiving county accepting or declining, the sender cancelling; who sees the child's name in the
trace; scoping (404), capabilities (403), problem details and the OpenAPI document."""

import pytest

from everychild.accounts.services import issue_token
from everychild.audit.models import AuditEvent
from everychild.registry.models import Child, ChildTransfer
from everychild.registry.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    OTHER_VILLAGE_SAME_TOWNSHIP,
    VILLAGE,
)

API = "/api/v1/transfers"
COUNTY = VILLAGE[:6] + "000000"
LC_COUNTY = OTHER_COUNTY_VILLAGE[:6] + "000000"
# director, officer (Yang County), child and clock: the case tests' fixtures (a root plugin)
pytestmark = pytest.mark.django_db


def token(actor):
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(None, actor.user)}"}


def post(client, path, body, actor):
    return client.post(path, body, content_type="application/json", **token(actor))


def listed(client, actor):
    response = client.get(API, **token(actor))
    assert response.status_code == 200, response.content
    return response.json()


def problem_of(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()



def propose(client, officer, child, to=OTHER_COUNTY_VILLAGE):
    return post(client, API, {"child_id": str(child.pk), "to_division_code": to,
                              "reason": "随父母到务工地生活"}, officer)


def test_a_move_across_counties_waits_for_the_receiving_county(client, officer, lc_officer,
                                                               director, child):
    proposed = propose(client, officer, child)
    assert proposed.status_code == 201, proposed.content
    found = proposed.json()
    assert found["state"] == "proposed" and found["to_division_code"] == OTHER_COUNTY_VILLAGE
    assert found["from_name"] and found["to_name"] and found["proposed_at"].endswith("+08:00")
    assert found["child_name"] == "张伟" and found["may_cancel"] and not found["may_decide"]
    [incoming] = listed(client, lc_officer)
    assert incoming["id"] == found["id"] and incoming["child_name"] == "张伟"
    assert incoming["may_decide"] and incoming["reason"] == "随父母到务工地生活"
    assert AuditEvent.objects.filter(action="transfer.list").exists()
    accepted = post(client, f"{API}/{found['id']}/accept", {}, lc_officer)
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["state"] == "accepted" and accepted.json()["moved"]["registry.Child"] == 1
    assert accepted.json()["decided_at"].endswith("+08:00")
    assert Child.objects.get(pk=child.pk).division_code == OTHER_COUNTY_VILLAGE
    # the sending officer keeps the trace (deciding transfers there, they still know whom)
    [trace] = listed(client, officer)
    assert trace["state"] == "accepted" and trace["child_name"] == "张伟"
    # the village director no longer sees the child: the trace without the name
    [seen] = listed(client, director)
    assert seen["id"] == found["id"] and seen["child_name"] is None and seen["child_id"] is None
    assert seen["reason"] is None and "张伟" not in str(seen)
    problem_of(post(client, f"{API}/{found['id']}/accept", {}, lc_officer), 422)


def test_a_move_inside_the_jurisdiction_is_accepted_at_once(client, officer, child):
    moved = propose(client, officer, child, to=OTHER_VILLAGE_SAME_TOWNSHIP)
    assert moved.status_code == 201, moved.content
    assert moved.json()["state"] == "accepted" and moved.json()["moved"]
    assert Child.objects.get(pk=child.pk).division_code == OTHER_VILLAGE_SAME_TOWNSHIP


def test_the_receiving_county_declines_with_a_reason(client, officer, lc_officer, child):
    transfer = propose(client, officer, child).json()
    problem_of(post(client, f"{API}/{transfer['id']}/decline", {"reason": "x"}, officer), 404)
    blank = post(client, f"{API}/{transfer['id']}/decline", {"reason": " "}, lc_officer)
    assert "reason" in problem_of(blank, 422)["errors"]
    problem_of(post(client, f"{API}/{transfer['id']}/decline", {}, lc_officer), 422)
    declined = post(client, f"{API}/{transfer['id']}/decline", {"reason": "地址核实不到"}, lc_officer)
    assert declined.status_code == 200 and declined.json()["state"] == "declined"
    assert declined.json()["decline_reason"] == "地址核实不到"
    assert Child.objects.get(pk=child.pk).division_code == VILLAGE


def test_the_sender_cancels_and_nobody_else(client, officer, lc_officer, child):
    transfer = propose(client, officer, child).json()
    problem_of(post(client, f"{API}/{transfer['id']}/cancel", {}, lc_officer), 404)
    cancelled = post(client, f"{API}/{transfer['id']}/cancel", {}, officer)
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    problem_of(post(client, f"{API}/{transfer['id']}/cancel", {}, officer), 422)
    problem_of(post(client, f"{API}/not-a-transfer/cancel", {}, officer), 404)


def test_who_may_propose(client, director, lc_officer, make_actor, child):
    problem_of(propose(client, director, child), 403)  # no child.transfer
    problem_of(propose(client, lc_officer, child), 404)  # not their child
    analyst = make_actor("county_analyst", COUNTY)
    problem_of(propose(client, analyst, child), 404)
    problem_of(client.get(API, **token(analyst)), 403)  # transfers are not for aggregate roles
    assert ChildTransfer.objects.count() == 0


def test_bad_bodies_are_422(client, officer, child):
    nowhere = post(client, API, {"child_id": str(child.pk), "to_division_code": COUNTY,
                                 "reason": "x"}, officer)
    assert "to_division_code" in problem_of(nowhere, 422)["errors"]
    no_reason = post(client, API, {"child_id": str(child.pk), "to_division_code":
                                   OTHER_COUNTY_VILLAGE, "reason": ""}, officer)
    assert "reason" in problem_of(no_reason, 422)["errors"]
    missing = problem_of(post(client, API, {"child_id": str(child.pk)}, officer), 422)
    assert {e["loc"][-1] for e in missing["errors"]} == {"to_division_code", "reason"}
    problem_of(post(client, API, {"child_id": "nobody", "to_division_code": OTHER_COUNTY_VILLAGE,
                                  "reason": "x"}, officer), 404)


def test_nobody_to_receive_the_child_is_refused(client, officer, child):
    refused = problem_of(propose(client, officer, child), 422)
    assert "to_division_code" in refused["errors"]
    assert ChildTransfer.objects.count() == 0


def test_the_openapi_document_lists_the_transfer_paths(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/transfers", "/api/v1/transfers/{transfer_id}/accept",
                 "/api/v1/transfers/{transfer_id}/decline", "/api/v1/transfers/{transfer_id}/cancel"):
        assert path in paths, path
    assert {"201", "403", "404", "422"} <= set(paths["/api/v1/transfers"]["post"]["responses"])
