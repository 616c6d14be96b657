import json
from pathlib import Path
from typing import Any

import pytest

from plugins.modules import lifecycle
from plugins.modules.lifecycle import Lifecycle, decide, metric_value, parse_show

METRICS = """# HELP x
prometheus_config_last_reload_successful 1
prometheus_config_last_reload_success_timestamp_seconds 1.7e+09
up{job="a"} 1
"""


def test_parse_show() -> None:
    assert parse_show("ActiveState=active\nMainPID=42\nbroken\n") == {
        "ActiveState": "active",
        "MainPID": "42",
    }


def test_metric_value_reads_unlabelled_samples_only() -> None:
    assert metric_value(METRICS, "prometheus_config_last_reload_successful") == 1
    assert metric_value(METRICS, "prometheus_config_last_reload_success_timestamp_seconds") == 1.7e9
    assert metric_value(METRICS, "up") is None
    assert metric_value(METRICS, "prometheus_config_last_reload") is None


def test_reload_outcome() -> None:
    stem = "prometheus_config_last_reload"
    assert lifecycle.reload_outcome(METRICS, stem, 1.6e9) is True
    assert lifecycle.reload_outcome(METRICS, stem, 1.7e9) is None
    refused = METRICS.replace("successful 1", "successful 0")
    assert lifecycle.reload_outcome(refused, stem, 1.6e9) is False


@pytest.mark.parametrize(
    ("action", "active", "sub", "expected"),
    [
        ("reloaded", "active", "running", "reloaded"),
        # A reload reaches no program that is not running: restart it on the new config.
        ("reloaded", "inactive", "dead", "restarted"),
        ("reloaded", "activating", "auto-restart", "restarted"),
        ("reloaded", "failed", "failed", "restarted"),
        ("none", "inactive", "dead", "started"),
        ("none", "activating", "auto-restart", "restarted"),
        ("none", "active", "running", "none"),
        ("started", "active", "running", "none"),
        ("restarted", "active", "running", "restarted"),
    ],
)
def test_decide(action: str, active: str, sub: str, expected: str) -> None:
    assert decide(action, {"ActiveState": active, "SubState": sub}) == expected


def no_dirs(path: str) -> bool:
    return path.endswith("/rules")


@pytest.mark.parametrize(
    ("changes", "reread", "can_reload", "expected"),
    [
        ({"changed_paths": [], "restart": False}, [], True, "none"),
        ({"changed_paths": ["/usr/local/bin/x"], "restart": True}, [], True, "restarted"),
        ({"changed_paths": ["/etc/p/p.yml"], "restart": False}, [], True, "reloaded"),
        ({"changed_paths": ["/etc/p/p.yml"], "restart": False}, [], False, "restarted"),
        # What the program re-reads by itself needs nothing: files, or a directory's files.
        ({"changed_paths": ["/etc/p/file_sd/a.yml"]}, ["/etc/p/file_sd"], True, "none"),
        ({"changed_paths": ["/etc/p/web.config.yml"]}, ["/etc/p/web.config.yml"], False, "none"),
        (
            {"changed_paths": ["/etc/p/file_sd/a.yml", "/etc/p/p.yml"]},
            ["/etc/p/file_sd"],
            True,
            "reloaded",
        ),
        # Directories and the account say nothing the program must be told.
        ({"changed_paths": ["/etc/p/rules", "user:p"]}, [], False, "none"),
    ],
)
def test_planned_action(
    changes: dict[str, Any], reread: list[str], can_reload: bool, expected: str
) -> None:
    assert lifecycle.planned_action(changes, reread, can_reload, is_dir=no_dirs) == expected


def test_a_package_upgrade_restarts() -> None:
    assert lifecycle.planned_action({}, [], True, restart=True) == "restarted"


def test_a_changed_unit_needs_a_daemon_reload() -> None:
    assert lifecycle.needs_daemon_reload({"changed_paths": ["/etc/systemd/system/x.service"]})
    assert lifecycle.needs_daemon_reload(
        {"changed_paths": ["/etc/systemd/system/grafana-server.service.d/plugspace.conf"]}
    )
    assert not lifecycle.needs_daemon_reload({"changed_paths": ["/etc/x/x.yml"]})


