"""Fixtures of the monitoring tests: a frozen clock and a child with a visit plan. The people of the
child's township and county (director, supervisor, officer) are the shared ones of
``everychild.cases.tests.fixtures``."""

import pytest
import time_machine

from everychild.core.outbox import deliver
from everychild.registry.models import Child
from everychild.registry.services import register_child
from everychild.registry.tests.factories import left_behind
from everychild.visits.tests.factories import TODAY


@pytest.fixture
def clock():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def child(director) -> Child:
    """A left-behind child of the director's village, registered today, with its plan."""
    registered = register_child(director, left_behind(), today=TODAY)
    deliver()
    return registered
