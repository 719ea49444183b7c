"""Primary keys: time-ordered UUIDv7, so offline phones and other nodes never collide."""

from uuid import UUID

from uuid_utils.compat import uuid7

__all__ = ["parse_uuid", "uuid7"]


def parse_uuid(value: object) -> UUID | None:
    """The UUID in ``value``, or None when it is not one (bad input is never a 500)."""
    try:
        return UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None
