from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from everychild.places.models import Division


def validate_division_code(value: str) -> None:
    """Field validator: the code must name a known division."""
    if not (isinstance(value, str) and len(value) == 12 and value.isdigit()
            and Division.objects.filter(pk=value).exists()):
        raise ValidationError(_("Unknown division code: %(code)s"), params={"code": str(value)[:12]},
                              code="unknown_division")
