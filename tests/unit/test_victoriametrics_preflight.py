"""The victoriametrics role's preflight: under monitoring_tls, basic auth is the lock.

Open-source VictoriaMetrics checks no client certificate (``-mtls`` is
enterprise-only), so with ``monitoring_tls`` on the preflight refuses to run it
without ``victoriametrics_web_basic_auth_users``. It runs the role's
``preflight`` tasks (controller-only) with ``ansible-playbook`` on localhost (conftest.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import run_role_preflight


def run_preflight(tmp_path: Path, extra_vars: dict[str, Any]) -> str:
    result = run_role_preflight(tmp_path, "victoriametrics", extra_vars)
    return f"rc={result.returncode} {result.out}"


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
