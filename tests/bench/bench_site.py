"""Time site.yml on local systemd containers: first converge, no-op re-run, check mode.

Two cases: the whole stack (monitor, web, data) and the single-host case
(Prometheus, Alertmanager and node_exporter on one host). Containers are
created fresh from the inventories in tests/bench/inventories with the demo's
up/down playbooks and prepared like the stack scenario. Prints a table with
wall times and per-host task counts. Not part of `make test`.

usage: python tests/bench/bench_site.py [--case single|stack ...]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = ROOT / ".venv" / "bin"
RECAP = re.compile(
    r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)"
)


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


def recap(output: str) -> list[tuple[str, int, int, int, int]]:
    """(host, ok, changed, failed, skipped) for each host of the PLAY RECAP."""
    rows = []
    for line in output.splitlines():
        match = RECAP.match(line.strip())
        if match and match.group(1) != "localhost":
            host, ok, changed, _unreachable, failed, skipped = match.groups()
            rows.append((host, int(ok), int(changed), int(failed), int(skipped)))
    return rows


def playbook(inventory: Path, book: str, *extra: str) -> tuple[float, str]:
    argv = [str(BIN / "ansible-playbook"), "-i", str(inventory), book, *extra]
    started = time.monotonic()
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-2000:])
        raise SystemExit(f"{book} failed on {inventory.name} (exit {done.returncode})")
    return seconds, done.stdout


def measure(case: str, step: str, inventory: Path, *extra: str) -> Run:
    seconds, output = playbook(inventory, "site.yml", *extra)
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
    )


def fresh_fact_cache(scratch: Path) -> None:
    """Give the runs a fact cache of their own, empty, so the first converge gathers facts
    like a real first run (the project's cache may hold facts of a host by the same name)."""
    facts = scratch / "facts"
    shutil.rmtree(facts, ignore_errors=True)
    facts.mkdir(parents=True)
    os.environ["ANSIBLE_CACHE_PLUGIN_CONNECTION"] = str(facts)


def bench(case: str) -> list[Run]:
    inventory = ROOT / "tests" / "bench" / "inventories" / case
    fresh_fact_cache(ROOT / ".cache" / "bench")
    playbook(inventory, "demo/down.yml")
    playbook(inventory, "demo/up.yml")
    try:
        playbook(inventory, "molecule/stack/prepare.yml")
        return [
            measure(case, "first converge", inventory),
            measure(case, "no-op re-run", inventory),
            measure(case, "check mode", inventory, "--check", "--diff"),
        ]
    finally:
        playbook(inventory, "demo/down.yml")


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


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", choices=["single", "stack"])
    args = parser.parse_args(argv)
    os.environ.setdefault("ANSIBLE_CONFIG", str(ROOT / "ansible.cfg"))
    # The stack scenario's prepare reads these (it is shared with Molecule).
    scratch = ROOT / ".cache" / "bench"
    scratch.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("MOLECULE_PROJECT_DIRECTORY", str(ROOT))
    os.environ.setdefault("MOLECULE_EPHEMERAL_DIRECTORY", str(scratch))
    runs: list[Run] = []
    for case in args.case or ["single", "stack"]:
        runs += bench(case)
    print(table(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
