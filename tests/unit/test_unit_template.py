"""binary_service's unit template: what changes it (and so restarts the service)."""

from pathlib import Path
from typing import Any

import jinja2

from plugins.filter.systemd import systemd_quote

TEMPLATE = Path(__file__).resolve().parents[2] / "roles/binary_service/templates/service.j2"


def render(**overrides: Any) -> str:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, trim_blocks=True)
    env.filters["comment"] = lambda text: f"# {text}"
    env.filters["plugspace.monitoring.systemd_quote"] = systemd_quote
    values: dict[str, Any] = {
        "ansible_managed": "managed",
        "binary_service_description": "x",
        "binary_service_documentation": "",
        "binary_service_user": "x",
        "binary_service_group": "x",
        "__binary_service_env_entry": {"dest": "/etc/x/x.env"},
        "__binary_service_readiness_url": "https://127.0.0.1:9100/metrics",
        "binary_service_web_config": True,
        "__binary_service_web_cert_file": "",
        "binary_service_ip_address_allow": [],
        "binary_service_bin_dir": "/usr/local/bin",
        "binary_service_binaries": ["x"],
        "__binary_service_args": ["--web.listen-address=:9100"],
        "binary_service_exec_reload": False,
        "binary_service_restart_sec": 1,
        "binary_service_capabilities": [],
        "binary_service_private_users": False,
        "binary_service_protect_clock": True,
        "binary_service_protect_proc": "invisible",
        "binary_service_proc_subset": "all",
        "binary_service_read_write_paths": [],
        "binary_service_address_families": ["AF_INET"],
        "binary_service_system_call_allow": [],
        "binary_service_unit_options": {},
        "binary_service_name": "x",
        **overrides,
    }
    return env.from_string(TEMPLATE.read_text()).render(**values)


def test_turning_tls_on_changes_the_unit() -> None:
    plain, tls = render(), render(__binary_service_web_cert_file="/etc/x/cert.pem")
    assert plain != tls
    assert "serves plain HTTP" in plain
    assert "serves TLS" in tls


def test_arguments_are_quoted_for_systemd() -> None:
    unit = render(__binary_service_args=["--a=b c", "--p=100%", "--d=$HOME"])
    assert '"--a=b c"' in unit
    assert '"--p=100%%"' in unit
    assert '"--d=$$HOME"' in unit


def test_allowed_system_calls_come_after_the_deny_list() -> None:
    unit = render(binary_service_system_call_allow=["adjtimex"], binary_service_protect_clock=False)
    lines = [line for line in unit.splitlines() if line.startswith("SystemCallFilter=")]
    assert lines == [
        "SystemCallFilter=@system-service",
        "SystemCallFilter=~@privileged @resources",
        "SystemCallFilter=adjtimex",
    ]
    assert "ProtectClock=no" in unit
    assert "StartLimitIntervalSec=0" in unit


def test_an_address_allow_list_drops_every_other_peer() -> None:
    assert "IPAddress" not in render()
    unit = render(binary_service_ip_address_allow=["localhost", "10.0.0.0/8"])
    assert "IPAddressDeny=any\nIPAddressAllow=localhost 10.0.0.0/8\n" in unit
