"""Keyed hashing of audit events and checkpoints (HMAC-SHA256 with a key outside the DB)."""

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

from django.conf import settings

GENESIS = "0" * 64
HASHED_FIELDS = (
    "id", "chain", "seq", "at", "actor_id", "actor_username", "post_id", "role", "action",
    "object_type", "object_id", "division_code", "reason", "request_id", "detail", "prev_hash",
)


def _key() -> bytes:
    return settings.EVERYCHILD_AUDIT_KEY.encode()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if value is None:
        return ""
    return str(value) if not isinstance(value, dict | list | int) else value


def event_hash(fields: dict[str, Any]) -> str:
    """HMAC of an event's content, including the previous event's hash."""
    body = json.dumps(
        {name: _plain(fields[name]) for name in HASHED_FIELDS},
        ensure_ascii=False, sort_keys=True, separators=(",", ":"),
    )
    return hmac.new(_key(), body.encode(), hashlib.sha256).hexdigest()


def checkpoint_mac(chain: str, seq: int, head_hash: str, at: datetime) -> str:
    body = f"{chain}|{seq}|{head_hash}|{_plain(at)}"
    return hmac.new(_key(), body.encode(), hashlib.sha256).hexdigest()