UNIT_BEFORE = """[Service]
ExecStart=/usr/local/bin/node_exporter \\
    --web.listen-address=:9100 \\
    "--collector.filesystem.mount-points-exclude=^/(dev|proc)"
Restart=on-failure
"""


def test_flag_changes_name_what_was_added_and_removed() -> None:
    after = UNIT_BEFORE.replace(":9100", "[::1]:9100")
    assert lifecycle.flag_changes(UNIT_BEFORE, after) == [
        "---web.listen-address=:9100",
        "+--web.listen-address=[::1]:9100",
    ]
    assert (
        lifecycle.exec_args(UNIT_BEFORE)[1]
        == "--collector.filesystem.mount-points-exclude=^/(dev|proc)"
    )


def test_error_lines_are_the_programs_own_each_once() -> None:
    journal = [
        "time=2026-12-06T10:00:00Z level=INFO msg=Starting",
        'time=2026-12-06T10:00:00Z level=ERROR msg=bind failed err="address already in use"',
        "node_exporter.service: Main process exited, code=exited, status=1/FAILURE",
        "prometheus: error: unexpected true, try --help",
        'time=2026-12-06T10:00:00Z level=ERROR msg=bind failed err="address already in use"',
        "panic: runtime error: invalid memory address",
        'ts=2026-12-06T10:00:00Z caller=main.go:1 level=error msg="Error parsing config"',
    ]
    assert lifecycle.error_lines(journal) == [journal[1], journal[3], journal[5], journal[6]]


def test_a_failure_message_says_it_once_cause_first() -> None:
    text = lifecycle.failure_message(
        "node_exporter",
        "failed after restart: it is crash-looping",
        ["/etc/systemd/system/node_exporter.service"],
        ["+--web.listen-address=[::1]:9100"],
        "Undone: ...",
        [f"line {n}" for n in range(20)] + ["level=error msg=boom"],
        10,
    )
    first, *rest = text.splitlines()
    assert first.startswith(
        "node_exporter: failed after restart: it is crash-looping. This run changed"
    )
    assert "(flags +--web.listen-address=[::1]:9100). Undone: ..." in first
    assert rest[0] == "Its own error lines:"
    assert rest[1] == "  level=error msg=boom"
    assert text.count("level=error msg=boom") == 2  # once as the cause, once in the tail
    assert "line 10" not in text and "line 11" in text


class FailedError(Exception):
    """fail_json was called."""

    def __init__(self, **result: Any) -> None:
        super().__init__(result["msg"])
        self.result = result


class FakeModule:
    """Just enough of AnsibleModule: systemctl answers from a list of states."""

    def __init__(self, states: list[dict[str, str]], **params: Any) -> None:
        self.states = states
        self.commands: list[list[str]] = []
        self.check_mode = False
        self.params: dict[str, Any] = {
            "name": "node_exporter",
            "changes": {"changed_paths": ["/usr/local/bin/node_exporter"], "restart": True},
            "restart": False,
            "reload": True,
            "reread_paths": [],
            "daemon_reload": False,
            "enabled": True,
            "undo": True,
            "readiness_url": None,
            "ready_status": [200],
            "metrics_url": None,
            "reload_metric": None,
            "url_username": None,
            "url_password": None,
            "validate_certs": True,
            "ca_path": None,
            "client_cert": None,
            "client_key": None,
            "timeout": 1,
            "stable_seconds": 0,
            "journal_lines": 5,
            "verified_file": None,
            "backend_metric": None,
            "backend_address": None,
            "backend_url": None,
            "backend_inputs": "its address and credentials",
            **params,
        }

    def run_command(self, argv: list[str]) -> tuple[int, str, str]:
        self.commands.append(argv)
        if argv[:2] == ["systemctl", "show"]:
            state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
            return 0, "".join(f"{k}={v}\n" for k, v in state.items()), ""
        if argv[0] == "journalctl":
            return 0, "level=INFO msg=starting\nlevel=ERROR msg=bind failed\n", ""
        return 0, "", ""

    def fail_json(self, **result: Any) -> None:
        raise FailedError(**result)


def unit(**props: str) -> dict[str, str]:
    base = {
        "LoadState": "loaded",
        "ActiveState": "active",
        "SubState": "running",
        "UnitFileState": "enabled",
        "NRestarts": "0",
        "MainPID": "42",
        "ActiveEnterTimestampMonotonic": "0",
    }
    return {**base, **props}


