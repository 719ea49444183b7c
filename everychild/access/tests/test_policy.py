"""One user per role, inside and outside its jurisdiction: deny by default, scope by prefix."""

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import given
from hypothesis import strategies as st

from everychild.access.policy import (
    ANONYMOUS,
    IDENTITY_FIELDS,
    can,
    in_jurisdiction,
    mask,
    require,
    visible,
)
from everychild.accounts.roles import ROLE_SEEDS, Capability
from everychild.places.models import Division

ALL_CAPABILITIES = [v for k, v in vars(Capability).items() if k.isupper()]
# Each role's post in 洋县 (610723), and a place of the same level in 陇川县 (533124).
POST_AT = {"village": "610723001212", "township": "610723001000", "county": "610723000000",
           "province": "610000000000", "nation": "000000000000"}
OUTSIDE = {"village": "533124101201", "township": "533124101000", "county": "533124000000",
           "province": "530000000000", "nation": None}
INSIDE_LEAF = "610723001212"  # a village inside every 洋县 post's jurisdiction


@pytest.mark.django_db
@pytest.mark.parametrize("seed", ROLE_SEEDS, ids=[s.code for s in ROLE_SEEDS])
def test_role_inside_and_outside_its_jurisdiction(make_actor, seed):
    actor = make_actor(seed.code, POST_AT[seed.level])
    outside = OUTSIDE[seed.level]
    for capability in ALL_CAPABILITIES:
        held = capability in seed.capabilities
        assert can(actor, capability, INSIDE_LEAF) is held, (seed.code, capability)
        if outside:
            assert can(actor, capability, outside) is False, (seed.code, capability)
    if outside:
        assert not in_jurisdiction(actor, outside)
    for capability in seed.capabilities:
        visible_codes = set(visible(actor, Division.objects.all(), capability, field="code")
                            .values_list("code", flat=True))
        assert INSIDE_LEAF in visible_codes
        assert all(code.startswith(actor.jurisdiction) for code in visible_codes)
        if outside:
            assert outside not in visible_codes


@pytest.mark.django_db
def test_anonymous_and_inactive_are_denied(make_actor):
    assert not can(ANONYMOUS, Capability.CHILD_VIEW, INSIDE_LEAF)
    assert not visible(ANONYMOUS, Division.objects.all(), Capability.CHILD_VIEW, "code").exists()
    actor = make_actor("civil_affairs_officer", "610723000000")
    actor.post.active = False
    assert not can(actor, Capability.CHILD_VIEW, INSIDE_LEAF)
    actor.post.active = True
    actor.user.is_active = False
    assert not can(actor, Capability.CHILD_VIEW, INSIDE_LEAF)
    with pytest.raises(PermissionDenied):
        require(actor, Capability.CHILD_VIEW, INSIDE_LEAF)


@pytest.mark.django_db
def test_unknown_capability_is_denied(make_actor):
    actor = make_actor("system_admin", "610723000000")
    assert not can(actor, "child.delete", INSIDE_LEAF)
    assert not can(actor, "", INSIDE_LEAF)


@pytest.mark.django_db
def test_village_post_does_not_cover_its_neighbour(make_actor):
    actor = make_actor("child_director", "610723001212")
    assert can(actor, Capability.CHILD_VIEW, "610723001212")
    assert not can(actor, Capability.CHILD_VIEW, "610723001213")
    assert not can(actor, Capability.CHILD_VIEW, "610723001000")  # its township


@pytest.mark.django_db
def test_township_prefix_comes_from_level_not_zeros(make_actor, demo_places):
    # 533124101 ends in 1, but a township code like 610723100 ends in "00": its prefix must be
    # all nine digits, so a sibling township 6107231xx is outside.
    Division.objects.get_or_create(code="610723100000", defaults={
        "level": 4, "name": "测试镇", "parent_id": "610723000000"})
    actor = make_actor("child_supervisor", "610723100000")
    assert actor.jurisdiction == "610723100"
    assert can(actor, Capability.CHILD_VIEW, "610723100201")
    assert not can(actor, Capability.CHILD_VIEW, "610723101201")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["county_analyst", "provincial_analyst", "national_analyst",
                                  "service_provider", "reporter_school"])
def test_roles_without_identities_never_receive_them(make_actor, role):
    seed = next(s for s in ROLE_SEEDS if s.code == role)
    actor = make_actor(role, POST_AT[seed.level])
    record = {field: "secret" for field in IDENTITY_FIELDS} | {"category": "left_behind",
                                                                "count": 7}
    assert mask(actor, record) == {"category": "left_behind", "count": 7}


@pytest.mark.django_db
def test_roles_with_identities_receive_the_record(make_actor):
    actor = make_actor("child_director", "610723001212")
    record = {"name": "张三", "id_number": "11010519491231002X", "count": 1}
    assert mask(actor, record) == record


@given(code=st.from_regex(r"\A[0-9]{12}\Z"), prefix_len=st.sampled_from([0, 2, 4, 6, 9, 12]))
def test_jurisdiction_is_a_prefix(code, prefix_len):
    from everychild.access.policy import Actor

    class _Post:
        active = True
        jurisdiction = code[:prefix_len]

        class role:  # noqa: N801
            capabilities = ["child.view"]
            sees_identities = True

    class _User:
        is_authenticated = True
        is_active = True

    actor = Actor(user=_User(), post=_Post())
    assert can(actor, "child.view", code)
    other = str((int(code[prefix_len - 1]) + 1) % 10) if prefix_len else None
    if other is not None:
        changed = code[: prefix_len - 1] + other + code[prefix_len:]
        assert not can(actor, "child.view", changed)
