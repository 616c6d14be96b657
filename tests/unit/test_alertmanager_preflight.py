"""The alertmanager role's preflight refuses to drop every alert silently.

It runs the role's ``preflight`` tasks (controller-only checks, the first
thing ``tasks/main.yml`` does, so nothing has changed when they fail) with
``ansible-playbook`` on localhost.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
PLAYBOOK = """\
- name: Run the alertmanager preflight
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Run the preflight
      ansible.builtin.include_role:
        name: plugspace.monitoring.alertmanager
        tasks_from: preflight
"""


def run_preflight(tmp_path: Path, extra_vars: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    if not (REPO / "collections" / "ansible_collections" / "plugspace" / "monitoring").exists():
        pytest.skip("the collection link is missing (make link creates it)")
    playbook = tmp_path / "preflight.yml"
    playbook.write_text(PLAYBOOK, encoding="utf-8")
    env = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"}
    return subprocess.run(
        [
            str(Path(sys.executable).with_name("ansible-playbook")),
            "-i",
            "localhost,",
            str(playbook),
            "-e",
            json.dumps(extra_vars),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_no_receiver_fails_and_names_the_variables(tmp_path: Path) -> None:
    result = run_preflight(tmp_path, {})
    out = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0, out
    assert "no receiver is configured" in out
    for variable in (
        "alertmanager_slack_api_url",
        "alertmanager_pagerduty_routing_key",
        "alertmanager_email_to",
        "alertmanager_receivers",
        "alertmanager_allow_no_receivers: true",
    ):
        assert variable in out, f"{variable} not named: {out}"


def test_allow_no_receivers_runs_and_warns(tmp_path: Path) -> None:
    result = run_preflight(tmp_path, {"alertmanager_allow_no_receivers": True})
    out = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 0, out
    assert "WARNING: no receiver is configured" in out


@pytest.mark.parametrize(
    "receiver",
    [
        {"alertmanager_slack_api_url": "http://127.0.0.1:8081/slack/hook"},
        {"alertmanager_pagerduty_routing_key": "0123456789abcdef"},
        {
            "alertmanager_email_to": "oncall@plugspace.test",
            "alertmanager_email_from": "am@plugspace.test",
            "alertmanager_email_smarthost": "127.0.0.1:2525",
        },
        {"alertmanager_receivers": [{"name": "team", "webhook_configs": [{"url": "http://x/"}]}]},
    ],
    ids=["slack", "pagerduty", "email", "own-receiver"],
)
def test_one_receiver_is_enough_and_nothing_warns(tmp_path: Path, receiver: dict[str, Any]) -> None:
    result = run_preflight(tmp_path, receiver)
    out = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 0, out
    assert "WARNING: no receiver" not in out


def test_ipv6_smarthost_and_peers_pass_without_warnings_on_stderr(tmp_path: Path) -> None:
    result = run_preflight(
        tmp_path,
        {
            "alertmanager_email_to": "oncall@plugspace.test",
            "alertmanager_email_from": "am@plugspace.test",
            "alertmanager_email_smarthost": "[::1]:25",
            "alertmanager_cluster_peers": ["[fd00::1]:9094", "mon2.plugspace.test:9094"],
        },
    )
    out = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 0, out
    assert "FutureWarning" not in out
    assert "errantly sent data directly to stderr" not in out


def test_a_smarthost_without_a_port_is_refused(tmp_path: Path) -> None:
    result = run_preflight(
        tmp_path,
        {
            "alertmanager_email_to": "oncall@plugspace.test",
            "alertmanager_email_from": "am@plugspace.test",
            "alertmanager_email_smarthost": "smtp.plugspace.test",
        },
    )
    out = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0
    assert "alertmanager_email_smarthost must be host:port" in out
