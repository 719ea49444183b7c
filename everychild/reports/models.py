"""Reports of suspected harm (强制报告), the receiving units that must act on them, and every
step they take. A report is never deleted (a database trigger refuses it) and never rewritten
silently: its content as filed is kept, and a correction is an amendment with its reason.

Every row carries ``division_code``: for a report, its routing place (where the harm happened,
else the child's residence, else the reporter's post); a task names its receiving unit (an
agency) and the unit's own division. What people wrote is encrypted at rest."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from everychild.accounts.models import Agency, Post
from everychild.core.fields import EncryptedTextField
from everychild.core.ids import uuid7
from everychild.places.models import Division
from everychild.registry.models import Child
from everychild.rules.reporting import RECEIVER_TERMS, Receiver

# The kinds of receiving unit, as the rules name them (rules.reporting.Receiver).
RECEIVER_CHOICES = [(r.value, _(RECEIVER_TERMS[r])) for r in Receiver]


class Urgency(models.TextChoices):
    IMMINENT = "imminent", _("the child is in danger now")
    URGENT = "urgent", _("urgent")
    NOT_URGENT = "not_urgent", _("not urgent")
    UNKNOWN = "unknown", _("not known")


class Channel(models.TextChoices):
    FORM = "form", _("report form")
    VISIT = "visit", _("from a home visit")
    HOTLINE = "hotline", _("hotline or duty call")
    API = "api", _("another system")


class Relationship(models.TextChoices):
    """The suspected perpetrator's relationship to the child."""

    UNKNOWN = "unknown", _("not known")
    PARENT = "parent", _("parent")
    STEP_PARENT = "step_parent", _("step-parent or parent's partner")
    GRANDPARENT = "grandparent", _("grandparent")
    OTHER_RELATIVE = "other_relative", _("other relative")
    CAREGIVER = "caregiver", _("other caregiver or guardian")
    TEACHER = "teacher", _("teacher or school staff")
    PEER = "peer", _("another child or classmate")
    ACQUAINTANCE = "acquaintance", _("neighbour or acquaintance")
    STRANGER = "stranger", _("stranger")
    ONLINE = "online", _("someone met online")
    NONE = "none", _("no one (self-harm, accident, neglect by circumstance)")


