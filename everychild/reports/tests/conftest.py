"""Fixtures of the reporting tests: the routing table, a reporter, the receiving units' people."""

import pytest
import time_machine

from everychild.reports.tests.factories import HANZHONG, LC, NOW, YX, YX_TOWNSHIP, routing_table


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def units(demo_places):
    return routing_table(YX, LC)


@pytest.fixture
def teacher(make_actor):
    """A mandated reporter at a school of 洋县 (sees no identities)."""
    return make_actor("reporter_school", YX_TOWNSHIP)


@pytest.fixture
def receiver(make_actor, units):
    """receiver(role, division, kind) -> an Actor posted at that unit."""
    def make(role: str = "police_officer", division: str = YX, kind: str = "police"):
        return make_actor(role, division, agency=units[(division, kind)])
    return make


@pytest.fixture
def yx_police(receiver):
    return receiver()


@pytest.fixture
def lc_police(receiver):
    return receiver(division=LC)


@pytest.fixture
def hz_police(receiver):
    return receiver(division=HANZHONG)
