"""Registering a child: validation, ID numbers, duplicates, classification, audit, access."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from everychild.audit.models import AuditEvent
from everychild.registry import queries
from everychild.registry.models import Child, ChildCategory, ChildEvent, LegalBasis
from everychild.registry.services import (
    DuplicateIdNumber,
    NeedsConfirmation,
    register_child,
)
from everychild.registry.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    OTHER_VILLAGE_SAME_TOWNSHIP,
    VILLAGE,
    left_behind,
    valid_id,
)

TODAY = date(2025, 6, 1)


@pytest.fixture
def director(make_actor):
    return make_actor("child_director", VILLAGE)


@pytest.mark.django_db
def test_left_behind_child_is_classified_with_reason_and_source(director):
    child = register_child(director, left_behind(), today=TODAY)
    category = ChildCategory.objects.get(child=child, category="left_behind", until=None)
    assert category.rule_version and "民发〔2024〕17号" in category.rule_source
    assert category.reasons and all(r["template"] for r in category.reasons)
    assert ChildEvent.objects.filter(child=child, kind="category_entered").exists()
    assert AuditEvent.objects.filter(action="child.create", object_id=str(child.pk)).exists()
    assert set(LegalBasis.objects.filter(child=child).values_list("basis", flat=True)) == {
        "statutory_duty"}


@pytest.mark.django_db
def test_identity_fields_are_encrypted_at_rest(director):
    number = valid_id(date(2015, 3, 1))
    child = register_child(director, left_behind(id_number=number), today=TODAY)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT name, id_number, id_number_hash FROM registry_child WHERE id = %s",
                       [child.pk.hex if connection.vendor == "sqlite" else child.pk])
        name, stored_number, key = cursor.fetchone()
    assert "张伟" not in name and number not in stored_number and number not in key
    assert Child.objects.get(pk=child.pk).id_number == number


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value"), [
    ("date_of_birth", date(2026, 1, 1)),     # in the future
    ("date_of_birth", date(2007, 5, 31)),    # already 18
    ("division_code", "999999999999"),       # unknown
    ("division_code", "610723001000"),       # a township, not a village
    ("name", ""),
    ("sex", "x"),
])
def test_bad_input_is_refused_and_nothing_is_written(director, field, value):
    registration = left_behind()
    setattr(registration.input, field, value)
    with pytest.raises(ValidationError) as info:
        register_child(director, registration, today=TODAY)
    assert field in info.value.message_dict
    assert not Child.objects.exists() and not AuditEvent.objects.filter(action="child.create")


@pytest.mark.django_db
def test_wrong_check_character_says_which_is_needed(director):
    number = valid_id(date(2015, 3, 1))
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    with pytest.raises(ValidationError) as info:
        register_child(director, left_behind(id_number=wrong), today=TODAY)
    assert number[-1] in " ".join(info.value.message_dict["id_number"])


@pytest.mark.django_db
def test_id_mismatch_is_a_warning_to_confirm(director):
    number = valid_id(date(2015, 3, 2))  # the number says the 2nd, the form the 1st
    with pytest.raises(NeedsConfirmation) as info:
        register_child(director, left_behind(id_number=number), today=TODAY)
    assert info.value.warnings and not Child.objects.exists()
    child = register_child(director, left_behind(id_number=number), confirmed=True, today=TODAY)
    assert child.pk


@pytest.mark.django_db
def test_same_id_number_blocks_and_offers_the_visible_record(director):
    number = valid_id(date(2015, 3, 1))
    first = register_child(director, left_behind(id_number=number), today=TODAY)
    with pytest.raises(DuplicateIdNumber) as info:
        register_child(director, left_behind(name="张小伟", id_number=number), today=TODAY)
    assert info.value.existing_id == str(first.pk)


@pytest.mark.django_db
def test_same_id_elsewhere_says_only_that_it_exists_and_asks_the_holder(director, make_actor):
    number = valid_id(date(2015, 3, 1))
    first = register_child(director, left_behind(id_number=number), today=TODAY)
    other = make_actor("child_director", OTHER_COUNTY_VILLAGE)
    with pytest.raises(DuplicateIdNumber) as info:
        register_child(other, left_behind(village=OTHER_COUNTY_VILLAGE, id_number=number),
                       today=TODAY)
    assert info.value.existing_id is None
    message = " ".join(info.value.message_dict["id_number"])
    assert "610723" not in message and "东咀" not in message
    request = AuditEvent.objects.get(action="child.duplicate_request")
    assert request.division_code == VILLAGE and request.object_id == str(first.pk)
    assert ChildEvent.objects.filter(child=first, kind="duplicate_request").exists()


@pytest.mark.django_db
def test_same_pinyin_and_birthday_in_the_township_is_proposed(director, make_actor):
    first = register_child(director, left_behind(name="张伟"), today=TODAY)
    supervisor = make_actor("child_supervisor", "610723001000")
    with pytest.raises(NeedsConfirmation) as info:
        register_child(supervisor, left_behind(name="章伟", village=OTHER_VILLAGE_SAME_TOWNSHIP),
                       today=TODAY)
    assert [d.child_id for d in info.value.duplicates] == [str(first.pk)]
    second = register_child(supervisor, left_behind(name="章伟",
                            village=OTHER_VILLAGE_SAME_TOWNSHIP), confirmed=True, today=TODAY)
    assert second.pk != first.pk


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "post_at", "may"), [
    ("child_director", VILLAGE, True),
    ("child_director", OTHER_VILLAGE_SAME_TOWNSHIP, False),
    ("child_supervisor", "610723001000", True),
    ("civil_affairs_officer", "533124000000", False),
    ("county_analyst", "610723000000", False),
    ("service_provider", "610723000000", False),
])
def test_who_may_register_where(make_actor, role, post_at, may):
    actor = make_actor(role, post_at)
    if may:
        assert register_child(actor, left_behind(), today=TODAY).pk
    else:
        with pytest.raises(PermissionDenied):
            register_child(actor, left_behind(), today=TODAY)


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "post_at", "sees"), [
    ("child_director", VILLAGE, True),
    ("child_director", OTHER_VILLAGE_SAME_TOWNSHIP, False),
    ("child_supervisor", "610723001000", True),
    ("child_supervisor", "533124101000", False),
    ("county_analyst", "610723000000", False),
    ("service_provider", "610723000000", False),
])
def test_who_sees_the_child(director, make_actor, role, post_at, sees):
    child = register_child(director, left_behind(), today=TODAY)
    actor = make_actor(role, post_at)
    listed = queries.children(actor, queries.ChildFilter())
    assert (child in listed) is sees
    if sees:
        assert queries.get_child(actor, str(child.pk)) == child
        assert AuditEvent.objects.filter(action="child.read", object_id=str(child.pk)).exists()
    else:
        with pytest.raises(Child.DoesNotExist):
            queries.get_child(actor, str(child.pk))


@pytest.mark.django_db
def test_search_by_name_pinyin_initials_and_id_number(director):
    number = valid_id(date(2015, 3, 1))
    child = register_child(director, left_behind(id_number=number), today=TODAY)
    for text in ("张伟", "zhangwei", "zw", "zhang"):
        assert queries.search(director, queries.ChildFilter(text=text)) == [child], text
    assert queries.search(director, queries.ChildFilter(text="lisi")) == []
    assert queries.search(director, queries.ChildFilter(id_number=number.lower())) == [child]
    event = AuditEvent.objects.filter(action="child.search").last()
    assert event.detail["ids"] == [str(child.pk)]
    assert number not in str(event.detail) and "zhang" not in str(event.detail)


@pytest.mark.django_db
def test_destination_outside_the_county_means_cross_county(director):
    from everychild.registry.models import ParentSituation

    registration = left_behind()
    for parent in registration.parents:
        parent.situations[0].cross_county = None  # 533124 is another county than 610723
    child = register_child(director, registration, today=TODAY)
    assert set(ParentSituation.objects.filter(child=child).values_list("cross_county", flat=True)) \
        == {True}
    assert ChildCategory.objects.filter(child=child, category="left_behind", until=None).exists()
