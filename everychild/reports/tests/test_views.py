"""Reporting pages at request level: the form (nearly empty, bad input, a double tap), the
inbox and a report's record for its units only, the reporter's status, the routing table, the
one tap from a visit."""

import re
import uuid

import pytest
from django.urls import reverse

from everychild.registry.services import register_child
from everychild.registry.tests.factories import VILLAGE, left_behind
from everychild.reports.models import Report, ReportAction, RoutingEntry
from everychild.reports.tests.factories import NOW, YX
from everychild.visits.tests.factories import REPORTABLE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def signed_in(client, actor):
    client.force_login(actor.user)
    return client


def test_the_form_sends_a_nearly_empty_report_once(client, teacher, yx_police, units):
    signed_in(client, teacher)
    page = client.get(reverse("reports:new"))
    assert page.status_code == 200 and 'data-testid="report-form"' in page.content.decode()
    key = str(uuid.uuid4())
    body = {"client_id": key, "urgency": "unknown", "perpetrator": "unknown",
            "child_name": "小明"}
    sent = client.post(reverse("reports:new"), body, follow=True)
    assert sent.status_code == 200
    report = Report.objects.get()
    assert "report-status" in sent.content.decode()  # the reporter lands on the status
    again = client.post(reverse("reports:new"), body)  # a double tap
    assert again.status_code == 302 and Report.objects.count() == 1
    assert report.reference in client.get(reverse("reports:home")).content.decode()


def test_bad_input_is_a_form_error_and_saves_nothing(client, teacher, units):
    signed_in(client, teacher)
    response = client.post(reverse("reports:new"), {
        "urgency": "unknown", "perpetrator": "unknown", "happened_on": "2099-01-01"})
    assert response.status_code == 422 and not Report.objects.exists()
    assert "errorlist" in response.content.decode()


def test_the_police_see_and_acknowledge_the_teacher_sees_the_status(client, teacher,
                                                                    yx_police, lc_police, units):
    signed_in(client, teacher).post(reverse("reports:new"), {
        "urgency": "urgent", "perpetrator": "parent", "situations": ["multiple_injuries_abuse"],
        "what_happened": "脸上有伤", "happened_division_code": VILLAGE})
    report = Report.objects.get()
    detail = reverse("reports:detail", kwargs={"report_id": report.pk})
    inbox = signed_in(client, yx_police).get(reverse("reports:home")).content.decode()
    assert report.reference in inbox
    page = client.get(detail).content.decode()
    assert "脸上有伤" in page and teacher.user.full_name in page
    ack = client.post(reverse("reports:act", kwargs={"report_id": report.pk}),
                      {"act-kind": "acknowledged", "act-note": ""})
    assert ack.status_code == 302 and ReportAction.objects.filter(kind="acknowledged").exists()
    assert signed_in(client, lc_police).get(detail).status_code == 404
    status = signed_in(client, teacher).get(detail).content.decode()
    assert 'data-testid="report-status"' in status and "脸上有伤" not in status


def test_an_amendment_from_the_page_keeps_the_original(client, teacher, yx_police, units):
    signed_in(client, teacher).post(reverse("reports:new"), {
        "urgency": "unknown", "perpetrator": "unknown", "what_happened": "手上有伤"})
    report = Report.objects.get()
    signed_in(client, yx_police).post(reverse("reports:amend", kwargs={"report_id": report.pk}), {
        "amend-field": "situations", "amend-value": "multiple_injuries_abuse, abandonment",
        "amend-reason": "核实后补充"})
    report.refresh_from_db()
    assert report.situations == ["multiple_injuries_abuse", "abandonment"]
    page = client.get(reverse("reports:detail", kwargs={"report_id": report.pk})).content.decode()
    assert 'data-testid="amendment"' in page and "手上有伤" in page


def test_a_visit_raising_a_report_opens_the_form_with_the_child(client, make_actor, units):
    director = make_actor("child_director", VILLAGE)
    child = register_child(director, left_behind(), today=NOW.date())
    signed_in(client, director)
    data = {"client_id": str(uuid.uuid4()), "visited_on": NOW.date().isoformat(),
            "place": "home", "child_seen": "on", "report_requested": "on",
            **{f"risk_{k}": v for k, v in REPORTABLE.items()}}
    sent = client.post(reverse("visits:record", kwargs={"child_id": child.pk}), data)
    assert sent.status_code == 302 and sent["Location"].startswith(reverse("reports:new"))
    form = client.get(sent["Location"]).content.decode()
    assert child.name in form and 'data-visit-id="' in form
    from everychild.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="report.form").exists()  # it showed the name
    ticked = re.findall(r'<input type="checkbox" name="situations" value="(\w+)"[^>]*checked', form)
    assert ticked == ["abandonment"]  # what the visit saw
    done = client.post(reverse("reports:new"), {
        "child_id": str(child.pk), "visit_id": sent["Location"].split("visit=")[1],
        "urgency": "urgent", "perpetrator": "unknown", "situations": ["abandonment"]})
    assert done.status_code == 302
    report = Report.objects.get()
    assert report.child_id == child.pk and report.channel == "visit" and report.visit_id


def test_the_routing_table_page(client, make_actor, units):
    admin = make_actor("system_admin", YX)
    page = signed_in(client, admin).get(reverse("reports:routing"))
    assert page.status_code == 200 and f'data-code="{YX}"' in page.content.decode()
    entry = RoutingEntry.objects.get(division_id=YX, receiver="police", active=True)
    client.post(reverse("reports:routing_off", kwargs={"entry_id": entry.pk}))
    assert not RoutingEntry.objects.get(pk=entry.pk).active
    client.post(reverse("reports:routing"), {"route-division_code": YX, "route-receiver": "police",
                                             "route-agency_name": "洋县公安局"})
    assert RoutingEntry.objects.filter(division_id=YX, receiver="police", active=True).exists()
    director = make_actor("child_director", VILLAGE)
    assert signed_in(client, director).get(reverse("reports:routing")).status_code == 403


def test_metrics_page(client, make_actor, units):
    analyst = make_actor("county_analyst", YX)
    assert signed_in(client, analyst).get(reverse("reports:metrics")).status_code == 200


def test_a_county_officer_sees_every_unit_s_missed_deadlines_without_the_report(
        client, teacher, receiver, units):
    from datetime import timedelta

    from everychild.reports import services
    from everychild.reports.models import ReportTask

    civil = receiver("civil_affairs_officer", YX, "civil_affairs")
    filed = services.file_report(teacher, services.ReportInput(
        situations=["private_parts_injury"], what_happened="隐私部位受伤")).report
    police = ReportTask.objects.get(report=filed, receiver="police")
    services.escalate(police.pk, NOW + timedelta(hours=2))
    page = signed_in(client, civil).get(reverse("reports:home")).content.decode()
    missed = page[page.index('data-testid="missed-here"'):]
    assert filed.reference in missed and "公安" in missed and "隐私部位受伤" not in page


def test_the_police_do_not_see_the_child_s_school_records(client, yx_police, make_actor, units):
    director = make_actor("child_director", VILLAGE)
    child = register_child(director, left_behind(), today=NOW.date())
    detail = reverse("child_detail", kwargs={"child_id": child.pk})
    by_director = signed_in(client, director).get(detail).content.decode()
    by_police = signed_in(client, yx_police).get(detail).content.decode()
    assert "就学状况" in by_director
    assert child.name in by_police and "就学状况" not in by_police
