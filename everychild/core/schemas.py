from typing import Any

from ninja import Schema


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
