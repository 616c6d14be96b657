import bcrypt
import pytest

from plugins.filter.release import FilterModule, bcrypt_hash, goarch, stable_salt


@pytest.mark.parametrize(
    ("machine", "expected"), [("x86_64", "amd64"), ("aarch64", "arm64"), ("armv7l", "armv7")]
)
def test_goarch_maps_kernel_names(machine: str, expected: str) -> None:
    assert goarch(machine) == expected


def test_goarch_rejects_unknown_machine() -> None:
    with pytest.raises(ValueError, match="unsupported architecture 'sparc'"):
        goarch("sparc")


def test_bcrypt_hash_is_stable_and_verifies() -> None:
    first = bcrypt_hash("s3cret#;", "host/node_exporter/prometheus")
    assert first == bcrypt_hash("s3cret#;", "host/node_exporter/prometheus")
    assert first.startswith("$2b$10$")
    assert bcrypt.checkpw(b"s3cret#;", first.encode())


def test_bcrypt_hash_salt_differs_per_seed() -> None:
    assert bcrypt_hash("pw", "a") != bcrypt_hash("pw", "b")
    assert len(stable_salt("a")) == 29


def test_bcrypt_hash_refuses_empty_password() -> None:
    with pytest.raises(ValueError, match="empty password"):
        bcrypt_hash("", "seed")


def test_filters_are_registered() -> None:
    assert set(FilterModule().filters()) == {"goarch", "bcrypt_hash"}
