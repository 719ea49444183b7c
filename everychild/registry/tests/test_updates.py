"""Changing a registered child's record: facts, parents' situations, a supervisor's confirmation
and consents — each re-classifies, is audited by field name and appears on the timeline."""

import json
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from everychild.accounts.services import issue_token
from everychild.audit.models import AuditEvent
from everychild.registry import queries, updates
from everychild.registry.models import (
    Child,
    ChildCategory,
    ChildEvent,
    Consent,
    LegalBasis,
    ParentSituation,
)
from everychild.registry.services import NeedsConfirmation, SituationInput, register_child
from everychild.registry.tests.factories import (
    OTHER_VILLAGE_SAME_TOWNSHIP,
    VILLAGE,
    left_behind,
    valid_id,
)

TODAY = date(2025, 6, 1)
TOWNSHIP = "610723001000"
COUNTY = "610723000000"


@pytest.fixture
def director(make_actor):
    return make_actor("child_director", VILLAGE)


@pytest.fixture
def child(director):
    return register_child(director, left_behind(), today=TODAY)


def current(child) -> set[str]:
    return set(ChildCategory.objects.filter(child=child, until=None).values_list("category", flat=True))


# --- facts ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_mother_returning_home_leaves_left_behind_with_an_event(director, child):
    assert "left_behind" in current(child)
    row = updates.add_parent_situation(director, child.pk, "mother",
                                       SituationInput(kind="at_home", since=TODAY), today=TODAY)
    assert row.parent.role == "mother"
    away = ParentSituation.objects.get(parent=row.parent, kind="migrant_worker")
    assert away.until == TODAY  # the earlier whereabouts end when she comes home
    assert "left_behind" not in current(child)
    assert ChildEvent.objects.filter(child=child, kind="category_left",
                                     detail__category="left_behind").exists()
    assert ChildEvent.objects.filter(child=child, kind="parent_situation_added").exists()
    assert AuditEvent.objects.filter(action="child.parent_situation.add",
                                     object_id=str(child.pk)).exists()


@pytest.mark.django_db
def test_family_getting_dibao_enters_difficult_economic(director, child):
    assert "difficult_economic" not in current(child)
    updates.update_child(director, child.pk, {"minimum_allowance": True}, today=TODAY)
    assert "difficult_economic" in current(child)
    event = ChildEvent.objects.get(child=child, kind="facts_changed")
    assert event.detail == {"fields": ["minimum_allowance"]}
    assert ChildEvent.objects.filter(child=child, kind="category_entered",
                                     detail__category="difficult_economic").exists()


@pytest.mark.django_db
def test_a_household_is_created_when_missing(director):
    registration = left_behind()
    registration.household = None
    child = register_child(director, registration, today=TODAY)
    assert child.household is None
    updates.update_child(director, child.pk, {"extreme_poverty_support": True}, today=TODAY)
    child = Child.objects.get(pk=child.pk)
    assert child.household is not None and child.household.extreme_poverty_support
    assert child.household.division_code == child.division_code


@pytest.mark.django_db
def test_the_audit_names_the_fields_never_identity_values(director, child):
    number = valid_id(date(2015, 3, 1))
    updates.update_child(director, child.pk, {"name": "李小明", "id_number": number,
                                              "nickname": "明明", "school_status": "dropped_out"},
                         today=TODAY)
    event = AuditEvent.objects.get(action="child.update", object_id=str(child.pk))
    assert event.detail["fields"] == ["id_number", "name", "nickname", "school_status"]
    dumped = json.dumps(event.detail, ensure_ascii=False)
    assert "李小明" not in dumped and number not in dumped and "明明" not in dumped
    stored = Child.objects.get(pk=child.pk)
    assert stored.name == "李小明" and stored.id_number == number and stored.id_number_hash
    # the name keys were rebuilt: the new name is found, the old one is not
    assert [c.pk for c in queries.search(director, queries.ChildFilter(text="lxm"))] == [child.pk]
    assert queries.search(director, queries.ChildFilter(text="zhangwei")) == []


