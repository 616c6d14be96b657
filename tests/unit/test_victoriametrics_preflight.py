"""The victoriametrics role's preflight: under monitoring_tls, basic auth is the lock.

Open-source VictoriaMetrics checks no client certificate (``-mtls`` is
enterprise-only), so with ``monitoring_tls`` on the preflight refuses to run it
without ``victoriametrics_web_basic_auth_users``. It runs the role's
``preflight`` tasks (controller-only) with ``ansible-playbook`` on localhost.
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
- name: Run the victoriametrics preflight
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Run the preflight
      ansible.builtin.include_role:
        name: plugspace.monitoring.victoriametrics
        tasks_from: preflight
"""


def run_preflight(tmp_path: Path, extra_vars: dict[str, Any]) -> str:
    if not (REPO / "collections" / "ansible_collections" / "plugspace" / "monitoring").exists():
        pytest.skip("the collection link is missing (make link creates it)")
    playbook = tmp_path / "preflight.yml"
    playbook.write_text(PLAYBOOK, encoding="utf-8")
    env = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"}
    result = subprocess.run(
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
    out = " ".join((result.stdout + result.stderr).split())
    return f"rc={result.returncode} {out}"


def test_monitoring_tls_without_basic_auth_fails_naming_the_variable(tmp_path: Path) -> None:
    out = run_preflight(tmp_path, {"monitoring_tls": True})
    assert not out.startswith("rc=0 "), out
    assert "victoriametrics_web_basic_auth_users" in out
    assert "-mtls is enterprise-only" in out


@pytest.mark.parametrize(
    "extra_vars",
    [
        {"monitoring_tls": True, "victoriametrics_web_basic_auth_users": {"prometheus": "pw"}},
        {"monitoring_tls": False},
    ],
    ids=["tls-with-auth", "no-tls"],
)
def test_basic_auth_or_no_tls_passes(tmp_path: Path, extra_vars: dict[str, Any]) -> None:
    out = run_preflight(tmp_path, extra_vars)
    assert out.startswith("rc=0 "), out
