"""Certificates of the collection's private CA, decided on the controller.

``certificate_sans`` lists the subject alternative names a host's certificate
carries; ``certificate_renewal`` says why a host's certificate must be
(re)issued, or ``''`` when the one on the controller is still good. Both run
inside a task's ``when`` on the controller, so a run where nothing is due
forks no module per host (the issuing tasks are skipped as a whole).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.x509.oid import ExtensionOID

    HAS_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - the message below says what to install
    HAS_CRYPTOGRAPHY = False

# Checks on the host itself (the lifecycle's readiness, the stack's verify)
# reach a service on loopback; a loopback name only ever leads to the
# machine that asks, so carrying it lets no host stand in for another.
LOOPBACK_SANS = ("DNS:localhost", "IP:127.0.0.1", "IP:::1")
_UNITS = {"y": 365 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 0.001}
_DURATION = re.compile(r"([0-9]+)(ms|y|w|d|h|m|s)")


def duration_seconds(value: str) -> int:
    """Seconds in a Prometheus duration (``365d``, ``90s``, ``1h30m``)."""
    text = str(value).strip()
    parts = _DURATION.findall(text)
    if not text or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"{value!r} is not a duration such as 365d, 12h or 90s")
    return int(sum(int(number) * _UNITS[unit] for number, unit in parts))


def _san(name: str) -> str:
    bare = name.strip("[]")
    try:
        return f"IP:{ipaddress.ip_address(bare)}"
    except ValueError:
        return f"DNS:{bare}"


def certificate_sans(names: Sequence[Any]) -> list[str]:
    """``DNS:``/``IP:`` entries for the given names (inventory name, addresses), then loopback."""
    result: list[str] = []
    for name in names:
        if name is None or not str(name).strip():
            continue
        entry = _san(str(name).strip())
        if entry not in result:
            result.append(entry)
    return result + [entry for entry in LOOPBACK_SANS if entry not in result]


def _cert_sans(cert: Any) -> list[str]:
    try:
        extension = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    except x509.ExtensionNotFound:
        return []
    names = [f"DNS:{name}" for name in extension.value.get_values_for_type(x509.DNSName)]
    names += [f"IP:{ip}" for ip in extension.value.get_values_for_type(x509.IPAddress)]
    return names


def _load(path: str) -> Any:
    return x509.load_pem_x509_certificate(Path(path).read_bytes())


def certificate_renewal(
    cert_path: str,
    ca_path: str,
    sans: Sequence[str],
    validity: str,
    renew_share: float,
    *,
    now: datetime | None = None,
) -> str:
    """Why the certificate at ``cert_path`` must be issued again, or ``''``.

    Due when it is missing or unreadable, was not signed by the CA at
    ``ca_path``, names other SANs than ``sans``, outlives the ``validity``
    policy (after the validity was shortened), or has less than
    ``renew_share`` (0 < share < 1) of ``validity`` left.
    """
    if not HAS_CRYPTOGRAPHY:
        raise ValueError("certificate_renewal needs the Python package cryptography")
    if not 0 < float(renew_share) < 1:
        raise ValueError(f"renew_share must be between 0 and 1 (got {renew_share!r})")
    lifetime = duration_seconds(validity)
    if not Path(cert_path).is_file():
        return "no certificate yet"
    try:
        cert = _load(cert_path)
        ca = _load(ca_path)
    except (OSError, ValueError) as error:
        return f"unreadable ({error})"
    if cert.issuer != ca.subject:
        return "issued by another CA"
    try:
        cert.verify_directly_issued_by(ca)
    except (InvalidSignature, ValueError, TypeError):
        return "not signed by this CA's key"
    if sorted(_cert_sans(cert)) != sorted(str(name) for name in sans):
        return "its names changed"
    moment = now or datetime.now(UTC)
    left = (cert.not_valid_after_utc - moment).total_seconds()
    if left > lifetime + 60:
        return "valid longer than the policy allows"
    if left < float(renew_share) * lifetime:
        return "due for renewal"
    return ""


def tls_files(
    contents: Sequence[str], ca_file: str, cert_file: str, key_file: str, **attrs: Any
) -> list[dict[str, Any]]:
    """file_set entries for the CA's certificate, the host's and its key, in that order.

    ``contents`` are the three files' contents (as the controller's PKI directory
    holds them); each entry gets ``attrs``, and the key's is marked secret.
    """
    if len(contents) != 3:
        raise ValueError(
            f"expected the contents of ca.crt, the host's .crt and .key (got {len(contents)})"
        )
    dests = (ca_file, cert_file, key_file)
    entries = [
        {"dest": dest, "content": content, **attrs}
        for dest, content in zip(dests, contents, strict=True)
    ]
    entries[2]["secret"] = True
    return entries


class FilterModule:
    """Filters for the collection's private CA."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "certificate_sans": certificate_sans,
            "certificate_renewal": certificate_renewal,
            "duration_seconds": duration_seconds,
            "tls_files": tls_files,
        }
