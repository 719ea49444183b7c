"""Notification test helpers: three people on an escalation path and a quick notify()."""

from collections.abc import Callable
from typing import Any

import pytest

from everychild.notifications import services
from everychild.notifications.models import Notification

VILLAGE = "610723001212"  # a village of 洋县
TOWNSHIP = "610723001000"
COUNTY = "610723000000"
OVERDUE = services.TEST_MESSAGE  # a message id in the catalog, with a parameter


@pytest.fixture
def director(make_actor):
    actor = make_actor("child_director", VILLAGE)
    actor.user.email = "director@example.org"
    actor.user.phone = "13912345678"
    actor.user.save()
    return actor


@pytest.fixture
def supervisor(make_actor):
    actor = make_actor("child_supervisor", TOWNSHIP)
    actor.user.email = "supervisor@example.org"
    actor.user.language = "en"
    actor.user.save()
    return actor


@pytest.fixture
def send(db) -> Callable[..., list[Notification]]:
    """notify() with defaults: a test message about the village, linked to the inbox."""

    def make(recipients: Any, **kwargs: Any) -> list[Notification]:
        fields: dict[str, Any] = {
            "kind": "visit.overdue", "message": OVERDUE, "params": {"date": "2025-03-01"},
            "link": "/notifications/", "division_code": VILLAGE, "dedupe_key": "visit:1:overdue",
        }
        fields.update(kwargs)
        return services.notify(recipients, **fields)

    return make
