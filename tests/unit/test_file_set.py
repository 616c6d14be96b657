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
from plugins.module_utils import previous
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
        self.params = {
            "account": None,
            "directories": [],
            "files": [],
            "purge": [],
            "backup_dir": None,
            "inputs": "",
            "ports": [],
            "takeover": [],
            "data_dir": None,
            **params,
        }
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
        "stage": 1,
        "restart": False,
    }
    return {**base, **overrides}


def run(files: list[dict[str, Any]], **kwargs: Any) -> tuple[file_set.Outcome, FakeModule]:
    purge = kwargs.pop("purge", [])
    backup_dir = kwargs.pop("backup_dir", None)
    module = FakeModule({"files": files, "purge": purge, "backup_dir": backup_dir}, **kwargs)
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


def test_validate_after_set_sees_the_set_and_a_refusal_puts_it_back(tmp_path: Path) -> None:
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
    # Checked after the set, it sees the rule; refused, the whole set goes back:
    # the new rule is removed again and main keeps its old content.
    last = {"validate": check, "validate_after_set": True}
    with pytest.raises(FailedError, match="the earlier stages of the set were put back"):
        run([spec(rule, content="rule-new"), spec(main, content="main bad", **last)])
    assert not rule.exists()
    assert main.read_text() == "main-old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["check", "main"]
    # A file that existed before is restored to its previous content.
    rule.write_text("rule-old")
    checker.write_text(f'#!/bin/sh\ngrep -q rule- {rule} && grep -q ok "$1"\n')
    with pytest.raises(FailedError, match="the earlier stages of the set were put back"):
        run([spec(rule, content="rule-new"), spec(main, content="main bad", **last)])
    assert rule.read_text() == "rule-old"
    assert main.read_text() == "main-old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["check", "main", "rule"]
    outcome, _ = run([spec(rule, content="rule-new"), spec(main, content="main ok", **last)])
    assert outcome.changed == [str(rule), str(main)]
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
    entry = {
        "path": str(target),
        "owner": USER,
        "group": GROUP,
        "mode": 0o750,
        "only_create": False,
    }
    file_set.ensure_directory(module, entry, outcome)
    assert mode_of(target) == 0o750
    assert outcome.changed == [str(target)]
    file_set.ensure_directory(module, entry, outcome)
    assert outcome.changed == [str(target)]


def test_a_shared_directory_is_created_when_missing_and_left_alone_when_not(
    tmp_path: Path,
) -> None:
    shared = tmp_path / "bin"
    module, outcome = FakeModule({}), file_set.Outcome()
    entry = {
        "path": str(shared),
        "owner": USER,
        "group": GROUP,
        "mode": 0o755,
        "only_create": True,
    }
    file_set.ensure_directory(module, entry, outcome)
    assert mode_of(shared) == 0o755
    shared.chmod(0o2775)
    file_set.ensure_directory(module, entry, outcome)
    assert mode_of(shared) == 0o2775
    assert outcome.changed == [str(shared)]


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
    # The home stays: it may be another install's user, taken over with its processes running.
    assert file_set.account_commands(ACCOUNT) == [
        [
            "usermod",
            "--shell",
            "/usr/sbin/nologin",
            "--append",
            "--groups",
            "ssl",
            "prom",
        ]
    ]
    user.pw_shell = "/usr/sbin/nologin"
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
    second = {"changed": True, "changed_paths": ["/bin"], "restart": True, "backups": []}
    assert merge(first, second) == {
        "changed": True,
        "changed_paths": ["/x", "/bin"],
        "restart": True,
        "backups": [],
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


# Modes: read as ansible.builtin.file reads them, and validated before anything changes.


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        *[("0644", 0o644), ("644", 0o644), ("0o640", 0o640), (" 0755 ", 0o755), ("4755", 0o4755)],
        *[(420, 0o644), (0o750, 0o750), (0, 0)],
    ],
)
def test_modes_are_read_like_ansible_builtin_file(value: Any, expected: int) -> None:
    assert file_set.parse_mode(value, "x") == expected


