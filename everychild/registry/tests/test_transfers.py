"""Transfers across jurisdictions: accepted, every child-scoped row moves in one transaction (and
its rollup), access moves with it, the sending side keeps a trace, the receiving place's rules
apply; declined or refused, nothing changes."""

from collections import Counter
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from everychild.access.policy import jurisdiction_q
from everychild.cases import services as cases
from everychild.cases.queries import caseload
from everychild.cases.tests.factories import COUNTY, LC_COUNTY, NOW, assessment, goals
from everychild.core.outbox import deliver
from everychild.registry import transfers
from everychild.registry.models import Child, ChildTransfer, ImportRow, ParentSituation
from everychild.registry.queries import ChildFilter, children
from everychild.registry.tests.factories import OTHER_COUNTY_VILLAGE, VILLAGE
from everychild.registry.updates import record_consent
from everychild.reports.models import Report
from everychild.visits import due_counts
from everychild.visits.models import DueCount
from everychild.visits.queries import worklist

pytestmark = pytest.mark.django_db
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 64



@pytest.fixture
def lc_director(make_actor):
    return make_actor("child_director", OTHER_COUNTY_VILLAGE)


@pytest.fixture
def full_record(child, director, officer, social_worker, supervisor, make_actor):
    """The child with a row in every child-scoped table: registration, consents, a visit with a
    photo, a report, a case with its plan, notes and a referral, an allowance."""
    from everychild.reports import services as reports
    from everychild.reports.tests.factories import routing_table
    from everychild.services import services
    from everychild.visits import services as visits
    from everychild.visits.tests.factories import CALM

    for purpose in ("photo", "sharing_ngo"):
        record_consent(director, child.pk, purpose, "guardian", "王奶奶", NOW.date(), "全部",
                       "书面", "三年", today=NOW.date())
    visit = visits.record_visit(director, child.pk, visits.VisitInput(
        visited_on=NOW.date(), place="home", child_seen=True, answers=CALM), today=NOW.date())
    visits.add_photo(director, visit.pk, JPEG)
    routing_table(COUNTY)
    reports.file_report(director, reports.ReportInput(child_id=str(child.pk),
                                                      what_happened="孩子常独自在家"))
    case = cases.open_case(social_worker, cases.OpenInput(
        child_id=str(child.pk), summary="独自在家", caseworker_post_id=str(social_worker.post.pk)))
    cases.initial_assessment(social_worker, case.pk, assessment())
    cases.comprehensive_assessment(social_worker, case.pk, assessment())
    plan = cases.save_plan(social_worker, case.pk, goals(), 0)
    cases.submit_plan(social_worker, case.pk, plan.version)
    cases.decide_plan(supervisor, case.pk, True)
    cases.add_note(social_worker, case.pk, cases.NoteInput(text="家访"))
    provider = services.save_provider(officer, services.ProviderInput(
        name="洋县儿童之家", kind="children_centre", division_code=COUNTY,
        services=["day_care"], coverage=[COUNTY]))
    services.make_referral(social_worker, case.pk, services.ReferralInput(
        provider_id=str(provider.pk), service_type="day_care", need="课后照料"))
    services.record_benefit(officer, child.pk, services.BenefitInput(kind="other",
                                                                      status="applied"))
    deliver()
    return child


def _places(child) -> dict[str, dict]:
    """For every child-scoped table: the county of each of the child's rows, by primary key."""
    found = {"registry.Child": {child.pk: child.division_code[:6]}}
    for table in transfers.child_scoped_tables():
        rows = table.model.objects.filter(child=child).values_list("pk", table.field)
        found[table.model._meta.label] = {pk: code[:6] for pk, code in rows}
    return found


def _counties(places: dict[str, dict]) -> dict[str, Counter]:
    return {label: Counter(rows.values()) for label, rows in places.items()}


