"""The alertmanager role's preflight refuses to drop every alert silently.

It runs the role's ``preflight`` tasks with the ``preflight`` fixture
(conftest.py): ``ansible-playbook`` on localhost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import Preflight

Run = Callable[[str, dict[str, Any]], Preflight]


def test_no_receiver_fails_and_names_the_variables(preflight: Run) -> None:
    result = preflight("alertmanager", {})
    out = result.out
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


def test_allow_no_receivers_runs_and_warns(preflight: Run) -> None:
    result = preflight("alertmanager", {"alertmanager_allow_no_receivers": True})
    out = result.out
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
def test_one_receiver_is_enough_and_nothing_warns(preflight: Run, receiver: dict[str, Any]) -> None:
    result = preflight("alertmanager", receiver)
    out = result.out
    assert result.returncode == 0, out
    assert "WARNING: no receiver" not in out


def test_ipv6_smarthost_and_peers_pass_without_warnings_on_stderr(preflight: Run) -> None:
    result = preflight(
        "alertmanager",
        {
            "alertmanager_email_to": "oncall@plugspace.test",
            "alertmanager_email_from": "am@plugspace.test",
            "alertmanager_email_smarthost": "[::1]:25",
            "alertmanager_cluster_peers": ["[fd00::1]:9094", "mon2.plugspace.test:9094"],
        },
    )
    out = result.out
    assert result.returncode == 0, out
    assert "FutureWarning" not in out
    assert "errantly sent data directly to stderr" not in out


def test_a_smarthost_without_a_port_is_refused(preflight: Run) -> None:
    result = preflight(
        "alertmanager",
        {
            "alertmanager_email_to": "oncall@plugspace.test",
            "alertmanager_email_from": "am@plugspace.test",
            "alertmanager_email_smarthost": "smtp.plugspace.test",
        },
    )
    out = result.out
    assert result.returncode != 0
    assert "alertmanager_email_smarthost must be host:port" in out


SLACK = {"alertmanager_slack_api_url": "http://127.0.0.1:8081/slack/hook"}


@pytest.mark.parametrize(
    ("extra_vars", "message"),
    [
        (
            {
                "alertmanager_pagerduty_routing_key": "k2",
                "alertmanager_pagerduty_service_key": "k1",
            },
            "alertmanager_pagerduty_routing_key and alertmanager_pagerduty_service_key exclude",
        ),
        (
            {**SLACK, "alertmanager_email_to": "oncall@plugspace.test"},
            "alertmanager_email_to needs alertmanager_email_from, alertmanager_email_smarthost",
        ),
        (
            {**SLACK, "alertmanager_email_auth_password": "planted-Unit-Pw"},
            "alertmanager_email_auth_password needs alertmanager_email_auth_username",
        ),
        (
            {**SLACK, "alertmanager_secret_files": {"../token": "planted-Unit-Secret"}},
            "alertmanager_secret_files entries must be a plain file name",
        ),
        (
            {
                **SLACK,
                "alertmanager_cluster_peers": ["mon2:9094"],
                "alertmanager_cluster_port": 9093,
            },
            "alertmanager_cluster_port must differ from alertmanager_port (both are 9093)",
        ),
        (
            {**SLACK, "monitoring_tls": True},
            "monitoring_tls is on, so the Alertmanager UI and API (silences) are served",
        ),
    ],
    ids=["pagerduty-both", "email-alone", "password-alone", "secret-path", "cluster-port", "tls"],
)
def test_each_check_names_its_variable(
    preflight: Run, extra_vars: dict[str, Any], message: str
) -> None:
    result = preflight("alertmanager", extra_vars)
    assert result.returncode != 0, result.out
    assert message in result.out
    assert "planted-" not in result.out
