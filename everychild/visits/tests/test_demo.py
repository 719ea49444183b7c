"""Demo visits: a plausible mix on the worklists, recorded through the service, idempotent."""

from datetime import date

import pytest
import time_machine

from everychild.accounts.demo import load_demo
from everychild.registry.demo import load_children
from everychild.visits.demo import load_visits
from everychild.visits.models import Visit, VisitPlan

TODAY = date(2025, 6, 2)

pytestmark = pytest.mark.django_db


def test_demo_visits_leave_children_due_overdue_and_never_visited():
    with time_machine.travel(TODAY, tick=False):
        load_demo()
        load_children(60, today=TODAY)
        created = load_visits(TODAY)
        assert created == Visit.objects.count() > 20
        assert load_visits(TODAY) == 0  # idempotent
    plans = VisitPlan.objects.all()
    assert plans.count() == 60
    assert plans.filter(last_visit_on=None).exists()
    assert plans.exclude(last_visit_on=None).exists()
