"""Each indicator on a small hand-computed world, monthly trends, and who may see which
dashboard (an officer sees raw figures; an analyst aggregates only, with disclosure control)."""

from dataclasses import replace
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from everychild.cases.services import OpenInput, open_case
from everychild.cases.tests.factories import COUNTY, LC_COUNTY, NOW, TOWNSHIP
from everychild.core.outbox import deliver
from everychild.insights import queries
from everychild.insights.indicators import BY_CODE
from everychild.insights.jobs import follow_the_clock
from everychild.places.models import Division
from everychild.registry.models import Child
from everychild.registry.services import register_child
from everychild.registry.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    OTHER_VILLAGE_SAME_TOWNSHIP,
    VILLAGE,
    left_behind,
)
from everychild.reports import services as reports
from everychild.reports.tests.factories import routing_table
from everychild.services.tests.builders import orphan
from everychild.visits import services as visits
from everychild.visits.tests.factories import CALM

TODAY = NOW.date()
NATION = "000000000000"


@pytest.fixture
def world(director, clock, make_actor, social_worker, demo_places):
    """洋县: 张伟 (visited today, a case open) and the orphan 李娜 (no allowance) in VILLAGE,
    王芳 in the next village; 陇川县: 李强. A report from a teacher, acknowledged after 10
    minutes by the police of 洋县."""
    neighbour = make_actor("child_director", OTHER_VILLAGE_SAME_TOWNSHIP)
    other = make_actor("child_director", OTHER_COUNTY_VILLAGE)
    zhang = register_child(director, left_behind(), today=TODAY)
    register_child(director, orphan(), today=TODAY)
    girl = left_behind(name="王芳", village=OTHER_VILLAGE_SAME_TOWNSHIP, born=date(2010, 7, 9))
    register_child(neighbour, replace(girl, input=replace(girl.input, sex="female")), today=TODAY)
    register_child(other, left_behind(name="李强", village=OTHER_COUNTY_VILLAGE,
                                      born=date(2020, 1, 2)), today=TODAY)
    visits.record_visit(director, zhang.pk, visits.VisitInput(
        visited_on=TODAY, place="home", child_seen=True, answers=CALM), client_id=None)
    open_case(social_worker, OpenInput(child_id=str(zhang.pk), summary="老师反映孩子常独自在家",
                                       caseworker_post_id=str(social_worker.post.pk)))
    units = routing_table(COUNTY, LC_COUNTY)
    teacher = make_actor("reporter_school", TOWNSHIP)
    police = make_actor("police_officer", COUNTY, agency=units[(COUNTY, "police")])
    filed = reports.file_report(teacher, reports.ReportInput(
        situations=["multiple_injuries_abuse"], happened_division_code=VILLAGE)).report
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        reports.act(police, filed.pk, "acknowledged")
    deliver()
    follow_the_clock(TODAY)
    return zhang


def values(dash) -> dict[str, object]:
    return {indicator.code: cell.value for indicator, cell in queries.cards(dash)}


def test_each_indicator_on_a_hand_computed_world(world, officer):
    dash = queries.dashboard(officer, COUNTY, today=TODAY)
    assert not dash.protected
    got = values(dash)
    assert got["children"] == 3 and got["vulnerable"] == 3
    assert got["visited_on_time"] == 1.0  # 3 plans, none overdue
    assert got["never_visited"] == 2
    assert got["reports"] == 1 and got["reports_ack_in_time"] == 1.0
    assert got["time_to_ack"] == round(10 / 60, 1)
    assert got["cases_open"] == 1 and got["cases_overdue"] == 0
    assert got["referrals_completed"] is None  # nothing sent: nothing to compute from
    assert got["entitled_not_receiving"] == 1  # the orphan
    assert got["children_per_director"] == 1.5  # 3 children, 2 directors in 洋县
    villages = Division.objects.filter(level=5, code__startswith=COUNTY[:6]).count()
    assert got["villages_with_director"] == round(2 / villages, 3)
    assert got["census_affected"] == 2  # both left-behind children; the orphan's parents died


def test_nation_and_village_levels(world, make_actor):
    nation = make_actor("national_analyst", NATION)
    assert values(queries.dashboard(nation, NATION, today=TODAY))["children"] is None  # 4 < 5
    officer_view = queries.dashboard(make_actor("civil_affairs_officer", COUNTY), VILLAGE,
                                     today=TODAY)
    assert values(officer_view)["children"] == 2
    assert officer_view.children == []


def test_monthly_trends(world, officer):
    dash = queries.dashboard(officer, COUNTY, today=TODAY)
    rows = {measure: [c.value for _m, c in cells] for measure, _l, cells in queries.trends(dash)}
    assert [f"{m:%Y-%m}" for m in dash.months][-1] == "2025-06"
    assert len(dash.months) == 12
    assert rows["visits.visits"][-1] == 1 and rows["visits.visits"][:-1] == [0] * 11
    assert rows["reports.reports"][-1] == 1
    assert rows["cases.cases_opened"][-1] == 1
    with time_machine.travel(NOW + timedelta(days=31), tick=False):
        later = queries.dashboard(officer, COUNTY, today=TODAY + timedelta(days=31))
        shifted = {m: [c.value for _m, c in cells] for m, _l, cells in queries.trends(later)}
        assert shifted["visits.visits"][-2:] == [1, 0]


