"""Users and their posts. A post is a role held in a jurisdiction, optionally for an agency.

Roles are data: their capabilities and whether they may see identities live in rows, so an
administrator can add a role without a code change.
"""

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from everychild.core.ids import uuid7
from everychild.places.codes import prefix


class User(AbstractUser):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    language = models.CharField(_("interface language"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.username


class Role(models.Model):
    code = models.SlugField(_("code"), max_length=50, primary_key=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=80)
    sees_identities = models.BooleanField(
        _("sees identities"), default=False,
        help_text=_("Roles without it receive aggregates only, never names or ID numbers."),
    )
    capabilities = models.JSONField(_("capabilities"), default=list, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


class AgencyKind(models.TextChoices):
    CIVIL_AFFAIRS = "civil_affairs", _("civil affairs")
    POLICE = "police", _("public security")
    PROCURATORATE = "procuratorate", _("procuratorate")
    COURT = "court", _("court")
    ONE_STOP = "one_stop", _("one-stop centre")
    SCHOOL = "school", _("school")
    CLINIC = "clinic", _("clinic or hospital")
    VILLAGE_COMMITTEE = "village_committee", _("village or residents' committee")
    HOTLINE = "hotline", _("hotline")
    SERVICE_PROVIDER = "service_provider", _("service provider")
    WOMEN_FEDERATION = "women_federation", _("women's federation")
    OTHER = "other", _("other")


class Agency(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=30, choices=AgencyKind.choices)
    division = models.ForeignKey(
        "places.Division", on_delete=models.PROTECT, related_name="agencies",
        verbose_name=_("division"),
    )

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        constraints = [
            models.UniqueConstraint(fields=["division", "kind", "name"], name="agency_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Post(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="posts")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="posts",
                             verbose_name=_("role"))
    division = models.ForeignKey(
        "places.Division", on_delete=models.PROTECT, related_name="posts",
        verbose_name=_("jurisdiction"),
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="posts",
        verbose_name=_("agency"),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The insights recount the workforce of the places whose posts changed since their last run.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "division"], name="post_unique_role_division"
            )
        ]

    def __str__(self) -> str:
        return f"{self.role} · {self.division.name}"

    @property
    def jurisdiction(self) -> str:
        """The code prefix this post covers, from its division's level."""
        return prefix(self.division_id, self.division.level)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for another system; only its hash is stored."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    label = models.CharField(_("label"), max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
