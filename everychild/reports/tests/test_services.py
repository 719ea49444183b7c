"""Filing, routing, deadlines and escalation, acting, amending, the one-stop interview."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from everychild.audit.models import AuditEvent
from everychild.notifications.models import Notification
from everychild.registry.models import Child, ChildEvent
from everychild.registry.services import register_child
from everychild.registry.tests.factories import VILLAGE, left_behind, valid_id
from everychild.reports import queries, services
from everychild.reports.models import (
    JointInterview,
    Report,
    ReportAmendment,
    ReportTask,
    RoutingEntry,
    TaskState,
)
from everychild.reports.tests.factories import HANZHONG, LC, NOW, SHAANXI, YX
from everychild.visits.models import ChildRisk, VisitPlan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def report(**known) -> services.ReportInput:
    return services.ReportInput(**{"situations": ["multiple_injuries_abuse"],
                                   "what_happened": "手臂多处淤青", "child_name": "李小花",
                                   "child_sex": "female", "child_age": 9,
                                   "happened_division_code": VILLAGE, **known})


def units_of(filed: Report) -> set[tuple[str, str]]:
    return set(ReportTask.objects.filter(report=filed).values_list("unit_division_code",
                                                                   "receiver"))


def test_a_report_in_yang_county_reaches_yang_county_units_only(teacher, yx_police, lc_police,
                                                                units):
    filed = services.file_report(teacher, report()).report
    assert units_of(filed) == {(YX, "police"), (YX, "civil_affairs"), (YX, "procuratorate")}
    assert filed.division_code == VILLAGE and filed.routing_basis == "happened"
    assert Notification.objects.filter(recipient=yx_police.user, kind="report_task").count() == 1
    assert not Notification.objects.filter(recipient=lc_police.user).exists()
    assert queries.report_detail(yx_police, filed.pk).report == filed
    with pytest.raises(Report.DoesNotExist):
        queries.report_detail(lc_police, filed.pk)  # another county's police see nothing
    assert [t.report_id for t in queries.inbox(lc_police).open] == []
    assert AuditEvent.objects.filter(action="report.create", object_id=str(filed.pk)).exists()


def test_routing_place_falls_back_to_the_childs_residence_then_the_reporters_post(teacher,
                                                                                  units):
    by_residence = services.file_report(teacher, report(
        happened_division_code="", child_division_code="533124101001")).report
    assert by_residence.routing_basis == "residence"
    assert (LC, "police") in units_of(by_residence)
    by_post = services.file_report(teacher, services.ReportInput()).report
    assert by_post.routing_basis == "reporter"
    assert by_post.division_code == teacher.post.division_id


def test_almost_nothing_known_still_saves_and_routes_with_a_warning(teacher, units):
    filed = services.file_report(teacher, services.ReportInput()).report
    assert [w["code"] for w in filed.warnings] == ["report_little_known"]
    assert len(units_of(filed)) == 3


@pytest.mark.parametrize(("situations", "urgency", "hours"), [
    (["private_parts_injury"], "unknown", 1), (["organised_begging"], "unknown", 24),
    (["other_serious_harm"], "imminent", 1), (["other_serious_harm"], "urgent", 24),
    ([], "unknown", 24)])
def test_police_deadline_by_situation_and_urgency(teacher, units, situations, urgency, hours):
    filed = services.file_report(teacher, report(situations=situations, urgency=urgency)).report
    police = ReportTask.objects.get(report=filed, receiver="police")
    assert police.due_at == NOW + timedelta(hours=hours)


def test_abandonment_gives_civil_affairs_a_24_hour_safety_duty(teacher, units):
    filed = services.file_report(teacher, report(situations=["abandonment"])).report
    civil = ReportTask.objects.get(report=filed, receiver="civil_affairs")
    assert civil.duty == "arrange_safety" and civil.due_at == NOW + timedelta(hours=24)


def test_a_missed_deadline_escalates_county_prefecture_province_then_administrators(
        teacher, yx_police, hz_police, make_actor, units):
    admin = make_actor("system_admin", YX)
    filed = services.file_report(teacher, report(situations=["private_parts_injury"])).report
    police = ReportTask.objects.get(report=filed, receiver="police")
    assert not services.escalate(police.pk, NOW + timedelta(minutes=59))  # not yet due
    late = NOW + timedelta(hours=1, minutes=1)
    assert services.escalate(police.pk, late) and not services.escalate(police.pk, late)
    prefecture = ReportTask.objects.get(report=filed, escalated_from=police)
    assert prefecture.unit_division_code == HANZHONG and prefecture.due_at == late + timedelta(hours=1)
    assert Notification.objects.filter(recipient=hz_police.user, kind="report_task").exists()
    assert queries.report_detail(hz_police, filed.pk).report == filed  # now theirs too
    later = late + timedelta(hours=2)
    assert services.escalate_missed(later) >= 1
    province = ReportTask.objects.get(report=filed, escalated_from=prefecture)
    assert province.unit_division_code == SHAANXI
    services.escalate_missed(later + timedelta(hours=2))
    assert ReportTask.objects.get(pk=province.pk).state == TaskState.ESCALATED
    assert Notification.objects.filter(recipient=admin.user, kind="routing_gap").exists()
    assert services.escalate_missed(later + timedelta(hours=3)) == 0  # idempotent


def test_a_late_answer_closes_the_tasks_it_escalated_to(teacher, yx_police, units):
    filed = services.file_report(teacher, report(situations=["private_parts_injury"])).report
    police = ReportTask.objects.get(report=filed, receiver="police")
    services.escalate(police.pk, NOW + timedelta(hours=2))
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        services.act(yx_police, filed.pk, "acknowledged")
    states = set(ReportTask.objects.filter(report=filed, receiver="police")
                 .values_list("state", flat=True))
    assert states == {TaskState.DONE}
    assert Report.objects.get(pk=filed.pk).acknowledged_at == NOW + timedelta(hours=3)


def test_with_every_routing_row_of_a_prefecture_deleted_the_province_receives_it(
        teacher, make_actor, units):
    admin = make_actor("system_admin", YX)
    RoutingEntry.objects.filter(division_id__in=[YX, HANZHONG]).delete()
    filed = services.file_report(teacher, report()).report
    assert units_of(filed) == {(SHAANXI, "police"), (SHAANXI, "civil_affairs"),
                               (SHAANXI, "procuratorate")}
    assert {w["code"] for w in filed.warnings} == {"report_routed_up"}
    assert Notification.objects.filter(recipient=admin.user, kind="routing_gap").count() == 3


def test_a_place_with_no_unit_at_all_waits_and_is_routed_by_the_tick(teacher, make_actor, units):
    admin = make_actor("system_admin", YX)
    RoutingEntry.objects.filter(receiver="police").delete()
    filed = services.file_report(teacher, report()).report
    assert filed.unrouted == ["police"] and filed.routing_pending
    assert Notification.objects.filter(recipient=admin.user, kind="routing_gap").exists()
    assert services.route_unrouted() == 0  # still nowhere to go
    RoutingEntry.objects.create(division_id=SHAANXI, receiver="police",
                                agency=units[(SHAANXI, "police")])
    assert services.route_unrouted() == 1
    filed.refresh_from_db()
    assert filed.unrouted == [] and (SHAANXI, "police") in units_of(filed)
    assert services.route_unrouted() == 0


def test_the_same_idempotency_key_is_one_report(teacher, units):
    first = services.file_report(teacher, report(), idempotency_key="k-1")
    again = services.file_report(teacher, report(), idempotency_key="k-1")
    assert first.created and not again.created and first.report.pk == again.report.pk
    assert Report.objects.count() == 1 and ReportTask.objects.count() == 3
    with pytest.raises(ValidationError) as error:
        services.file_report(teacher, report(what_happened="另一件事"), idempotency_key="k-1")
    assert "idempotency_key" in error.value.message_dict


@pytest.mark.parametrize(("field", "value"), [("situations", ["no_such"]),
                                              ("happened_on", date(2025, 6, 3)),
                                              ("child_id_number", "110105194912310021"),
                                              ("happened_division_code", "999999999999"),
                                              ("child_age", 30)])
def test_bad_input_is_refused_by_field_and_nothing_is_saved(teacher, units, field, value):
    with pytest.raises(ValidationError) as error:
        services.file_report(teacher, report(**{field: value}))
    assert field in error.value.message_dict and not Report.objects.exists()


def test_only_mandated_reporters_and_staff_file(make_actor, units):
    analyst = make_actor("county_analyst", YX)
    with pytest.raises(PermissionDenied):
        services.file_report(analyst, report())


def test_a_registered_child_is_matched_silently_and_its_plan_and_risk_react(teacher, make_actor,
                                                                            units):
    director = make_actor("child_director", VILLAGE)
    born = date(2015, 3, 1)
    child = register_child(director, left_behind(id_number=valid_id(born)), today=NOW.date())
    filed = services.file_report(teacher, report(child_id_number=valid_id(born))).report
    assert filed.child_id == child.pk
    assert ChildRisk.objects.get(child=child).level == "high"
    assert VisitPlan.objects.get(child=child).report_on == NOW.date()
    event = ChildEvent.objects.get(child=child, kind="report")
    assert event.actor is None  # the timeline never names the reporter
    status = queries.report_status(teacher, filed.pk)
    assert "child" not in status and "what_happened" not in status


def test_the_reporter_sees_only_the_status_of_their_own_reports(teacher, make_actor, yx_police,
                                                                units):
    filed = services.file_report(teacher, report()).report
    assert queries.report_status(teacher, filed.pk)["received"] is True
    assert queries.report_status(teacher, filed.pk)["acknowledged_at"] is None
    services.act(yx_police, filed.pk, "case_accepted", "已受案")
    status = queries.report_status(teacher, filed.pk)
    assert status["acknowledged_at"] and status["acted_on"]
    assert "case_accepted" not in str(status) and "已受案" not in str(status)
    other = make_actor("reporter_school", "610723103000")
    with pytest.raises(Report.DoesNotExist):
        queries.report_status(other, filed.pk)
    with pytest.raises(Report.DoesNotExist):
        queries.report_detail(teacher, filed.pk)  # a school sees nothing of the case


def test_case_accepted_starts_the_three_day_feedback_to_the_reporter(teacher, yx_police, units):
    filed = services.file_report(teacher, report()).report
    services.act(yx_police, filed.pk, "case_accepted")
    feedback = ReportTask.objects.get(report=filed, duty="feedback")
    assert feedback.due_at == NOW + timedelta(days=3)
    services.act(yx_police, filed.pk, "feedback", "已电话告知学校")
    assert ReportTask.objects.get(pk=feedback.pk).state == TaskState.DONE
    assert Report.objects.get(pk=filed.pk).feedback_at == NOW


def test_only_the_police_record_police_outcomes(teacher, receiver, units):
    civil = receiver("civil_affairs_officer", YX, "civil_affairs")
    filed = services.file_report(teacher, report()).report
    with pytest.raises(ValidationError):
        services.act(civil, filed.pk, "unfounded")
    services.act(civil, filed.pk, "acknowledged")
    assert ReportTask.objects.get(report=filed, receiver="civil_affairs").state == TaskState.DONE
    assert ReportTask.objects.get(report=filed, receiver="police").state == TaskState.OPEN


def test_a_welfare_concern_tells_civil_affairs(teacher, yx_police, receiver, units):
    civil = receiver("civil_affairs_officer", YX, "civil_affairs")
    filed = services.file_report(teacher, report()).report
    services.act(yx_police, filed.pk, "welfare_concern", "无犯罪事实，但监护缺失")
    assert Notification.objects.filter(recipient=civil.user, kind="report_welfare").exists()
    assert Report.objects.get(pk=filed.pk).police_outcome == "welfare_concern"


def test_amendments_keep_the_original(teacher, yx_police, units):
    filed = services.file_report(teacher, report()).report
    services.amend(teacher, filed.pk, "what_happened", "手臂和背部多处淤青", "补充背部伤情")
    services.amend(yx_police, filed.pk, "situations", ["multiple_injuries_abuse", "abandonment"],
                   "走访后发现长期无人照料")
    filed.refresh_from_db()
    assert filed.what_happened == "手臂和背部多处淤青"
    assert '"what_happened": "手臂多处淤青"' in filed.original
    assert ReportAmendment.objects.filter(report=filed).count() == 2
    with pytest.raises(ValidationError):
        services.amend(teacher, filed.pk, "what_happened", "x", "")
    with pytest.raises(ValidationError):
        services.amend(teacher, filed.pk, "reference", "x", "why")
    with pytest.raises(Report.DoesNotExist):
        services.amend(yx_police.__class__(user=None, post=None), filed.pk, "urgency", "urgent", "x")


def test_a_report_is_never_deleted(teacher, units):
    from django.db import IntegrityError, transaction

    filed = services.file_report(teacher, report()).report
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.filter(pk=filed.pk).delete()
    assert Report.objects.filter(pk=filed.pk).exists()


def test_the_joint_interview_is_recorded_once(teacher, yx_police, receiver, units):
    filed = services.file_report(teacher, report()).report
    interview = services.InterviewInput(
        held_at=NOW - timedelta(hours=1), place="洋县一站式询问救助中心",
        attendees=[{"role": "police", "name": "王警官"}, {"role": "procurator", "name": "李检察官"},
                   {"role": "psychologist", "name": "赵老师"}], av_recorded=True, woman_present=True)
    services.record_interview(yx_police, filed.pk, interview)
    with pytest.raises(ValidationError) as error:
        services.record_interview(yx_police, filed.pk, interview)
    assert "not asked" in str(error.value) or "不再" in str(error.value)
    assert JointInterview.objects.count() == 1
    civil = receiver("civil_affairs_officer", YX, "civil_affairs")
    with pytest.raises(PermissionDenied):
        services.link_service(civil, filed.pk, "psychological", NOW.date())
    services.link_service(yx_police, filed.pk, "forensic", NOW.date(), "县医院")
    detail = queries.report_detail(civil, filed.pk)
    assert detail.interview is None  # civil affairs do not need the interview


def test_a_child_the_filer_may_not_see_is_not_found(teacher, make_actor, units):
    director = make_actor("child_director", VILLAGE)
    child = register_child(director, left_behind(), today=NOW.date())
    with pytest.raises(Child.DoesNotExist):
        services.file_report(teacher, report(child_id=str(child.pk)))
    filed = services.file_report(director, report(child_id=str(child.pk))).report
    assert filed.child_id == child.pk


def test_metrics_on_a_hand_computed_world(teacher, yx_police, make_actor, units):
    """Two police tasks: one answered after 30 minutes (within its hour), one after 3 hours
    (late: escalated first); the prefecture's escalated copy is not counted twice."""
    analyst = make_actor("county_analyst", YX)
    quick = services.file_report(teacher, report(situations=["private_parts_injury"])).report
    slow = services.file_report(teacher, report(situations=["private_parts_injury"],
                                                what_happened="另一起")).report
    services.act(yx_police, quick.pk, "acknowledged", now=NOW + timedelta(minutes=30))
    services.escalate_missed(NOW + timedelta(hours=1, minutes=1))
    services.act(yx_police, slow.pk, "acknowledged", now=NOW + timedelta(hours=3))
    found = queries.metrics(analyst, now=NOW + timedelta(hours=4))
    police = next(u for u in found["units"] if u["unit"] == "洋县公安")
    assert (police["tasks"], police["answered"], police["within_deadline"], police["missed"]) == \
        (2, 2, 1, 1)
    assert police["share_within_deadline"] == 0.5
    assert police["median_minutes_to_answer"] == 105.0  # (30 + 180) / 2
    county = next(c for c in found["counties"] if c["county"] == YX)
    assert county["tasks"] == 6  # police, civil affairs and procuratorate of both reports
