"""Checks of the Plugspace alert rules against the Monitoring Guide.

* ``promtool check rules`` on every rule file and ``promtool test rules`` on
  every unit-test file under ``tests/rules/``;
* the rule file holds exactly the guide's 13 alerts, with the guide's severity
  and response and the summary/description/response annotations, plus the
  stack's alerts on itself (``WATCHER_ALERTS``: Watchdog and the failures that
  would keep an alert from arriving), each with its severity and response;
* every alert has at least one firing and one non-firing promtool test case
  (the Watchdog only fires: that is its job).

promtool is taken from ``$PROMTOOL``, else ``.cache/bin/promtool``, else
``PATH``. Without it the tests fail (``make test`` provides it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
RULES_DIR = REPO / "roles" / "prometheus" / "files" / "rules"
RULE_FILE = RULES_DIR / "plugspace-alerts.rules.yml"
TESTS_DIR = REPO / "tests" / "rules"

# The guide's "Alert Rules" tables: alert -> (severity, Response column).
GUIDE_ALERTS: dict[str, tuple[str, str]] = {
    "ServiceDown": ("critical", "Check service logs, restart"),
    "CriticalCPUUsage": ("critical", "Scale or investigate"),
    "CriticalMemoryUsage": ("critical", "Investigate, restart"),
    "CriticalDiskSpace": ("critical", "Clean up immediately"),
    "MongoDBDown": ("critical", "Check MongoDB status"),
    "RedisDown": ("critical", "Check Redis status"),
    "CriticalErrorRate": ("critical", "Investigate errors"),
    "HighCPUUsage": ("warning", "Monitor, consider scaling"),
    "HighMemoryUsage": ("warning", "Monitor, investigate"),
    "LowDiskSpace": ("warning", "Plan cleanup"),
    "HighResponseTime": ("warning", "Investigate bottlenecks"),
    "HighErrorRate": ("warning", "Review logs"),
    "SSLCertificateExpiringSoon": ("warning", "Renew certificate"),
}

# The stack's alerts on itself (group plugspace-watchers): alert -> (severity,
# response). Documented in roles/prometheus/README.md beside the guide's.
WATCHER_ALERTS: dict[str, tuple[str, str]] = {
    "Watchdog": (
        "none",
        "None; if the dead man's switch raises, check Prometheus and Alertmanager",
    ),
    "PrometheusConfigReloadFailed": (
        "warning",
        "Run promtool check config /etc/prometheus/prometheus.yml, fix, reload",
    ),
    "PrometheusRuleEvaluationFailures": (
        "critical",
        "Read the rule's lastError (/api/v1/rules) and the Prometheus log, fix the rule",
    ),
    "AlertmanagerNotificationsFailing": (
        "critical",
        "Check the receiver's URL, key or SMTP settings and journalctl -u alertmanager",
    ),
    "AlertmanagerConfigReloadFailed": (
        "warning",
        "Run amtool check-config /etc/alertmanager/alertmanager.yml, fix, reload",
    ),
    "AlertmanagerClusterPeersMissing": (
        "warning",
        "Check the gossip port (TCP and UDP 9094) between the Alertmanagers and their peers",
    ),
    "BlackboxProbeFailed": (
        "critical",
        "Check the site from outside (DNS, TLS, HTTP status), restore it",
    ),
    "ExporterCollectorFailed": (
        "warning",
        "Read the exporter's journal (journalctl -u its service), fix the collector or its input",
    ),
    "ServiceRestarting": (
        "warning",
        "Read its journal (journalctl -u its service) for why it exits, fix the cause",
    ),
}

ALL_ALERTS: dict[str, tuple[str, str]] = {**GUIDE_ALERTS, **WATCHER_ALERTS}

# Alerts that never stop firing, so they have no silent test case.
ALWAYS_FIRING = frozenset({"Watchdog"})

# Critical alert -> warning twin; each pair shares an ``alert_group`` label so
# Alertmanager can inhibit the warning while the critical alert fires.
TWINS: dict[str, str] = {
    "CriticalCPUUsage": "HighCPUUsage",
    "CriticalMemoryUsage": "HighMemoryUsage",
    "CriticalDiskSpace": "LowDiskSpace",
    "CriticalErrorRate": "HighErrorRate",
}

REQUIRED_ANNOTATIONS = ("summary", "description", "response")


def find_promtool() -> Path:
    """Locate promtool: $PROMTOOL, then .cache/bin/promtool, then PATH."""
    env = os.environ.get("PROMTOOL")
    if env:
        path = Path(env)
        if not (path.is_file() and os.access(path, os.X_OK)):
            pytest.fail(f"PROMTOOL={env} is not an executable file")
        return path
    cached = REPO / ".cache" / "bin" / "promtool"
    if cached.is_file() and os.access(cached, os.X_OK):
        return cached
    found = shutil.which("promtool")
    if found:
        return Path(found)
    pytest.fail(
        "promtool not found: set PROMTOOL, provide .cache/bin/promtool "
        "(make test does) or put promtool on PATH"
    )


def run_promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(find_promtool()), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def load_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path}: not a YAML mapping"
    return data


def rule_files() -> list[Path]:
    return sorted(RULES_DIR.glob("*.rules.yml"))


def promtool_test_files() -> list[Path]:
    return sorted(TESTS_DIR.glob("*.yml"))


def alert_rules() -> dict[str, dict[str, Any]]:
    """Alerting rules of the rule file, by alert name (duplicates are an error)."""
    rules: dict[str, dict[str, Any]] = {}
    for group in load_yaml(RULE_FILE)["groups"]:
        for rule in group["rules"]:
            if "alert" not in rule:
                continue
            name = rule["alert"]
            assert name not in rules, f"alert {name} defined twice"
            rules[name] = rule
    return rules


def alert_cases() -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every ``alert_rule_test`` entry of every promtool test file."""
    for path in promtool_test_files():
        for test in load_yaml(path).get("tests") or []:
            for case in test.get("alert_rule_test") or []:
                yield path, case


