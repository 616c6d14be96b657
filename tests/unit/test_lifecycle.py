from typing import Any

import pytest

from plugins.modules import lifecycle
from plugins.modules.lifecycle import Lifecycle, ServiceError, decide, metric_value, parse_show

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
    ("action", "active", "expected"),
    [
        ("reloaded", "active", "reloaded"),
        ("reloaded", "inactive", "started"),
        ("none", "activating", "started"),
        ("none", "active", "none"),
        ("started", "active", "none"),
        ("restarted", "active", "restarted"),
    ],
)
def test_decide(action: str, active: str, expected: str) -> None:
    assert decide(action, {"ActiveState": active}) == expected


class FakeModule:
    """Just enough of AnsibleModule: systemctl answers from a list of states."""

    def __init__(self, states: list[dict[str, str]], **params: Any) -> None:
        self.states = states
        self.commands: list[list[str]] = []
        self.check_mode = False
        self.params: dict[str, Any] = {
            "name": "node_exporter",
            "action": "restarted",
            "daemon_reload": False,
            "enabled": True,
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
            **params,
        }

    def run_command(self, argv: list[str]) -> tuple[int, str, str]:
        self.commands.append(argv)
        if argv[:2] == ["systemctl", "show"]:
            state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
            return 0, "".join(f"{k}={v}\n" for k, v in state.items()), ""
        return 0, "", ""


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


def test_restart_that_stays_up_passes() -> None:
    module = FakeModule([unit()])
    result = Lifecycle(module).run()
    assert result["action"] == "restarted"
    assert ["systemctl", "restart", "node_exporter"] in module.commands


def test_crash_loop_fails_fast() -> None:
    module = FakeModule([unit(), unit(ActiveState="activating", SubState="auto-restart")])
    with pytest.raises(ServiceError, match="crash-looping"):
        Lifecycle(module).run()


def test_a_process_replaced_by_systemd_fails() -> None:
    module = FakeModule([unit(), unit(), unit(MainPID="43", NRestarts="1")])
    with pytest.raises(ServiceError, match="did not stay up"):
        Lifecycle(module).run()


def test_not_ready_in_time_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    module = FakeModule([unit()], readiness_url="http://127.0.0.1:1/metrics", timeout=0)
    monkeypatch.setattr(Lifecycle, "fetch", lambda self, url: (0, "refused"))
    with pytest.raises(ServiceError, match="not ready within 0 s"):
        Lifecycle(module).run()


def test_refused_reload_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    module = FakeModule(
        [unit()],
        action="reloaded",
        readiness_url="http://x/-/ready",
        metrics_url="http://x/metrics",
        reload_metric="prometheus_config_last_reload",
    )
    answers = [(200, METRICS), (200, ""), (200, METRICS.replace("successful 1", "successful 0"))]
    monkeypatch.setattr(Lifecycle, "fetch", lambda self, url: answers.pop(0))
    with pytest.raises(ServiceError, match="refused the reloaded config"):
        Lifecycle(module).run()
    assert ["systemctl", "reload", "node_exporter"] in module.commands


def test_check_mode_changes_nothing() -> None:
    module = FakeModule([unit(ActiveState="inactive", UnitFileState="disabled")], action="none")
    module.check_mode = True
    result = Lifecycle(module).run()
    assert result == {
        "changed": True,
        "action": "started",
        "state": unit(ActiveState="inactive", UnitFileState="disabled"),
    }
    assert all(argv[1] == "show" for argv in module.commands)
