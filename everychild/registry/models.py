"""The registry: children, their households, caregivers and parents, and the facts the
classification rules read. Every child-scoped row carries ``child_id`` and ``division_code``
(the village of the child's current residence), so the access gate scopes it by prefix.
Identity fields are encrypted at rest; the ID number also has a blind index for lookup."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from everychild.core.fields import EncryptedBinaryField, EncryptedTextField
from everychild.core.ids import uuid7
from everychild.registry.ethnicity import Ethnicity


class Sex(models.TextChoices):
    MALE = "male", _("male")
    FEMALE = "female", _("female")


class HukouType(models.TextChoices):
    RURAL = "rural", _("rural (agricultural) hukou")
    URBAN = "urban", _("urban (non-agricultural) hukou")
    UNREGISTERED = "none", _("no hukou (unregistered)")
    UNKNOWN = "unknown", _("unknown")


class SchoolStatus(models.TextChoices):
    NOT_SCHOOL_AGE = "not_school_age", _("not yet of school age")
    PRESCHOOL = "preschool", _("kindergarten or preschool")
    IN_SCHOOL = "in_school", _("in school")
    DROPPED_OUT = "dropped_out", _("dropped out")
    NEVER_ENROLLED = "never_enrolled", _("never enrolled")
    FINISHED = "finished", _("finished compulsory education, not in school")
    UNKNOWN = "unknown", _("unknown")


class DisabilityType(models.TextChoices):
    VISUAL = "visual", _("visual")
    HEARING = "hearing", _("hearing")
    SPEECH = "speech", _("speech")
    PHYSICAL = "physical", _("physical")
    INTELLECTUAL = "intellectual", _("intellectual")
    MENTAL = "mental", _("mental")
    MULTIPLE = "multiple", _("multiple")


class Level3(models.TextChoices):
    """The 2016 screening's three-step scale (较好/一般/差)."""

    GOOD = "good", _("good")
    FAIR = "fair", _("fair")
    POOR = "poor", _("poor")


class ChildScoped(models.Model):
    """Base of every child-scoped row: UUIDv7 key, the child and the division code."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    division_code = models.CharField(_("division code"), max_length=12, db_index=True)

    class Meta:
        abstract = True


class Household(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    division_code = models.CharField(_("division code"), max_length=12, db_index=True)
    address = EncryptedTextField(_("address"), blank=True)
    minimum_allowance = models.BooleanField(_("receives minimum living allowance (低保)"),
                                            default=False)
    extreme_poverty_support = models.BooleanField(_("receives extreme-poverty support (特困)"),
                                                  default=False)
    assessed_poor = models.BooleanField(_("otherwise assessed as poor"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")


class Child(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    division_code = models.CharField(
        _("residence (village code)"), max_length=12,
        help_text=_("The village of current residence; access is scoped by it."),
    )
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="children",
                                  null=True, blank=True)
    name = EncryptedTextField(_("name"))
    former_names = EncryptedTextField(_("former names"), blank=True)
    nickname = EncryptedTextField(_("nickname (小名)"), blank=True)
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices)
    date_of_birth = models.DateField(_("date of birth"))
    ethnicity = models.CharField(_("ethnicity"), max_length=2, choices=Ethnicity.choices,
                                 default=Ethnicity.HAN)
    id_number = EncryptedTextField(_("resident ID number"), blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True)
    hukou_type = models.CharField(_("hukou type"), max_length=10, choices=HukouType.choices,
                                  default=HukouType.UNKNOWN)
    hukou_division_code = models.CharField(_("hukou place (division code)"), max_length=12,
                                           blank=True)
    school_status = models.CharField(_("school status"), max_length=20,
                                     choices=SchoolStatus.choices, default=SchoolStatus.UNKNOWN)
    grade = models.CharField(_("grade"), max_length=20, blank=True)
    disability_type = models.CharField(_("disability type"), max_length=15,
                                       choices=DisabilityType.choices, blank=True)
    disability_grade = models.PositiveSmallIntegerField(
        _("disability grade (certificate)"), null=True, blank=True,
        choices=[(1, "1"), (2, "2"), (3, "3"), (4, "4")],
    )
    serious_illness = models.BooleanField(_("serious illness"), default=False)
    illness_note = EncryptedTextField(_("illness"), blank=True)
    photo = EncryptedBinaryField(_("photo"), null=True, blank=True)
    # Facts the classification reads that belong to the child's situation.
    both_parents_cannot_be_found = models.BooleanField(
        _("biological parents cannot be found"), default=False)
    guardianship_harm = models.BooleanField(
        _("suffers or is threatened with harm through absent or improper guardianship"),
        default=False)
    lives_alone = models.BooleanField(_("lives alone"), default=False)
    left_unattended = models.BooleanField(_("left unattended"), default=False)
    other_parent_incapacity_confirmed = models.BooleanField(
        _("a supervisor confirmed the parent at home lacks guardianship capacity"), default=False)
    other_parent_incapacity_reason = models.TextField(_("reason"), blank=True)
    # The last evaluation of every rule in force (everychild.rules Finding.as_dict()), and the
    # key of the rule versions it used, so a version bump finds exactly the children it affects.
    findings = models.JSONField(default=list, blank=True)
    classified_on = models.DateField(null=True, blank=True)
    rules_key = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                      null=True, related_name="+")

    class Meta:
        verbose_name = _("child")
        verbose_name_plural = _("children")
        indexes = [
            models.Index(fields=["division_code", "date_of_birth"], name="child_division_dob"),
            # Lists show the newest registrations first: a county's or a village's first page
            # is an index walk, not a sort of every child of the jurisdiction.
            models.Index(fields=["-created_at"], name="child_created"),
            models.Index(fields=["division_code", "-created_at"], name="child_division_created"),
        ]

    def __str__(self) -> str:
        return str(self.pk)

    @property
    def child_id(self):
        return self.pk


class NameKey(ChildScoped):
    """One search key of a child's name (characters, pinyin, initials), for prefix search."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="name_keys")
    key = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["key", "division_code"], name="namekey_key_division")]


