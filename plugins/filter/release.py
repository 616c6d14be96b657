"""Filters for installing release binaries: Go architecture names and bcrypt hashes."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

import bcrypt

GOARCH = {
    "x86_64": "amd64",
    "amd64": "amd64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "armv7l": "armv7",
    "armv6l": "armv6",
    "i386": "386",
    "i686": "386",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
    "riscv64": "riscv64",
}

# bcrypt's own base64 alphabet (./A-Za-z0-9), not the standard one.
_STD = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_BCRYPT = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def goarch(machine: str) -> str:
    """Map a kernel machine name (``ansible_facts['architecture']``) to Go's GOARCH."""
    try:
        return GOARCH[machine]
    except KeyError:
        raise ValueError(
            f"unsupported architecture {machine!r}: expected one of {sorted(GOARCH)}"
        ) from None


def stable_salt(seed: str, cost: int = 10) -> bytes:
    """A bcrypt salt derived from ``seed``: the same seed always gives the same salt."""
    digest = hashlib.sha256(seed.encode()).digest()[:16]
    encoded = base64.b64encode(digest).translate(bytes.maketrans(_STD, _BCRYPT))[:22]
    return b"$2b$%02d$" % cost + encoded


def bcrypt_hash(password: str, seed: str, cost: int = 10) -> str:
    """bcrypt-hash ``password`` with a salt derived from ``seed``, so reruns write the same hash."""
    if not password:
        raise ValueError(f"empty password for {seed!r}")
    return bcrypt.hashpw(str(password).encode(), stable_salt(seed, cost)).decode()


class FilterModule:
    """Ansible filters of plugspace.monitoring for release installs."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"goarch": goarch, "bcrypt_hash": bcrypt_hash}
