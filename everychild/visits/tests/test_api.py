"""/api/v1/visits: the monitoring services over HTTP, problem details on bad input."""

import uuid
from datetime import date, timedelta

import pytest
import time_machine

from everychild.accounts.services import issue_token
from everychild.core.outbox import deliver
from everychild.registry.services import register_child
from everychild.registry.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    OTHER_VILLAGE_SAME_TOWNSHIP,
    VILLAGE,
    left_behind,
)
from everychild.visits.models import ChildRisk, Visit
from everychild.visits.tests.factories import CALM, COUNTY, REPORTABLE, TODAY, TOWNSHIP

API = "/api/v1/visits"
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


@pytest.fixture
def auth(make_actor):
    def for_role(role="child_director", where=VILLAGE):
        actor = make_actor(role, where)
        return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(None, actor.user)}"}
    return for_role


def _token(actor):
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(None, actor.user)}"}


def _visit(client_id=None, **more):
    return {"client_id": str(client_id or uuid.uuid4()), "visited_on": TODAY.isoformat(),
            "place": "home", "child_seen": True, "caregiver_met": True, "answers": CALM,
            "notes": {"safety": "the grandmother was at home"}, **more}


def _post(client, path, body, headers, **extra):
    return client.post(path, body, content_type="application/json", **headers, **extra)


def test_a_visit_is_created_once_and_a_retry_answers_200(client, director, child):
    headers = _token(director)
    body = _visit()
    created = _post(client, f"{API}/children/{child.pk}/visits", body, headers)
    assert created.status_code == 201, created.content
    visit = created.json()
    assert visit["id"] == body["client_id"] and visit["risk_level"] == "low"
    assert visit["drivers"] and all(isinstance(s, str) and s for s in visit["drivers"])
    again = _post(client, f"{API}/children/{child.pk}/visits", body, headers)
    assert again.status_code == 200 and again.json()["id"] == visit["id"]
    assert Visit.objects.count() == 1

    record = client.get(f"{API}/children/{child.pk}", **headers)
    assert record.status_code == 200
    data = record.json()
    assert [v["id"] for v in data["visits"]] == [visit["id"]]
    assert data["risk"] == {"level": "low", "source": "visit_assessment", "since": "2025-06-02"}
    plan = data["plan"]
    assert plan["policy_interval"] == {"count": 3, "unit": "months"}
    assert plan["next_due"] == "2025-09-02" and plan["last_visit_on"] == "2025-06-02"
    assert plan["reasons"] and plan["rule_version"] and plan["source"]


def test_reasons_are_sentences_in_the_request_language(client, director, child):
    headers = _token(director)
    _post(client, f"{API}/children/{child.pk}/visits", _visit(answers=REPORTABLE), headers)
    english = client.get(f"{API}/children/{child.pk}", HTTP_ACCEPT_LANGUAGE="en", **headers)
    chinese = client.get(f"{API}/children/{child.pk}", HTTP_ACCEPT_LANGUAGE="zh-hans", **headers)
    drivers_en = english.json()["visits"][0]["drivers"]
    drivers_zh = chinese.json()["visits"][0]["drivers"]
    assert english.json()["visits"][0]["risk_level"] == "high"
    assert any("mandatory-reporting" in s for s in drivers_en)
    assert drivers_zh != drivers_en
    assert english.json()["plan"]["reasons"] != chinese.json()["plan"]["reasons"]


def test_a_child_the_caller_may_not_see_is_not_found(client, make_actor, child):
    body = _visit()
    for role, where in (("child_director", OTHER_VILLAGE_SAME_TOWNSHIP),
                        ("county_analyst", COUNTY)):
        headers = _token(make_actor(role, where))
        posted = _post(client, f"{API}/children/{child.pk}/visits", body, headers)
        assert posted.status_code == 404, (role, posted.content)
        assert posted["Content-Type"] == "application/problem+json"
        assert posted.json()["status"] == 404
        assert client.get(f"{API}/children/{child.pk}", **headers).status_code == 404
    headers = _token(make_actor("child_director", VILLAGE))
    unknown = _post(client, f"{API}/children/{uuid.uuid4()}/visits", body, headers)
    assert unknown.status_code == 404
    assert client.get(f"{API}/children/not-a-uuid", **headers).status_code == 404
    assert not Visit.objects.exists()