def rel(path: Path) -> str:
    return str(path.relative_to(REPO))


def test_there_are_rule_and_test_files() -> None:
    assert RULE_FILE in rule_files()
    assert promtool_test_files(), f"no promtool test files under {rel(TESTS_DIR)}"


@pytest.mark.parametrize("path", rule_files(), ids=rel)
def test_promtool_check_rules(path: Path) -> None:
    result = run_promtool("check", "rules", "--lint-fatal", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", promtool_test_files(), ids=rel)
def test_promtool_test_rules(path: Path) -> None:
    for rule_file in load_yaml(path)["rule_files"]:
        resolved = (path.parent / rule_file).resolve()
        assert resolved.is_file(), f"{rel(path)}: rule file {rule_file} does not exist"
        assert resolved.parent == RULES_DIR, f"{rel(path)}: {rule_file} is not a role rule file"
    result = run_promtool("test", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_exactly_the_guide_and_watcher_alerts() -> None:
    assert sorted(alert_rules()) == sorted(ALL_ALERTS)
    assert len(GUIDE_ALERTS) == 13


@pytest.mark.parametrize("name", sorted(WATCHER_ALERTS))
def test_watcher_alert_severity_and_annotations(name: str) -> None:
    rule = alert_rules()[name]
    severity, response = WATCHER_ALERTS[name]
    assert rule.get("labels", {}).get("severity") == severity
    annotations = rule.get("annotations", {})
    for key in REQUIRED_ANNOTATIONS:
        assert str(annotations.get(key, "")).strip(), f"{name}: annotation {key} missing"
    assert annotations["response"] == response
    if name not in ALWAYS_FIRING:
        assert "$labels.instance" in annotations["description"], f"{name}: no instance named"
        assert "$value" in annotations["description"], f"{name}: no value shown"


@pytest.mark.parametrize("name", sorted(ALL_ALERTS))
def test_alert_is_documented_with_severity_for_and_response(name: str) -> None:
    readme = (REPO / "roles" / "prometheus" / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if line.startswith(f"| {name} |")]
    assert len(rows) == 1, f"{name}: expected one row in roles/prometheus/README.md"
    cells = [cell.strip() for cell in rows[0].strip("|").split("|")]
    severity, response = ALL_ALERTS[name]
    assert cells[1] == severity, f"{name}: severity documented as {cells[1]}"
    assert cells[2] == str(alert_rules()[name].get("for", "")), (
        f"{name}: for documented as {cells[2]}"
    )
    assert cells[-1] == response, f"{name}: response documented as {cells[-1]}"


@pytest.mark.parametrize(("critical", "warning"), sorted(TWINS.items()))
def test_twins_share_alert_group(critical: str, warning: str) -> None:
    rules = alert_rules()
    group = rules[critical].get("labels", {}).get("alert_group")
    assert group, f"{critical}: no alert_group label"
    assert rules[warning].get("labels", {}).get("alert_group") == group


@pytest.mark.parametrize("name", sorted(ALL_ALERTS))
def test_alert_has_firing_and_silent_cases(name: str) -> None:
    firing = 0
    silent = 0
    for path, case in alert_cases():
        if case.get("alertname") != name:
            continue
        expected = case.get("exp_alerts") or []
        if not expected:
            silent += 1
            continue
        firing += 1
        for alert in expected:
            where = f"{rel(path)} {name} @ {case.get('eval_time')}"
            labels = alert.get("exp_labels") or {}
            assert labels.get("severity") == ALL_ALERTS[name][0], f"{where}: severity"
            annotations = alert.get("exp_annotations") or {}
            missing = [key for key in REQUIRED_ANNOTATIONS if key not in annotations]
            assert not missing, f"{where}: annotations not asserted: {missing}"
    assert firing, f"{name}: no promtool test case where it fires"
    assert silent or name in ALWAYS_FIRING, f"{name}: no promtool test case where it stays silent"
