"""The file_set module's logic on a real filesystem, with a stand-in AnsibleModule."""

from __future__ import annotations

import grp
import hashlib
import os
import pwd
import shlex
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from plugins.action.file_set import cached_checksum, merge, module_files
from plugins.modules import file_set

USER = pwd.getpwuid(os.getuid()).pw_name
GROUP = grp.getgrgid(os.getgid()).gr_name


class FailedError(Exception):
    """fail_json was called."""


class FakeModule:
    """The parts of AnsibleModule file_set uses."""

    def __init__(
        self, params: dict[str, Any], check_mode: bool = False, diff: bool = False
    ) -> None:
        self.params = {"account": None, "directories": [], "files": [], "purge": [], **params}
        self.params["service"] = params.get("service")
        self.check_mode = check_mode
        self._diff = diff
        self.commands: list[list[str]] = []

    def run_command(self, command: list[str] | str) -> tuple[int, str, str]:
        argv = shlex.split(command) if isinstance(command, str) else command
        self.commands.append(argv)
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        return done.returncode, done.stdout, done.stderr

    def fail_json(self, **kwargs: Any) -> None:
        raise FailedError(kwargs["msg"])


def spec(dest: Path, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "dest": str(dest),
        "content": None,
        "secret_content": None,
        "checksum": None,
        "upload": None,
        "owner": USER,
        "group": GROUP,
        "mode": "0644",
        "validate": None,
        "validate_after_set": False,
        "restart": False,
    }
    return {**base, **overrides}


def run(files: list[dict[str, Any]], **kwargs: Any) -> tuple[file_set.Outcome, FakeModule]:
    purge = kwargs.pop("purge", [])
    module = FakeModule({"files": files, "purge": purge}, **kwargs)
    return file_set.converge(module), module


def mode_of(path: Path) -> int:
    return path.stat().st_mode & 0o7777


def test_writes_new_files_then_changes_nothing(tmp_path: Path) -> None:
    dest = tmp_path / "a.conf"
    outcome, _ = run([spec(dest, content="one\n", mode="0640", restart=True)], diff=True)
    assert outcome.changed == [str(dest)]
    assert outcome.restart
    assert dest.read_text() == "one\n"
    assert mode_of(dest) == 0o640
    assert outcome.diff == [
        {"before_header": str(dest), "after_header": str(dest), "before": "", "after": "one\n"}
    ]
    again, _ = run([spec(dest, content="one\n", mode="0640", restart=True)])
    assert again.changed == []
    assert not again.restart
    assert list(tmp_path.iterdir()) == [dest]


def test_fixes_a_mode_without_rewriting(tmp_path: Path) -> None:
    dest = tmp_path / "a"
    dest.write_text("x")
    dest.chmod(0o666)
    inode = dest.stat().st_ino
    outcome, _ = run([spec(dest, content="x", mode="0600")])
    assert outcome.changed == [str(dest)]
    assert mode_of(dest) == 0o600
    assert dest.stat().st_ino == inode


def test_check_mode_reports_and_writes_nothing(tmp_path: Path) -> None:
    dest = tmp_path / "a"
    dest.write_text("old")
    outcome, _ = run([spec(dest, content="new")], check_mode=True, diff=True)
    assert outcome.changed == [str(dest)]
    assert outcome.diff[0]["before"] == "old"
    assert dest.read_text() == "old"
    assert list(tmp_path.iterdir()) == [dest]


def test_secret_content_is_never_diffed(tmp_path: Path) -> None:
    dest = tmp_path / "pw"
    outcome, _ = run([spec(dest, secret_content="hunter2", mode="0600")], diff=True)
    assert outcome.changed == [str(dest)]
    assert outcome.diff == []
    assert dest.read_text() == "hunter2"


def test_a_refused_file_leaves_every_file_of_the_set_as_it_was(tmp_path: Path) -> None:
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.write_text("good-old")
    bad.write_text("bad-old")
    files = [
        spec(good, content="good-new", validate="/bin/true %s"),
        spec(bad, content="bad-new", validate="/bin/grep -q nope %s"),
    ]
    with pytest.raises(
        FailedError, match=r"bad did not validate: `/bin/grep -q nope .*bad` .*No file was replaced"
    ):
        run(files)
    assert good.read_text() == "good-old"
    assert bad.read_text() == "bad-old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad", "good"]


