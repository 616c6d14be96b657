#!/usr/bin/env python3
"""Benchmark: Prometheus targets for a large inventory (not part of ``make test``).

Renders what the prometheus role writes for an inventory of N hosts spread
over the guide's groups (every host runs node_exporter; some run other
exporters, some use TLS and basic auth): the plan (``prometheus_file_sd``),
the passwords, the scrape configs (YAML) and every file_sd file (JSON). Prints the time for
1,000 and 10,000 hosts and checks that it grows linearly.

With ``--ansible`` it also times the role's own expression inside Ansible
(``groups | prometheus_file_sd(hostvars, ...)`` in a ``set_fact`` on one
host), where each host's variables come from Ansible's ``hostvars``.

    python tests/bench/bench_targets.py [--hosts 10000] [--ansible]
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from plugins.filter.prometheus_targets import (  # noqa: E402
    prometheus_alertmanagers,
    prometheus_file_sd,
    prometheus_scrape_configs,
    prometheus_scrape_secrets,
    prometheus_sd_json,
)
from tests.run import preload_env  # noqa: E402

DEFAULTS = yaml.safe_load((REPO / "roles/prometheus/defaults/main.yml").read_text(encoding="utf-8"))
JOBS: dict[str, dict[str, Any]] = DEFAULTS["prometheus_scrape_jobs"]
JOBS["blackbox"]["probe_targets"] = ["https://plugspace.io", "https://api.plugspace.io"]
ALERTING: dict[str, Any] = DEFAULTS["prometheus_alertmanagers"]
OPTIONS = {
    "file_sd_dir": "/etc/prometheus/file_sd",
    "secrets_dir": "/etc/prometheus/secrets",
    "critical_jobs": DEFAULTS["prometheus_critical_jobs"],
    "critical_scrape_interval": "10s",
    "tls_config": {},
}
# Every host runs node_exporter; every nth host also runs ... (group: n).
EXTRA_GROUPS = {
    "nginx_exporter": 4,
    "plugspace_api": 4,
    "plugspace_voice": 8,
    "redis_exporter": 10,
    "mongodb_exporter": 10,
    "prometheus": 2500,
    "alertmanager": 2500,
    "grafana": 5000,
    "blackbox_exporter": 5000,
}
Inventory = tuple[dict[str, list[str]], dict[str, dict[str, Any]]]


def inventory(size: int) -> Inventory:
    """``groups`` and ``hostvars`` of ``size`` hosts."""
    hosts = [f"host{i:05d}.plugspace.io" for i in range(size)]
    groups: dict[str, list[str]] = {"node_exporter": hosts}
    for group, every in EXTRA_GROUPS.items():
        groups[group] = hosts[::every]
    hostvars: dict[str, dict[str, Any]] = {}
    for i, host in enumerate(hosts):
        hv: dict[str, Any] = {"ansible_host": f"10.{i // 65536}.{i // 256 % 256}.{i % 256}"}
        if i % 3 == 0:
            hv["node_exporter_web_tls_cert_file"] = "/etc/ssl/node.crt"
            hv["node_exporter_web_basic_auth_users"] = {"prometheus": "fleet-scrape-password"}
        if i % 50 == 0:
            hv["node_exporter_port"] = 9110
        hostvars[host] = hv
    return groups, hostvars


def render(groups: dict[str, list[str]], hostvars: dict[str, dict[str, Any]]) -> int:
    """Everything the role writes from the inventory; returns the bytes of YAML."""
    plan = prometheus_file_sd(groups, hostvars, JOBS, ALERTING)
    prometheus_scrape_secrets(groups, hostvars, JOBS, ALERTING)
    config = {
        "alerting": {"alertmanagers": prometheus_alertmanagers(plan, OPTIONS)},
        "scrape_configs": prometheus_scrape_configs(plan, OPTIONS),
    }
    size = len(yaml.dump(config, Dumper=yaml.CSafeDumper))
    for job in plan["jobs"]:
        for scrape in job["configs"]:
            size += len(prometheus_sd_json(scrape["targets"]))
    return size


def best_of(
    runs: int, func: Callable[[], Any], clock: Callable[[], float] = time.process_time
) -> float:
    """Seconds (CPU seconds by default) of the fastest of ``runs`` runs (the least disturbed)."""
    times = []
    for _ in range(runs):
        gc.collect()
        start = clock()
        func()
        times.append(clock() - start)
    return min(times)


def bench_python(sizes: list[int]) -> dict[int, float]:
    results: dict[int, float] = {}
    for size in sizes:
        groups, hostvars = inventory(size)
        targets = sum(len(groups[j["group"]]) for j in JOBS.values() if j.get("group") in groups)
        seconds = best_of(7, partial(render, groups, hostvars))
        results[size] = seconds
        print(f"python : {size:>6} hosts, {targets:>6} targets: {seconds * 1000:8.1f} ms")
    return results


PLAYBOOK = """\
- name: Plan the targets like the prometheus role does
  hosts: bench_controller
  gather_facts: false
  tasks:
    - name: Plan
      ansible.builtin.set_fact:
        plan: "{{ groups | plugspace.monitoring.prometheus_file_sd(hostvars, jobs, alerting) }}"
    - name: Count
      ansible.builtin.debug:
        msg: >-
          {{ plan.jobs | map(attribute='configs') | flatten(levels=1)
             | map(attribute='targets') | map('length') | sum }}