@pytest.mark.django_db
def test_nothing_changed_writes_nothing(director, child):
    updates.update_child(director, child.pk, {"school_status": "in_school"}, today=TODAY)
    assert not AuditEvent.objects.filter(action="child.update").exists()
    assert not ChildEvent.objects.filter(kind="facts_changed").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("changes", "field"), [
    ({"division_code": OTHER_VILLAGE_SAME_TOWNSHIP}, "division_code"),  # a transfer, not an edit
    ({"favourite_colour": "blue"}, "favourite_colour"),
    ({"school_status": "at_sea"}, "school_status"),
    ({"disability_grade": 7}, "disability_grade"),
    ({"disability_grade": 2}, "disability_type"),
    ({"name": ""}, "name"),
    ({"lives_alone": "yes"}, "lives_alone"),
    ({"hukou_division_code": "999999999999"}, "hukou_division_code"),
])
def test_bad_or_unknown_fields_are_refused(director, child, changes, field):
    with pytest.raises(ValidationError) as info:
        updates.update_child(director, child.pk, changes, today=TODAY)
    assert field in info.value.message_dict
    assert not AuditEvent.objects.filter(action="child.update").exists()


@pytest.mark.django_db
def test_a_wrong_id_number_is_a_field_error_and_a_mismatch_needs_confirmation(director, child):
    number = valid_id(date(2015, 3, 1))
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    with pytest.raises(ValidationError) as info:
        updates.update_child(director, child.pk, {"id_number": wrong}, today=TODAY)
    assert "id_number" in info.value.message_dict
    other_day = valid_id(date(2015, 4, 1))
    with pytest.raises(NeedsConfirmation):
        updates.update_child(director, child.pk, {"id_number": other_day}, today=TODAY)
    updates.update_child(director, child.pk, {"id_number": other_day}, confirmed=True, today=TODAY)
    assert Child.objects.get(pk=child.pk).id_number == other_day


@pytest.mark.django_db
def test_a_director_outside_the_village_is_refused(make_actor, child):
    elsewhere = make_actor("child_director", OTHER_VILLAGE_SAME_TOWNSHIP)
    with pytest.raises(Child.DoesNotExist):
        updates.update_child(elsewhere, child.pk, {"lives_alone": True}, today=TODAY)
    viewer = make_actor("social_worker", COUNTY)  # may see, may not edit
    with pytest.raises(PermissionDenied):
        updates.update_child(viewer, child.pk, {"lives_alone": True}, today=TODAY)
    assert not Child.objects.get(pk=child.pk).lives_alone


@pytest.mark.django_db
def test_end_a_situation(director, child):
    situation = ParentSituation.objects.get(child=child, parent__role="father")
    updates.end_parent_situation(director, situation.pk, TODAY, today=TODAY)
    assert ParentSituation.objects.get(pk=situation.pk).until == TODAY
    assert "left_behind" not in current(child)
    with pytest.raises(ValidationError):
        updates.end_parent_situation(director, situation.pk, date(2000, 1, 1), today=TODAY)


@pytest.mark.django_db
def test_a_situation_for_a_parent_not_yet_recorded_creates_the_parent(director):
    registration = left_behind()
    registration.parents = []
    child = register_child(director, registration, today=TODAY)
    updates.add_parent_situation(director, child.pk, "father",
                                 SituationInput(kind="dead", since=date(2024, 1, 1)), today=TODAY)
    assert child.parents.get().role == "father"
    with pytest.raises(ValidationError):
        updates.add_parent_situation(director, child.pk, "uncle", SituationInput(kind="dead"),
                                     today=TODAY)