CRASH = unit(ActiveState="activating", SubState="auto-restart", NRestarts="3")


def test_restart_that_stays_up_passes() -> None:
    module = FakeModule([unit()])
    result = Lifecycle(module).run()
    assert result["action"] == "restarted"
    assert ["systemctl", "restart", "node_exporter"] in module.commands


def test_crash_loop_fails_fast_and_a_first_install_is_left_stopped_and_disabled() -> None:
    # A first install: every file new, the unit not enabled before the run.
    changes = {
        "changed_paths": ["/etc/systemd/system/node_exporter.service"],
        "restart": True,
        "service_state": {"loaded": False, "active": False, "enabled": False},
        "backups": [{"path": "/etc/systemd/system/node_exporter.service", "saved": None}],
    }
    module = FakeModule([unit(), CRASH], changes=changes)
    with pytest.raises(FailedError, match="crash-looping") as failed:
        Lifecycle(module).run()
    assert ["systemctl", "stop", "node_exporter"] in module.commands
    assert ["systemctl", "disable", "node_exporter"] in module.commands
    assert "left stopped and disabled" in str(failed.value)
    assert failed.value.result["undone"] is False
    assert "Its own error lines:\n  level=ERROR msg=bind failed" in str(failed.value)


def test_a_failed_change_is_undone_and_proven(tmp_path: Path) -> None:
    unit_file, saved = tmp_path / "node_exporter.service", tmp_path / "0"
    saved.write_text(UNIT_BEFORE)
    unit_file.write_text(UNIT_BEFORE.replace(":9100", "[::1]:9100"))
    changes = {
        "changed_paths": [str(unit_file)],
        "restart": True,
        "service_state": {"loaded": True, "active": True, "enabled": True},
        "backups": [{"path": str(unit_file), "saved": str(saved)}],
    }
    # The new version crash-loops; after the undo the old one comes up and stays.
    module = FakeModule([unit(), CRASH, unit(MainPID="50")], changes=changes)
    with pytest.raises(FailedError) as failed:
        Lifecycle(module).run()
    message = str(failed.value)
    assert unit_file.read_text() == UNIT_BEFORE
    assert not saved.exists()
    assert module.commands.count(["systemctl", "restart", "node_exporter"]) == 2
    assert message.startswith("node_exporter: failed after restart: it is crash-looping")
    assert "(flags ---web.listen-address=:9100 +--web.listen-address=[::1]:9100)" in message
    assert "Undone: the previous files were put back" in message
    assert "serves again (pid 50" in message
    assert failed.value.result["undone"] is True


def test_an_undo_that_fails_too_says_so(tmp_path: Path) -> None:
    conf, saved = tmp_path / "x.yml", tmp_path / "0"
    saved.write_text("old")
    conf.write_text("new")
    changes = {
        "changed_paths": [str(conf)],
        "restart": True,
        "backups": [{"path": str(conf), "saved": str(saved)}],
    }
    module = FakeModule([unit(), CRASH], changes=changes)
    with pytest.raises(FailedError, match="but it fails with them too") as failed:
        Lifecycle(module).run()
    assert conf.read_text() == "old"
    assert failed.value.result["undone"] is False


def test_success_drops_the_kept_files(tmp_path: Path) -> None:
    saved = tmp_path / "0"
    saved.write_text("old")
    changes = {
        "changed_paths": ["/x"],
        "restart": True,
        "backups": [{"path": "/x", "saved": str(saved)}],
    }
    Lifecycle(FakeModule([unit()], changes=changes)).run()
    assert not saved.exists()


def test_a_process_replaced_by_systemd_fails() -> None:
    module = FakeModule(
        [unit(), unit(), unit(MainPID="43", NRestarts="1")], changes={"restart": True}
    )
    with pytest.raises(FailedError, match="did not stay up"):
        Lifecycle(module).run()


def test_not_ready_in_time_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    module = FakeModule([unit()], readiness_url="http://127.0.0.1:1/metrics", timeout=0)
    monkeypatch.setattr(Lifecycle, "fetch", lambda self, url: (0, "refused"))
    with pytest.raises(FailedError, match="not ready within 0 s"):
        Lifecycle(module).run()


