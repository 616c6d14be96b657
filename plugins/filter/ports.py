"""Input checks across a host's services and across hosts: shared ports, duplicate machines."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

# The collection's roles, beside this plugin (in the repository and in an installed collection).
ROLES = Path(__file__).resolve().parents[2] / "roles"
# Per group (each named as its role): the port variables of what the role runs on a host,
# each with the variable of the address it listens on (None: every address).
PORTS: dict[str, tuple[tuple[str, str | None], ...]] = {
    "node_exporter": (("node_exporter_port", "node_exporter_listen_address"),),
    "nginx_exporter": (
        ("nginx_exporter_port", "nginx_exporter_listen_address"),
        ("nginx_exporter_stub_status_port", None),
    ),
    "redis_exporter": (("redis_exporter_port", "redis_exporter_listen_address"),),
    "mongodb_exporter": (("mongodb_exporter_port", "mongodb_exporter_listen_address"),),
    "blackbox_exporter": (("blackbox_exporter_port", "blackbox_exporter_listen_address"),),
    "prometheus": (("prometheus_port", "prometheus_listen_address"),),
    "alertmanager": (
        ("alertmanager_port", "alertmanager_listen_address"),
        ("alertmanager_cluster_port", "alertmanager_cluster_listen_address"),
    ),
    "grafana": (("grafana_port", "grafana_http_addr"),),
    "victoriametrics": (("victoriametrics_port", "victoriametrics_listen_address"),),
}
WILDCARDS = frozenset({"", "0.0.0.0", "::", "[::]", "*"})


@functools.cache
def role_defaults(role: str) -> dict[str, Any]:
    """A role's defaults/main.yml (each default stated once, there)."""
    path = ROLES / role / "defaults" / "main.yml"
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.is_file() else {}


def _value(host: Mapping[str, Any], role: str, name: str) -> Any:
    return host[name] if name in host else role_defaults(role).get(name)


def _overlap(first: str, second: str) -> bool:
    return first in WILDCARDS or second in WILDCARDS or first.strip("[]") == second.strip("[]")


def port_clashes(
    groups: Iterable[str], host: Mapping[str, Any], name: str = "this host"
) -> list[str]:
    """Two services of the collection on one host and port (addresses that overlap)."""
    taken: list[tuple[str, str, str]] = []  # (port, address, variable)
    problems: list[str] = []
    for group in groups:
        if host.get(f"{group}_state") == "absent":
            continue  # being removed: its port is free
        for port_var, address_var in PORTS.get(group, ()):
            port = str(_value(host, group, port_var))
            address = str(_value(host, group, address_var) or "") if address_var else ""
            for other_port, other_address, other_var in taken:
                if other_port == port and _overlap(address, other_address):
                    problems.append(
                        f"{other_var} and {port_var} are both {port} on {name}: two services "
                        "cannot listen on one port; give one of them another port"
                    )
            taken.append((port, address, port_var))
    return problems


def fleet_port_clashes(hosts: Iterable[str], hostvars: Mapping[str, Any]) -> list[str]:
    """port_clashes of every host, from its own groups and variables (O(hosts), run once)."""
    problems: list[str] = []
    for host in hosts:
        facts = hostvars[host]
        problems += port_clashes(facts.get("group_names", []), facts, host)
    return problems


def duplicate_hosts(hosts: Iterable[str], hostvars: Mapping[str, Any]) -> list[str]:
    """Inventory names that reach the same machine: the same ansible_host or monitoring_address."""
    seen: dict[tuple[str, str], str] = {}
    problems: list[str] = []
    for host in hosts:
        facts = hostvars[host]
        if facts.get("ansible_connection") == "local":
            continue
        for key in ("ansible_host", "monitoring_address"):
            value = str(facts[key]) if key in facts and facts[key] is not None else ""
            if not value:
                continue
            first = seen.setdefault((key, value), host)
            if first != host:
                problems.append(
                    f"{first} and {host} reach the same machine ({key} {value}): it would be "
                    "scraped twice and both names would write the same files; keep one name"
                )
    return problems


class FilterModule:
    """Ansible filters of plugspace.monitoring for checks across services and hosts."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "port_clashes": port_clashes,
            "fleet_port_clashes": fleet_port_clashes,
            "duplicate_hosts": duplicate_hosts,
        }