# --- a supervisor's confirmation -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_supervisor_may_confirm_incapacity_and_a_director_may_not(director, make_actor, child):
    with pytest.raises(PermissionDenied):
        updates.confirm_other_parent_incapacity(director, child.pk, "grandmother bedridden",
                                                today=TODAY)
    supervisor = make_actor("child_supervisor", TOWNSHIP)
    with pytest.raises(ValidationError):
        updates.confirm_other_parent_incapacity(supervisor, child.pk, "  ", today=TODAY)
    updates.confirm_other_parent_incapacity(supervisor, child.pk, "long-term mental illness",
                                            today=TODAY)
    stored = Child.objects.get(pk=child.pk)
    assert stored.other_parent_incapacity_confirmed
    assert stored.other_parent_incapacity_reason == "long-term mental illness"
    assert ChildEvent.objects.filter(child=child, kind="incapacity_confirmed").exists()
    audit = AuditEvent.objects.get(action="child.incapacity_confirmed")
    assert "long-term" not in json.dumps(audit.detail)


# --- consents ------------------------------------------------------------------------------------


def _consent(actor, child, **kw):
    args = {"purpose": "photo", "given_by": "guardian", "giver_name": "王奶奶",
            "given_on": date(2025, 5, 1), "scope": "photos for the file", "method": "signed form",
            "retention": "until 18", **kw}
    return updates.record_consent(actor, child.pk, today=TODAY, **args)


@pytest.mark.django_db
@pytest.mark.parametrize("purpose", ["registration", "monitoring", "reporting", "case_management"])
def test_statutory_purposes_take_no_consent(director, child, purpose):
    with translation.override("en"), pytest.raises(ValidationError) as info:
        _consent(director, child, purpose=purpose)
    assert "statutory duty" in info.value.message_dict["purpose"][0]
    assert updates.consent_in_force(child, purpose, TODAY)


@pytest.mark.django_db
def test_a_child_under_14_cannot_consent_alone(director, child):
    with pytest.raises(ValidationError) as info:
        _consent(director, child, given_by="child")
    assert "given_by" in info.value.message_dict
    assert not Consent.objects.exists()


@pytest.mark.django_db
def test_consent_then_withdrawal(director, child):
    assert not updates.consent_in_force(child, "photo", TODAY)
    consent = _consent(director, child)
    assert updates.consent_in_force(child, "photo", TODAY)
    assert not updates.consent_in_force(child, "photo", date(2025, 4, 30))
    assert not updates.consent_in_force(child, "research", TODAY)
    assert LegalBasis.objects.get(child=child, purpose="photo").basis == "consent"
    updates.withdraw_consent(director, consent.pk, date(2025, 5, 20), today=TODAY)
    assert updates.consent_in_force(child, "photo", date(2025, 5, 19))
    assert not updates.consent_in_force(child, "photo", TODAY)
    with pytest.raises(ValidationError):
        updates.withdraw_consent(director, consent.pk, TODAY, today=TODAY)
    kinds = set(ChildEvent.objects.filter(child=child).values_list("kind", flat=True))
    assert {"consent_recorded", "consent_withdrawn"} <= kinds
    audit = AuditEvent.objects.get(action="child.consent.record")
    assert "王奶奶" not in json.dumps(audit.detail, ensure_ascii=False)


@pytest.mark.django_db
def test_a_refusal_is_recorded_and_not_in_force(director, child):
    _consent(director, child, refused=True)
    assert Consent.objects.get().refused
    assert not updates.consent_in_force(child, "photo", TODAY)


@pytest.mark.django_db
def test_from_14_the_childs_own_consent_is_needed_alongside(director):
    child = register_child(director, left_behind(born=date(2010, 3, 1)), today=TODAY)
    _consent(director, child, purpose="research")
    assert not updates.consent_in_force(child, "research", TODAY)
    _consent(director, child, purpose="research", given_by="child", giver_name="")
    assert updates.consent_in_force(child, "research", TODAY)


# --- the API -------------------------------------------------------------------------------------


