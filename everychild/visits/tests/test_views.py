"""Monitoring pages at request level: the worklist and the overviews, a child's monitoring record
with the supervisor's forms, the visit form (errors, one visit per client_id), access."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse

from everychild.core.outbox import deliver
from everychild.registry.services import register_child
from everychild.registry.tests.factories import OTHER_COUNTY_VILLAGE, VILLAGE, left_behind
from everychild.visits import due_counts, services
from everychild.visits.models import ChildRisk, Visit, VisitPlan
from everychild.visits.tests.factories import CALM, TODAY, TOWNSHIP

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def signed_in(client, actor):
    client.force_login(actor.user)
    return client


def monitoring(child) -> str:
    return reverse("visits:child", kwargs={"child_id": child.pk})


def record(child) -> str:
    return reverse("visits:record", kwargs={"child_id": child.pk})


def visit_post(client_id: str = "", **more) -> dict:
    data = {"client_id": client_id, "visited_on": TODAY.isoformat(), "place": "home",
            "child_seen": "on", "caregiver_met": "on", "met_whom": "",
            **{f"risk_{k}": v for k, v in CALM.items()}, "needs": "校服", "actions": "",
            "next_steps": "下月再访"}
    data.update(more)
    return data


# --- the worklist and the overviews ---------------------------------------------------------------


def test_director_worklist_lists_the_child_with_links(client, director, child):
    response = signed_in(client, director).get(reverse("visits:home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert child.name in body
    assert monitoring(child) in body and record(child) in body
    assert body.count(f'data-child="{child.pk}"') == 1  # listed once: never visited


def test_worklist_orders_overdue_by_risk_then_lateness(client, director):
    calm = register_child(director, left_behind(name="王安"), today=TODAY)
    risky = register_child(director, left_behind(name="赵危"), today=TODAY)
    deliver()
    VisitPlan.objects.filter(child=calm).update(next_due=TODAY - timedelta(days=10))
    VisitPlan.objects.filter(child=risky).update(next_due=TODAY - timedelta(days=2), risk_rank=3)
    body = signed_in(client, director).get(reverse("visits:home")).content.decode()
    overdue = body[body.index('data-testid="never-visited"'):]  # neither was visited yet
    assert overdue.index("赵危") < overdue.index("王安")
    assert "10" in overdue


def test_supervisor_sees_the_villages_with_counts(client, supervisor, child):
    VisitPlan.objects.filter(child=child).update(next_due=TODAY - timedelta(days=3))
    due_counts.rebuild()  # the raw UPDATE above went round the rollup
    response = signed_in(client, supervisor).get(reverse("visits:home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'data-code="{VILLAGE}"><td><a href="?place={VILLAGE}"' in body
    assert '<td class="late">1</td>' in body
    assert child.name not in body  # counts only
    mine = client.get(reverse("visits:home") + "?show=mine").content.decode()
    assert child.name in mine
    behind = client.get(reverse("visits:home") + f"?place={VILLAGE}").content.decode()
    assert child.name in behind and record(child) in behind  # the children behind the count


def test_county_officer_drills_from_townships_to_the_children(client, officer, child):
    body = signed_in(client, officer).get(reverse("visits:home")).content.decode()
    assert f'data-code="{TOWNSHIP}"' in body
    assert child.name not in body
    villages = client.get(reverse("visits:home") + f"?place={TOWNSHIP}").content.decode()
    assert f'data-code="{VILLAGE}"' in villages and child.name not in villages
    behind = client.get(reverse("visits:home") + f"?place={VILLAGE}")
    assert behind.status_code == 200 and child.name in behind.content.decode()
    assert record(child) not in behind.content.decode()  # a county officer does not record
    for outside in (OTHER_COUNTY_VILLAGE, OTHER_COUNTY_VILLAGE[:6] + "000000", "61", "x"):
        assert client.get(reverse("visits:home") + f"?place={outside}").status_code == 404


# --- the child's monitoring record ---------------------------------------------------------------


def test_monitoring_page_shows_plan_risk_and_visits(client, director, child):
    services.record_visit(director, child.pk, services.VisitInput(
        visited_on=TODAY, place="home", child_seen=True,
        answers={**CALM, "safety": "concern", "schooling": "irregular"},
        notes={"schooling": "上周缺课三天"}))
    response = signed_in(client, director).get(monitoring(child))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="plan-reason"' in body and 'data-testid="plan-next-due"' in body
    assert "2025-09-02" in body  # next due: three months on
    assert 'data-testid="risk-level"' in body
    assert 'data-testid="driver"' in body
    assert 'data-testid="tighten-form"' not in body  # a director does not supervise
    seen = body[body.index('data-testid="observations"'):]
    assert '<span data-testid="observation-note">上周缺课三天</span>' in seen  # what was seen
    assert "上学" in seen  # the schooling item's title, in words


def test_invisible_child_is_a_404_everywhere(client, make_actor, child):
    other = make_actor("child_director", OTHER_COUNTY_VILLAGE)
    signed_in(client, other)
    assert client.get(monitoring(child)).status_code == 404
    assert client.get(record(child)).status_code == 404
    assert client.post(record(child), visit_post(str(uuid.uuid4()))).status_code == 404
    assert client.get(reverse("visits:child", kwargs={"child_id": uuid.uuid4()})).status_code == 404
    assert not Visit.objects.exists()


def test_anonymous_is_sent_to_sign_in(client, child):
    response = client.get(monitoring(child))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the visit form ------------------------------------------------------------------------------


def test_visit_form_has_three_screens_and_the_risk_items(client, director, child):
    body = signed_in(client, director).get(record(child)).content.decode()
    for n in (1, 2, 3):
        assert f'data-screen="{n}"' in body
    assert 'name="risk_safety"' in body and 'type="radio"' in body
    assert 'name="risk_reporting_situations"' in body and 'type="checkbox"' in body
    assert 'name="client_id"' in body and "visits/drafts.js" in body
    assert 'name="report_requested"' in body


def test_opening_the_visit_form_is_an_audited_read(client, director, child):
    from everychild.audit.models import AuditEvent

    signed_in(client, director).get(record(child))
    event = AuditEvent.objects.get(action="visit.form")
    assert event.detail["ids"] == [str(child.pk)] and event.actor_username == director.user.username


def test_a_future_date_is_a_form_error(client, director, child):
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    response = signed_in(client, director).post(record(child), visit_post(str(uuid.uuid4()),
                                                                          visited_on=tomorrow))
    assert response.status_code == 422
    assert response.context["form"].errors["visited_on"]
    assert 'class="errorlist' in response.content.decode()
    assert not Visit.objects.exists()


def test_missing_risk_answer_is_a_form_error(client, director, child):
    data = visit_post(str(uuid.uuid4()))
    del data["risk_safety"]
    response = signed_in(client, director).post(record(child), data)
    assert response.status_code == 422
    assert response.context["form"].errors["risk_safety"]


def test_the_same_client_id_twice_is_one_visit(client, director, child):
    client_id = str(uuid.uuid4())
    signed_in(client, director)
    first = client.post(record(child), visit_post(client_id, report_requested="on",
                                                  risk_reporting_situations=["abandonment"]))
    report_form = f"{reverse('reports:new')}?child={child.pk}&visit={client_id}"
    assert first.status_code == 302 and first["Location"] == report_form  # the one tap
    again = client.post(record(child), visit_post(client_id, report_requested="on",
                                                  risk_reporting_situations=["abandonment"]))
    assert again.status_code == 302 and again["Location"] == report_form
    visit = Visit.objects.get()
    assert str(visit.pk) == client_id and visit.report_requested and visit.risk_level == "high"
    page = client.get(monitoring(child)).content.decode()
    assert f'data-visit-id="{client_id}"' in page
    assert 'data-testid="report-requested"' in page


def test_a_client_id_used_for_another_child_is_refused(client, director, child):
    other = register_child(director, left_behind(name="陈二"), today=TODAY)
    client_id = str(uuid.uuid4())
    signed_in(client, director)
    client.post(record(child), visit_post(client_id))
    response = client.post(record(other), visit_post(client_id))
    assert response.status_code == 422
    assert Visit.objects.count() == 1


# --- a supervisor's forms ------------------------------------------------------------------------


def test_supervisor_tightens_the_plan(client, supervisor, child):
    signed_in(client, supervisor)
    assert 'data-testid="tighten-form"' in client.get(monitoring(child)).content.decode()
    url = reverse("visits:tighten", kwargs={"child_id": child.pk})
    looser = client.post(url, {"plan-count": "6", "plan-unit": "months", "plan-reason": "稳定"})
    assert looser.status_code == 422
    assert looser.context["tighten_form"].errors["count"]
    no_reason = client.post(url, {"plan-count": "1", "plan-unit": "months", "plan-reason": ""})
    assert no_reason.status_code == 422 and no_reason.context["tighten_form"].errors["reason"]
    ok = client.post(url, {"plan-count": "1", "plan-unit": "months", "plan-reason": "祖母生病"})
    assert ok.status_code == 302
    plan = VisitPlan.objects.get(child=child)
    assert plan.tightened_interval == "1 months" and plan.tightened_reason == "祖母生病"
    assert 'data-testid="plan-tightened"' in client.get(monitoring(child)).content.decode()


def test_supervisor_lowers_a_high_risk_only_with_a_reason(client, director, supervisor, child):
    services.record_visit(director, child.pk, services.VisitInput(
        visited_on=TODAY, place="home", child_seen=True,
        answers={**CALM, "reporting_situations": ["abandonment"]}))
    assert ChildRisk.objects.get(child=child).level == "high"
    signed_in(client, supervisor)
    url = reverse("visits:risk", kwargs={"child_id": child.pk})
    refused = client.post(url, {"risk-level": "low", "risk-reason": ""})
    assert refused.status_code == 422
    assert refused.context["risk_form"].errors["reason"]
    assert 'class="errorlist' in refused.content.decode()
    assert ChildRisk.objects.get(child=child).level == "high"
    ok = client.post(url, {"risk-level": "low", "risk-reason": "母亲已返乡照顾"})
    assert ok.status_code == 302
    assert ChildRisk.objects.get(child=child).level == "low"


def test_a_director_cannot_use_the_supervisor_forms(client, director, child):
    signed_in(client, director)
    url = reverse("visits:tighten", kwargs={"child_id": child.pk})
    response = client.post(url, {"plan-count": "1", "plan-unit": "months", "plan-reason": "x"})
    assert response.status_code == 403


def test_the_child_profile_links_to_visits_and_plan(client, director, child):
    body = signed_in(client, director).get(reverse("child_detail", kwargs={"child_id": child.pk})
                                           ).content.decode()
    assert monitoring(child) in body and 'data-testid="nav-visits"' in body


def test_service_worker_is_served_from_visits_without_a_session(client, director, child):
    response = client.get("/visits/sw.js")  # anonymous: the browser re-checks it at any time
    assert reverse("visits:sw") == "/visits/sw.js"
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Cache-Control"] == "no-cache"
    assert b"everychild-visits-" in response.content
    assert client.post("/visits/sw.js").status_code == 405

    client.force_login(director.user)
    page = client.get(reverse("visits:record", kwargs={"child_id": child.pk}))
    assert b'data-sw-url="/visits/sw.js"' in page.content


def test_every_page_of_a_recorder_counts_the_visits_waiting_on_the_phone(client, director,
                                                                         make_actor):
    body = signed_in(client, director).get(reverse("child_list")).content.decode()
    assert 'data-testid="drafts-banner"' in body and "visits/drafts.js" in body
    analyst = make_actor("county_analyst", TOWNSHIP[:6] + "000000")
    body = signed_in(client, analyst).get(reverse("home")).content.decode()
    assert 'data-testid="drafts-banner"' not in body
