"""Shared fixtures of the unit tests.

``run_role_preflight`` (and the ``preflight`` fixture) runs one role's
``preflight`` tasks (controller-only checks, the first thing its
``tasks/main.yml`` does, so nothing has changed when they fail) with
``ansible-playbook`` on localhost, given extra variables.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
PLAYBOOK = """\
- name: Run the {role} preflight
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Run the preflight
      ansible.builtin.include_role:
        name: plugspace.monitoring.{role}
        tasks_from: preflight
"""


@dataclass(frozen=True)
class Preflight:
    """How a preflight run ended: its exit code and its output on one line."""

    returncode: int
    out: str


def run_role_preflight(tmp_path: Path, role: str, extra_vars: dict[str, Any]) -> Preflight:
    """Run ``role``'s preflight on localhost with ``extra_vars`` (playbook in ``tmp_path``)."""
    if not (REPO / "collections" / "ansible_collections" / "plugspace" / "monitoring").exists():
        pytest.skip("the collection link is missing (make link creates it)")
    playbook = tmp_path / f"preflight-{role}.yml"
    playbook.write_text(PLAYBOOK.format(role=role), encoding="utf-8")
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
    return Preflight(result.returncode, " ".join((result.stdout + result.stderr).split()))


@pytest.fixture
def preflight(tmp_path: Path) -> Callable[[str, dict[str, Any]], Preflight]:
    """``preflight(role, extra_vars)``: run_role_preflight in this test's temporary directory."""
    return functools.partial(run_role_preflight, tmp_path)
