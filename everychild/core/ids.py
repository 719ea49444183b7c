"""Primary keys: time-ordered UUIDv7, so offline phones and other nodes never collide."""

from uuid_utils.compat import uuid7

__all__ = ["uuid7"]