def reloading(**params: Any) -> FakeModule:
    return FakeModule(
        [unit()],
        changes={"changed_paths": ["/etc/prometheus/prometheus.yml"], "restart": False},
        readiness_url="http://x/-/ready",
        metrics_url="http://x/metrics",
        reload_metric="prometheus_config_last_reload",
        **params,
    )


def test_refused_reload_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    module = reloading(undo=False)
    answers = [
        (200, METRICS),
        (200, METRICS),
        (200, ""),
        (200, METRICS.replace("successful 1", "successful 0")),
    ]
    monkeypatch.setattr(Lifecycle, "fetch", lambda self, url: answers.pop(0))
    with pytest.raises(FailedError, match="refused the reloaded config"):
        Lifecycle(module).run()
    assert ["systemctl", "reload", "node_exporter"] in module.commands


def test_a_service_not_answering_before_a_reload_is_restarted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = reloading()
    monkeypatch.setattr(
        Lifecycle, "fetch", lambda self, url: (0, "refused") if "metrics" in url else (200, "")
    )
    result = Lifecycle(module).run()
    assert result["action"] == "restarted"
    assert ["systemctl", "reload", "node_exporter"] not in module.commands


def test_check_mode_changes_nothing() -> None:
    module = FakeModule([unit(ActiveState="inactive", UnitFileState="disabled")], changes={})
    module.check_mode = True
    result = Lifecycle(module).run()
    assert result == {
        "changed": True,
        "action": "started",
        "state": unit(ActiveState="inactive", UnitFileState="disabled"),
    }
    assert all(argv[1] == "show" for argv in module.commands)


def test_check_mode_on_a_host_without_the_unit_reports_a_start() -> None:
    module = FakeModule([unit(LoadState="not-found")])
    module.check_mode = True
    assert Lifecycle(module).run()["action"] == "started"


def test_the_undo_proves_the_previous_version_where_its_unit_says_it_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unit_file, saved = tmp_path / "node_exporter.service", tmp_path / "0"
    saved.write_text("[Unit]\nX-Plugspace-Readiness=https://127.0.0.1:9110/metrics\n" + UNIT_BEFORE)
    unit_file.write_text("[Unit]\nX-Plugspace-Readiness=https://[::1]:9110/metrics\n" + UNIT_BEFORE)
    changes = {
        "changed_paths": [str(unit_file)],
        "restart": True,
        "backups": [{"path": str(unit_file), "saved": str(saved)}],
    }
    asked: list[str] = []

    def fetch(self: Lifecycle, url: str) -> tuple[int, str]:
        asked.append(url)
        # The new address answers nothing; the previous one asks for other credentials.
        return (401, "") if "127.0.0.1" in url else (0, "refused")

    monkeypatch.setattr(Lifecycle, "fetch", fetch)
    module = FakeModule(
        [unit(), unit(), CRASH, unit(MainPID="51")],
        changes=changes,
        readiness_url="https://[::1]:9110/metrics",
    )
    with pytest.raises(FailedError, match="serves again") as failed:
        Lifecycle(module).run()
    assert asked[-1] == "https://127.0.0.1:9110/metrics"
    assert failed.value.result["undone"] is True
    assert lifecycle.unit_readiness(saved.read_text() if saved.exists() else "") is None


def test_a_proven_unit_is_recorded_for_the_next_run(tmp_path: Path) -> None:
    record = tmp_path / "state" / "verified.json"
    module = FakeModule([unit(InvocationID="abc", NRestarts="2")], verified_file=str(record))
    Lifecycle(module).run()
    data = json.loads(record.read_text())
    assert (data["invocation"], data["nrestarts"]) == ("abc", "2")


EXPORTER_METRICS = "# HELP redis_up x\nredis_up 0\n"