def _seen(actor, child) -> dict[str, int]:
    """What ``actor``'s jurisdiction holds of the child, table by table."""
    found = {}
    for table in transfers.child_scoped_tables():
        found[table.model._meta.label] = table.model.objects.filter(
            jurisdiction_q(actor, table.field), child=child).count()
    found["children list"] = children(actor, ChildFilter()).filter(pk=child.pk).count()
    return found


def _due_counts(prefix: str) -> int:
    return DueCount.objects.filter(division_code__startswith=prefix).aggregate(
        n=Sum("plans"))["n"] or 0


def test_every_child_scoped_table_is_found_and_the_exceptions_say_why():
    labels = {t.model._meta.label for t in transfers.child_scoped_tables()}
    assert {"registry.Parent", "registry.NameKey", "registry.ChildEvent", "visits.Visit",
            "visits.VisitPlan", "visits.ChildRisk", "visits.VisitPhoto", "reports.Report",
            "cases.Case", "cases.CaseStep", "cases.CasePlan", "services.Referral",
            "services.Benefit"} <= labels
    assert "registry.ImportRow" not in labels and "registry.ChildTransfer" not in labels
    assert ImportRow.CHILD_PLACE_FIELD is None and ChildTransfer.CHILD_PLACE_FIELD is None
    assert Report.CHILD_PLACE_FIELD == "child_division_code"


def test_an_accepted_transfer_moves_every_row_and_what_each_county_sees(
        full_record, officer, lc_officer, lc_director, social_worker, clock):
    child = full_record
    yx, lc = COUNTY[:6], LC_COUNTY[:6]
    for label, places in _counties(_places(child)).items():
        assert places[yx] > 0 and places[lc] == 0, f"{label}: the test gives it no row"
    seen_yx, seen_lc = _seen(officer, child), _seen(lc_officer, child)
    assert all(seen_yx.values()) and not any(seen_lc.values())
    plans_yx, plans_lc = _due_counts(yx), _due_counts(lc)
    assert worklist(lc_director, NOW.date() + timedelta(days=120)).counts["overdue"] == 0

    transfer = transfers.propose(officer, child.pk, OTHER_COUNTY_VILLAGE, "随父母到陇川县生活")
    assert transfer.state == "proposed"
    before = _places(child)
    assert not any(c[lc] for c in _counties(before).values())  # nothing moves before acceptance
    transfers.accept(lc_officer, transfer.pk)

    child.refresh_from_db()
    after = _places(child)
    for label, rows in before.items():
        # every row moved, none lost; rows the move itself added (its events) are there too
        assert {pk: after[label].get(pk) for pk in rows} == dict.fromkeys(rows, lc), label
        assert set(after[label].values()) == {lc}, label
    assert _seen(officer, child) == dict.fromkeys(seen_yx, 0)  # the sender sees none of it now
    seen_now = _seen(lc_officer, child)
    assert all(seen_now[label] >= n for label, n in seen_yx.items())  # the receiver sees it all
    # the overviews' rollup (a day row and a month row per plan) moved, as a recount gives it
    assert _due_counts(yx) == plans_yx - 2 and _due_counts(lc) == plans_lc + 2
    kept = set(DueCount.objects.filter(plans__gt=0).values_list(
        "division_code", "period", "starts_on", "never_visited", "plans"))
    due_counts.rebuild()
    assert kept == set(DueCount.objects.values_list(
        "division_code", "period", "starts_on", "never_visited", "plans"))
    assert caseload(social_worker, "open") == []
    assert len(caseload(lc_officer, "unassigned")) == 1  # the case waits for a new caseworker
    transfer.refresh_from_db()
    assert transfer.state == "accepted" and transfer.moved["cases.Case"] == 1
    assert [t.pk for t in transfers.transfers_seen(officer)] == [transfer.pk]  # the trace stays


def test_the_receiving_places_rules_apply(child, officer, lc_officer):
    assert child.categories.filter(until=None, category="left_behind").exists()
    transfer = transfers.propose(officer, child.pk, OTHER_COUNTY_VILLAGE, "到父母务工的县城生活")
    transfers.accept(lc_officer, transfer.pk)
    # The parents work in 陇川县: living there now, the child is no longer left behind.
    assert not ParentSituation.objects.filter(child=child, until=None, cross_county=True).exists()
    assert not child.categories.filter(until=None, category="left_behind").exists()
    assert child.events.filter(kind="moved").exists()


