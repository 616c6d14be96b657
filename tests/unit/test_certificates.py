"""The private CA's decisions on the controller: which SANs, and when to issue again."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from plugins.filter.certificates import (
    certificate_renewal,
    certificate_sans,
    duration_seconds,
    tls_files,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SANS = ["DNS:web1", "IP:10.0.0.5", "DNS:localhost", "IP:127.0.0.1", "IP:::1"]


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _ca(tmp: Path, common: str = "test CA") -> tuple[Path, ec.EllipticCurvePrivateKey, x509.Name]:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common))
        .issuer_name(_name(common))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = tmp / f"{common.replace(' ', '_')}.crt"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path, key, cert.subject


def _host(
    tmp: Path,
    ca_key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    sans: list[str],
    days_left: float,
    days: float,
) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = []
    for san in sans:
        kind, value = san.split(":", 1)
        names.append(
            x509.DNSName(value) if kind == "DNS" else x509.IPAddress(ipaddress.ip_address(value))
        )
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("web1"))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW + timedelta(days=days_left - days))
        .not_valid_after(NOW + timedelta(days=days_left))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    path = tmp / "web1.crt"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def test_sans_name_the_host_its_address_and_loopback() -> None:
    assert certificate_sans(["web1", "10.0.0.5"]) == SANS
    assert certificate_sans(["db1", "[2001:db8::1]", "", None, "db1"]) == [
        "DNS:db1",
        "IP:2001:db8::1",
        "DNS:localhost",
        "IP:127.0.0.1",
        "IP:::1",
    ]


@pytest.mark.parametrize(
    ("text", "seconds"), [("365d", 31536000), ("90s", 90), ("1h30m", 5400), ("1y", 31536000)]
)
def test_durations(text: str, seconds: int) -> None:
    assert duration_seconds(text) == seconds


@pytest.mark.parametrize("text", ["", "5 days", "10", "1x", "d"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        duration_seconds(text)


def test_a_fresh_certificate_is_kept(tmp_path: Path) -> None:
    ca, key, subject = _ca(tmp_path)
    cert = _host(tmp_path, key, subject, SANS, days_left=365, days=365)
    assert certificate_renewal(str(cert), str(ca), SANS, "365d", 0.3, now=NOW) == ""


@pytest.mark.parametrize(
    ("days_left", "validity", "reason"),
    [
        (100, "365d", "due for renewal"),
        (365, "30d", "valid longer than the policy allows"),
    ],
)
def test_renewal_by_time(tmp_path: Path, days_left: float, validity: str, reason: str) -> None:
    ca, key, subject = _ca(tmp_path)
    cert = _host(tmp_path, key, subject, SANS, days_left=days_left, days=365)
    assert certificate_renewal(str(cert), str(ca), SANS, validity, 0.3, now=NOW) == reason


def test_missing_other_names_and_other_ca_are_due(tmp_path: Path) -> None:
    ca, key, subject = _ca(tmp_path)
    assert (
        certificate_renewal(str(tmp_path / "none.crt"), str(ca), SANS, "365d", 0.3, now=NOW)
        == "no certificate yet"
    )
    cert = _host(tmp_path, key, subject, SANS[:1], days_left=365, days=365)
    assert (
        certificate_renewal(str(cert), str(ca), SANS, "365d", 0.3, now=NOW) == "its names changed"
    )
    _other, other_key, other_subject = _ca(tmp_path, "other CA")
    cert = _host(tmp_path, other_key, other_subject, SANS, days_left=365, days=365)
    assert (
        certificate_renewal(str(cert), str(ca), SANS, "365d", 0.3, now=NOW)
        == "issued by another CA"
    )
    # Same CA name, another key: the signature gives it away.
    impostor = ec.generate_private_key(ec.SECP256R1())
    cert = _host(tmp_path, impostor, subject, SANS, days_left=365, days=365)
    assert (
        certificate_renewal(str(cert), str(ca), SANS, "365d", 0.3, now=NOW)
        == "not signed by this CA's key"
    )
    (tmp_path / "web1.crt").write_text("garbage")
    assert certificate_renewal(
        str(tmp_path / "web1.crt"), str(ca), SANS, "365d", 0.3, now=NOW
    ).startswith("unreadable")


@pytest.mark.parametrize("share", [0, 1, 1.5, -0.1])
def test_share_out_of_range_is_refused(tmp_path: Path, share: float) -> None:
    with pytest.raises(ValueError, match="renew_share"):
        certificate_renewal(str(tmp_path / "x.crt"), str(tmp_path / "ca.crt"), SANS, "365d", share)


def test_tls_files_mark_only_the_key_secret() -> None:
    entries = tls_files(
        ["CA\n", "CRT\n", "KEY\n"],
        "/e/ca.crt",
        "/e/tls.crt",
        "/e/tls.key",
        mode="0640",
        restart=False,
    )
    assert entries == [
        {"dest": "/e/ca.crt", "content": "CA\n", "mode": "0640", "restart": False},
        {"dest": "/e/tls.crt", "content": "CRT\n", "mode": "0640", "restart": False},
        {
            "dest": "/e/tls.key",
            "content": "KEY\n",
            "mode": "0640",
            "restart": False,
            "secret": True,
        },
    ]


def test_tls_files_want_three_contents() -> None:
    with pytest.raises(ValueError, match="got 2"):
        tls_files(["CA", "CRT"], "/e/ca.crt", "/e/tls.crt", "/e/tls.key")