def test_an_analyst_has_no_worklist_and_a_county_officer_records_nothing(client, make_actor,
                                                                         child):
    analyst = _token(make_actor("county_analyst", COUNTY))
    assert client.get(f"{API}/worklist", **analyst).status_code == 403
    assert client.get(f"{API}/overview", **analyst).status_code == 403
    officer = _token(make_actor("civil_affairs_officer", COUNTY))
    refused = _post(client, f"{API}/children/{child.pk}/visits", _visit(), officer)
    assert refused.status_code == 403 and refused.json()["status"] == 403
    assert client.get(f"{API}/children/{child.pk}", **officer).status_code == 200


@pytest.mark.parametrize(("change", "field"), [
    ({"visited_on": (TODAY + timedelta(days=1)).isoformat()}, "visited_on"),
    ({"visited_on": "2010-01-01"}, "visited_on"),
    ({"answers": {"safety": "safe"}}, "answers"),
    ({"answers": {**CALM, "safety": "fine"}}, "answers"),
    ({"place": "market"}, "place"),
])
def test_bad_input_is_a_problem_with_the_field_named(client, director, child, change, field):
    response = _post(client, f"{API}/children/{child.pk}/visits", _visit(**change),
                     _token(director), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422, response.content
    problem = response.json()
    assert problem["type"] == "urn:everychild:problem:invalid"
    assert field in problem["errors"] and problem["errors"][field][0]
    assert not Visit.objects.exists()


def test_a_body_that_does_not_parse_names_the_fields(client, director, child):
    body = _visit()
    del body["client_id"]
    response = _post(client, f"{API}/children/{child.pk}/visits",
                     {**body, "child_seen": "perhaps"}, _token(director))
    assert response.status_code == 422
    fields = {e["loc"][-1] for e in response.json()["errors"]}
    assert {"client_id", "child_seen"} <= fields
    bad_id = _post(client, f"{API}/children/{child.pk}/visits", _visit(client_id="x"),
                   _token(director))
    assert bad_id.status_code == 422 and not Visit.objects.exists()


def test_a_client_id_used_for_another_child_is_refused(client, director, child):
    other = register_child(director, left_behind(name="王小红"), today=TODAY)
    headers = _token(director)
    body = _visit()
    assert _post(client, f"{API}/children/{child.pk}/visits", body, headers).status_code == 201
    reused = _post(client, f"{API}/children/{other.pk}/visits", body, headers)
    assert reused.status_code == 422 and "client_id" in reused.json()["errors"]


def test_worklist_shape_and_names_by_role(client, director, make_actor, child):
    other = make_actor("child_director", OTHER_COUNTY_VILLAGE)
    register_child(other, left_behind(name="刀小明", village=OTHER_COUNTY_VILLAGE), today=TODAY)
    deliver()
    response = client.get(f"{API}/worklist", **_token(director))
    assert response.status_code == 200
    work = response.json()
    assert work["counts"] == {"overdue": 0, "due_this_week": 1, "never_visited": 1}
    item = work["due_this_week"][0]
    assert item == {"child_id": str(child.pk), "child_name": "张伟", "division_code": VILLAGE,
                    "next_due": "2025-06-09", "due_for": "first_visit", "risk_level": "",
                    "last_visit_on": None, "days_overdue": 0}
    assert [i["child_id"] for i in work["never_visited"]] == [str(child.pk)]
    with time_machine.travel(date(2025, 6, 20), tick=False):
        late = client.get(f"{API}/worklist", **_token(director)).json()
    assert late["overdue"][0]["days_overdue"] == 11 and late["counts"]["overdue"] == 1


def test_overview_for_a_supervisor_and_a_county_officer(client, make_actor, director, child):
    supervisor = _token(make_actor("child_supervisor", TOWNSHIP))
    township = client.get(f"{API}/overview", **supervisor)
    assert township.status_code == 200
    assert township.json() == {"place": TOWNSHIP, "level": "village", "rows": [
        {"code": VILLAGE, "name": township.json()["rows"][0]["name"], "overdue": 0,
         "due_this_week": 1, "never_visited": 1}]}
    assert township.json()["rows"][0]["name"] != VILLAGE  # the village's name, from places
    officer = _token(make_actor("civil_affairs_officer", COUNTY))
    county = client.get(f"{API}/overview", **officer)
    assert county.status_code == 200
    assert county.json()["level"] == "township"
    assert [r["code"] for r in county.json()["rows"]] == [TOWNSHIP]
    down = client.get(f"{API}/overview?place={TOWNSHIP}", **officer).json()  # drill down
    assert down["level"] == "village" and [r["code"] for r in down["rows"]] == [VILLAGE]
    children = client.get(f"{API}/worklist?village={VILLAGE}", **officer)  # who is behind them
    assert children.status_code == 200, children.content
    assert [i["child_id"] for i in children.json()["never_visited"]] == [str(child.pk)]
    for outside in (f"overview?place={OTHER_COUNTY_VILLAGE[:9]}000",
                    f"worklist?village={OTHER_COUNTY_VILLAGE}", f"overview?place={COUNTY[:4]}00000000",
                    "overview?place=junk"):
        assert client.get(f"{API}/{outside}", **officer).status_code == 404, outside
    refused = client.get(f"{API}/overview", **_token(director))
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"


def test_a_supervisor_tightens_the_plan_and_lowers_a_high_risk(client, make_actor, director,
                                                               child):
    supervisor = _token(make_actor("child_supervisor", TOWNSHIP))
    _post(client, f"{API}/children/{child.pk}/visits", _visit(answers=REPORTABLE),
          _token(director))
    assert ChildRisk.objects.get(child=child).level == "high"

    looser = _post(client, f"{API}/children/{child.pk}/plan/tighten",
                   {"count": 4, "unit": "months", "reason": "rarely home"}, supervisor)
    assert looser.status_code == 422 and "interval" in looser.json()["errors"]
    tighter = _post(client, f"{API}/children/{child.pk}/plan/tighten",
                    {"count": 2, "unit": "weeks", "reason": "grandmother is ill"}, supervisor)
    assert tighter.status_code == 200, tighter.content
    assert tighter.json()["tightened_interval"] == {"count": 2, "unit": "weeks"}
    assert tighter.json()["next_due"] == "2025-06-16"
    by_director = _post(client, f"{API}/children/{child.pk}/plan/tighten",
                        {"count": 1, "unit": "weeks", "reason": "x"}, _token(director))
    assert by_director.status_code == 403

    no_reason = _post(client, f"{API}/children/{child.pk}/risk", {"level": "low"}, supervisor)
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["errors"]
    bad_level = _post(client, f"{API}/children/{child.pk}/risk",
                      {"level": "grave", "reason": "x"}, supervisor)
    assert bad_level.status_code == 422 and "level" in bad_level.json()["errors"]
    lowered = _post(client, f"{API}/children/{child.pk}/risk",
                    {"level": "low", "reason": "the mother came home"}, supervisor)
    assert lowered.status_code == 200
    assert lowered.json() == {"level": "low", "source": "supervisor", "since": "2025-06-02"}
    assert _post(client, f"{API}/children/{child.pk}/risk",
                 {"level": "high", "reason": "x"}, _token(director)).status_code == 403


@pytest.mark.parametrize(("language", "safety", "place"), [
    ("en", "Safety", "at home"), ("zh-hans", "安全", None)])
def test_the_instrument_for_a_phone_form(client, director, language, safety, place):
    response = client.get(f"{API}/instrument", HTTP_ACCEPT_LANGUAGE=language, **_token(director))
    assert response.status_code == 200
    body = response.json()
    assert body["provisional"] is True and body["notice"]
    items = {i["code"]: i for i in body["items"]}
    assert set(CALM) | {"reporting_situations"} == set(items)
    assert items["safety"]["title"] == safety
    assert items["reporting_situations"]["multiple"] is True
    assert all(o["forces_high"] for o in items["reporting_situations"]["options"])
    codes = [p["code"] for p in body["places"]]
    assert codes == ["home", "school", "village_committee", "phone", "other"]
    labels = {p["code"]: p["label"] for p in body["places"]}
    if place:
        assert labels["home"] == place and "not validated" in body["notice"]
    else:
        assert labels["home"] != "at home" and "not validated" not in body["notice"]
        assert all(o["label"] for i in body["items"] for o in i["options"])


def test_the_openapi_document_has_the_visit_paths(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/v1/visits/worklist", "/api/v1/visits/overview",
                 "/api/v1/visits/instrument", "/api/v1/visits/children/{child_id}",
                 "/api/v1/visits/children/{child_id}/visits",
                 "/api/v1/visits/children/{child_id}/plan/tighten",
                 "/api/v1/visits/children/{child_id}/risk"):
        assert path in paths, path
    post = paths["/api/v1/visits/children/{child_id}/visits"]["post"]
    assert {"200", "201", "404", "422"} <= set(post["responses"])
    assert post["security"]
    assert {"VisitIn", "VisitOut", "WorklistOut", "InstrumentOut", "MonitoringOut"} <= set(
        schema["components"]["schemas"])
    assert "client_id" in schema["components"]["schemas"]["VisitIn"]["required"]


def test_anonymous_callers_are_refused(client, child):
    assert client.get(f"{API}/worklist").status_code == 401
    assert client.post(f"{API}/children/{child.pk}/visits", _visit(),
                       content_type="application/json").status_code == 401