"""


def bench_ansible(sizes: list[int]) -> dict[int, float]:
    results: dict[int, float] = {}
    env = {
        **os.environ,
        "ANSIBLE_COLLECTIONS_PATH": str(REPO / "collections"),
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_FACT_CACHING": "memory",
    }
    env.update(preload_env(env))  # the test harness's preload callback, as in make test
    with tempfile.TemporaryDirectory() as tmp:
        playbook = Path(tmp) / "plan.yml"
        playbook.write_text(PLAYBOOK, encoding="utf-8")
        for size in sizes:
            groups, hostvars = inventory(size)
            inv: dict[str, Any] = {
                "all": {
                    "hosts": {"bench_controller": {"ansible_connection": "local"}},
                    "vars": {"jobs": JOBS, "alerting": ALERTING},
                    "children": {g: {"hosts": {}} for g in groups},
                }
            }
            for group, hosts in groups.items():
                members = inv["all"]["children"][group]["hosts"]
                for host in hosts:
                    members[host] = hostvars[host]
            path = Path(tmp) / f"inventory-{size}.yml"
            path.write_text(yaml.dump(inv, Dumper=yaml.CSafeDumper), encoding="utf-8")
            base = ["ansible-playbook", "-i", str(path), str(playbook)]
            # The same inventory without the filter call: what loading it costs.
            load = best_of(1, partial(run, [*base, "--list-hosts"], env), time.perf_counter)
            total = best_of(1, partial(run, base, env), time.perf_counter)
            results[size] = total - load
            print(
                f"ansible: {size:>6} hosts: playbook {total:6.1f} s, inventory load {load:6.1f} s, "
                f"planning {total - load:6.1f} s"
            )
    return results


def run(argv: list[str], env: dict[str, str]) -> None:
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, cwd=REPO)


def linear(results: dict[int, float], small: int, large: int, slack: float) -> bool:
    """10x the hosts must cost at most ``slack`` x 10x the time (quadratic would be 100x)."""
    ratio = results[large] / results[small]
    expected = large / small
    ok = ratio <= expected * slack
    verdict = "linear" if ok else "NOT linear"
    print(f"  {large}/{small} hosts: time x{ratio:.1f} (x{expected:.0f} is linear): {verdict}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=10_000)
    parser.add_argument(
        "--ansible", action="store_true", help="also time it inside ansible-playbook"
    )
    args = parser.parse_args()
    small = max(args.hosts // 10, 1)
    ok = linear(bench_python([small, args.hosts]), small, args.hosts, slack=2.0)
    if args.ansible:
        ok = linear(bench_ansible([small, args.hosts]), small, args.hosts, slack=2.0) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
