"""The demo cases: every stage a page needs to show, loaded through the real services, once."""

import pytest

from everychild.cases.models import Case
from everychild.services.models import Benefit, Referral, ServiceProvider

pytestmark = pytest.mark.django_db


def test_the_demo_cases_load_once():
    from everychild.accounts.demo import load_demo
    from everychild.cases.demo import load_cases
    from everychild.core.outbox import deliver
    from everychild.registry.demo import load_children

    load_demo()
    load_children(120)
    deliver()
    made = load_cases()
    assert made["providers"] == 12 and made["cases"] == 8
    stages = sorted(Case.objects.values_list("stage", flat=True))
    assert stages.count("closed") == 2 and stages.count("plan_review") == 2
    assert stages.count("implementation") == 2 and stages.count("intake") == 2
    assert Referral.objects.filter(state="sent", provider__name__endswith="儿童之家").count() == 2
    assert Referral.objects.filter(state="completed").count() == 2
    assert ServiceProvider.objects.filter(state_run=False).count() == 2
    assert load_cases() == {"providers": 0, "allowances": 0, "cases": 0}
    assert Benefit.objects.count() == made["allowances"]
