"""Monitoring: each child's visit plan, the visits recorded, and the child's one current risk
level. Every row carries ``child_id`` and ``division_code`` (the child's village), so the access
gate scopes it by prefix; what a director writes about a family is encrypted at rest."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from everychild.core.fields import EncryptedBinaryField, EncryptedTextField
from everychild.core.ids import uuid7
from everychild.registry.models import Child


class RiskLevel(models.TextChoices):
    LOW = "low", _("low")
    MEDIUM = "medium", _("medium")
    HIGH = "high", _("high")


RISK_RANK = {"": 0, RiskLevel.LOW: 1, RiskLevel.MEDIUM: 2, RiskLevel.HIGH: 3}


class RiskSource(models.TextChoices):
    VISIT = "visit_assessment", _("visit assessment")
    REPORT = "report", _("report of suspected harm")
    CASE = "case_assessment", _("case assessment")
    SUPERVISOR = "supervisor", _("supervisor's decision")


class Escalation(models.IntegerChoices):
    """Who has been told that the current due visit is overdue (domain.md §2)."""

    NONE = 0, _("nobody yet")
    DIRECTOR = 1, _("the child director")
    SUPERVISOR = 2, _("the township child supervisor")
    COUNTY = 3, _("the county civil-affairs officer")


class VisitPlan(models.Model):
    """A child's current visit plan: the interval policy requires (or a supervisor tightened
    it to), why, and when the next visit is due. Worklists and the tick read only this table."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    division_code = models.CharField(_("division code"), max_length=12)
    child = models.OneToOneField(Child, on_delete=models.CASCADE, related_name="visit_plan")
    risk_rank = models.PositiveSmallIntegerField(default=0)  # RISK_RANK of the current level
    # Intervals as "<count> <unit>" (rules.visit_plans.Interval); empty: no routine visits.
    policy_interval = models.CharField(_("interval required by policy"), max_length=20,
                                       blank=True)
    tightened_interval = models.CharField(_("interval set by a supervisor"), max_length=20,
                                          blank=True)
    tightened_reason = models.TextField(_("reason"), blank=True)
    tightened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    rule_version = models.CharField(max_length=20)
    rule_source = models.CharField(max_length=200)
    reasons = models.JSONField(default=list)
    identified_on = models.DateField(_("identified on"))
    report_on = models.DateField(_("report of harm made on"), null=True, blank=True)
    last_visit_on = models.DateField(_("last visit"), null=True, blank=True)
    next_due = models.DateField(_("next visit due"), null=True, blank=True)
    due_for = models.CharField(max_length=20, blank=True)
    contact_due = models.DateField(_("contact due"), null=True, blank=True)
    escalated = models.PositiveSmallIntegerField(choices=Escalation.choices,
                                                 default=Escalation.NONE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("visit plan")
        indexes = [
            models.Index(fields=["division_code", "next_due"], name="visitplan_division_due"),
            # A director's worklist: one village, highest risk first, then the most overdue.
            models.Index(fields=["division_code", "-risk_rank", "next_due", "child_id"],
                         name="visitplan_worklist"),
            models.Index(fields=["escalated", "next_due"], name="visitplan_escalation"),
        ]


class DueCount(models.Model):
    """How many visit plans of a village fall due on a day (``period`` "D") or in a month ("M",
    ``starts_on`` its first day), split by never visited: the overviews' rollup. Kept in step by
    ``visits.due_counts`` in the transaction that changes a plan, so an overview reads a few
    rows per village instead of every plan due (day rows before the current month are never
    read again, and the tick prunes them)."""

    pk = models.CompositePrimaryKey("division_code", "period", "starts_on", "never_visited")
    division_code = models.CharField(max_length=12)
    period = models.CharField(max_length=1)
    starts_on = models.DateField()
    never_visited = models.BooleanField()
    plans = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("visits due (count)")


class Visit(models.Model):
    """One visit. The key is made on the phone, so a retried or repeated submission of the
    same form is the same visit."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    division_code = models.CharField(_("division code"), max_length=12, db_index=True)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="visits")
    visited_on = models.DateField(_("date of the visit"))
    place = models.CharField(_("place"), max_length=20)
    child_seen = models.BooleanField(_("the child was seen in person"))
    caregiver_met = models.BooleanField(_("the caregiver was met"), default=False)
    met_whom = EncryptedTextField(_("whom else the director met"), blank=True)
    # {domain: {"answer": option code, "note": text}} for the risk items; encrypted JSON text.
    observations = EncryptedTextField(_("observations"), blank=True)
    needs = EncryptedTextField(_("needs identified"), blank=True)
    actions = EncryptedTextField(_("actions taken"), blank=True)
    next_steps = EncryptedTextField(_("next steps"), blank=True)
    risk_level = models.CharField(_("risk level"), max_length=6, choices=RiskLevel.choices)
    risk_version = models.CharField(max_length=20)
    risk_drivers = models.JSONField(default=list)  # Reason dicts: the answers that drove it
    report_requested = models.BooleanField(_("a report of suspected harm was raised"),
                                           default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("visit")
        indexes = [models.Index(fields=["child", "visited_on"], name="visit_child_day")]


class VisitPhoto(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    division_code = models.CharField(max_length=12, db_index=True)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="+")
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    image = EncryptedBinaryField()
    content_type = models.CharField(max_length=40)


class ChildRisk(models.Model):
    """The child's one current risk level, with its source (domain.md §2)."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    division_code = models.CharField(max_length=12, db_index=True)
    child = models.OneToOneField(Child, on_delete=models.CASCADE, related_name="risk")
    level = models.CharField(_("risk level"), max_length=6, choices=RiskLevel.choices)
    source = models.CharField(_("source"), max_length=20, choices=RiskSource.choices)
    source_id = models.CharField(max_length=64, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    since = models.DateField(_("since"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                               related_name="+")
