import os

import pytest
from django.db import connection


@pytest.mark.django_db
def test_runs_on_the_expected_database():
    """CI runs the suite twice; the PostgreSQL run must really be on PostgreSQL."""
    expected = os.environ.get("EVERYCHILD_EXPECT_DB")
    if expected:
        assert connection.vendor == expected
    else:
        assert connection.vendor == "sqlite"
