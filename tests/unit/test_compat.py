"""tests/compat.py: which ansible-core each end of requires_ansible installs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import compat


def test_requires_ansible_is_read_as_a_pip_specifier(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "meta").mkdir()
    (tmp_path / "meta" / "runtime.yml").write_text('---\nrequires_ansible: ">=2.19.14, <2.22"\n')
    monkeypatch.setattr(compat, "ROOT", tmp_path)
    assert compat.requires_ansible() == ">=2.19.14,<2.22"
    assert compat.oldest_allowed() == "2.19.14"


def test_without_a_lower_bound_there_is_no_oldest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "meta").mkdir()
    (tmp_path / "meta" / "runtime.yml").write_text("---\nrequires_ansible: '*'\n")
    monkeypatch.setattr(compat, "ROOT", tmp_path)
    with pytest.raises(SystemExit, match="no >= lower bound"):
        compat.requires_ansible()


def test_oldest_pins_the_bound_and_newest_takes_the_newest_allowed() -> None:
    oldest, newest = compat.packages("oldest"), compat.packages("newest")
    assert oldest[0] == f"ansible-core=={compat.oldest_allowed()}"
    assert newest[:2] == [f"ansible-core{compat.requires_ansible()}", "ansible"]
    assert "-r" in oldest and "pytest" in newest
