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


@pytest.mark.parametrize(
    ("extra_vars", "expected"),
    [
        (
            {"victoriametrics_retention_period": "12h"},
            "victoriametrics_retention_period must be a number",
        ),
        ({"victoriametrics_retention_period": "30 days"}, "at least 24h or 1d"),
        (
            {"victoriametrics_web_basic_auth_users": {"prometheus": "a", "grafana": "b"}},
            "victoriametrics_web_basic_auth_users takes one user",
        ),
        (
            {"victoriametrics_flavour": "clustered"},
            "victoriametrics_flavour must be single or cluster",
        ),
        (
            {"victoriametrics_cluster_components": ["vmstorage", "vmagent"]},
            "victoriametrics_cluster_components entries must be vmstorage, vminsert",
        ),
        # localhost is in no group: vminsert and vmselect would have no vmstorage to reach.
        ({"victoriametrics_flavour": "cluster"}, "victoriametrics_cluster_storage_group must name"),
    ],
    ids=[
        "retention-under-a-day",
        "retention-words",
        "two-users",
        "flavour",
        "component",
        "no-storage",
    ],
)
def test_bad_input_is_refused_naming_the_variable(
    tmp_path: Path, extra_vars: dict[str, Any], expected: str
) -> None:
    out = run_preflight(tmp_path, extra_vars)
    assert not out.startswith("rc=0 "), out
    assert expected in out, out


def test_cluster_storage_only_and_bare_month_count_pass(tmp_path: Path) -> None:
    out = run_preflight(
        tmp_path,
        {
            "victoriametrics_flavour": "cluster",
            "victoriametrics_cluster_components": ["vmstorage"],
            "victoriametrics_retention_period": 12,
        },
    )
    assert out.startswith("rc=0 "), out
