"""Encryption of sensitive identifiers at rest, and keyed hashes (blind indexes) for lookup.

Keys derive from ``EVERYCHILD_DATA_KEY`` (kept apart from ``SECRET_KEY`` and outside the
database). Older keys listed in ``EVERYCHILD_DATA_KEYS_OLD`` still decrypt, so keys can rotate.
"""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _derive(material: str, purpose: str) -> bytes:
    return hashlib.sha256(f"everychild:{purpose}:{material}".encode()).digest()


@lru_cache(maxsize=4)
def _fernet(current: str, old: tuple[str, ...]) -> MultiFernet:
    keys = [current, *old]
    return MultiFernet(
        [Fernet(base64.urlsafe_b64encode(_derive(k, "encrypt"))) for k in keys]
    )


def _cipher() -> MultiFernet:
    old = tuple(k for k in getattr(settings, "EVERYCHILD_DATA_KEYS_OLD", ()) if k)
    return _fernet(settings.EVERYCHILD_DATA_KEY, old)


def encrypt(plain: str) -> str:
    """Authenticated encryption (AES-128-CBC + HMAC, Fernet) of a text value."""
    return _cipher().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    """The plain text of ``encrypt``'s output; raises ValueError if it was tampered with."""
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("cannot decrypt: wrong key or altered value") from exc


def blind_index(value: str, purpose: str) -> str:
    """A keyed hash of ``value`` for exact lookup and duplicate detection without the value."""
    key = _derive(settings.EVERYCHILD_DATA_KEY, f"index:{purpose}")
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
