import dataclasses
import typing
from typing import Any

from ninja import Schema
from pydantic import create_model


class Problem(Schema):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str | None = None
    request_id: str | None = None
    errors: Any = None


PROBLEMS: dict[int, type[Schema]] = {
    400: Problem, 401: Problem, 403: Problem, 404: Problem, 422: Problem,
}


def responses(ok: dict[int, Any]) -> dict[int, Any]:
    """Success responses plus the documented problem responses."""
    return {**ok, **PROBLEMS}


def schema_of(dataclass: type, name: str, **overrides: tuple[Any, Any]) -> type[Schema]:
    """A request schema with the fields, types and defaults of a service's input dataclass.

    ``overrides`` replaces fields whose type is another dataclass (give its schema instead)."""
    hints = typing.get_type_hints(dataclass)
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(dataclass):
        if f.name in overrides:
            fields[f.name] = overrides[f.name]
        elif f.default is not dataclasses.MISSING:
            fields[f.name] = (hints[f.name], f.default)
        elif f.default_factory is not dataclasses.MISSING:
            fields[f.name] = (hints[f.name], f.default_factory())
        else:
            fields[f.name] = (hints[f.name], ...)
    return create_model(name, __base__=Schema, **fields)


def enum_of(values: Any) -> dict[str, Any]:
    """Documents the accepted codes of a field; the service checks them and names the field in
    words."""
    return {"enum": list(values)}


def local_time(value: Any) -> Any:
    """A time as the API shows it: in local time (None stays None)."""
    from django.utils import timezone

    return timezone.localtime(value) if value else None


def or_404(call: Any, *args: Any, **kwargs: Any) -> Any:
    """``call(*args, **kwargs)``; a record the caller may not see (any DoesNotExist a service or a
    query raises) is a 404, never a sign that it exists."""
    from django.core.exceptions import ObjectDoesNotExist
    from ninja.errors import HttpError

    try:
        return call(*args, **kwargs)
    except ObjectDoesNotExist:
        raise HttpError(404, "not found") from None
