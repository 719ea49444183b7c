import argparse
import math
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from everychild.places.boundaries import BoundaryFileError, import_boundaries


def tolerance(value: str) -> float:
    """A simplification tolerance in degrees, 0 or more (argparse says so when it is not)."""
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not math.isfinite(number) or number < 0:
        raise argparse.ArgumentTypeError(
            _("%(value)s is not a tolerance in degrees (0 or more)") % {"value": value})
    return number


class Command(BaseCommand):
    @property
    def help(self) -> str:  # argparse needs a str, read when the parser is made
        return _(
            "Import division boundaries from a GeoJSON FeatureCollection (Polygon or MultiPolygon "
            "features naming their division by a 2 to 12-digit code), all or nothing. The project "
            "ships none: a published map of China needs an approved map (审图号). Re-importing a "
            "division replaces its boundary; features of unknown divisions are skipped and counted."
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--code-property", dest="code_property",
            help=_("the feature property holding the division code (default: the first of "
                   "code, division_code, adcode, gb)"))
        parser.add_argument(
            "--simplify", type=tolerance, default=0.0,
            help=_("Douglas-Peucker tolerance in degrees (0.001 is about 100 m; default 0: "
                   "no simplification)"))

    def handle(self, file: Path, code_property: str | None, simplify: float, **options) -> None:
        try:
            result = import_boundaries(file, code_property=code_property, simplify=simplify)
        except BoundaryFileError as exc:
            raise CommandError(_("Nothing imported: %(reason)s") % {"reason": exc}) from None
        self.stdout.write(
            _("%(file)s: %(imported)d boundaries imported, %(replaced)d replaced, "
              "%(skipped)d features skipped.") %
            {"file": result.source, "imported": result.imported, "replaced": result.replaced,
             "skipped": result.skipped_total})
        for reason, count, examples in result.skipped_reasons():
            self.stdout.write(_("  skipped, %(reason)s: %(count)d (for example %(examples)s)") %
                              {"reason": reason, "count": count, "examples": ", ".join(examples)})
