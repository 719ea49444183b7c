"""The case-management API: the caseload, one case's record, every step of the lifecycle through
HTTP, the plan's version conflict (409), closure refused with what is missing, notes and
referrals; scoping (404 outside the jurisdiction, 403 without the capability), problem details
for bad bodies, local times, and the OpenAPI document."""

from datetime import date

import pytest

from everychild.audit.models import AuditEvent
from everychild.cases import services
from everychild.cases.models import Case, CaseNote, CasePlan
from everychild.cases.tests.factories import LC_COUNTY, goals
from everychild.registry.services import register_child
from everychild.registry.tests.factories import OTHER_VILLAGE_SAME_TOWNSHIP, VILLAGE, left_behind
from everychild.services.models import Referral
from everychild.services.tests.builders import get, make_provider, send, to_implementation, token

API = "/api/v1/cases"
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]
ASSESSMENT = {"risk_level": "medium", "summary": "家中无人照料", "child_views": "想和奶奶住",
              "needs": {"education": "常缺课"}}


@pytest.fixture
def stranger(make_actor):
    """A social worker of another county."""
    return make_actor("social_worker", LC_COUNTY)


def problem_of(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


def to_planning(client, case, worker):
    assert send(client, "post", f"{API}/{case.pk}/initial-assessment", ASSESSMENT,
                worker).status_code == 200
    done = send(client, "post", f"{API}/{case.pk}/comprehensive-assessment", ASSESSMENT, worker)
    assert done.status_code == 200 and done.json()["stage"] == "planning"


# --- the caseload ------------------------------------------------------------------------------------


def test_the_caseload_lists_the_callers_cases_in_local_time_and_is_audited(
        client, social_worker, case, stranger):
    found = get(client, API, social_worker, view="mine")
    assert found.status_code == 200, found.content
    [item] = found.json()
    assert item["id"] == str(case.pk) and item["reference"] == case.reference
    assert item["child_name"] == "张伟" and item["stage"] == "intake"
    assert item["next_due"].endswith("+08:00") and item["due_for"] == "initial_assessment"
    assert AuditEvent.objects.filter(action="case.list").exists()
    assert get(client, API, social_worker, view="closed").json() == []
    assert get(client, API, stranger).json() == []
    assert problem_of(get(client, API, social_worker, view="everything"), 422)["errors"]


def test_counts_by_stage_without_names(client, social_worker, supervisor, case):
    counts = get(client, f"{API}/counts", supervisor).json()
    assert counts["intake"] == 1 and counts["closed"] == 0 and counts["mine"] == 0
    assert get(client, f"{API}/counts", social_worker).json()["mine"] == 1
    assert "张伟" not in str(counts)


def test_an_aggregate_only_role_gets_403_on_cases(client, make_actor, case, child):
    analyst = make_actor("county_analyst", case.division_code[:6] + "000000")
    assert problem_of(get(client, API, analyst), 403)["type"].endswith("forbidden")
    problem_of(get(client, f"{API}/counts", analyst), 403)
    problem_of(get(client, f"{API}/{case.pk}", analyst), 403)
    problem_of(send(client, "post", API, {"child_id": str(child.pk), "summary": "x"}, analyst), 403)


# --- one case ---------------------------------------------------------------------------------------


def test_the_record_shows_the_case_and_its_due_reason(client, social_worker, supervisor, case):
    response = get(client, f"{API}/{case.pk}", social_worker)
    assert response.status_code == 200, response.content
    record = response.json()
    assert record["stage"] == "intake" and record["child"]["name"] == "张伟"
    assert record["due"]["step"] == "initial_assessment"
    assert record["due"]["at"].endswith("+08:00") and "2014" in record["due"]["reason"]
    assert record["caseworker"]["post_id"] == str(social_worker.post.pk)
    assert [s["action"] for s in record["steps"]] == ["open", "assign"]
    assert "initial_assessment" in record["allowed"] and "approve_plan" not in record["allowed"]
    assert record["summary"] == "老师反映孩子常独自在家"
    assert AuditEvent.objects.filter(action="case.read", object_type="case").exists()
    # the supervisor may reopen or decide, the caseworker may not
    assert get(client, f"{API}/{case.pk}", supervisor).json()["caseworkers"]


def test_outside_the_jurisdiction_a_case_is_404(client, stranger, make_actor, case):
    problem_of(get(client, f"{API}/{case.pk}", stranger), 404)
    problem_of(get(client, f"{API}/not-a-uuid", stranger), 404)
    problem_of(send(client, "post", f"{API}/{case.pk}/initial-assessment", ASSESSMENT, stranger),
               404)
    problem_of(send(client, "post", f"{API}/{case.pk}/notes", {"text": "x"}, stranger), 404)
    other_supervisor = make_actor("child_supervisor", LC_COUNTY[:6] + "101000")
    problem_of(send(client, "post", f"{API}/{case.pk}/assign",
                    {"post_id": str(other_supervisor.post.pk)}, other_supervisor), 404)
    # a village director of another village of the same township does not see it either
    neighbour = make_actor("child_director", OTHER_VILLAGE_SAME_TOWNSHIP)
    problem_of(get(client, f"{API}/{case.pk}", neighbour), 404)


def test_open_a_case_201_and_a_second_open_case_is_refused(client, director, social_worker):
    child = register_child(director, left_behind(name="王芳", born=date(2014, 9, 1)))
    body = {"child_id": str(child.pk), "summary": "邻居反映孩子无人照看", "risk_level": "high"}
    opened = send(client, "post", API, body, social_worker)
    assert opened.status_code == 201, opened.content
    assert opened.json()["risk_level"] == "high" and opened.json()["caseworker"] is None
    again = problem_of(send(client, "post", API, body, social_worker), 422)
    assert opened.json()["reference"] in " ".join(again["errors"]["child_id"])
    assert Case.objects.filter(child=child).count() == 1
    missing = problem_of(send(client, "post", API, {"child_id": str(child.pk)}, social_worker), 422)
    assert missing["errors"][0]["loc"][-1] == "summary"
    blank = problem_of(send(client, "post", API, {**body, "summary": " "}, social_worker), 422)
    assert "summary" in blank["errors"]


def test_open_for_a_child_outside_is_404(client, stranger, child):
    problem_of(send(client, "post", API, {"child_id": str(child.pk), "summary": "x"}, stranger),
               404)


def test_a_supervisor_assigns_and_a_caseworker_takes_only_an_unassigned_case(
        client, director, supervisor, social_worker, case):
    taken = send(client, "post", f"{API}/{case.pk}/assign", {"post_id": str(director.post.pk)},
                 director)
    problem_of(taken, 403)
    assigned = send(client, "post", f"{API}/{case.pk}/assign", {"post_id": str(director.post.pk)},
                    supervisor)
    assert assigned.status_code == 200 and assigned.json()["caseworker"]["post_id"] == \
        str(director.post.pk)
    wrong = send(client, "post", f"{API}/{case.pk}/assign", {"post_id": "nobody"}, supervisor)
    assert "caseworker_post_id" in problem_of(wrong, 422)["errors"]


# --- the lifecycle ------------------------------------------------------------------------------------


def test_the_whole_lifecycle_over_http(client, social_worker, supervisor, case):
    worker = social_worker
    to_planning(client, case, worker)
    saved = send(client, "put", f"{API}/{case.pk}/plan", {"goals": goals(), "version": 0}, worker)
    assert saved.status_code == 200, saved.content
    plan = saved.json()
    assert plan["version"] == 1 and plan["state"] == "draft"
    assert plan["goals"][0]["actions"][0]["by"] == "2025-06-30"
    assert plan["saved_at"].endswith("+08:00")
    submitted = send(client, "post", f"{API}/{case.pk}/plan/submit", {"version": 1}, worker)
    assert submitted.status_code == 200 and submitted.json()["stage"] == "plan_review"
    # four eyes: the caseworker has no case.approve; the decision is the supervisor's
    problem_of(send(client, "post", f"{API}/{case.pk}/plan/decision", {"approve": True}, worker),
               403)
    returned = send(client, "post", f"{API}/{case.pk}/plan/decision", {"approve": False},
                    supervisor)
    assert "comments" in problem_of(returned, 422)["errors"]
    approved = send(client, "post", f"{API}/{case.pk}/plan/decision",
                    {"approve": True, "comments": "同意"}, supervisor)
    assert approved.status_code == 200, approved.content
    record = approved.json()
    assert record["stage"] == "implementation" and record["plan"]["state"] == "approved"
    assert record["due"]["step"] == "review" and record["plan"]["comments"] == "同意"
    goal_id = record["plan"]["goals"][0]["id"]
    reviewed = send(client, "post", f"{API}/{case.pk}/reviews",
                    {"risk_level": "low", "summary": "按时上学", "goal_status": {goal_id: "met"},
                     "child_views": "喜欢上学"}, worker)
    assert reviewed.status_code == 200, reviewed.content
    assert reviewed.json()["plan"]["goals"][0]["status"] == "met"
    assert [a["kind"] for a in reviewed.json()["assessments"]][0] == "review"
    closing = send(client, "post", f"{API}/{case.pk}/closure",
                   {"criterion": "goals_met", "note": "目标达成"}, worker)
    assert closing.status_code == 200 and closing.json()["stage"] == "closure_review"
    closed = send(client, "post", f"{API}/{case.pk}/closure/decision", {"approve": True},
                  supervisor)
    assert closed.status_code == 200 and closed.json()["stage"] == "closed"
    assert closed.json()["closed_at"].endswith("+08:00") and closed.json()["due"] is None
    problem_of(send(client, "post", f"{API}/{case.pk}/reopen", {"reason": "再次报告"}, worker), 403)
    reopened = send(client, "post", f"{API}/{case.pk}/reopen", {"reason": "再次报告"}, supervisor)
    assert reopened.status_code == 200 and reopened.json()["stage"] == "intake"
    assert reopened.json()["reopened"] == 1


def test_a_plan_changed_since_its_version_is_409_with_the_current_version(
        client, social_worker, director, case):
    to_planning(client, case, social_worker)
    path = f"{API}/{case.pk}/plan"
    assert send(client, "put", path, {"goals": goals(), "version": 0},
                social_worker).json()["version"] == 1
    assert send(client, "put", path, {"goals": goals(2), "version": 1},
                social_worker).json()["version"] == 2
    stale = problem_of(send(client, "put", path, {"goals": goals(3), "version": 1}, social_worker),
                       409)
    assert stale["current_version"] == 2 and stale["type"].endswith("conflict")
    assert stale["detail"]
    assert len(services.plan_goals(CasePlan.objects.get(case=case))) == 2  # nothing overwritten
    submit = problem_of(send(client, "post", f"{API}/{case.pk}/plan/submit", {"version": 1},
                             social_worker), 409)
    assert submit["current_version"] == 2
    assert Case.objects.get(pk=case.pk).stage == "planning"


def test_bad_bodies_are_422_problem_details(client, social_worker, case):
    path = f"{API}/{case.pk}/initial-assessment"
    assert "risk_level" in problem_of(send(client, "post", path, {**ASSESSMENT, "risk_level": "x"},
                                           social_worker), 422)["errors"]
    problem_of(send(client, "post", path, {"summary": "no risk level"}, social_worker), 422)
    problem_of(send(client, "post", path, {**ASSESSMENT, "needs": "not a map"}, social_worker), 422)
    unsafe = send(client, "post", path, {**ASSESSMENT, "safe_now": False}, social_worker)
    assert "safety_actions" in problem_of(unsafe, 422)["errors"]
    # a step the stage does not allow says what comes first
    early = send(client, "post", f"{API}/{case.pk}/plan/submit", {"version": 0}, social_worker)
    assert problem_of(early, 422)["errors"]["__all__"]
    plan = send(client, "put", f"{API}/{case.pk}/plan", {"goals": goals(), "version": 0},
                social_worker)
    assert "__all__" in problem_of(plan, 422)["errors"]
    problem_of(send(client, "put", f"{API}/{case.pk}/plan", {"goals": "many"}, social_worker), 422)
    problem_of(send(client, "post", f"{API}/{case.pk}/plan/decision", {"approve": "perhaps"},
                    social_worker), 422)
    raw = client.post(f"{API}/{case.pk}/notes", "{not json", content_type="application/json",
                      **token(social_worker))
    assert 400 <= raw.status_code < 500


def test_plan_goals_are_checked_with_sentences(client, social_worker, case):
    to_planning(client, case, social_worker)
    bad = [{"goal": "", "actions": [{"what": "联系学校", "who": "", "by": "soon"}]}]
    errors = problem_of(send(client, "put", f"{API}/{case.pk}/plan", {"goals": bad, "version": 0},
                             social_worker), 422)["errors"]["goals"]
    assert len(errors) == 2 and all(isinstance(e, str) for e in errors)


def test_closure_refused_lists_every_missing_thing(client, social_worker, supervisor, case):
    to_implementation(case, social_worker, supervisor)
    refused = problem_of(send(client, "post", f"{API}/{case.pk}/closure",
                              {"criterion": "goals_met", "note": ""}, social_worker), 422)
    missing = refused["errors"]["criterion"]
    assert len(missing) == 2  # no note, a goal not met
    assert Case.objects.get(pk=case.pk).stage == "implementation"
    unknown = problem_of(send(client, "post", f"{API}/{case.pk}/closure",
                              {"criterion": "bored", "note": "x"}, social_worker), 422)
    assert "criterion" in unknown["errors"]


def test_the_supervisor_returns_a_closure_request_to_where_it_came_from(
        client, social_worker, supervisor, case):
    asked = send(client, "post", f"{API}/{case.pk}/closure",
                 {"criterion": "declined", "note": "家长拒绝服务"}, social_worker)
    assert asked.status_code == 200 and asked.json()["stage"] == "closure_review"
    back = send(client, "post", f"{API}/{case.pk}/closure/decision",
                {"approve": False, "comments": "先完成初步评估"}, supervisor)
    assert back.status_code == 200 and back.json()["stage"] == "intake"


def test_revising_the_plan_needs_a_reason(client, social_worker, supervisor, case):
    to_implementation(case, social_worker, supervisor)
    path = f"{API}/{case.pk}/plan/revise"
    assert "reason" in problem_of(send(client, "post", path, {"reason": ""}, social_worker),
                                  422)["errors"]
    revised = send(client, "post", path, {"reason": "孩子转学"}, social_worker)
    assert revised.status_code == 200 and revised.json()["stage"] == "planning"
    assert revised.json()["plan"]["state"] == "draft"


# --- notes and referrals --------------------------------------------------------------------------


def test_notes_and_conferences(client, social_worker, case):
    note = send(client, "post", f"{API}/{case.pk}/notes", {"text": "电话联系了奶奶"}, social_worker)
    assert note.status_code == 201, note.content
    assert note.json()["kind"] == "note" and note.json()["held_on"] == "2025-06-02"
    conference = send(client, "post", f"{API}/{case.pk}/notes",
                      {"kind": "conference", "text": "个案会议"}, social_worker)
    assert "attendees" in problem_of(conference, 422)["errors"]
    future = send(client, "post", f"{API}/{case.pk}/notes",
                  {"text": "x", "held_on": "2030-01-01"}, social_worker)
    assert "held_on" in problem_of(future, 422)["errors"]
    assert CaseNote.objects.filter(case=case).count() == 1
    record = get(client, f"{API}/{case.pk}", social_worker).json()
    assert [n["text"] for n in record["notes"]] == ["电话联系了奶奶"]


def test_referrals_from_a_case_and_their_cancellation(client, social_worker, supervisor, officer,
                                                      stranger, case):
    provider = make_provider(officer)
    body = {"provider_id": str(provider.pk), "service_type": "psychological",
            "need": "情绪低落，需要心理辅导", "share": ["sex", "age"]}
    early = send(client, "post", f"{API}/{case.pk}/referrals", body, social_worker)
    assert problem_of(early, 422)["errors"]["__all__"]
    to_implementation(case, social_worker, supervisor)
    wrong = send(client, "post", f"{API}/{case.pk}/referrals", {**body, "service_type": "medical"},
                 social_worker)
    assert "service_type" in problem_of(wrong, 422)["errors"]
    made = send(client, "post", f"{API}/{case.pk}/referrals", body, social_worker)
    assert made.status_code == 201, made.content
    referral = made.json()
    assert referral["state"] == "sent" and referral["loop_closed"] is False
    assert referral["shared"] == {"sex": "male", "age": 10}
    assert referral["due_at"].endswith("+08:00") and referral["sharing_basis"] == "statutory"
    record = get(client, f"{API}/{case.pk}", social_worker).json()
    assert [r["id"] for r in record["referrals"]] == [referral["id"]]
    assert record["loop_closed"] is False
    cancel = f"{API}/referrals/{referral['id']}/cancel"
    assert "reason" in problem_of(send(client, "post", cancel, {"reason": ""}, social_worker),
                                  422)["errors"]
    problem_of(send(client, "post", cancel, {"reason": "x"}, stranger), 404)
    done = send(client, "post", cancel, {"reason": "家长已自行安排"}, social_worker)
    assert done.status_code == 200 and done.json()["state"] == "cancelled"
    assert done.json()["loop_closed"] is True
    assert Referral.objects.get(pk=referral["id"]).cancel_reason == "家长已自行安排"
    problem_of(send(client, "post", f"{API}/referrals/not-a-referral/cancel", {"reason": "x"},
                    social_worker), 404)


# --- the OpenAPI document ---------------------------------------------------------------------------


def test_the_openapi_document_lists_the_case_paths(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    paths = document["paths"]
    for path in ("/api/v1/cases", "/api/v1/cases/counts", "/api/v1/cases/{case_id}",
                 "/api/v1/cases/{case_id}/plan", "/api/v1/cases/{case_id}/plan/submit",
                 "/api/v1/cases/{case_id}/closure", "/api/v1/cases/{case_id}/referrals",
                 "/api/v1/cases/referrals/{referral_id}/cancel"):
        assert path in paths, path
    plan = paths["/api/v1/cases/{case_id}/plan"]["put"]["responses"]
    assert {"200", "403", "404", "409", "422"} <= set(plan)
    assert "current_version" in document["components"]["schemas"]["PlanConflict"]["properties"]
    assert VILLAGE not in str(paths)
