"""plugins/action/service.py: one task for install, configure and run."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from ansible.plugins.action import ActionBase

from plugins.action import service
from plugins.action.service import combine, lifecycle_action, lifecycle_args, refused_message

HEALTHY = {"service_state": {"loaded": True, "active": True, "enabled": True}}


@pytest.mark.parametrize(
    ("install", "configured", "exec_reload", "expected"),
    [
        (HEALTHY, {}, True, "none"),
        ({**HEALTHY, "restart": True}, {}, True, "restarted"),
        (HEALTHY, {"restart": True, "changed_paths": ["/etc/p/p.yml"]}, True, "restarted"),
        (HEALTHY, {"changed_paths": ["/etc/p/p.yml"]}, True, "reloaded"),
        (HEALTHY, {"changed_paths": ["/etc/p/p.yml"]}, False, "restarted"),
        (HEALTHY, {"changed_paths": ["/etc/p/rules/a.yml"]}, True, "none"),
        (HEALTHY, {"changed_paths": ["/etc/p/rules/a.yml"]}, False, "none"),
        (
            {"service_state": {"loaded": True, "active": False, "enabled": True}},
            {},
            True,
            "started",
        ),
        (
            {"service_state": {"loaded": True, "active": True, "enabled": False}},
            {},
            True,
            "started",
        ),
        ({}, {}, True, "started"),
    ],
)
def test_the_run_step_follows_what_changed(
    install: dict[str, Any], configured: dict[str, Any], exec_reload: bool, expected: str
) -> None:
    assert lifecycle_action(install, configured, ["/etc/p/rules"], exec_reload) == expected


def test_a_refusal_names_the_inputs_and_keeps_the_service() -> None:
    assert refused_message("prometheus_rules", "promtool said no.", "prometheus") == (
        "prometheus_rules were refused: promtool said no. The running prometheus keeps its "
        "previous config."
    )
    assert refused_message("", "bad.", "x") == "bad. The running x keeps its previous config."


def test_lifecycle_args_leave_out_empty_values_but_keep_false() -> None:
    args = lifecycle_args(
        {"name": "x", "readiness_url": "", "reload_metric": None, "validate_certs": False},
        "restarted",
        True,
    )
    assert args == {
        "name": "x",
        "validate_certs": False,
        "action": "restarted",
        "daemon_reload": True,
    }


def test_combine_adds_paths_and_diffs_and_keeps_the_last_failure() -> None:
    result = combine(
        {"changed": True, "changed_paths": ["/a"], "diff": [{"after": "1"}], **HEALTHY},
        {"changed": False, "changed_paths": [], "diff": {"after": "2"}},
        {"failed": True, "msg": "down", "journal": ["x"], "invocation": {"url_password": "s"}},
    )
    assert result["changed"] is True
    assert result["changed_paths"] == ["/a"]
    assert result["diff"] == [{"after": "1"}, {"after": "2"}]
    assert result["failed"] is True
    assert result["msg"] == "down"
    assert "invocation" not in result
    assert result["service_state"] == HEALTHY["service_state"]


class Recorder:
    """Stands in for the host: file_set and lifecycle results, in call order."""

    def __init__(self, file_sets: list[dict[str, Any]], ran: dict[str, Any] | None = None) -> None:
        self.file_sets = file_sets
        self.ran = ran or {"changed": True, "action": "restarted", "state": {}}
        self.file_set_args: list[dict[str, Any]] = []
        self.lifecycle_args: list[dict[str, Any]] = []


def action(
    monkeypatch: pytest.MonkeyPatch, args: dict[str, Any], recorder: Recorder, check: bool = False
) -> service.ActionModule:
    monkeypatch.setattr(ActionBase, "run", lambda self, tmp=None, task_vars=None: {})
    module = service.ActionModule.__new__(service.ActionModule)
    module._task = SimpleNamespace(args=args, check_mode=check)
    module._templar = SimpleNamespace(template=lambda value: value)

    def converge_files(task_args: dict[str, Any], task_vars: Any) -> dict[str, Any]:
        recorder.file_set_args.append(task_args)
        return recorder.file_sets.pop(0)

    def execute_module(name: str, module_args: dict[str, Any], task_vars: Any) -> dict[str, Any]:
        assert name == "plugspace.monitoring.lifecycle"
        recorder.lifecycle_args.append(module_args)
        return dict(recorder.ran)

    monkeypatch.setattr(module, "converge_files", converge_files)
    monkeypatch.setattr(module, "_execute_module", execute_module)
    return module


ARGS: dict[str, Any] = {
    "name": "prometheus",
    "install": {"files": [], "service": "prometheus"},
    "config": {"files": [{"dest": "/etc/p/p.yml", "content": "x"}], "purge": [], "inputs": "p_x"},
    "unit_file": "/etc/systemd/system/prometheus.service",
    "reread_paths": [],
    "exec_reload": True,
    "run": {"readiness_url": "http://127.0.0.1:9090/-/ready", "url_password": ""},
}


def test_nothing_changed_means_no_lifecycle_round_trip(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder([dict(HEALTHY), {"changed": False, "changed_paths": []}])
    result = action(monkeypatch, ARGS, recorder).run(task_vars={})
    assert result["action"] == "none"
    assert result["changed"] is False
    assert len(recorder.file_set_args) == 2
    assert recorder.lifecycle_args == []


def test_a_new_unit_restarts_with_a_daemon_reload(monkeypatch: pytest.MonkeyPatch) -> None:
    unit = ARGS["unit_file"]
    recorder = Recorder(
        [{**HEALTHY, "changed": True, "restart": True, "changed_paths": [unit]}, {}],
    )
    result = action(monkeypatch, ARGS, recorder).run(task_vars={})
    assert recorder.lifecycle_args == [
        {
            "name": "prometheus",
            "readiness_url": "http://127.0.0.1:9090/-/ready",
            "action": "restarted",
            "daemon_reload": True,
        }
    ]
    assert result["changed"] is True
    assert result["changed_paths"] == [unit]
    assert result["action"] == "restarted"


def test_a_config_change_reloads(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder([dict(HEALTHY), {"changed": True, "changed_paths": ["/etc/p/p.yml"]}])
    action(monkeypatch, ARGS, recorder).run(task_vars={})
    assert recorder.lifecycle_args[0]["action"] == "reloaded"
    assert recorder.lifecycle_args[0]["daemon_reload"] is False
    assert recorder.file_set_args[1] == {"files": ARGS["config"]["files"], "purge": []}


def test_a_refused_config_fails_naming_the_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder(
        [dict(HEALTHY), {"failed": True, "msg": "promtool: bad.", "changed_paths": []}]
    )
    result = action(monkeypatch, ARGS, recorder).run(task_vars={})
    assert result["failed"] is True
    assert result["msg"] == (
        "p_x were refused: promtool: bad. The running prometheus keeps its previous config."
    )
    assert recorder.lifecycle_args == []


def test_without_config_files_there_is_no_config_round_trip(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorder = Recorder([dict(HEALTHY)])
    action(monkeypatch, {**ARGS, "config": {"files": [], "purge": []}}, recorder).run(task_vars={})
    assert len(recorder.file_set_args) == 1


def test_a_failed_install_stops_before_the_config(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder([{"failed": True, "msg": "no space", "changed_paths": []}])
    result = action(monkeypatch, ARGS, recorder).run(task_vars={})
    assert result["failed"] is True
    assert len(recorder.file_set_args) == 1
    assert recorder.lifecycle_args == []


def test_check_mode_on_a_new_host_runs_the_install_step_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorder = Recorder([{"changed": True, "changed_paths": ["/a"], "service_state": {}}])
    result = action(monkeypatch, ARGS, recorder, check=True).run(task_vars={})
    assert result["changed"] is True
    assert result["action"] == "none"
    assert len(recorder.file_set_args) == 1
    assert recorder.lifecycle_args == []


def test_check_mode_on_an_installed_host_asks_the_lifecycle_module(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorder = Recorder(
        [dict(HEALTHY), {"changed": True, "changed_paths": ["/etc/p/p.yml"]}],
        ran={"changed": True, "action": "reloaded", "state": {}},
    )
    result = action(monkeypatch, ARGS, recorder, check=True).run(task_vars={})
    assert result["action"] == "reloaded"
    assert len(recorder.lifecycle_args) == 1
