"""Administrative divisions keyed by their 12-digit statistical code."""

from django.conf import settings
from django.db import models
from django.utils import timezone
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


class Boundary(models.Model):
    """A division's outline for choropleth maps, imported by the deploying authority.

    The project ships none: a map of China published by a government system needs an approved
    map (审图号), so each deployment imports its own (``everychild import-boundaries``). The
    geometry is GeoJSON in a JSON column and the bounding box four plain floats, so the table
    works the same on SQLite and PostgreSQL without a spatial extension.
    """

    division = models.OneToOneField(
        Division, on_delete=models.CASCADE, primary_key=True, related_name="boundary",
        verbose_name=_("division"),
    )
    geometry = models.JSONField(_("geometry"), help_text=_("GeoJSON Polygon or MultiPolygon"))
    min_lon = models.FloatField(_("westernmost longitude"))
    min_lat = models.FloatField(_("southernmost latitude"))
    max_lon = models.FloatField(_("easternmost longitude"))
    max_lat = models.FloatField(_("northernmost latitude"))
    source = models.CharField(_("source file"), max_length=255, blank=True)
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)

    class Meta:
        verbose_name = _("boundary")
        verbose_name_plural = _("boundaries")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_lon__gte=-180, max_lon__lte=180, min_lon__lte=models.F("max_lon"),
                                   min_lat__gte=-90, max_lat__lte=90, min_lat__lte=models.F("max_lat")),
                name="boundary_bbox_valid",
            ),
        ]

    def __str__(self) -> str:
        return str(self.division_id)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """West, south, east, north, in GeoJSON's bbox order."""
        return self.min_lon, self.min_lat, self.max_lon, self.max_lat