class RoutingEntry(models.Model):
    """The routing table: which unit (an agency) receives reports of a kind for a county, a
    prefecture or a province. Administrators maintain it; a place without a row routes to the
    next level up."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("division"))
    receiver = models.CharField(_("receives as"), max_length=20, choices=RECEIVER_CHOICES)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="routing",
                               verbose_name=_("receiving unit"))
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   related_name="+")

    class Meta:
        verbose_name = _("routing entry")
        verbose_name_plural = _("routing table")
        constraints = [models.UniqueConstraint(fields=["division", "receiver"],
                                               condition=models.Q(active=True),
                                               name="routing_one_active_unit")]


class Report(models.Model):
    """A report of suspected harm. ``original`` keeps what was filed, as filed."""

    # ``division_code`` is the routing place (where the harm happened, if known), which a move of
    # the child does not change; the child's residence is ``child_division_code``, which moves
    # with the child (registry.transfers).
    CHILD_PLACE_FIELD = "child_division_code"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    reference = models.CharField(_("reference"), max_length=16, unique=True)
    division_code = models.CharField(_("routing place"), max_length=12)
    routing_basis = models.CharField(max_length=10)
    # What the reporter said; "" when not known. Codes of rules.reporting.SITUATION_CODES.
    situations = models.JSONField(_("situations"), default=list, blank=True)
    suspected = models.JSONField(_("situations only suspected"), default=list, blank=True)
    urgency = models.CharField(_("urgency"), max_length=12, choices=Urgency.choices,
                               default=Urgency.UNKNOWN)
    what_happened = EncryptedTextField(_("what was seen or heard"), blank=True)
    happened_on = models.DateField(_("when it happened"), null=True, blank=True)
    happened_place = EncryptedTextField(_("where it happened"), blank=True)
    happened_division_code = models.CharField(_("where it happened (division)"), max_length=12,
                                              blank=True)
    perpetrator = models.CharField(_("suspected perpetrator's relationship to the child"),
                                   max_length=20, choices=Relationship.choices,
                                   default=Relationship.UNKNOWN)
    safety_actions = EncryptedTextField(_("immediate safety actions taken"), blank=True)
    # The child: a registered child, or what is known of one who is not (never blocking).
    child = models.ForeignKey(Child, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    child_name = EncryptedTextField(_("child's name"), blank=True)
    child_sex = models.CharField(_("child's sex"), max_length=6, blank=True)
    child_date_of_birth = models.DateField(_("child's date of birth"), null=True, blank=True)
    child_age = models.PositiveSmallIntegerField(_("child's approximate age"), null=True,
                                                 blank=True)
    child_id_number = EncryptedTextField(_("child's ID number"), blank=True)
    child_id_number_hash = models.CharField(max_length=64, blank=True, db_index=True)
    child_division_code = models.CharField(_("child's residence (division)"), max_length=12,
                                           blank=True)
    child_details = EncryptedTextField(_("what else identifies the child"), blank=True)
    # Who reported: the filer's post, and for a call the caller (kept from everyone else).
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    filed_by_post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="+")
    reporter_division_code = models.CharField(max_length=12)
    caller_name = EncryptedTextField(_("caller's name"), blank=True)
    caller_phone = EncryptedTextField(_("caller's phone"), blank=True)
    caller_relationship = models.CharField(_("caller's relationship to the child"),
                                           max_length=60, blank=True)
    visit_id = models.UUIDField(null=True, blank=True)  # the visit it was raised from
    idempotency_key = models.CharField(max_length=100, blank=True)
    payload_hash = models.CharField(max_length=64, blank=True)
    original = EncryptedTextField(blank=True)  # JSON of the content as filed
    warnings = models.JSONField(default=list, blank=True)  # Reason dicts
    # Receivers that found no unit up to the province: routed again by every tick until one is.
    unrouted = models.JSONField(default=list, blank=True)
    routing_pending = models.BooleanField(default=False)  # unrouted is not empty
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)
    # Firsts, kept for the reporter's status and the metrics without reading every task.
    acknowledged_at = models.DateTimeField(_("first acknowledged at"), null=True, blank=True)
    acted_at = models.DateTimeField(_("first acted on at"), null=True, blank=True)
    feedback_at = models.DateTimeField(_("outcome told to the reporter at"), null=True,
                                       blank=True)
    police_outcome = models.CharField(_("police outcome"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("report of suspected harm")
        verbose_name_plural = _("reports of suspected harm")
        indexes = [models.Index(fields=["division_code", "-filed_at"], name="report_division"),
                   models.Index(fields=["filed_by", "-filed_at"], name="report_filer"),
                   models.Index(fields=["child", "filed_at"], name="report_child"),
                   models.Index(fields=["routing_pending"], condition=models.Q(routing_pending=True),
                                name="report_routing_pending")]
        constraints = [models.UniqueConstraint(
            fields=["filed_by", "idempotency_key"], condition=~models.Q(idempotency_key=""),
            name="report_idempotency")]


class TaskState(models.TextChoices):
    OPEN = "open", _("waiting")
    DONE = "done", _("done")
    ESCALATED = "escalated", _("missed: escalated")


class ReportTask(models.Model):
    """One receiving unit's duty on a report, with its deadline. A missed deadline gives the
    unit one level up a task of its own (``escalated_to``); the missed one stays open."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="tasks")
    division_code = models.CharField(max_length=12)  # the report's routing place
    receiver = models.CharField(_("receives as"), max_length=20, choices=RECEIVER_CHOICES)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="report_tasks",
                               verbose_name=_("receiving unit"))
    unit_division_code = models.CharField(max_length=12)  # the unit's county/prefecture/province
    level_digits = models.PositiveSmallIntegerField()  # 6 county, 4 prefecture, 2 province
    duty = models.CharField(_("duty"), max_length=20)
    due_at = models.DateTimeField(_("due"))
    deadline_reason = models.JSONField(default=dict)
    state = models.CharField(_("state"), max_length=10, choices=TaskState.choices,
                             default=TaskState.OPEN)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                blank=True, related_name="+")
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_from = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="escalations")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("receiving unit's task")
        indexes = [models.Index(fields=["agency", "state", "due_at"], name="reporttask_inbox"),
                   models.Index(fields=["state", "due_at"], name="reporttask_due"),
                   models.Index(fields=["division_code", "created_at"], name="reporttask_place")]


