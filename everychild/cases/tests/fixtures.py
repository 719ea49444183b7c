"""Fixtures of the case-management tests, shared with the registry's transfer tests and the
services' tests (a plugin of the root conftest; an app's own conftest overrides a name): a frozen
clock, the people of one county, a registered child and its case."""

import pytest
import time_machine

from everychild.cases.services import OpenInput, open_case
from everychild.cases.tests.factories import COUNTY, LC_COUNTY, NOW, TOWNSHIP
from everychild.core.outbox import deliver
from everychild.registry.services import register_child
from everychild.registry.tests.factories import VILLAGE, left_behind


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def director(make_actor):
    return make_actor("child_director", VILLAGE)


@pytest.fixture
def social_worker(make_actor):
    return make_actor("social_worker", COUNTY)


@pytest.fixture
def supervisor(make_actor):
    return make_actor("child_supervisor", TOWNSHIP)


@pytest.fixture
def officer(make_actor):
    return make_actor("civil_affairs_officer", COUNTY)


@pytest.fixture
def lc_officer(make_actor):
    """A civil-affairs officer of 陇川县: everything of 洋县 is outside the jurisdiction."""
    return make_actor("civil_affairs_officer", LC_COUNTY)


@pytest.fixture
def child(director, clock):
    registered = register_child(director, left_behind(), today=NOW.date())
    deliver()
    return registered


@pytest.fixture
def case(social_worker, child):
    """An open case of the child, assigned to the county's social worker."""
    return open_case(social_worker, OpenInput(child_id=str(child.pk), summary="老师反映孩子常独自在家",
                                              caseworker_post_id=str(social_worker.post.pk)))
