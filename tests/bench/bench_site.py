"""Time site.yml on local systemd containers: first converge, no-op re-run, check mode.

Three cases: the whole stack (monitor, web, data), the single-host case
(Prometheus, Alertmanager and node_exporter on one host) and the fleet case
(node_exporter alone on N hosts, 20 unless told: ``--hosts 50``, or several
sizes in one go, ``--hosts 1,20,50``; ``BENCH_HOSTS`` is the default).
Containers are created fresh from the inventories in tests/bench/inventories
(the fleet's is generated under .cache/bench/fleet-N) with the demo's up/down
playbooks and removed at the end, also when a run fails. The single and stack
hosts are prepared like the stack scenario; node_exporter needs nothing.

Prints a table with wall times and per-host task counts, and for the fleet the
controller's CPU seconds: user + system time of the ansible-playbook process
and every process under it (its forked workers), read from the rusage of
waited-for children, in total and per host. On a small machine the hosts share
the CPU with the controller, so the wall time alone mixes in their own work.
Not part of `make test`.

usage: python tests/bench/bench_site.py [--case single|stack|fleet ...] [--hosts N[,N...]]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

from tests.run import preload_env  # noqa: E402

BIN = ROOT / ".venv" / "bin"
SCRATCH = ROOT / ".cache" / "bench"
MIRROR = ROOT / ".cache" / "mirror"
CASES = ("single", "stack", "fleet")
DEFAULT_FLEET = 20
# Measured: 50 booted bench containers hold 300 of root's inotify instances
# (systemd 5, systemd-logind 1 each; the limit is 128 by default).
INOTIFY_PER_HOST = 6
INOTIFY_SPARE = 8
RECAP = re.compile(
    r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)"
)


class Usage(Protocol):
    """The part of ``resource.struct_rusage`` that the CPU accounting reads."""

    @property
    def ru_utime(self) -> float: ...

    @property
    def ru_stime(self) -> float: ...


@dataclass(frozen=True)
class Run:
    """One timed ansible-playbook run."""

    case: str
    step: str
    seconds: float
    ok: int
    changed: int
    skipped: int
    failed: int
    hosts: int
    cpu: float = 0.0
    """Controller CPU seconds (user + system) of the ansible-playbook process tree."""

    @property
    def cpu_per_host(self) -> float:
        return self.cpu / max(self.hosts, 1)


def recap(output: str) -> list[tuple[str, int, int, int, int]]:
    """(host, ok, changed, failed, skipped) for each host of the PLAY RECAP."""
    rows = []
    for line in output.splitlines():
        match = RECAP.match(line.strip())
        if match and match.group(1) != "localhost":
            host, ok, changed, _unreachable, failed, skipped = match.groups()
            rows.append((host, int(ok), int(changed), int(failed), int(skipped)))
    return rows


def cpu_seconds(before: Usage, after: Usage) -> float:
    """User + system CPU seconds between two ``getrusage(RUSAGE_CHILDREN)`` readings.

    RUSAGE_CHILDREN sums every child that has ended and been waited for, and
    each child's own waited-for children: ansible-playbook reaps its forked
    workers (and they the local commands they run), so the delta around one
    run is that run's whole process tree on the controller. What runs in the
    containers is not under it and is not counted."""
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def playbook(inventory: Path, book: str, *extra: str) -> tuple[float, float, str]:
    """Run one playbook; (wall seconds, controller CPU seconds, stdout)."""
    argv = [str(BIN / "ansible-playbook"), "-i", str(inventory), book, *extra]
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    cpu = cpu_seconds(usage, resource.getrusage(resource.RUSAGE_CHILDREN))
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-2000:])
        raise SystemExit(f"{book} failed on {inventory.name} (exit {done.returncode})")
    return seconds, cpu, done.stdout


def measure(case: str, step: str, inventory: Path, *extra: str) -> Run:
    seconds, cpu, output = playbook(inventory, "site.yml", *extra)
    rows = recap(output)
    hosts = max(len(rows), 1)
    return Run(
        case,
        step,
        seconds,
        ok=max(r[1] for r in rows) if rows else 0,
        changed=sum(r[2] for r in rows),
        skipped=max(r[4] for r in rows) if rows else 0,
        failed=sum(r[3] for r in rows),
        hosts=hosts,
        cpu=cpu,
    )


def fresh_fact_cache(scratch: Path) -> None:
    """Give the runs a fact cache of their own, empty, so the first converge gathers facts
    like a real first run (the project's cache may hold facts of a host by the same name)."""
    facts = scratch / "facts"
    shutil.rmtree(facts, ignore_errors=True)
    facts.mkdir(parents=True)
    os.environ["ANSIBLE_CACHE_PLUGIN_CONNECTION"] = str(facts)


def host_counts(text: str) -> list[int]:
    """Fleet sizes from ``--hosts`` or ``BENCH_HOSTS``: "20", "1,20,50" or "1 20 50"."""
    try:
        counts = [int(word) for word in text.replace(",", " ").split()]
    except ValueError:
        counts = []
    if not counts or any(count < 1 for count in counts):
        raise argparse.ArgumentTypeError(
            f"fleet sizes must be whole numbers of 1 or more, not {text!r}"
        )
    return counts


def fleet_names(hosts: int) -> list[str]:
    """fleet-01 .. fleet-N (zero-padded to at least two digits, so they sort)."""
    width = max(2, len(str(hosts)))
    return [f"fleet-{number:0{width}d}" for number in range(1, hosts + 1)]


def fleet_inventory(hosts: int, mirror: Path) -> dict[str, Any]:
    """The fleet case's inventory: N hosts in group node_exporter and nothing else,
    one container each (plugspace-bench-fleet-NN) on the bench network."""
    names = fleet_names(hosts)
    return {
        "all": {
            "vars": {
                "ansible_connection": "community.docker.docker_api",
                "ansible_user": "root",
                "demo_network": "plugspace-bench",
                "demo_image": "plugspace-systemd:bookworm",
                "binary_service_mirror_url": f"file://{mirror}",
            },
            "hosts": {name: {"ansible_host": f"plugspace-bench-{name}"} for name in names},
            "children": {"node_exporter": {"hosts": {name: None for name in names}}},
        }
    }


def inotify_shortfall(hosts: int, limit: int) -> str | None:
    """Why the kernel would not boot this many systemd containers, or None.

    Each container's systemd holds a few inotify instances, all counted
    against root's fs.inotify.max_user_instances (128 on this kernel by
    default): past it, the last containers' systemd exits at boot."""
    needed = INOTIFY_PER_HOST * hosts + INOTIFY_SPARE
    if limit >= needed:
        return None
    return (
        f"{hosts} systemd containers need about {needed} inotify instances, and "
        f"fs.inotify.max_user_instances is {limit}: raise it first, "
        f"e.g. sysctl -w fs.inotify.max_user_instances={max(512, needed)}"
    )


def inotify_limit() -> int:
    return int(Path("/proc/sys/fs/inotify/max_user_instances").read_text())


def write_fleet_inventory(directory: Path, hosts: int, mirror: Path) -> Path:
    """Write the fleet inventory to ``directory/hosts.yml`` (replacing what was there)."""
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    header = f"---\n# make bench, fleet case: node_exporter on {hosts} hosts (generated).\n"
    body = yaml.safe_dump(fleet_inventory(hosts, mirror), sort_keys=False)
    (directory / "hosts.yml").write_text(header + body)
    return directory


def remove_containers(inventory: Path, strict: bool) -> None:
    """demo/down.yml; when a run has already failed, a failure here only warns,
    so that the first error is the one reported."""
    try:
        playbook(inventory, "demo/down.yml")
    except SystemExit as error:
        if strict:
            raise
        sys.stderr.write(f"warning: {error}; check `docker ps -a` for plugspace-bench-*\n")


def timed_steps(case: str, inventory: Path, prepare: bool) -> list[Run]:
    """Fresh containers, then first converge, no-op re-run and check mode; the
    containers are removed at the end whatever happens."""
    fresh_fact_cache(SCRATCH)
    finished = False
    try:
        playbook(inventory, "demo/down.yml")  # what an interrupted run left
        playbook(inventory, "demo/up.yml")
        if prepare:
            playbook(inventory, "molecule/stack/prepare.yml")
        runs = [
            measure(case, "first converge", inventory),
            measure(case, "no-op re-run", inventory),
            measure(case, "check mode", inventory, "--check", "--diff"),
        ]
        finished = True
        return runs
    finally:
        remove_containers(inventory, strict=finished)


def bench(case: str) -> list[Run]:
    return timed_steps(case, ROOT / "tests" / "bench" / "inventories" / case, prepare=True)


def bench_fleet(hosts: int) -> list[Run]:
    problem = inotify_shortfall(hosts, inotify_limit())
    if problem:
        raise SystemExit(problem)
    inventory = write_fleet_inventory(SCRATCH / f"fleet-{hosts}", hosts, MIRROR)
    return timed_steps("fleet", inventory, prepare=False)


def table(runs: Sequence[Run]) -> str:
    lines = [
        "| case | step | wall time | tasks (max per host) | changed | hosts |",
        "|---|---|---|---|---|---|",
    ]
    for r in runs:
        lines.append(
            f"| {r.case} | {r.step} | {r.seconds:.1f} s | {r.ok} ok + {r.skipped} skipped "
            f"| {r.changed} | {r.hosts} |"
        )
    return "\n".join(lines)


def fleet_table(runs: Sequence[Run]) -> str:
    lines = [
        "| hosts | step | wall time | controller CPU | CPU per host | tasks per host | changed |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        lines.append(
            f"| {r.hosts} | {r.step} | {r.seconds:.1f} s | {r.cpu:.1f} s "
            f"| {r.cpu_per_host:.2f} s | {r.ok} ok + {r.skipped} skipped | {r.changed} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", choices=CASES)
    parser.add_argument(
        "--hosts",
        type=host_counts,
        default=os.environ.get("BENCH_HOSTS") or str(DEFAULT_FLEET),
        help="fleet sizes, e.g. 20 or 1,20,50 (default: $BENCH_HOSTS, else 20)",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("ANSIBLE_CONFIG", str(ROOT / "ansible.cfg"))
    # The test harness's preload callback, as in make test (not in the collection's ansible.cfg).
    os.environ.update(preload_env(os.environ))
    # The stack scenario's prepare reads these (it is shared with Molecule).
    SCRATCH.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("MOLECULE_PROJECT_DIRECTORY", str(ROOT))
    os.environ.setdefault("MOLECULE_EPHEMERAL_DIRECTORY", str(SCRATCH))
    runs: list[Run] = []
    fleet: list[Run] = []
    try:
        for case in args.case or CASES:
            if case == "fleet":
                for hosts in args.hosts:
                    fleet += bench_fleet(hosts)
            else:
                runs += bench(case)
    finally:
        # What was measured before a failure is still worth seeing.
        tables = ([table(runs)] if runs else []) + ([fleet_table(fleet)] if fleet else [])
        if tables:
            print("\n\n".join(tables), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