@pytest.fixture
def auth(make_actor):
    def for_role(role="child_director", where=VILLAGE):
        actor = make_actor(role, where)
        return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(None, actor.user)}"}
    return for_role


@pytest.fixture
def api_child(director):
    return register_child(director, left_behind())


@pytest.mark.django_db
def test_api_patch_facts(client, auth, api_child):
    headers = auth()
    url = f"/api/v1/children/{api_child.pk}"
    response = client.patch(url, {"minimum_allowance": True}, content_type="application/json",
                            **headers)
    assert response.status_code == 200, response.content
    assert "difficult_economic" in [c["category"] for c in response.json()["categories"]]
    bad = client.patch(url, {"school_status": "at_sea"}, content_type="application/json", **headers)
    assert bad.status_code == 422 and "school_status" in bad.json()["errors"]
    forbidden = client.patch(url, {"lives_alone": True}, content_type="application/json",
                             **auth("social_worker", COUNTY))
    assert forbidden.status_code == 403
    hidden = client.patch(url, {"lives_alone": True}, content_type="application/json",
                          **auth("child_director", OTHER_VILLAGE_SAME_TOWNSHIP))
    assert hidden.status_code == 404
    missing = client.patch("/api/v1/children/not-a-uuid", {"lives_alone": True},
                           content_type="application/json", **headers)
    assert missing.status_code == 404


@pytest.mark.django_db
def test_api_situations(client, auth, api_child):
    headers = auth()
    added = client.post(f"/api/v1/children/{api_child.pk}/parents/mother/situations",
                        {"kind": "at_home", "since": date.today().isoformat()},
                        content_type="application/json", **headers)
    assert added.status_code == 201, added.content
    assert added.json()["role"] == "mother"
    assert "left_behind" not in current(api_child)
    father = ParentSituation.objects.get(child=api_child, parent__role="father")
    ended = client.post(f"/api/v1/children/situations/{father.pk}/end",
                        {"until": date.today().isoformat()}, content_type="application/json",
                        **headers)
    assert ended.status_code == 200 and ended.json()["until"] == date.today().isoformat()
    bad = client.post(f"/api/v1/children/{api_child.pk}/parents/uncle/situations",
                      {"kind": "at_home"}, content_type="application/json", **headers)
    assert bad.status_code == 422


@pytest.mark.django_db
def test_api_consents(client, auth, api_child):
    headers = auth()
    url = f"/api/v1/children/{api_child.pk}/consents"
    body = {"purpose": "sharing_ngo", "given_by": "guardian", "given_on": date.today().isoformat(),
            "scope": "referral to a local NGO"}
    created = client.post(url, body, content_type="application/json", **headers)
    assert created.status_code == 201, created.content
    assert created.json()["in_force"] is True
    statutory = client.post(url, {**body, "purpose": "monitoring"}, content_type="application/json",
                            **headers)
    assert statutory.status_code == 422 and "purpose" in statutory.json()["errors"]
    withdrawn = client.post(f"/api/v1/children/consents/{created.json()['id']}/withdraw",
                            {"withdrawn_on": date.today().isoformat()},
                            content_type="application/json", **headers)
    assert withdrawn.status_code == 200 and withdrawn.json()["in_force"] is False
    hidden = client.post(url, body, content_type="application/json",
                         **auth("child_director", OTHER_VILLAGE_SAME_TOWNSHIP))
    assert hidden.status_code == 404


# --- pages ---------------------------------------------------------------------------------------


@pytest.fixture
def signed_in(client, director):
    client.force_login(director.user)
    return client


def _form_data(page_form) -> dict:
    data = {}
    for bf in page_form:
        value = bf.value()
        if value in (None, False):
            continue
        data[bf.html_name] = "on" if value is True else value
    return data