def test_a_declined_transfer_moves_nothing(child, officer, lc_officer):
    transfer = transfers.propose(officer, child.pk, OTHER_COUNTY_VILLAGE, "迁居")
    before = _places(child)
    with pytest.raises(ValidationError):
        transfers.decline(lc_officer, transfer.pk, " ")
    transfers.decline(lc_officer, transfer.pk, "查无此人")
    assert _places(child) == before
    transfer.refresh_from_db()
    assert transfer.state == "declined" and transfer.decline_reason == "查无此人"
    with pytest.raises(ValidationError):
        transfers.accept(lc_officer, transfer.pk)  # decided already


def test_a_county_with_nobody_to_receive_refuses_and_changes_nothing(child, officer):
    with pytest.raises(ValidationError) as refused:
        transfers.propose(officer, child.pk, OTHER_COUNTY_VILLAGE, "迁居")
    assert "未作任何更改" in str(refused.value)  # nothing was changed
    assert not ChildTransfer.objects.exists()
    assert Child.objects.get(pk=child.pk).division_code == VILLAGE


def test_only_the_receiving_county_decides(child, officer, lc_officer, make_actor):
    transfer = transfers.propose(officer, child.pk, OTHER_COUNTY_VILLAGE, "迁居")
    with pytest.raises(ChildTransfer.DoesNotExist):
        transfers.accept(officer, transfer.pk)
    with pytest.raises(ChildTransfer.DoesNotExist):
        transfers.accept(make_actor("child_director", OTHER_COUNTY_VILLAGE), transfer.pk)
    transfers.cancel(officer, transfer.pk)
    with pytest.raises(ValidationError):
        transfers.accept(lc_officer, transfer.pk)


def test_a_move_inside_the_county_takes_effect_at_once(child, officer):
    other_village = VILLAGE[:9] + "213"
    transfer = transfers.propose(officer, child.pk, other_village, "搬到邻村")
    assert transfer.state == "accepted"
    child.refresh_from_db()
    assert child.division_code == other_village
    assert set(child.events.values_list("division_code", flat=True)) == {other_village}


def test_a_shared_household_is_copied_for_the_child_who_moves(child, director, officer,
                                                            lc_officer):
    from everychild.registry.services import register_child
    from everychild.registry.tests.factories import left_behind

    sibling = register_child(director, left_behind(name="张丽", born=date(2017, 5, 1)),
                             today=NOW.date())
    Child.objects.filter(pk=sibling.pk).update(household=child.household)
    transfer = transfers.propose(officer, child.pk, OTHER_COUNTY_VILLAGE, "迁居")
    transfers.accept(lc_officer, transfer.pk)
    child.refresh_from_db()
    sibling.refresh_from_db()
    assert child.household_id != sibling.household_id
    assert child.household.division_code == OTHER_COUNTY_VILLAGE
    assert sibling.household.division_code == VILLAGE


def test_a_failed_move_leaves_nothing_half_written(child, officer, lc_officer, settings):
    transfer = transfers.propose(officer, child.pk, OTHER_COUNTY_VILLAGE, "迁居")
    settings.EVERYCHILD_CHILD_MOVED = [*settings.EVERYCHILD_CHILD_MOVED,
                                       "everychild.registry.tests.test_transfers.broken_hook"]
    with pytest.raises(RuntimeError):
        transfers.accept(lc_officer, transfer.pk)
    child.refresh_from_db()
    assert child.division_code == VILLAGE
    assert set(_places(child)["registry.Parent"].values()) == {COUNTY[:6]}
    transfer.refresh_from_db()
    assert transfer.state == "proposed"


def broken_hook(*args, **kwargs):
    raise RuntimeError("a hook failed")
