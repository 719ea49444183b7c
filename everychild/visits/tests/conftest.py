"""Fixtures of the monitoring tests: a frozen clock, the people of one township, a child with a
visit plan."""

import pytest
import time_machine

from everychild.core.outbox import deliver
from everychild.registry.models import Child
from everychild.registry.services import register_child
from everychild.registry.tests.factories import VILLAGE, left_behind
from everychild.visits.tests.factories import COUNTY, TODAY, TOWNSHIP


@pytest.fixture
def clock():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def director(make_actor):
    return make_actor("child_director", VILLAGE)


@pytest.fixture
def supervisor(make_actor):
    return make_actor("child_supervisor", TOWNSHIP)


@pytest.fixture
def officer(make_actor):
    return make_actor("civil_affairs_officer", COUNTY)


@pytest.fixture
def child(director) -> Child:
    """A left-behind child of the director's village, registered today, with its plan."""
    registered = register_child(director, left_behind(), today=TODAY)
    deliver()
    return registered
