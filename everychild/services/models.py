"""The service directory (providers, what they offer, where), referrals from case plans to them,
and the benefits (allowances and subsidies) a child is entitled to or receives.

A provider's staff log in through posts whose agency is the provider's agency: they see the
referrals made to their provider and nothing else, and of the child only what the referral shares
(a copy made when it was sent, the minimum the service needs). Referrals and benefits carry
``child_id`` and ``division_code`` (the child's village), so the access gate scopes them and a
transfer moves them with the child."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from everychild.accounts.models import Agency
from everychild.core.fields import EncryptedTextField
from everychild.core.ids import uuid7
from everychild.registry.models import Child, Consent


class ProviderKind(models.TextChoices):
    ONE_STOP = "one_stop", _("one-stop centre")
    CHILDREN_CENTRE = "children_centre", _("children's centre (儿童之家)")
    DISABILITY_DAY_CARE = "disability_day_care", _("day care for children with disabilities")
    SCHOOL = "school", _("school")
    CLINIC = "clinic", _("clinic or hospital")
    LEGAL_AID = "legal_aid", _("legal aid")
    PSYCHOLOGICAL = "psychological", _("psychological support")
    SOCIAL_ASSISTANCE = "social_assistance", _("social assistance office")
    SOCIAL_WORK = "social_work", _("social work organisation")
    OTHER = "other", _("other")


class ServiceType(models.TextChoices):
    INTERVIEW_ASSISTANCE = "interview_assistance", _("one-stop interview and assistance")
    DAY_CARE = "day_care", _("day care and activities")
    REHABILITATION = "rehabilitation", _("rehabilitation for children with disabilities")
    EDUCATION = "education", _("schooling and education support")
    MEDICAL = "medical", _("medical care")
    FORENSIC = "forensic", _("forensic examination")
    LEGAL_AID = "legal_aid", _("legal aid")
    PSYCHOLOGICAL = "psychological", _("psychological support")
    SOCIAL_ASSISTANCE = "social_assistance", _("social assistance and allowances")
    SHELTER = "shelter", _("temporary care or shelter")
    PARENTING = "parenting", _("parenting and family support")
    CASEWORK = "casework", _("social work and casework")


class ServiceProvider(models.Model):
    """A provider in the directory. ``state_run``: a state organ or public institution, to which
    the authorities' statutory duty covers sharing; a non-state provider needs the recorded
    consent for sharing (or a recorded safety reason)."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=25, choices=ProviderKind.choices)
    state_run = models.BooleanField(_("run by the state (a state organ or public institution)"),
                                    default=True)
    agency = models.OneToOneField(Agency, on_delete=models.PROTECT, related_name="provider",
                                  verbose_name=_("agency its staff belong to"))
    division_code = models.CharField(_("located in (division code)"), max_length=12)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("service phone"), max_length=40, blank=True)
    hours = models.CharField(_("opening hours"), max_length=120, blank=True)
    capacity = models.PositiveIntegerField(_("capacity (children at a time)"), null=True,
                                           blank=True)
    notes = models.TextField(_("notes"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   related_name="+")

    class Meta:
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")
        indexes = [models.Index(fields=["division_code"], name="provider_division")]

    def __str__(self) -> str:
        return self.name


class ProviderService(models.Model):
    """One type of service a provider offers."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    provider = models.ForeignKey(ServiceProvider, on_delete=models.CASCADE,
                                 related_name="services")
    service_type = models.CharField(_("service"), max_length=25, choices=ServiceType.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "service_type"],
                                               name="provider_service_unique")]
        indexes = [models.Index(fields=["service_type", "provider"], name="providerservice_type")]


class ProviderCoverage(models.Model):
    """A place a provider serves: the prefix of a division (2, 4, 6, 9 or 12 digits by its
    level), so "who serves this village" is an equality on the village's five prefixes."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    provider = models.ForeignKey(ServiceProvider, on_delete=models.CASCADE,
                                 related_name="coverage")
    prefix = models.CharField(_("area served (division prefix)"), max_length=12)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "prefix"],
                                               name="provider_coverage_unique")]
        indexes = [models.Index(fields=["prefix", "provider"], name="providercoverage_prefix")]


class ReferralState(models.TextChoices):
    SENT = "sent", _("sent, waiting for an answer")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    IN_PROGRESS = "in_progress", _("in progress")
    COMPLETED = "completed", _("completed")
    CANCELLED = "cancelled", _("cancelled")


OPEN_REFERRAL_STATES = (ReferralState.SENT, ReferralState.ACCEPTED, ReferralState.IN_PROGRESS)