@pytest.mark.parametrize("value", ["u=rw,g=r", "0999", "06444", "", "rw", True, 0o10000, -1, None])
def test_invalid_modes_are_refused(value: Any) -> None:
    with pytest.raises(ValueError, match=r"^here: mode "):
        file_set.parse_mode(value, "here")


def test_an_unquoted_yaml_mode_means_what_it_says(tmp_path: Path) -> None:
    # `mode: 0644` without quotes reaches the module as the int 420 (YAML octal);
    # before, the str option turned it into "420", i.e. 0o420.
    dest = tmp_path / "a"
    run([spec(dest, content="x", mode=420)])
    assert mode_of(dest) == 0o644
    again, _ = run([spec(dest, content="x", mode="0644")])
    assert again.changed == []


def test_an_invalid_mode_fails_before_anything_is_written(tmp_path: Path) -> None:
    good, bad = tmp_path / "good", tmp_path / "bad"
    with pytest.raises(FailedError, match=r"files\[1\] \(.*bad\): mode 'u=rw' is not an octal"):
        run([spec(good, content="g"), spec(bad, content="b", mode="u=rw")])
    assert list(tmp_path.iterdir()) == []


# Symlinks: followed, like ansible.builtin.file; the link stays, its target is managed.


def test_a_symlinked_file_is_managed_through_its_target(tmp_path: Path) -> None:
    target, link = tmp_path / "target.conf", tmp_path / "link.conf"
    target.write_text("old")
    target.chmod(0o640)
    link.symlink_to(target)
    same, _ = run([spec(link, content="old", mode="0640")])
    assert same.changed == []
    changed, _ = run([spec(link, content="new", mode="0640")])
    assert changed.changed == [str(link)]
    assert link.is_symlink()
    assert target.read_text() == "new"
    assert mode_of(target) == 0o640
    again, _ = run([spec(link, content="new", mode="0640")])
    assert again.changed == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.conf", "target.conf"]


def test_a_symlinked_directory_is_stable(tmp_path: Path) -> None:
    real, link = tmp_path / "data", tmp_path / "link"
    real.mkdir(mode=0o750)
    real.chmod(0o750)
    link.symlink_to(real)
    entry = {"path": str(link), "owner": USER, "group": GROUP, "mode": 0o750, "only_create": False}
    outcome = file_set.Outcome()
    file_set.ensure_directory(FakeModule({}), entry, outcome)
    assert outcome.changed == []
    assert link.is_symlink()


def test_purge_keeps_a_listed_file_reached_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "alias").symlink_to(real)
    outcome, _ = run([spec(tmp_path / "alias" / "keep", content="k")], purge=[str(real)])
    assert outcome.changed == [str(tmp_path / "alias" / "keep")]
    assert (real / "keep").read_text() == "k"


# Errors: fail_json with a message, never a traceback.


def test_a_missing_destination_directory_fails_cleanly(tmp_path: Path) -> None:
    dest = tmp_path / "nope" / "a.conf"
    for check_mode in (False, True):
        with pytest.raises(FailedError, match=r"a.conf: its directory .*nope does not exist"):
            run([spec(dest, content="x")], check_mode=check_mode)


def test_a_destination_directory_made_by_the_set_is_fine_in_check_mode(tmp_path: Path) -> None:
    dest = tmp_path / "new" / "sub" / "a.conf"
    module = FakeModule(
        {
            "directories": [
                {
                    "path": str(tmp_path / "new" / "sub"),
                    "owner": USER,
                    "group": GROUP,
                    "mode": "0755",
                }
            ],
            "files": [spec(dest, content="x")],
        },
        check_mode=True,
    )
    outcome = file_set.converge(module)
    assert outcome.changed == [str(tmp_path / "new" / "sub"), str(dest)]
    assert list(tmp_path.iterdir()) == []


