"""Administrative divisions keyed by their 12-digit statistical code."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from everychild.places.codes import LEVEL_LABELS, Level, prefix, prefix_range


class UrbanRuralSource(models.TextChoices):
    UNKNOWN = "unknown", _("unknown")
    OFFICIAL = "official", _("official NBS code, imported")
    OFFICER = "officer", _("set by an officer")


class UrbanRural(models.TextChoices):
    """Urban-rural classification codes (城乡分类代码, domain.md §6.3)."""

    MAIN_URBAN = "111", _("111 main urban area")
    URBAN_FRINGE = "112", _("112 urban-rural fringe")
    TOWN_CENTRE = "121", _("121 town centre")
    TOWN_FRINGE = "122", _("122 town-rural fringe")
    SPECIAL = "123", _("123 special area")
    TOWNSHIP_CENTRE = "210", _("210 township centre")
    VILLAGE = "220", _("220 village")


class DivisionQuerySet(models.QuerySet):
    def within(self, jurisdiction_prefix: str) -> "DivisionQuerySet":
        """Divisions whose code lies under a jurisdiction prefix (an index range scan)."""
        return self.filter(code__range=prefix_range(jurisdiction_prefix))


class Division(models.Model):
    code = models.CharField(_("code"), max_length=12, primary_key=True)
    level = models.PositiveSmallIntegerField(
        _("level"), choices=[(level.value, LEVEL_LABELS[level]) for level in Level]
    )
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("parent"),
    )
    version = models.CharField(_("code list version"), max_length=10, default="2023")
    urban_rural = models.CharField(
        _("urban-rural classification"), max_length=3, choices=UrbanRural.choices, blank=True
    )
    urban_rural_source = models.CharField(
        _("urban-rural provenance"), max_length=10, choices=UrbanRuralSource.choices,
        default=UrbanRuralSource.UNKNOWN,
    )
    urban_rural_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    urban_rural_set_at = models.DateTimeField(null=True, blank=True)

    objects = DivisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("division")
        verbose_name_plural = _("divisions")
        indexes = [models.Index(fields=["parent", "name"], name="division_parent_name")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=0, level__lte=5), name="division_level_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def prefix(self) -> str:
        """This division's jurisdiction prefix, from its level."""
        return prefix(self.code, self.level)

    @property
    def is_urban(self) -> bool | None:
        """True/False from the classification code; None when unknown."""
        return self.urban_rural.startswith("1") if self.urban_rural else None

    def suggested_urban_rural(self) -> str:
        """A guess from the name (居委会/社区 urban, 村委会 rural) — to show as a guess only."""
        if self.level != Level.VILLAGE:
            return ""
        if "居民委员会" in self.name or "社区" in self.name:
            return UrbanRural.MAIN_URBAN
        if "村民委员会" in self.name:
            return UrbanRural.VILLAGE
        return ""
