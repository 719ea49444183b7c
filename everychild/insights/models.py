"""Rollups: pre-aggregated counts at every level, so a dashboard reads a few hundred rows
whatever the number of children.

Every table keys its rows by ``level`` (places.codes.Level: 0 nation ... 5 village) and the
12-digit ``code`` of the division at that level. Level-5 rows are the *base*: what one place
contributes by itself (a village's children; a report routed to a county counts at the
county's code). A row at a lower level is the sum of the base rows under it, so the rows of a
division and of its sub-divisions are index range scans on the primary key.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChildCount(models.Model):
    """Children by category x sex x single year of age (0-17) x urban/rural area."""

    pk = models.CompositePrimaryKey("level", "code", "category", "sex", "age", "area")
    level = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=12)
    category = models.CharField(max_length=40)  # a rule code, "any", "all" or "census_*"
    sex = models.CharField(max_length=6)
    age = models.PositiveSmallIntegerField()
    area = models.CharField(max_length=1)  # U urban, R rural, ? unknown
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("children (rollup)")


class ChildMargin(models.Model):
    """The one-way margins of ``ChildCount`` above the villages (total, sex, age band, area per
    category): what dashboards and disclosure control read for a division and its
    sub-divisions."""

    pk = models.CompositePrimaryKey("level", "code", "category", "key")
    level = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=12)
    category = models.CharField(max_length=40)
    key = models.CharField(max_length=20)  # "total", "sex:male", "band:6-11", "area:R"
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("children margins (rollup)")


class EventCount(models.Model):
    """Events per calendar month (visits, reports, cases, referrals): a count and, for
    durations, the total in seconds (mean = total / n)."""

    pk = models.CompositePrimaryKey("level", "code", "measure", "month")
    level = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=12)
    measure = models.CharField(max_length=40)
    month = models.DateField()  # the month's first day
    n = models.IntegerField(default=0)
    total = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("events per month (rollup)")


class StateCount(models.Model):
    """How things stand now (open cases by stage, overdue work, directors in post...)."""

    pk = models.CompositePrimaryKey("level", "code", "measure", "key")
    level = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=12)
    measure = models.CharField(max_length=40)
    key = models.CharField(max_length=40)
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("current state (rollup)")


class RollupMark(models.Model):
    """Where a time-driven refresh got to (birthdays passed, due dates passed)."""

    name = models.CharField(max_length=40, primary_key=True)
    day = models.DateField()
    at = models.DateTimeField(null=True)
