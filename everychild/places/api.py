from django.http import HttpRequest
from ninja import Router, Schema

from everychild.core.api_auth import api_actor
from everychild.core.schemas import responses
from everychild.places import services
from everychild.places.models import Division
from everychild.places.queries import children_of, get_division

router = Router()


class DivisionOut(Schema):
    code: str
    level: int
    name: str
    parent: str | None
    urban_rural: str
    urban_rural_source: str

    @staticmethod
    def resolve_parent(obj: Division) -> str | None:
        return obj.parent_id


class UrbanRuralIn(Schema):
    urban_rural: str
    reason: str = ""


@router.get("/divisions/{code}", response=responses({200: DivisionOut}))
def division(request: HttpRequest, code: str) -> Division:
    """One division by its 12-digit code."""
    return get_division(code)


@router.get("/divisions/{code}/children", response=responses({200: list[DivisionOut]}))
def division_children(request: HttpRequest, code: str) -> list[Division]:
    """The divisions one level below."""
    get_division(code)
    return list(children_of(code))


@router.put("/divisions/{code}/urban-rural", response=responses({200: DivisionOut}))
def set_urban_rural(request: HttpRequest, code: str, payload: UrbanRuralIn) -> Division:
    """Set a village's urban-rural classification (county officers in their jurisdiction)."""
    return services.set_urban_rural(api_actor(request), code, payload.urban_rural, payload.reason)