@pytest.mark.django_db
def test_the_edit_page_changes_facts(signed_in, api_child):
    profile = reverse("child_detail", kwargs={"child_id": api_child.pk})
    assert reverse("child_edit", kwargs={"child_id": api_child.pk}) in signed_in.get(profile).content.decode()
    url = reverse("child_edit", kwargs={"child_id": api_child.pk})
    page = signed_in.get(url)
    assert page.status_code == 200
    data = _form_data(page.context["form"])
    data["edit-school_status"] = "dropped_out"
    data["edit-minimum_allowance"] = "on"
    response = signed_in.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    stored = Child.objects.get(pk=api_child.pk)
    assert stored.school_status == "dropped_out" and stored.household.minimum_allowance
    assert "difficult_economic" in current(api_child)
    timeline = signed_in.get(profile).content.decode()
    assert 'data-kind="facts_changed"' in timeline


@pytest.mark.django_db
def test_the_edit_page_shows_field_errors(signed_in, api_child):
    url = reverse("child_edit", kwargs={"child_id": api_child.pk})
    data = _form_data(signed_in.get(url).context["form"])
    data["edit-id_number"] = "123"
    response = signed_in.post(url, data)
    assert response.status_code == 200 and response.context["form"].errors["id_number"]


@pytest.mark.django_db
def test_the_edit_page_of_a_child_elsewhere_is_not_found(client, make_actor, api_child):
    client.force_login(make_actor("child_director", OTHER_VILLAGE_SAME_TOWNSHIP).user)
    assert client.get(reverse("child_edit", kwargs={"child_id": api_child.pk})).status_code == 404


@pytest.mark.django_db
def test_situation_and_consent_pages(signed_in, api_child):
    url = reverse("child_add_situation", kwargs={"child_id": api_child.pk})
    assert signed_in.get(url).status_code == 200
    response = signed_in.post(url, {"situation-parent_role": "mother", "situation-kind": "at_home"})
    assert response.status_code == 302
    assert "left_behind" not in current(api_child)
    url = reverse("child_consents", kwargs={"child_id": api_child.pk})
    assert signed_in.get(url).status_code == 200
    response = signed_in.post(url, {"consent-purpose": "photo", "consent-given_by": "child",
                                    "consent-given_on": date.today().isoformat()})
    assert response.status_code == 200 and response.context["form"].errors["given_by"]
    response = signed_in.post(url, {"consent-purpose": "photo", "consent-given_by": "guardian",
                                    "consent-given_on": date.today().isoformat()})
    assert response.status_code == 302
    consent = Consent.objects.get(child=api_child)
    page = signed_in.get(reverse("child_detail", kwargs={"child_id": api_child.pk})).content.decode()
    assert reverse("consent_withdraw", kwargs={"consent_id": consent.pk}) in page
    response = signed_in.post(reverse("consent_withdraw", kwargs={"consent_id": consent.pk}),
                              {"withdrawn_on": date.today().isoformat()})
    assert response.status_code == 302
    assert Consent.objects.get(pk=consent.pk).withdrawn_on == date.today()


@pytest.mark.django_db
def test_withdrawing_a_consent_elsewhere_shows_nothing_of_it(client, make_actor):
    """An invalid withdrawal of another jurisdiction's consent is refused before any rendering."""
    from datetime import date

    from everychild.registry.services import register_child
    from everychild.registry.tests.factories import OTHER_COUNTY_VILLAGE, VILLAGE, left_behind
    from everychild.registry.updates import record_consent

    director = make_actor("child_director", VILLAGE)
    child = register_child(director, left_behind(born=date(2008, 1, 1)), today=date(2025, 6, 1))
    consent = record_consent(director, str(child.pk), "photo", "guardian", "王奶奶",
                             date(2025, 6, 1), "photos for the file", "written", "1 year")
    outsider = make_actor("child_director", OTHER_COUNTY_VILLAGE)
    client.force_login(outsider.user)
    response = client.post(f"/children/consents/{consent.pk}/withdraw/", {"withdrawn_on": "bad"})
    assert response.status_code == 404
    assert "王奶奶" not in response.content.decode()