def test_a_directory_in_place_of_a_file_fails_cleanly(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    with pytest.raises(FailedError, match=r"conf: is a directory, not a file"):
        run([spec(tmp_path / "conf", content="x")])


def test_os_errors_become_one_line_messages() -> None:
    error = PermissionError(13, "Permission denied", "/etc/x")
    assert file_set.os_error_message(error) == "/etc/x: Permission denied"


# Check mode: nothing is written into live directories, not even a temporary file.


def test_check_mode_validates_a_copy_outside_the_live_directory(tmp_path: Path) -> None:
    live = tmp_path / "etc"
    live.mkdir()
    (live / "app.conf").write_text("old")
    seen = tmp_path / "seen"
    checker = tmp_path / "check"
    checker.write_text(
        f'#!/bin/sh\necho "$1" >> {seen}\nls -A {live} >> {seen}\ngrep -q new "$1"\n'
    )
    checker.chmod(0o755)
    outcome, _ = run(
        [spec(live / "app.conf", content="new", validate=f"{checker} %s")], check_mode=True
    )
    assert outcome.changed == [str(live / "app.conf")]
    checked, listing = seen.read_text().splitlines()
    assert not checked.startswith(str(live))
    assert Path(checked).name.startswith(".app.conf.")
    assert listing == "app.conf"  # the validator ran while the live directory held only this
    assert not Path(checked).parent.exists()  # the private directory is gone afterwards
    assert (live / "app.conf").read_text() == "old"


# Secrets: no_log values never reach the host's log through the invocation message.


def run_main(args: dict[str, Any]) -> tuple[dict[str, Any], list[str], set[str]]:
    """file_set.main() with a real AnsibleModule; its result, log lines and no_log values."""
    from unittest import mock

    from ansible.module_utils import basic
    from ansible.module_utils.testing import patch_module_args

    logged: list[str] = []
    seen: dict[str, Any] = {}

    def log(module: Any, msg: str, log_args: Any = None) -> None:
        # The journal gets the message and each of log_args as a field of its own.
        logged.append(msg + "".join(f" {k}={v}" for k, v in (log_args or {}).items()))
        seen["no_log"] = set(module.no_log_values)

    def leave(module: Any, **result: Any) -> None:
        seen["result"] = result
        raise SystemExit(0)

    with (
        patch_module_args(args),
        mock.patch.object(basic.AnsibleModule, "log", log),
        mock.patch.object(basic.AnsibleModule, "exit_json", leave),
        mock.patch.object(
            basic.AnsibleModule, "fail_json", lambda m, **r: leave(m, failed=True, **r)
        ),
        pytest.raises(SystemExit),
    ):
        file_set.main()
    return seen["result"], logged, seen["no_log"]


def test_secret_content_never_reaches_the_invocation_log(tmp_path: Path) -> None:
    secret = 'REDIS_PASSWORD="s3cr3t-\'x"\nSMTP=p@ss\\word\n'
    dest = tmp_path / "app.env"
    files = [
        {
            "dest": str(dest),
            "secret_content": secret,
            "owner": USER,
            "group": GROUP,
            "mode": "0640",
        },
        {"dest": str(tmp_path / "plain"), "content": "visible", "owner": USER, "group": GROUP},
    ]
    result, logged, no_log = run_main({"files": files})
    assert not result.get("failed"), result
    assert dest.read_text() == secret
    assert secret in no_log
    (line,) = logged
    assert line.startswith("Invoked with ")
    assert "s3cr3t" not in line
    assert "p@ss" not in line
    assert "visible" in line  # only the secret is masked, not the rest of the set


def test_an_os_error_is_reported_with_fail_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(module: Any) -> Any:
        raise PermissionError(13, "Permission denied", str(tmp_path / "x"))

    monkeypatch.setattr(file_set, "converge", refuse)
    result, _, _ = run_main({"files": []})
    assert result["failed"]
    assert result["msg"] == f"{tmp_path / 'x'}: Permission denied"


def test_a_later_stage_is_validated_with_the_earlier_stage_in_place(tmp_path: Path) -> None:
    # Stage 1 installs the checker (a new promtool); stage 2's validator is that checker.
    tool, rules = tmp_path / "tool", tmp_path / "rules"
    tool.write_text("#!/bin/sh\nexit 1\n")
    tool.chmod(0o755)
    files = [
        spec(tool, content='#!/bin/sh\ngrep -q ok "$1"\n', mode="0755", restart=True),
        spec(rules, content="ok", validate=f"{tool} %s", stage=2),
    ]
    outcome, _ = run(files)
    assert outcome.changed == [str(tool), str(rules)]
    assert rules.read_text() == "ok"


def test_a_refused_stage_puts_every_earlier_stage_back(tmp_path: Path) -> None:
    binary, unit, rules = tmp_path / "binary", tmp_path / "unit", tmp_path / "rules"
    binary.write_text("v1")
    files = [
        spec(binary, content="v2", restart=True),
        spec(unit, content="new unit", restart=True),
        spec(rules, content="bad", validate="/bin/grep -q ok %s", stage=2),
    ]
    with pytest.raises(FailedError, match="earlier stages of the set were put back"):
        run(files)
    assert binary.read_text() == "v1"
    assert not unit.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["binary"]


def test_inputs_and_service_are_named_when_a_file_is_refused(tmp_path: Path) -> None:
    module = FakeModule(
        {
            "files": [spec(tmp_path / "c", content="x", validate="/bin/false %s")],
            "inputs": "the Prometheus inputs (prometheus_rule_groups)",
            "service": "prometheus",
        }
    )
    with pytest.raises(
        FailedError,
        match=r"^the Prometheus inputs \(prometheus_rule_groups\) were refused: .*"
        r"The running prometheus keeps its previous files\.$",
    ):
        file_set.converge(module)


def test_the_replaced_and_removed_files_are_kept_for_the_undo(tmp_path: Path) -> None:
    live, backup = tmp_path / "live", tmp_path / "backup"
    live.mkdir()
    old, new, gone = live / "old.yml", live / "new.yml", live / "gone.yml"
    old.write_text("v1")
    gone.write_text("stale")
    backup.mkdir()
    (backup / "7").write_text("an earlier run's backup")
    outcome, _ = run(
        [spec(old, content="v2"), spec(new, content="n")],
        purge=[str(live)],
        backup_dir=str(backup),
    )
    assert outcome.backups is not None
    by_path = {e["path"]: e["saved"] for e in outcome.backups}
    assert by_path[str(new)] is None
    assert Path(by_path[str(old)]).read_text() == "v1"
    assert Path(by_path[str(gone)]).read_text() == "stale"
    assert not gone.exists()
    assert not (backup / "7").exists()
    assert mode_of(backup) == 0o700
    # lifecycle's undo: the previous versions return, the new file goes.
    previous.put_back(outcome.backups)
    assert old.read_text() == "v1"
    assert gone.read_text() == "stale"
    assert not new.exists()


def test_without_a_backup_dir_nothing_is_left_behind(tmp_path: Path) -> None:
    old = tmp_path / "old"
    old.write_text("v1")
    outcome, _ = run([spec(old, content="v2")])
    assert outcome.backups is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old"]


def test_nothing_goes_live_before_the_controller_files_arrive(tmp_path: Path) -> None:
    # A config beside a binary the host lacks: the run only asks for the binary, so that
    # the action plugin can run the whole set, binary first, in one go.
    binary, conf = tmp_path / "bin", tmp_path / "conf"
    outcome, _ = run([spec(binary, checksum="0" * 40), spec(conf, content="c", stage=2)])
    assert outcome.upload == [0]
    assert outcome.changed == []
    assert not conf.exists()


def test_a_restart_since_the_last_proof_is_reported_once(tmp_path: Path) -> None:
    verified = {"invocation": "abc", "nrestarts": "0", "at": "2026-12-06T10:00:00Z"}
    same = {"ActiveState": "active", "InvocationID": "abc", "NRestarts": "0"}
    assert file_set.restarted_since(same, verified) is None
    assert file_set.restarted_since(same, {}) is None
    crashed = {**same, "InvocationID": "def", "NRestarts": "3", "ActiveEnterTimestamp": "Sun 10:05"}
    warning = file_set.restarted_since(crashed, verified)
    assert warning is not None
    assert warning.startswith("restarted since it was last verified (2026-12-06T10:00:00Z)")
    assert "restarted it 3 time(s)" in warning
    record = tmp_path / "verified.json"
    file_set.record_verified(str(record), crashed, "2026-12-06T10:00:00Z")
    assert file_set.restarted_since(crashed, file_set.read_verified(str(record))) is None
    assert file_set.read_verified(str(tmp_path / "missing.json")) == {}
