"""Filters for the rollout of a component in batches: the canary gate and the run's report."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

FAILURES = "plugspace_monitoring_failures"


def _failures(hostvars: Mapping[str, Any], host: str) -> list[Mapping[str, Any]]:
    facts = hostvars[host]
    return list(facts[FAILURES]) if FAILURES in facts else []


def rollout_failed_hosts(
    hosts: Iterable[str], hostvars: Mapping[str, Any], component: str
) -> list[str]:
    """The hosts whose rollout of ``component`` failed in this run (O(hosts), once a batch)."""
    return [
        host
        for host in hosts
        if any(f.get("component") == component for f in _failures(hostvars, host))
    ]


def rollout_report(
    hosts: Iterable[str], hostvars: Mapping[str, Any], reached: Iterable[str] = ()
) -> list[str]:
    """One line per failure of the run: host, component, cause (its first line).

    ``hosts`` are all the run's hosts; those not in ``reached`` (Ansible dropped them,
    unreachable or failed outside a component) are listed too.
    """
    reached = set(reached)
    lines: list[str] = []
    for host in hosts:
        failures = _failures(hostvars, host)
        for failure in failures:
            cause = str(failure.get("cause") or "no message").strip().splitlines()
            lines.append(f"{host}: {failure.get('component')}: {cause[0] if cause else ''}")
        if reached and host not in reached and not failures:
            lines.append(f"{host}: could not be reached, or failed outside a component's rollout")
    return lines


class FilterModule:
    """Ansible filters of plugspace.monitoring for rollouts in batches."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"rollout_failed_hosts": rollout_failed_hosts, "rollout_report": rollout_report}