def test_validate_after_set_sees_the_rest_in_place_and_keeps_the_live_file(tmp_path: Path) -> None:
    rule, main = tmp_path / "rule", tmp_path / "main"
    main.write_text("main-old")
    checker = tmp_path / "check"
    checker.write_text(f'#!/bin/sh\ngrep -q rule-new {rule} && grep -q ok "$1"\n')
    checker.chmod(0o755)
    check = f"{checker} %s"
    # Checked with the others, main cannot see the new rule yet: nothing is written.
    with pytest.raises(FailedError, match="No file was replaced"):
        run([spec(rule, content="rule-new"), spec(main, content="main ok", validate=check)])
    assert not rule.exists()
    # Checked after the set, it sees the rule; refused, the rule stays and main does not.
    last = {"validate": check, "validate_after_set": True}
    with pytest.raises(FailedError, match="It was not replaced; the rest of the set was"):
        run([spec(rule, content="rule-new"), spec(main, content="main bad", **last)])
    assert rule.read_text() == "rule-new"
    assert main.read_text() == "main-old"
    outcome, _ = run([spec(rule, content="rule-new"), spec(main, content="main ok", **last)])
    assert outcome.changed == [str(main)]
    assert main.read_text() == "main ok"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["check", "main", "rule"]


def test_check_mode_still_runs_validators_and_skips_missing_ones(tmp_path: Path) -> None:
    dest = tmp_path / "conf"
    with pytest.raises(FailedError, match="did not validate"):
        run([spec(dest, content="x", validate="/bin/false %s")], check_mode=True)
    outcome, _ = run([spec(dest, content="x", validate="/no/such/tool %s")], check_mode=True)
    assert outcome.changed == [str(dest)]
    assert not dest.exists()
    with pytest.raises(FailedError, match="validator /no/such/tool is not installed"):
        run([spec(dest, content="x", validate="/no/such/tool %s")])


def test_controller_files_are_requested_then_placed_and_verified(tmp_path: Path) -> None:
    payload = tmp_path / "upload"
    payload.write_bytes(b"binary")
    digest = hashlib.sha1(b"binary").hexdigest()
    dest = tmp_path / "bin"
    outcome, _ = run([spec(dest, checksum=digest, mode="0755", restart=True)])
    assert outcome.upload == [0]
    assert outcome.changed == []
    assert not dest.exists()
    placed, _ = run([spec(dest, checksum=digest, upload=str(payload), mode="0755", restart=True)])
    assert placed.changed == [str(dest)]
    assert placed.restart
    assert dest.read_bytes() == b"binary"
    assert mode_of(dest) == 0o755
    with pytest.raises(FailedError, match="does not match the controller's checksum"):
        run([spec(tmp_path / "other", checksum="0" * 40, upload=str(payload))])