class SharingBasis(models.TextChoices):
    STATUTORY = "statutory", _("statutory duty: a state provider (PIPL Art. 13(3))")
    CONSENT = "consent", _("the recorded consent for sharing with non-state providers")
    SAFETY = "safety", _("protecting the child's life and safety (PIPL Art. 13(4)), with a reason")


class Outcome(models.TextChoices):
    ACHIEVED = "achieved", _("the need was met")
    PARTLY = "partly", _("the need was partly met")
    NOT_ACHIEVED = "not_achieved", _("the need was not met")


class Referral(models.Model):
    """A referral from a case plan to a provider: sent → accepted or declined (with a reason) →
    in progress → completed (with feedback), or cancelled. ``shared`` is what the provider may
    see of the child, copied when it was sent."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    reference = models.CharField(_("reference"), max_length=16, unique=True)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="referrals")
    goal_id = models.CharField(max_length=40, blank=True)  # the plan goal it serves
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+")
    division_code = models.CharField(max_length=12)
    provider = models.ForeignKey(ServiceProvider, on_delete=models.PROTECT,
                                 related_name="referrals", verbose_name=_("provider"))
    service_type = models.CharField(_("service"), max_length=25, choices=ServiceType.choices)
    need = EncryptedTextField(_("what the child needs from the service"))
    shared = EncryptedTextField(default="{}")  # JSON: the items shared, as sent
    high_risk = models.BooleanField(_("the child is at high risk"), default=False)
    sharing_basis = models.CharField(_("basis for sharing"), max_length=10,
                                     choices=SharingBasis.choices)
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    safety_reason = EncryptedTextField(_("why the child's safety requires sharing"), blank=True)
    state = models.CharField(_("state"), max_length=12, choices=ReferralState.choices,
                             default=ReferralState.SENT)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="+")
    due_at = models.DateTimeField(_("answer due"))
    due_reason = models.JSONField(default=dict)
    escalated_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+")
    decline_reason = EncryptedTextField(_("why it was declined"), blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=15, choices=Outcome.choices, blank=True)
    feedback = EncryptedTextField(_("feedback to the caseworker"), blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = EncryptedTextField(_("why it was cancelled"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            models.Index(fields=["provider", "state", "sent_at"], name="referral_provider"),
            models.Index(fields=["case", "sent_at"], name="referral_case"),
            models.Index(fields=["state", "due_at"], name="referral_due"),
            models.Index(fields=["division_code", "sent_at"], name="referral_division"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_REFERRAL_STATES

    @property
    def loop_closed(self) -> bool:
        """The provider reported back: completed with feedback, or declined with a reason (or the
        referral was cancelled)."""
        return self.state in (ReferralState.COMPLETED, ReferralState.DECLINED,
                              ReferralState.CANCELLED)


class BenefitKind(models.TextChoices):
    ORPHAN_ALLOWANCE = "orphan_allowance", _("orphans' basic living allowance")
    DE_FACTO_ALLOWANCE = "de_facto_allowance", \
        _("basic living allowance for de facto unsupported children")
    MINIMUM_LIVING = "minimum_living", _("minimum living allowance (低保)")
    EXTREME_POVERTY = "extreme_poverty", _("extreme-poverty support (特困供养)")
    DISABILITY = "disability", _("rehabilitation assistance for children with disabilities")
    EDUCATION = "education", _("education subsidy")
    OTHER = "other", _("other allowance or subsidy")


class BenefitStatus(models.TextChoices):
    APPLIED = "applied", _("applied for")
    APPROVED = "approved", _("approved, not paying yet")
    PAYING = "paying", _("paying")
    STOPPED = "stopped", _("stopped")
    REFUSED = "refused", _("refused")


class Benefit(models.Model):
    """An allowance or subsidy of a child, recorded as a service: amount, period, paying office.
    One row per child and kind, kept current (its history is in the audit log and the child's
    timeline)."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="benefits")
    division_code = models.CharField(max_length=12)
    kind = models.CharField(_("allowance or subsidy"), max_length=20, choices=BenefitKind.choices)
    status = models.CharField(_("status"), max_length=10, choices=BenefitStatus.choices)
    monthly_amount = models.DecimalField(_("amount per month (yuan)"), max_digits=9,
                                         decimal_places=2, null=True, blank=True)
    period_from = models.DateField(_("paid from"), null=True, blank=True)
    period_to = models.DateField(_("paid until"), null=True, blank=True)
    paying_office = models.CharField(_("paying office"), max_length=120, blank=True)
    applied_on = models.DateField(_("applied on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = _("allowance or subsidy")
        verbose_name_plural = _("allowances and subsidies")
        constraints = [models.UniqueConstraint(fields=["child", "kind"], name="benefit_one_per_kind")]
        indexes = [models.Index(fields=["kind", "status", "division_code"], name="benefit_kind")]
