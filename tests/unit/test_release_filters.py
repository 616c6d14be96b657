import subprocess
import sys
from pathlib import Path

import bcrypt
import pytest

from plugins.filter.passwords import bcrypt_hash, stable_salt
from plugins.filter.release import (
    FilterModule,
    goarch,
    release_arches,
    release_files,
    unpacked_missing,
)


@pytest.mark.parametrize(
    ("machine", "expected"), [("x86_64", "amd64"), ("aarch64", "arm64"), ("armv7l", "armv7")]
)
def test_goarch_maps_kernel_names(machine: str, expected: str) -> None:
    assert goarch(machine) == expected


def test_goarch_rejects_unknown_machine() -> None:
    with pytest.raises(ValueError, match="unsupported architecture 'sparc'"):
        goarch("sparc")


def test_release_arches_once_each_sorted_in_the_release_names() -> None:
    assert release_arches(["x86_64", "aarch64", "amd64"]) == ["amd64", "arm64"]
    assert release_arches(
        ["x86_64", "aarch64", "x86_64"], {"x86_64": "amd64", "aarch64": "arm64"}
    ) == ["amd64", "arm64"]
    assert release_arches([], {}) == []
    # Hosts of later batches whose facts are not gathered yet.
    assert release_arches(["", "aarch64", ""]) == ["arm64"]
    with pytest.raises(ValueError, match="no release architecture for 's390x'"):
        release_arches(["s390x"], {"x86_64": "amd64"})


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
    assert set(FilterModule().filters()) == {
        "goarch",
        "release_arches",
        "unpacked_missing",
        "release_files",
    }


def test_unpacked_missing_names_arches_lacking_any_binary(tmp_path: Path) -> None:
    top = tmp_path / "amd64" / "prom-amd64"
    top.mkdir(parents=True)
    (top / "prometheus").write_bytes(b"x")
    (top / "promtool").write_bytes(b"x")
    (tmp_path / "arm64" / "prom-arm64").mkdir(parents=True)
    (tmp_path / "arm64" / "prom-arm64" / "prometheus").write_bytes(b"x")
    missing = unpacked_missing(
        ["amd64", "arm64", "386"], str(tmp_path), "prom-{arch}", ["prometheus", "promtool"]
    )
    assert missing == ["arm64", "386"]


def test_release_files_install_each_binary_executable_and_restarting() -> None:
    assert release_files(["a", "b"], "/cache/x", "/usr/local/bin") == [
        {"src": "/cache/x/a", "dest": "/usr/local/bin/a", "mode": "0755", "restart": True},
        {"src": "/cache/x/b", "dest": "/usr/local/bin/b", "mode": "0755", "restart": True},
    ]


def test_without_bcrypt_only_bcrypt_hash_fails_and_says_what_to_install() -> None:
    # A stock controller may lack bcrypt: the module must still load (goarch and the
    # others are used by every install), and bcrypt_hash must name the package.
    script = (
        "import sys; sys.modules['bcrypt'] = None\n"
        "from plugins.filter import passwords, release\n"
        "assert not passwords.HAS_BCRYPT\n"
        "assert release.goarch('x86_64') == 'amd64'\n"
        "assert release.release_files(['a'], '/s', '/d')[0]['dest'] == '/d/a'\n"
        "try:\n"
        "    passwords.bcrypt_hash('pw', 'seed')\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True
    )
    assert "pip install bcrypt" in done.stdout
    assert "bcrypt_hash" in done.stdout
