"""Keyed hashing of audit events and checkpoints (HMAC-SHA256 with a key outside the DB).

A hash must come out the same when computed from the values ``record()`` is about to write
and from the values read back from SQLite or PostgreSQL. Everything is therefore reduced to
one canonical form before hashing:

- datetimes: UTC, microseconds, ``Z`` (whatever zone the driver hands back);
- UUIDs: lower-case hyphenated text (SQLite keeps 32 hex digits, PostgreSQL a ``uuid``);
- JSON detail: only what survives a trip through ``jsonb`` unchanged — string keys, no NaN or
  infinities, integral floats as integers (``jsonb`` stores ``1e20`` as a numeric and hands
  back an ``int``), no NUL characters or lone surrogates (PostgreSQL rejects both);
- ``None`` stays ``null``, so an empty value and a missing one never hash alike.
"""

import hashlib
import hmac
import json
import math
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

GENESIS = "0" * 64
HASHED_FIELDS = (
    "id", "chain", "seq", "at", "actor_id", "actor_username", "post_id", "role", "action",
    "object_type", "object_id", "division_code", "reason", "request_id", "detail", "prev_hash",
)


def _key() -> bytes:
    return settings.EVERYCHILD_AUDIT_KEY.encode()


def clean_text(value: str) -> str:
    """``value`` as both databases store it: no NUL characters, no lone surrogates."""
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value


def canonical_time(value: datetime) -> str:
    """An aware datetime as UTC text with microseconds."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("audit times must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _canonical_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {clean_text(str(k)): _canonical_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical_json(v) for v in value]
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("audit detail cannot hold NaN or infinity")
        return int(value) if value.is_integer() else value
    return value  # int, bool, None


def clean_detail(detail: dict[str, Any] | None) -> dict[str, Any]:
    """``detail`` reduced to plain JSON that reads back identically from either database.

    UUIDs, dates, decimals and lazy strings become text (Django's JSON encoder).
    """
    if not detail:
        return {}
    plain = json.loads(json.dumps(detail, cls=DjangoJSONEncoder, allow_nan=False))
    return _canonical_json(plain)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return canonical_time(value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict | list):
        return _canonical_json(value)
    if value is None or isinstance(value, bool | int):
        return value
    return str(value)


def event_hash(fields: dict[str, Any]) -> str:
    """HMAC of an event's content, including the previous event's hash."""
    body = json.dumps(
        {name: _plain(fields[name]) for name in HASHED_FIELDS},
        ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False,
    )
    return hmac.new(_key(), body.encode(), hashlib.sha256).hexdigest()


def checkpoint_mac(chain: str, seq: int, head_hash: str, at: datetime) -> str:
    """HMAC of a checkpoint: chain ``chain`` had event ``seq`` with hash ``head_hash``."""
    body = f"checkpoint|{chain}|{int(seq)}|{head_hash}|{canonical_time(at)}"
    return hmac.new(_key(), body.encode(), hashlib.sha256).hexdigest()
