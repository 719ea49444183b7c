"""Visits, plans, the one current risk level, worklists and overdue escalation."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from everychild.audit.models import AuditEvent
from everychild.core.models import OutboxEvent
from everychild.core.outbox import deliver
from everychild.notifications.models import Notification
from everychild.registry.models import Child, ChildEvent
from everychild.registry.services import register_child
from everychild.registry.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    OTHER_VILLAGE_SAME_TOWNSHIP,
    VILLAGE,
    left_behind,
)
from everychild.visits import queries, services
from everychild.visits.jobs import escalate_overdue
from everychild.visits.models import ChildRisk, Escalation, Visit, VisitPlan
from everychild.visits.tests.factories import CALM, REPORTABLE, TODAY

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def visit(day=TODAY, answers=None, **more) -> services.VisitInput:
    return services.VisitInput(visited_on=day, place="home", child_seen=True,
                               answers=answers or CALM, **more)


def test_registration_gives_a_plan_through_the_outbox(director):
    child = register_child(director, left_behind(), today=TODAY)
    assert OutboxEvent.objects.filter(consumer="visits.plans", object_id=str(child.pk)).exists()
    assert not VisitPlan.objects.filter(child=child).exists()
    deliver()
    plan = VisitPlan.objects.get(child=child)
    assert plan.next_due == date(2025, 6, 9)  # first visit within 5 working days
    assert plan.due_for == "first_visit" and plan.policy_interval == "3 months"
    assert not OutboxEvent.objects.exists()
    assert deliver() == 0


def test_a_visit_moves_the_plan_and_is_audited_on_the_timeline(director, child):
    recorded = services.record_visit(director, child.pk, visit(), client_id=None)
    plan = VisitPlan.objects.get(child=child)
    assert plan.last_visit_on == TODAY and plan.next_due == date(2025, 9, 2)
    assert recorded.risk_level == "low" and ChildRisk.objects.get(child=child).level == "low"
    assert AuditEvent.objects.filter(action="visit.create", object_id=str(recorded.pk)).exists()
    assert ChildEvent.objects.filter(child=child, kind="visit").exists()


def test_the_same_client_id_twice_is_one_visit(director, child):
    client_id = "01937b6e-8c4a-7c3e-9a51-3f1b2c4d5e6f"
    first = services.record_visit(director, child.pk, visit(), client_id=client_id)
    again = services.record_visit(director, child.pk, visit(), client_id=client_id)
    assert first.pk == again.pk and Visit.objects.count() == 1
    assert AuditEvent.objects.filter(action="visit.create").count() == 1


@pytest.mark.parametrize("day, field", [(TODAY + timedelta(days=1), "visited_on"),
                                        (date(2010, 1, 1), "visited_on")])
def test_a_visit_in_the_future_or_before_birth_is_refused(director, child, day, field):
    with pytest.raises(ValidationError) as error:
        services.record_visit(director, child.pk, visit(day=day))
    assert field in error.value.message_dict and not Visit.objects.exists()


def test_unanswered_assessment_is_refused(director, child):
    with pytest.raises(ValidationError) as error:
        services.record_visit(director, child.pk, visit(answers={"safety": "safe"}))
    assert "answers" in error.value.message_dict


def test_a_child_outside_the_jurisdiction_is_not_found(make_actor, child):
    other = make_actor("child_director", OTHER_VILLAGE_SAME_TOWNSHIP)
    with pytest.raises(Child.DoesNotExist):
        services.record_visit(other, child.pk, visit())
    analyst = make_actor("county_analyst", VILLAGE[:6] + "000000")
    with pytest.raises(Child.DoesNotExist):
        services.record_visit(analyst, child.pk, visit())


def test_a_county_officer_sees_but_does_not_record(make_actor, child):
    officer = make_actor("civil_affairs_officer", VILLAGE[:6] + "000000")
    with pytest.raises(PermissionDenied):
        services.record_visit(officer, child.pk, visit())


def test_high_risk_alerts_the_supervisor_and_stands_until_lowered(director, supervisor, child):
    services.record_visit(director, child.pk, visit(answers=REPORTABLE))
    risk = ChildRisk.objects.get(child=child)
    assert risk.level == "high"
    alert = Notification.objects.get(recipient=supervisor.user, kind="risk_high")
    assert str(child.pk) in alert.link
    plan = VisitPlan.objects.get(child=child)
    assert plan.policy_interval == "1 months" and plan.risk_rank == 3

    later = TODAY + timedelta(days=3)
    with time_machine.travel(later, tick=False):
        services.record_visit(director, child.pk, visit(day=later))
        assert ChildRisk.objects.get(child=child).level == "high"  # a calm visit leaves it
        with pytest.raises(ValidationError):
            services.lower_risk(supervisor, child.pk, "low", "")
        with pytest.raises(PermissionDenied):
            services.lower_risk(director, child.pk, "low", "safe now")
        services.lower_risk(supervisor, child.pk, "low", "the mother came home")
    assert ChildRisk.objects.get(child=child).level == "low"
    assert VisitPlan.objects.get(child=child).policy_interval == "3 months"
    kinds = list(ChildEvent.objects.filter(child=child, kind="risk_changed")
                 .values_list("detail__to", flat=True))
    assert sorted(kinds) == ["high", "low"]


def test_a_supervisor_tightens_but_never_loosens(director, supervisor, child):
    services.record_visit(director, child.pk, visit())
    with pytest.raises(ValidationError) as error:
        services.tighten_plan(supervisor, child.pk, 4, "months", "rarely home")
    assert "interval" in error.value.message_dict
    plan = services.tighten_plan(supervisor, child.pk, 1, "months", "grandmother is ill")
    assert plan.tightened_interval == "1 months" and plan.next_due == date(2025, 7, 2)
    with pytest.raises(PermissionDenied):
        services.tighten_plan(director, child.pk, 1, "months", "x")


def test_worklists_are_scoped_and_ordered(director, supervisor, make_actor, child):
    calm_child = register_child(director, left_behind(name="王小红"), today=TODAY)
    other = make_actor("child_director", OTHER_COUNTY_VILLAGE)
    register_child(other, left_behind(name="刀小明", village=OTHER_COUNTY_VILLAGE), today=TODAY)
    deliver()
    services.record_visit(director, child.pk, visit(answers=REPORTABLE))
    with time_machine.travel(date(2025, 7, 20), tick=False):
        work = queries.worklist(director)
        assert [p.child_id for p in work.overdue] == [child.pk, calm_child.pk]  # high risk first
        assert work.counts["never_visited"] == 1
        overview = queries.overview(supervisor).rows
        assert [(r["code"], r["overdue"]) for r in overview] == [(VILLAGE, 2)]
    assert AuditEvent.objects.filter(action="visit.worklist").exists()


def test_overdue_escalates_once_per_level(director, supervisor, make_actor, child):
    officer = make_actor("civil_affairs_officer", VILLAGE[:6] + "000000")
    due = VisitPlan.objects.get(child=child).next_due
    for days, reached in ((6, Escalation.NONE), (7, Escalation.DIRECTOR),
                          (14, Escalation.SUPERVISOR), (30, Escalation.COUNTY)):
        on = due + timedelta(days=days)
        escalate_overdue(on)
        assert VisitPlan.objects.get(child=child).escalated == reached, days
        assert escalate_overdue(on) == 0  # the same tick again changes nothing
    told = set(Notification.objects.filter(kind="visit_overdue")
               .values_list("recipient__username", flat=True))
    assert told == {director.user.username, supervisor.user.username, officer.user.username}
    assert Notification.objects.filter(kind="visit_overdue").count() == 3
    with time_machine.travel(due + timedelta(days=30), tick=False):
        services.record_visit(director, child.pk, visit(day=due + timedelta(days=30)))
    assert VisitPlan.objects.get(child=child).escalated == Escalation.NONE


def test_a_visit_photo_needs_consent_and_is_stored_encrypted(director, child):
    from django.db import connection

    from everychild.registry.updates import record_consent
    from everychild.visits.models import VisitPhoto

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    recorded = services.record_visit(director, child.pk, visit())
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.add_photo(director, recorded.pk, png)
    assert "consent" in error.value.message_dict["photo"][0]
    record_consent(director, str(child.pk), "photo", "guardian", "王奶奶", TODAY,
                   "photos of visits", "written", "until 18")
    with pytest.raises(ValidationError):
        services.add_photo(director, recorded.pk, b"GIF89a" + b"\x00" * 10)
    photo = services.add_photo(director, recorded.pk, png)
    assert bytes(VisitPhoto.objects.get(pk=photo.pk).image) == png
    with connection.cursor() as cursor:
        cursor.execute("SELECT image FROM visits_visitphoto")
        assert png not in bytes(cursor.fetchone()[0])
    assert AuditEvent.objects.filter(action="visit.photo.add").exists()