def test_an_exporter_that_cannot_reach_what_it_watches_fails_and_is_undone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env, saved = tmp_path / "redis_exporter.env", tmp_path / "0"
    saved.write_text("REDIS_PASSWORD=old\n")
    env.write_text("REDIS_PASSWORD=new\n")
    changes = {
        "changed_paths": [str(env)],
        "restart": True,
        "backups": [{"path": str(env), "saved": str(saved)}],
    }
    monkeypatch.setattr(Lifecycle, "fetch", lambda self, url: (200, EXPORTER_METRICS))
    monkeypatch.setattr(lifecycle, "answers", lambda address, timeout=3: True)
    module = FakeModule(
        [unit()],
        name="redis_exporter",
        changes=changes,
        readiness_url="http://127.0.0.1:9121/metrics",
        backend_metric="redis_up",
        backend_address="redis://127.0.0.1:6379",
        backend_inputs="redis_exporter_redis_addr / redis_exporter_redis_password",
    )
    with pytest.raises(FailedError) as failed:
        Lifecycle(module).run()
    message = str(failed.value)
    assert (
        "it cannot reach what it watches: redis_up is 0 although redis://127.0.0.1:6379" in message
    )
    assert "check redis_exporter_redis_addr / redis_exporter_redis_password" in message
    assert env.read_text() == "REDIS_PASSWORD=old\n"


def test_a_backend_that_is_down_is_reported_not_blamed_on_the_exporter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(Lifecycle, "fetch", lambda self, url: (200, EXPORTER_METRICS))
    monkeypatch.setattr(lifecycle, "answers", lambda address, timeout=3: False)
    module = FakeModule(
        [unit()],
        name="redis_exporter",
        readiness_url="http://127.0.0.1:9121/metrics",
        backend_metric="redis_up",
        backend_address="127.0.0.1:6379",
    )
    module.warn = warnings.append  # type: ignore[attr-defined]
    assert Lifecycle(module).run()["action"] == "restarted"
    assert warnings == [
        "redis_exporter works, but what it watches is down: nothing answers at 127.0.0.1:6379 "
        "(redis_up is 0); start that service"
    ]


def test_backend_addresses_are_read_from_urls_and_host_ports() -> None:
    assert lifecycle.host_port_of("redis://127.0.0.1:6379") == ("127.0.0.1", 6379)
    assert lifecycle.host_port_of("http://[::1]:8089/stub_status") == ("::1", 8089)
    assert lifecycle.host_port_of("db1:27017") == ("db1", 27017)
    assert lifecycle.host_port_of("unix:///run/redis.sock") is None
    assert lifecycle.answers("unix:///run/redis.sock") is True


def test_a_blackbox_exporter_proves_one_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def fetch(self: Lifecycle, url: str) -> tuple[int, str]:
        asked.append(url)
        return 200, "probe_success 1\n" if "/probe" in url else ""

    monkeypatch.setattr(Lifecycle, "fetch", fetch)
    module = FakeModule(
        [unit()],
        name="blackbox_exporter",
        readiness_url="https://127.0.0.1:9115/-/healthy",
        backend_metric="probe_success",
        backend_url="https://127.0.0.1:9115/probe?module=http_2xx&target=https%3A//x/",
    )
    assert Lifecycle(module).run()["action"] == "restarted"
    assert asked[-1].endswith("/probe?module=http_2xx&target=https%3A//x/")


def test_a_failed_takeover_gives_the_host_back(tmp_path: Path) -> None:
    # The run stopped and masked Debian's unit and moved its data into ours.
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    ours.mkdir()
    theirs.mkdir()
    (ours / "silences").write_text("kept")
    unit_file = tmp_path / "alertmanager.service"
    unit_file.write_text("[Service]\n")
    changes = {
        "changed_paths": [str(unit_file)],
        "restart": True,
        "service_state": {"loaded": False, "active": False, "enabled": False},
        "backups": [{"path": str(unit_file), "saved": None}],
        "takeover": {
            "units": [{"unit": "prometheus-alertmanager.service", "mask": True, "user": "x"}],
            "moves": [
                {"src": str(theirs / "silences"), "dest": str(ours / "silences"), "owner": "x"}
            ],
        },
    }
    module = FakeModule([unit(), CRASH], name="alertmanager", changes=changes)
    with pytest.raises(FailedError, match="Given back: this run's files were put back") as failed:
        Lifecycle(module).run()
    assert (theirs / "silences").read_text() == "kept"
    assert not unit_file.exists()
    assert ["systemctl", "unmask", "prometheus-alertmanager.service"] in module.commands
    assert ["systemctl", "restart", "prometheus-alertmanager.service"] in module.commands
    assert ["chown", "--recursive", "x:", str(theirs / "silences")] in module.commands
    assert failed.value.result["undone"] is True
