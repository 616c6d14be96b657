"""Filters for the passwords the collection writes: bcrypt hashes that stay the same across runs."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

try:
    import bcrypt

    HAS_BCRYPT = True
except ImportError:  # optional: without it only bcrypt_hash fails, saying what to install
    HAS_BCRYPT = False

BCRYPT_MISSING = (
    "the plugspace.monitoring.bcrypt_hash filter needs the Python package bcrypt on the"
    " controller (in the Python that runs Ansible): pip install bcrypt"
    " (the collection's requirements.txt lists it)"
)

# bcrypt's own base64 alphabet (./A-Za-z0-9), not the standard one.
_STD = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_BCRYPT = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def stable_salt(seed: str, cost: int = 10) -> bytes:
    """A bcrypt salt derived from ``seed``: the same seed always gives the same salt."""
    digest = hashlib.sha256(seed.encode()).digest()[:16]
    encoded = base64.b64encode(digest).translate(bytes.maketrans(_STD, _BCRYPT))[:22]
    return b"$2b$%02d$" % cost + encoded


def bcrypt_hash(password: str, seed: str, cost: int = 10) -> str:
    """bcrypt-hash ``password`` with a salt derived from ``seed``, so reruns write the same hash."""
    if not password:
        raise ValueError(f"empty password for {seed!r}")
    if not HAS_BCRYPT:
        raise ImportError(BCRYPT_MISSING)
    return bcrypt.hashpw(str(password).encode(), stable_salt(seed, cost)).decode()


class FilterModule:
    """Ansible filters of plugspace.monitoring for passwords."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"bcrypt_hash": bcrypt_hash}