def test_purge_removes_unlisted_files_only(tmp_path: Path) -> None:
    keep, stale = tmp_path / "keep.yml", tmp_path / "stale.yml"
    stale.write_text("x")
    (tmp_path / "sub").mkdir()
    outcome, _ = run([spec(keep, content="k")], purge=[str(tmp_path), str(tmp_path / "nope")])
    assert outcome.changed == [str(keep), str(stale)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.yml", "sub"]


def test_directories_are_created_with_their_mode(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b"
    module = FakeModule({})
    outcome = file_set.Outcome()
    entry = {"path": str(target), "owner": USER, "group": GROUP, "mode": "0750"}
    file_set.ensure_directory(module, entry, outcome)
    assert mode_of(target) == 0o750
    assert outcome.changed == [str(target)]
    file_set.ensure_directory(module, entry, outcome)
    assert outcome.changed == [str(target)]


def fake_accounts(
    monkeypatch: pytest.MonkeyPatch, users: dict[str, Any], groups: dict[str, Any]
) -> None:
    def getpwnam(name: str) -> Any:
        return users[name]

    def getgrnam(name: str) -> Any:
        return groups[name]

    monkeypatch.setattr("pwd.getpwnam", getpwnam)
    monkeypatch.setattr("grp.getgrnam", getgrnam)
    monkeypatch.setattr("grp.getgrall", lambda: list(groups.values()))


ACCOUNT = {
    "user": "prom",
    "group": "prom",
    "groups": ["ssl"],
    "comment": "Prometheus",
    "home": "/nonexistent",
    "shell": "/usr/sbin/nologin",
}


def test_account_missing_entirely_is_created(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_accounts(monkeypatch, {}, {})
    assert file_set.account_commands(ACCOUNT) == [
        ["groupadd", "--system", "prom"],
        [
            "useradd",
            "--system",
            "--gid",
            "prom",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            "--comment",
            "Prometheus",
            "--groups",
            "ssl",
            "prom",
        ],
    ]


def test_a_group_alone_is_created_without_a_user(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_accounts(monkeypatch, {}, {})
    assert file_set.account_commands({**ACCOUNT, "user": None}) == [
        ["groupadd", "--system", "prom"]
    ]


def test_account_drift_is_corrected_and_a_match_needs_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = SimpleNamespace(pw_gid=7, pw_dir="/home/prom", pw_shell="/bin/sh", pw_gecos="Prometheus")
    groups = {"prom": SimpleNamespace(gr_gid=7, gr_name="prom", gr_mem=[])}
    groups["ssl"] = SimpleNamespace(gr_gid=8, gr_name="ssl", gr_mem=[])
    fake_accounts(monkeypatch, {"prom": user}, groups)
    assert file_set.account_commands(ACCOUNT) == [
        [
            "usermod",
            "--home",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            "--append",
            "--groups",
            "ssl",
            "prom",
        ]
    ]
    user.pw_dir, user.pw_shell = "/nonexistent", "/usr/sbin/nologin"
    groups["ssl"].gr_mem = ["prom"]
    assert file_set.account_commands(ACCOUNT) == []


@pytest.mark.parametrize(
    ("rc", "out", "expected"),
    [
        (
            0,
            "LoadState=loaded\nActiveState=active\nUnitFileState=enabled\n",
            {"loaded": True, "active": True, "enabled": True},
        ),
        (
            0,
            "LoadState=not-found\nActiveState=inactive\nUnitFileState=\n",
            {"loaded": False, "active": False, "enabled": False},
        ),
        (1, "", {"loaded": False, "active": False, "enabled": False}),
    ],
)
def test_service_state_reads_systemctl_show(
    monkeypatch: pytest.MonkeyPatch, rc: int, out: str, expected: dict[str, bool]
) -> None:
    module = FakeModule({})
    monkeypatch.setattr(module, "run_command", lambda argv: (rc, out, ""))
    assert file_set.service_state(module, "x") == expected


def test_action_maps_src_to_checksum_and_secrets_to_no_log_values() -> None:
    files: list[dict[str, Any]] = [
        {"dest": "/a", "src": "/c/a"},
        {"dest": "/b", "content": "pw", "secret": True},
        {"dest": "/c", "content": "x"},
    ]
    assert module_files(files, {0: "abc"}) == [
        {"dest": "/a", "checksum": "abc"},
        {"dest": "/b", "secret_content": "pw"},
        {"dest": "/c", "content": "x"},
    ]


def test_action_merges_the_two_runs() -> None:
    first = {"changed": True, "changed_paths": ["/x"], "upload": [0], "restart": False}
    second = {"changed": True, "changed_paths": ["/bin"], "restart": True}
    assert merge(first, second) == {
        "changed": True,
        "changed_paths": ["/x", "/bin"],
        "restart": True,
    }


def test_controller_checksums_are_remembered_per_size_and_mtime(tmp_path: Path) -> None:
    binary = tmp_path / "bin"
    binary.write_bytes(b"abc")
    cache = tmp_path / "cache"
    expected = hashlib.sha1(b"abc").hexdigest()
    assert cached_checksum(str(binary), cache) == expected
    (entry,) = cache.iterdir()
    info = binary.stat()
    assert entry.read_text().split() == [f"{info.st_size}:{info.st_mtime_ns}", expected]
    binary.write_bytes(b"abcd")
    assert cached_checksum(str(binary), cache) == hashlib.sha1(b"abcd").hexdigest()