class ParentRole(models.TextChoices):
    FATHER = "father", _("father")
    MOTHER = "mother", _("mother")


class Parent(ChildScoped):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="parents")
    role = models.CharField(_("parent"), max_length=6, choices=ParentRole.choices)
    name = EncryptedTextField(_("name"), blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    known = models.BooleanField(_("facts known"), default=True)

    class Meta:
        verbose_name = _("parent")
        constraints = [models.UniqueConstraint(fields=["child", "role"], name="parent_one_per_role")]


class SituationKind(models.TextChoices):
    """A parent's situation; the values are those of everychild.rules.facts."""

    AT_HOME = "at_home", _("living at home")
    MIGRANT_WORKER = "migrant_worker", _("working away from home (migrant worker)")
    DEAD = "dead", _("dead")
    MISSING_DECLARED = "missing_declared", _("declared missing by a court")
    OUT_OF_CONTACT = "out_of_contact", _("out of contact (reported to the police)")
    CUSTODY_OR_SENTENCE = "custody_or_sentence", _("in custody or serving a sentence")
    DRUG_REHABILITATION = "drug_rehabilitation", _("in compulsory drug rehabilitation")
    OTHER_RESTRICTION = "other_restriction", _("under another restriction of liberty")
    SEVERELY_DISABLED = "severely_disabled", _("severely disabled")
    SEVERELY_ILL = "severely_ill", _("severely ill")
    GUARDIANSHIP_REVOKED = "guardianship_revoked", _("guardianship revoked by a court")
    DEPORTED = "deported", _("deported")


class ParentSituation(ChildScoped):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="parent_situations")
    parent = models.ForeignKey(Parent, on_delete=models.CASCADE, related_name="situations")
    kind = models.CharField(_("situation"), max_length=25, choices=SituationKind.choices)
    since = models.DateField(_("since"), null=True, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)
    cross_county = models.BooleanField(_("across a county boundary"), null=True, blank=True)
    destination_code = models.CharField(_("destination (division code)"), max_length=12,
                                        blank=True)
    contact_frequency = models.CharField(_("how often in contact"), max_length=40, blank=True)
    court_declared = models.BooleanField(_("declared by a court"), default=False)
    police_report_accepted_on = models.DateField(_("police accepted the report on"), null=True,
                                                 blank=True)
    disability_type = models.CharField(_("disability type"), max_length=15,
                                       choices=DisabilityType.choices, blank=True)
    disability_grade = models.PositiveSmallIntegerField(_("disability grade"), null=True,
                                                        blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("parent's situation")


class Caregiver(ChildScoped):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="caregivers")
    name = EncryptedTextField(_("name"), blank=True)
    relationship = models.CharField(_("relationship"), max_length=30)
    age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)
    health = models.CharField(_("health"), max_length=6, choices=Level3.choices, blank=True)
    capacity = models.CharField(_("capacity to care"), max_length=6, choices=Level3.choices,
                                blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    primary = models.BooleanField(_("primary caregiver"), default=False)

    class Meta:
        verbose_name = _("caregiver")


class Purpose(models.TextChoices):
    REGISTRATION = "registration", _("registration and records")
    MONITORING = "monitoring", _("monitoring and visits")
    REPORTING = "reporting", _("reporting of suspected harm")
    CASE_MANAGEMENT = "case_management", _("case management")
    SHARING_NGO = "sharing_ngo", _("sharing with non-state service providers")
    PHOTO = "photo", _("photographs")
    RESEARCH = "research", _("research use")


class Basis(models.TextChoices):
    STATUTORY_DUTY = "statutory_duty", _("statutory duty (PIPL Art. 13(3))")
    VITAL_INTERESTS = "vital_interests", _("protecting life and safety (PIPL Art. 13(4))")
    CONSENT = "consent", _("consent (PIPL Art. 13(1), 31)")


class LegalBasis(ChildScoped):
    """The legal basis of each purpose for which this child's data is processed."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="legal_bases")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    basis = models.CharField(_("legal basis"), max_length=20, choices=Basis.choices)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["child", "purpose"],
                                               name="legal_basis_one_per_purpose")]


class Consent(ChildScoped):
    """A consent given (or refused) for a purpose the law does not require (CAC 2019 Art. 10)."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    given_by = models.CharField(_("given by"), max_length=20, choices=[
        ("guardian", _("guardian")), ("child", _("the child (14 or over)"))])
    giver_name = EncryptedTextField(_("name of the person giving consent"), blank=True)
    refused = models.BooleanField(_("refused"), default=False)
    scope = models.TextField(_("scope"), blank=True)
    method = models.CharField(_("method"), max_length=60, blank=True)
    retention = models.CharField(_("retention period"), max_length=60, blank=True)
    given_on = models.DateField(_("date"))
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")


