"""Case management (domain.md §5): a child's case, the steps it went through, its assessments, its
plan (goals and actions, with a version so two people never overwrite each other) and case notes.

Every row carries ``child_id`` and ``division_code`` (the child's village), so the access gate
scopes it by prefix and a transfer moves it with the child. What people wrote about a family is
encrypted at rest. Steps are the case's history: appended, never changed.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from everychild.accounts.models import Post
from everychild.cases.lifecycle import Action, Stage
from everychild.core.fields import EncryptedTextField
from everychild.core.ids import uuid7
from everychild.registry.models import Child
from everychild.rules.case_management import CLOSURE_TERMS, STEP_TERMS
from everychild.visits.models import RiskLevel

RISK_CHOICES = RiskLevel.choices
STEP_CHOICES = [(step.value, _(term)) for step, term in STEP_TERMS.items()]
CLOSURE_CHOICES = [(c.value, _(term)) for c, term in CLOSURE_TERMS.items()]


class Source(models.TextChoices):
    """How the case came to be opened."""

    REPORT = "report", _("a report of suspected harm")
    VISIT = "visit", _("a home visit")
    REFERRAL_IN = "referral_in", _("a referral from another organisation")
    DIRECT = "direct", _("opened directly")


class Case(models.Model):
    """A child's case. ``stage`` follows :mod:`everychild.cases.lifecycle`; ``next_due`` is when
    the step the case waits for (``due_for``) is due, so worklists and the tick read one index."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    reference = models.CharField(_("reference"), max_length=16, unique=True)
    division_code = models.CharField(_("division code"), max_length=12)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="cases")
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices,
                             default=Stage.INTAKE)
    resume_stage = models.CharField(max_length=20, blank=True)  # where a returned closure goes
    risk_level = models.CharField(_("risk level"), max_length=6, choices=RISK_CHOICES,
                                  default=RiskLevel.MEDIUM)
    source = models.CharField(_("opened from"), max_length=12, choices=Source.choices)
    source_id = models.CharField(max_length=64, blank=True)
    report = models.ForeignKey("reports.Report", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    # What the opener wrote; a message id when the system opened it (see ``summary_text``).
    summary = EncryptedTextField(_("why the case was opened"))
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    started_at = models.DateTimeField(default=timezone.now)  # opened, or last reopened
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                  related_name="+")  # None: opened by the system (a report)
    caseworker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="cases", verbose_name=_("caseworker"))
    caseworker_post = models.ForeignKey(Post, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+")
    assigned_at = models.DateTimeField(null=True, blank=True)
    next_due = models.DateTimeField(_("next step due"), null=True, blank=True)
    due_for = models.CharField(_("step due"), max_length=30, choices=STEP_CHOICES, blank=True)
    due_reason = models.JSONField(default=dict, blank=True)  # Reason dict citing the policy
    escalated = models.PositiveSmallIntegerField(default=0)  # escalation steps told so far
    initial_assessed_at = models.DateTimeField(null=True, blank=True)
    assessed_at = models.DateTimeField(null=True, blank=True)
    plan_approved_at = models.DateTimeField(null=True, blank=True)
    last_review_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    closure_criterion = models.CharField(_("reason for closing"), max_length=12,
                                         choices=CLOSURE_CHOICES, blank=True)
    closure_note = EncryptedTextField(_("closure note"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopened = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [models.UniqueConstraint(
            fields=["child"], condition=~models.Q(stage=Stage.CLOSED), name="case_one_open_per_child")]
        indexes = [
            models.Index(fields=["division_code", "next_due"], name="case_division_due"),
            models.Index(fields=["caseworker", "next_due"], name="case_caseworker_due"),
            models.Index(fields=["escalated", "next_due"], name="case_escalation"),
            models.Index(fields=["child", "opened_at"], name="case_child"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.stage != Stage.CLOSED

    @property
    def summary_text(self) -> str:
        """The summary to show: a system message in the reader's language, else as written."""
        return gettext(self.summary) if self.opened_by_id is None else self.summary


class CaseStep(models.Model):
    """One step of a case (an action of the lifecycle, an assignment, a note): who, when, from
    which stage to which, and what they wrote. Appended, never changed."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="+")
    division_code = models.CharField(max_length=12)
    action = models.CharField(_("step"), max_length=30)  # lifecycle Action, or "open", "assign"...
    from_stage = models.CharField(max_length=20, blank=True)
    to_stage = models.CharField(max_length=20, blank=True)
    note = EncryptedTextField(_("note"), blank=True)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                           related_name="+")

    class Meta:
        indexes = [models.Index(fields=["case", "at"], name="casestep_case")]


class AssessmentKind(models.TextChoices):
    INITIAL = "initial", _("initial safety assessment")
    COMPREHENSIVE = "comprehensive", _("comprehensive assessment")
    REVIEW = "review", _("review")


class Assessment(models.Model):
    """An assessment of the child's safety and needs (initial, comprehensive, or at a review),
    with the child's own views heard according to age and maturity."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="+")
    division_code = models.CharField(max_length=12)
    kind = models.CharField(_("kind"), max_length=15, choices=AssessmentKind.choices)
    risk_level = models.CharField(_("risk level"), max_length=6, choices=RISK_CHOICES)
    safe_now = models.BooleanField(_("the child is safe for now"), default=True)
    safety_actions = EncryptedTextField(_("immediate safety actions"), blank=True)
    # {need area: what was found}, encrypted JSON text
    needs = EncryptedTextField(_("needs found"), blank=True)
    strengths = EncryptedTextField(_("strengths and support around the child"), blank=True)
    child_views = EncryptedTextField(_("the child's own views"), blank=True)
    child_not_heard_reason = models.CharField(_("why the child's views were not heard"),
                                              max_length=200, blank=True)
    summary = EncryptedTextField(_("summary"), blank=True)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["case", "at"], name="assessment_case")]


class PlanState(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted for approval")
    APPROVED = "approved", _("approved")
    RETURNED = "returned", _("returned with comments")


class CasePlan(models.Model):
    """The case plan: goals, each with actions (what, who, by when). ``version`` rises with every
    save; a save names the version it was made from, so a second save from the same version is
    refused instead of silently overwriting the first."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="plan")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="+")
    division_code = models.CharField(max_length=12)
    version = models.PositiveIntegerField(default=1)
    # [{"id", "goal", "status": open|met|not_met, "actions": [{"what", "who", "by", "done"}]}]
    goals = EncryptedTextField(_("goals"), default="[]")
    state = models.CharField(_("state"), max_length=10, choices=PlanState.choices,
                             default=PlanState.DRAFT)
    saved_at = models.DateTimeField(default=timezone.now)
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")
    comments = EncryptedTextField(_("supervisor's comments"), blank=True)


class PlanVersion(models.Model):
    """Every saved version of a plan, so nothing written is ever lost."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    plan = models.ForeignKey(CasePlan, on_delete=models.CASCADE, related_name="versions")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="+")
    division_code = models.CharField(max_length=12)
    version = models.PositiveIntegerField()
    goals = EncryptedTextField()
    saved_at = models.DateTimeField(default=timezone.now)
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "version"],
                                               name="planversion_unique")]


class NoteKind(models.TextChoices):
    NOTE = "note", _("case note")
    CONFERENCE = "conference", _("case conference")
    HANDOVER = "handover", _("handover to an office outside the system")
    DEATH = "death", _("the child's death, and how it was confirmed")


class CaseNote(models.Model):
    """A case note or the notes of a case conference (who took part, what was decided)."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="+")
    division_code = models.CharField(max_length=12)
    kind = models.CharField(_("kind"), max_length=12, choices=NoteKind.choices)
    held_on = models.DateField(_("date"))
    attendees = EncryptedTextField(_("who took part"), blank=True)
    text = EncryptedTextField(_("notes"))
    decisions = EncryptedTextField(_("decisions"), blank=True)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")


__all__ = ["Action", "Assessment", "AssessmentKind", "Case", "CaseNote", "CasePlan", "CaseStep",
           "NoteKind", "PlanState", "PlanVersion", "Source", "Stage"]