class ActionKind(models.TextChoices):
    ACKNOWLEDGED = "acknowledged", _("acknowledged (受理)")
    CHILD_CONTACTED = "child_contacted", _("the child contacted, safety arranged")
    CASE_ACCEPTED = "case_accepted", _("case accepted (受案)")
    CASE_FILED = "case_filed", _("case filed for investigation (立案)")
    INVESTIGATING = "investigating", _("under investigation")
    WELFARE_CONCERN = "welfare_concern", _("no crime found, but a welfare concern")
    UNFOUNDED = "unfounded", _("unfounded")
    PROSECUTION = "prosecution", _("sent for prosecution (移送审查起诉)")
    FEEDBACK = "feedback", _("outcome told to the reporting unit")
    NOTE = "note", _("note")


# The police's outcomes of domain.md §3 / the issue: what "police_outcome" may hold.
POLICE_OUTCOMES = (ActionKind.CASE_ACCEPTED, ActionKind.CASE_FILED, ActionKind.INVESTIGATING,
                   ActionKind.WELFARE_CONCERN, ActionKind.UNFOUNDED, ActionKind.PROSECUTION)


class ReportAction(models.Model):
    """A step a receiving unit took, with its time and actor (append-only)."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="actions")
    division_code = models.CharField(max_length=12)
    task = models.ForeignKey(ReportTask, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="actions")
    kind = models.CharField(_("what was done"), max_length=20, choices=ActionKind.choices)
    note = EncryptedTextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["report", "at"], name="reportaction_report")]


class ReportAmendment(models.Model):
    """A correction of a report: the field, its value before and after, why, who and when."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="amendments")
    division_code = models.CharField(max_length=12)
    field = models.CharField(_("field"), max_length=40)
    before = EncryptedTextField()  # JSON
    after = EncryptedTextField()  # JSON
    reason = EncryptedTextField(_("reason"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)


class JointInterview(models.Model):
    """The one joint interview of a child victim (一站式询问): recorded once, so the child is not
    asked again; corrections are amendments."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    report = models.OneToOneField(Report, on_delete=models.PROTECT, related_name="interview")
    division_code = models.CharField(max_length=12)
    held_at = models.DateTimeField(_("held at"))
    place = EncryptedTextField(_("place"))
    attendees = EncryptedTextField(_("who attended"))  # JSON [{"role": ..., "name": ...}]
    av_recorded = models.BooleanField(_("synchronised audio-video recording"), default=False)
    woman_present = models.BooleanField(_("a woman took part (female victim)"), default=False)
    appropriate_adult = models.BooleanField(_("a guardian or appropriate adult was present"),
                                            default=False)
    recorded_by_name = EncryptedTextField(_("recorded by"), blank=True)
    notes = EncryptedTextField(_("notes"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)


class ServiceKind(models.TextChoices):
    FORENSIC = "forensic", _("forensic examination")
    PSYCHOLOGICAL = "psychological", _("psychological support")
    MEDICAL = "medical", _("medical care")
    LEGAL_AID = "legal_aid", _("legal aid")
    SHELTER = "shelter", _("temporary care or shelter")
    ASSISTANCE = "assistance", _("social assistance")


class LinkedService(models.Model):
    """A service linked to the report in the one-stop approach (forensic examination,
    psychological support, ...)."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="services")
    division_code = models.CharField(max_length=12)
    kind = models.CharField(_("service"), max_length=20, choices=ServiceKind.choices)
    provider = models.CharField(_("provided by"), max_length=120, blank=True)
    on = models.DateField(_("date"))
    notes = EncryptedTextField(_("notes"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