class ChildCategory(ChildScoped):
    """A category a child is (or was) in, with the rule version and the reasons in words."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="categories")
    category = models.CharField(_("category"), max_length=40)
    rule_version = models.CharField(_("rule version"), max_length=20)
    rule_source = models.CharField(_("source"), max_length=200)
    reasons = models.JSONField(_("reasons"), default=list)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)
    # The day the child reaches the rule's age limit: the tick finds who leaves a category on
    # an index of the current rows by this day, not by reading every child's date of birth.
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    class Meta:
        verbose_name = _("category")
        constraints = [
            models.UniqueConstraint(fields=["child", "category"], condition=models.Q(until=None),
                                    name="child_category_current_unique"),
        ]
        indexes = [
            models.Index(fields=["category", "division_code"], name="category_division"),
            models.Index(fields=["ends_on"], condition=models.Q(until=None),
                         name="category_current_ends"),
        ]


class ChildEvent(ChildScoped):
    """The child's timeline: registration, facts changed, categories entered and left."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=40)
    summary = models.TextField()
    detail = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              related_name="+")

    class Meta:
        indexes = [models.Index(fields=["child", "at"], name="childevent_child_at")]


class RulesApplied(models.Model):
    """The rules key (classify.rules_key) every child of a province was last brought up to, so
    the daily tick looks for children under older rule versions only when a province's rules
    changed, not by scanning every child every day."""

    province_code = models.CharField(max_length=2, primary_key=True)
    rules_key = models.CharField(max_length=16)
    applied_on = models.DateField()


from everychild.registry.models_bulk import *  # noqa
from everychild.registry.models_transfer import *  # noqa
