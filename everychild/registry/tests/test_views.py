"""Registry pages at request level: the list with filters and search, registration in three
steps (hidden fields carry the earlier steps), confirmation of warnings, the profile, access."""

from datetime import date
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from everychild.audit.models import AuditEvent
from everychild.registry import services, views
from everychild.registry.models import Child, ChildCategory, Parent
from everychild.registry.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    OTHER_VILLAGE_SAME_TOWNSHIP,
    VILLAGE,
    left_behind,
    valid_id,
)

LIST = reverse("child_list")
NEW = reverse("child_new")
COUNTY = "610723000000"
TOWNSHIP = "610723001000"


@pytest.fixture
def director(make_actor):
    return make_actor("child_director", VILLAGE)


@pytest.fixture
def officer(make_actor):
    return make_actor("civil_affairs_officer", COUNTY)


@pytest.fixture
def signed_in(client, director):
    client.force_login(director.user)
    return client


def profile(child) -> str:
    return reverse("child_detail", kwargs={"child_id": child.pk})


class _Hidden(HTMLParser):
    """The hidden inputs of the registration form: what the browser sends on."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "hidden" and attrs.get("name"):
            if attrs["name"] != "csrfmiddlewaretoken":
                self.fields.append((attrs["name"], attrs.get("value") or ""))


def hidden(response) -> dict[str, str]:
    parser = _Hidden()
    parser.feed(response.content.decode())
    return dict(parser.fields)


CHILD_STEP = {
    "child-name": "李小红", "child-sex": "female", "child-date_of_birth": "2016-05-04",
    "child-id_number": "", "child-ethnicity": "01", "child-hukou_type": "rural",
    "child-school_status": "in_school", "child-grade": "四年级", "child-disability_type": "",
    "child-disability_grade": "", "child-illness_note": "", "child-nickname": "",
}
AWAY = {"kind": "migrant_worker", "since": "2023-02-01", "cross_county": "yes",
        "destination_code": "533124000000", "contact_frequency": "每周", "until": "",
        "police_report_accepted_on": "", "disability_type": "", "disability_grade": "",
        "evidence": "", "phone": ""}
FAMILY_STEP = {
    **{f"father-{k}": v for k, v in AWAY.items()}, "father-name": "李父",
    **{f"mother-{k}": v for k, v in AWAY.items()}, "mother-name": "王母",
    "household-address": "东咀村二组", "household-minimum_allowance": "on",
}
CARE_STEP = {
    "cg1-relationship": "grandmother_paternal", "cg1-name": "李奶奶", "cg1-age": "67",
    "cg1-health": "fair", "cg1-capacity": "fair", "cg1-phone": "",
    "cg2-relationship": "", "cg2-name": "", "cg2-age": "", "cg2-health": "", "cg2-capacity": "",
    "cg2-phone": "",
}


def step(client, previous, fields: dict, action: str = "next"):
    """POST one screen: the previous page's hidden fields plus this screen's answers."""
    data = {**(hidden(previous) if previous is not None else {"step": "1", "seen": "1"}),
            **fields, "action": action}
    return client.post(NEW, data)


def register_through_pages(client, child_step=None, family=None, care=None):
    first = client.get(NEW)
    assert first.status_code == 200
    second = step(client, first, child_step or CHILD_STEP)
    assert second.status_code == 200 and 'data-step="2"' in second.content.decode()
    third = step(client, second, family or FAMILY_STEP)
    assert third.status_code == 200 and 'data-step="3"' in third.content.decode()
    return third, step(client, third, care or CARE_STEP, action="save")


# --- the list ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_shows_only_the_jurisdiction(signed_in, director, make_actor):
    services.register_child(director, left_behind(name="张伟"))
    other = make_actor("child_director", OTHER_COUNTY_VILLAGE)
    services.register_child(other, left_behind(name="刀小明", village=OTHER_COUNTY_VILLAGE))
    response = signed_in.get(LIST)
    assert response.status_code == 200
    body = response.content.decode()
    assert "张伟" in body and "刀小明" not in body
    assert 'data-category="left_behind_rural"' in body  # the category, as a translated label
    assert AuditEvent.objects.filter(action="child.search").count() == 1


@pytest.mark.django_db
def test_search_by_pinyin_travels_in_the_post_body(signed_in, director):
    services.register_child(director, left_behind(name="张伟"))
    services.register_child(director, left_behind(name="王丽", born=date(2014, 1, 2)))
    for text in ("zhangwei", "zw", "张伟"):
        response = signed_in.post(LIST, {"text": text, "division": "610723001212", "page": "1"})
        body = response.content.decode()
        assert response.status_code == 200
        assert "张伟" in body and "王丽" not in body, text
    event = AuditEvent.objects.filter(action="child.search").order_by("-at").first()
    assert "张伟" not in str(event.detail)


@pytest.mark.django_db
def test_search_by_id_number_and_filters(signed_in, director):
    number = valid_id(date(2015, 3, 1))
    services.register_child(director, left_behind(name="张伟", id_number=number))
    services.register_child(director, left_behind(name="王丽", born=date(2014, 1, 2)))
    body = signed_in.post(LIST, {"text": number, "division": VILLAGE}).content.decode()
    assert "张伟" in body and "王丽" not in body
    body = signed_in.post(LIST, {"has_id_number": "no", "division": VILLAGE}).content.decode()
    assert "王丽" in body and "张伟" not in body
    body = signed_in.post(LIST, {"category": "orphan", "division": VILLAGE}).content.decode()
    assert "王丽" not in body and "张伟" not in body and 'data-testid="no-children"' in body
    body = signed_in.post(LIST, {"text": number[:-1] + "Y", "division": VILLAGE}).content.decode()
    assert 'class="errorlist' in body


@pytest.mark.django_db
def test_a_division_outside_the_jurisdiction_is_a_form_error(signed_in, director):
    response = signed_in.post(LIST, {"division": "5331"})
    assert response.status_code == 200 and 'class="errorlist' in response.content.decode()
    assert not AuditEvent.objects.filter(action="child.search").exists()


@pytest.mark.django_db
def test_pages_of_the_list(signed_in, director, monkeypatch):
    monkeypatch.setattr(views, "PER_PAGE", 2)
    for i, name in enumerate(("张一", "张二", "张三")):
        services.register_child(director, left_behind(name=name, born=date(2014, 1, 1 + i)))
    first = signed_in.post(LIST, {"division": VILLAGE, "page": "1"}).content.decode()
    assert first.count('data-testid="child-row"') == 2 and 'data-testid="next-page"' in first
    second = signed_in.post(LIST, {"division": VILLAGE, "page": "2"}).content.decode()
    assert second.count('data-testid="child-row"') == 1 and "张一" in second
    assert 'data-testid="next-page"' not in second and 'data-testid="previous"' in second


@pytest.mark.django_db
@pytest.mark.parametrize("param", ["name", "id_number", "phone"])
def test_personal_terms_in_a_url_are_refused(signed_in, param):
    assert signed_in.get(LIST, {param: "张伟"}).status_code == 400


# --- registration ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_register_through_the_three_steps(signed_in, director):
    third, saved = register_through_pages(signed_in)
    review = third.content.decode()
    assert 'data-testid="review"' in review and "李小红" in review and "陇川县" in review
    child = Child.objects.get()
    assert saved.status_code == 302 and saved["Location"] == profile(child)
    assert child.division_code == VILLAGE and child.name == "李小红"  # a village post: its village
    assert child.household.minimum_allowance
    assert Parent.objects.filter(child=child).count() == 2
    situation = child.parent_situations.get(parent__role="father")
    assert situation.cross_county is True and situation.destination_code == "533124000000"
    assert child.caregivers.get().primary
    assert ChildCategory.objects.filter(child=child, category="left_behind", until=None).exists()
    page = signed_in.get(profile(child)).content.decode()
    assert 'data-testid="category-left_behind"' in page and 'data-testid="reason"' in page


@pytest.mark.django_db
def test_a_county_officer_chooses_the_village(client, officer):
    client.force_login(officer.user)
    page = client.get(NEW).content.decode()
    assert f'value="{VILLAGE}"' in page and f'value="{OTHER_COUNTY_VILLAGE}"' not in page
    data = {**CHILD_STEP, "child-division_code": OTHER_VILLAGE_SAME_TOWNSHIP}
    _third, saved = register_through_pages(client, child_step=data)
    assert saved.status_code == 302
    assert Child.objects.get().division_code == OTHER_VILLAGE_SAME_TOWNSHIP


@pytest.mark.django_db
def test_the_destination_picker_goes_down_to_the_county(signed_in):
    url = reverse("child_new_destination")
    provinces = signed_in.get(url, {"role": "father"}).content.decode()
    assert 'value="530000000000"' in provinces and 'value="610000000000"' in provinces
    province = signed_in.get(url, {"role": "father", "father-destination_code": "530000000000"})
    assert 'value="533100000000"' in province.content.decode()
    county = signed_in.get(url, {"role": "father", "father-destination_code": "533124000000"})
    body = county.content.decode()
    assert 'name="father-destination_code"' in body and "k-migrant_worker" in body
    assert '<option value="533124000000" selected>' in body and 'value="533124101000"' not in body
    assert signed_in.get(url, {"role": "x"}).status_code == 404


@pytest.mark.django_db
def test_going_back_keeps_the_answers(signed_in):
    first = signed_in.get(NEW)
    second = step(signed_in, first, CHILD_STEP)
    back = step(signed_in, second, FAMILY_STEP, action="back")
    body = back.content.decode()
    assert 'data-step="1"' in body and 'value="李小红"' in body
    assert hidden(back)["father-destination_code"] == "533124000000"  # step 2 carried along


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value"), [
    ("child-date_of_birth", "2099-01-01"),          # in the future
    ("child-date_of_birth", "2001-01-01"),          # already 18
    ("child-division_code", "610723999999"),        # unknown village
    ("child-division_code", OTHER_COUNTY_VILLAGE),  # outside the jurisdiction
    ("child-name", ""),
    ("child-id_number", "610723201503010120"),      # wrong check character
])
def test_bad_input_gives_form_errors_and_writes_nothing(client, officer, field, value):
    client.force_login(officer.user)
    data = {**CHILD_STEP, "child-division_code": VILLAGE, field: value}
    response = step(client, client.get(NEW), data)
    body = response.content.decode()
    assert response.status_code == 200 and 'data-step="1"' in body
    assert 'class="field invalid' in body
    assert not Child.objects.exists() and not AuditEvent.objects.filter(action="child.create")


@pytest.mark.django_db
def test_a_tampered_final_post_is_checked_again(signed_in):
    third, _saved = register_through_pages(signed_in, care={**CARE_STEP, "cg1-age": "x"})
    assert not Child.objects.exists()
    data = {**hidden(third), **CARE_STEP, "child-date_of_birth": "2099-01-01", "action": "save"}
    response = signed_in.post(NEW, data)
    assert 'data-step="1"' in response.content.decode() and not Child.objects.exists()


@pytest.mark.django_db
def test_an_unknown_destination_is_an_error_on_the_family_step(signed_in):
    second = step(signed_in, signed_in.get(NEW), CHILD_STEP)
    response = step(signed_in, second, {**FAMILY_STEP, "father-destination_code": "999999"})
    body = response.content.decode()
    assert 'data-step="2"' in body and 'class="field invalid when' in body


@pytest.mark.django_db
@pytest.mark.parametrize(("errors", "shown_on", "marker"), [
    ({"name": "Enter the child's name.", "parents": "Unknown parent situation."}, "1",
     "Enter the child&#x27;s name."),
    ({"parents": "A situation ends before it starts."}, "2", 'data-testid="family-errors"'),
    ({"hukou_division_code": "Unknown division code: 1"}, "1", "Unknown division code: 1"),
])
def test_service_errors_land_on_the_right_step(signed_in, monkeypatch, errors, shown_on, marker):
    def refuse(actor, registration, confirmed=False):
        raise ValidationError(errors)

    second = step(signed_in, signed_in.get(NEW), CHILD_STEP)
    third = step(signed_in, second, FAMILY_STEP)
    monkeypatch.setattr(services, "register_child", refuse)
    body = step(signed_in, third, CARE_STEP, action="save").content.decode()
    assert f'data-step="{shown_on}"' in body and marker in body


@pytest.mark.django_db
def test_possible_duplicate_needs_confirmation_then_saves(signed_in, director):
    existing = services.register_child(director, left_behind(name="李小红", born=date(2016, 5, 4)))
    third, asked = register_through_pages(signed_in)
    body = asked.content.decode()
    assert asked.status_code == 200 and 'data-testid="confirmation"' in body
    assert profile(existing) in body  # the possible duplicate, linked
    assert Child.objects.count() == 1
    saved = signed_in.post(NEW, {**hidden(asked), **CARE_STEP, "action": "confirm"})
    assert saved.status_code == 302
    assert Child.objects.count() == 2
    event = AuditEvent.objects.filter(action="child.create").order_by("-at").first()
    assert event.detail["duplicates_dismissed"] == [str(existing.pk)]


@pytest.mark.django_db
def test_id_number_mismatch_is_a_warning_to_confirm(signed_in):
    number = valid_id(date(2016, 5, 5), sex="female")  # a day later than the date entered
    _third, asked = register_through_pages(signed_in, child_step={**CHILD_STEP,
                                                                  "child-id_number": number})
    body = asked.content.decode()
    assert 'data-testid="warning"' in body and not Child.objects.exists()
    saved = signed_in.post(NEW, {**hidden(asked), **CARE_STEP, "action": "confirm"})
    assert saved.status_code == 302 and Child.objects.get().id_number == number


@pytest.mark.django_db
def test_a_known_id_number_is_refused_with_a_link(signed_in, director):
    number = valid_id(date(2016, 5, 4), sex="female")
    existing = services.register_child(director, left_behind(name="李大红", born=date(2016, 5, 4),
                                                             id_number=number), confirmed=True)
    _third, refused = register_through_pages(signed_in, child_step={**CHILD_STEP,
                                                                    "child-id_number": number})
    body = refused.content.decode()
    assert 'data-step="1"' in body and 'data-testid="existing-child"' in body
    assert profile(existing) in body and Child.objects.count() == 1


@pytest.mark.django_db
def test_roles_that_may_not_register_are_refused(client, make_actor):
    worker = make_actor("social_worker", COUNTY)  # sees children, does not register them
    client.force_login(worker.user)
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, {**CHILD_STEP, "action": "next"}).status_code == 403
    assert client.get(LIST).status_code == 200


# --- the profile -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_profile_shows_facts_family_categories_reasons_and_timeline(signed_in, director):
    number = valid_id(date(2015, 3, 1))
    child = services.register_child(director, left_behind(id_number=number))
    response = signed_in.get(profile(child))
    body = response.content.decode()
    assert response.status_code == 200
    assert "张伟" in body and number not in body and number[:6] + "********" + number[14:] in body
    assert 'data-testid="category-left_behind"' in body and "民发〔2024〕17号" in body
    assert 'data-kind="category_entered"' in body and 'data-kind="registered"' in body
    assert "王奶奶" in body and "张父" in body
    assert AuditEvent.objects.filter(action="child.read", object_id=str(child.pk)).exists()


@pytest.mark.django_db
def test_profile_of_a_child_outside_the_jurisdiction_is_not_found(signed_in, make_actor):
    other = make_actor("child_director", OTHER_COUNTY_VILLAGE)
    child = services.register_child(other, left_behind(village=OTHER_COUNTY_VILLAGE))
    assert signed_in.get(profile(child)).status_code == 404
    assert signed_in.get("/children/0190a0a0-0000-7000-8000-000000000000/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["county_analyst", "service_provider", "hotline_operator"])
def test_roles_without_child_view_are_refused(client, make_actor, director, role):
    child = services.register_child(director, left_behind())
    actor = make_actor(role, COUNTY)
    client.force_login(actor.user)
    assert client.get(LIST).status_code == 403
    assert client.post(LIST, {"text": "zw"}).status_code == 403
    assert client.get(NEW).status_code == 403
    assert client.get(reverse("child_new_destination"), {"role": "father"}).status_code == 403
    assert client.get(profile(child)).status_code == 403
    assert 'data-testid="nav-children"' not in client.get("/").content.decode()


@pytest.mark.django_db
def test_the_menu_links_the_list(signed_in):
    assert 'data-testid="nav-children"' in signed_in.get("/").content.decode()