def test_breakdowns_and_ranking(world, officer):
    dash = queries.dashboard(officer, COUNTY, "all", today=TODAY)
    parts = {name: {key: c.value for key, _l, c in rows}
             for name, rows in queries.breakdowns(dash.node, "all").items()}
    assert parts["sex"] == {"sex:male": 2, "sex:female": 1}
    assert parts["band"]["band:6-11"] == 2 and parts["band"]["band:12-14"] == 1
    assert parts["band"]["band:0-2"] == 0  # zeros are zeros
    assert parts["area"]["area:R"] + parts["area"]["area:U"] + parts["area"]["area:?"] == 3
    ranked = [(node.code, cell.value) for node, cell in queries.ranking(dash)]
    assert ranked[0] == (TOWNSHIP, 3)
    assert all(value == 0 for _code, value in ranked[1:])


def test_the_analysts_see_suppressed_cells_never_blank(world, make_actor, client):
    analyst = make_actor("county_analyst", COUNTY)
    dash = queries.dashboard(analyst, COUNTY, today=TODAY)
    assert dash.protected
    cells = dict(queries.cards(dash))
    assert cells[BY_CODE["children"]].suppressed  # 3 < 5
    assert cells[BY_CODE["children"]].reason == "primary"
    client.force_login(analyst.user)
    page = client.get(reverse("insights:dashboard", args=[COUNTY])).content.decode()
    assert 'data-testid="suppressed"' in page
    for name in ("张伟", "李娜", "王芳", "张父", "王奶奶"):
        assert name not in page


def test_a_dashboard_outside_the_jurisdiction_is_404(world, officer, client):
    client.force_login(officer.user)
    assert client.get(reverse("insights:dashboard", args=[LC_COUNTY])).status_code == 404
    assert client.get(reverse("insights:dashboard", args=["610000000000"])).status_code == 404
    assert client.get(reverse("insights:dashboard", args=["not-a-code"])).status_code == 404
    assert client.get(reverse("insights:dashboard", args=[COUNTY])).status_code == 200
    assert client.get(reverse("insights:dashboard", args=[VILLAGE])).status_code == 200


def test_roles_without_insights_are_refused(world, make_actor, client):
    teacher = make_actor("reporter_school", TOWNSHIP)
    client.force_login(teacher.user)
    assert client.get(reverse("insights:dashboard", args=[TOWNSHIP])).status_code == 403


def test_an_unknown_category_is_404(world, officer, client):
    client.force_login(officer.user)
    url = reverse("insights:dashboard", args=[COUNTY])
    assert client.get(url, {"category": "left_behind"}).status_code == 200
    assert client.get(url, {"category": "<script>"}).status_code == 404


def test_the_page_in_both_languages(world, officer, client):
    client.force_login(officer.user)
    url = reverse("insights:dashboard", args=[COUNTY])
    assert "儿童" in client.get(url).content.decode()
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        english = client.get(url).content.decode()
    assert "Children registered" in english


def test_home_goes_to_the_post_division(world, officer, client):
    client.force_login(officer.user)
    response = client.get(reverse("insights:home"))
    assert response.status_code == 302 and response.url.endswith(f"/insights/{COUNTY}/")


def test_api_aggregates_only(world, make_actor, client):
    from everychild.services.tests.builders import get

    analyst = make_actor("county_analyst", COUNTY)
    body = get(client, f"/api/v1/insights/divisions/{COUNTY}", analyst).json()
    assert body["protected"] is True and body["threshold"] == 5
    children = next(i for i in body["indicators"] if i["code"] == "children")
    assert children == {"code": "children", "value": None, "suppressed": "primary"}
    text = str(body)
    for name in ("张伟", "李娜", "王芳"):
        assert name not in text
    assert get(client, f"/api/v1/insights/divisions/{LC_COUNTY}", analyst).status_code == 404
    listed = get(client, "/api/v1/insights/indicators", analyst).json()
    assert {i["code"] for i in listed} >= {"children", "visited_on_time", "census_affected"}


def test_child_count_matches_the_registry(world, officer):
    assert values(queries.dashboard(officer, COUNTY, "all", today=TODAY))["children"] == \
        Child.objects.filter(division_code__startswith=COUNTY[:6]).count()


def test_the_queue_decides_the_pages_above_a_change(world, director, make_actor, monkeypatch,
                                                     django_capture_on_commit_callbacks):
    """A refresh enqueues the disclosure decisions of the pages above the changed places; once
    taken, the county analyst's dashboard takes none of its own."""
    from django.core.cache import caches
    from django_tasks_db.models import DBTaskResult

    from everychild.insights import disclosure

    queued = DBTaskResult.objects.filter(task_path="everychild.insights.tasks.decide")
    with django_capture_on_commit_callbacks(execute=True):
        register_child(director, left_behind(name="赵六", born=date(2012, 5, 6)), today=TODAY)
        deliver()
    assert {str(task.args_kwargs["args"]) for task in queued} == {str([[VILLAGE]])}
    caches["insights"].clear()
    assert queries.warm([VILLAGE, OTHER_VILLAGE_SAME_TOWNSHIP], TODAY) == 1  # one county

    def refuse(*args, **kwargs):
        raise AssertionError("a decision taken again")

    monkeypatch.setattr(disclosure, "protect_children", refuse)
    monkeypatch.setattr(disclosure, "protect_root", refuse)
    analyst = make_actor("county_analyst", COUNTY)
    dash = queries.dashboard(analyst, COUNTY, today=TODAY)
    assert dash.protected and dash.node.decisions
