"""Run site.yml once per bad input and check each run fails as an operator needs.

Each case of the YAML file (tests/stack/bad_input_cases.yml) gives inventory
values (``vars``), the texts the failure must show (``expect``, the variable's
name first) and its ``kind``:

- ``preflight``: refused by the input checks, before any host is touched:
  the run fails, names the variable, and no play after the checks started;
- ``runtime``: only the program itself rejects it, at start: the run must
  fail (never pass green), naming the service and the program's own error,
  and undo the change: afterwards the ``service`` on the ``--limit`` host is
  active with the same unit and config checksums as before (a new PID is
  fine). The seconds it was down are read from the failure ("down at most N s").

Preflight cases run ``--jobs`` at a time (they touch no host); runtime cases
run one by one.

usage: python -m tests.stack.bad_inputs --inventory INV --cases CASES.yml [--kind K] [--report FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
# Plays that come after the input checks in site.yml: none may start on a refused input.
LATER_PLAY = re.compile(r"^PLAY \[(?!Check the inputs)", re.MULTILINE)
FAILURE_MSG = re.compile(r"^\s*(?:msg|fail_msg): ?(.*)$")
# ansible-core 2.19 prints each failure once on one line.
ERROR_LINE = re.compile(r"^\[ERROR\]: Task failed: (?:Action|Module) failed: (.*)$", re.MULTILINE)
DOWN = re.compile(r"down at most ([0-9.]+) s")


@dataclass(frozen=True)
class Case:
    """One bad input and what its failure must show."""

    vars: Mapping[str, Any]
    expect: tuple[str, ...]
    kind: str = "preflight"
    args: tuple[str, ...] = ()
    service: str = ""

    @property
    def label(self) -> str:
        return ", ".join(f"{k}={json.dumps(v)}" for k, v in self.vars.items())


@dataclass(frozen=True)
class Verdict:
    """How one case came out."""

    case: Case
    passed: bool
    why: str
    message: str
    down: str = ""


def load_cases(path: Path) -> list[Case]:
    data = yaml.safe_load(path.read_text())
    return [
        Case(
            vars=item["vars"],
            expect=tuple(item["expect"]),
            kind=item.get("kind", "preflight"),
            args=tuple(item.get("args", ())),
            service=item.get("service", ""),
        )
        for item in data["cases"]
    ]


def failure_message(output: str) -> str:
    """The first failure message of a run's output, on one line."""
    error = ERROR_LINE.search(output)
    if error:
        return error.group(1).strip()[:400]
    lines = output.splitlines()
    for number, line in enumerate(lines):
        match = FAILURE_MSG.match(line)
        if not match:
            continue
        indent = len(line) - len(line.lstrip())
        parts = [] if match.group(1) in ("|-", "|", ">-") else [match.group(1)]
        for following in lines[number + 1 :]:
            if not following.strip() or len(following) - len(following.lstrip()) <= indent:
                break
            parts.append(following.strip())
        text = " ".join(parts).strip().strip("'\"")
        if text:
            return text[:400]
    return ""


def judge(case: Case, rc: int, output: str) -> Verdict:
    """Whether a run failed the way the case needs."""
    message = failure_message(output)
    if rc == 0:
        return Verdict(case, False, "the run passed green", message)
    missing = [text for text in case.expect if text not in output]
    if missing:
        return Verdict(case, False, f"the failure does not mention {missing}", message)
    if case.kind == "preflight" and LATER_PLAY.search(output):
        return Verdict(case, False, "a play after the input checks started", message)
    return Verdict(case, True, "", message)


def playbook(
    inventory: str, book: str, extra: Mapping[str, Any], args: Sequence[str]
) -> tuple[int, str]:
    argv = [str(Path(sys.executable).with_name("ansible-playbook")), "-i", inventory, book, *args]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(dict(extra), handle)
    try:
        done = subprocess.run(
            [*argv, "-e", f"@{handle.name}"],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
            env=dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0"),
        )
    finally:
        Path(handle.name).unlink()
    return done.returncode, done.stdout + done.stderr


def limit_host(case: Case) -> str:
    """The host a runtime case runs on (its --limit)."""
    args = list(case.args)
    return args[args.index("--limit") + 1] if "--limit" in args else "all"


def service_snapshot(inventory: str, host: str, service: str) -> str:
    """Whether the service is active, and the checksums of its unit and config files."""
    script = (
        f"systemctl is-active {service}; sha256sum /etc/systemd/system/{service}.service; "
        f"find /etc/{service} -type f -exec sha256sum {{}} + | sort"
    )
    argv = [str(Path(sys.executable).with_name("ansible")), "-i", inventory, host, "-b"]
    done = subprocess.run(
        [*argv, "-m", "ansible.builtin.shell", "-a", script],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0"),
    )
    return done.stdout.split(">>", 1)[-1].strip()


def run_case(inventory: str, book: str, case: Case) -> Verdict:
    if case.kind != "runtime":
        return judge(case, *playbook(inventory, book, case.vars, case.args))
    host = limit_host(case)
    before = service_snapshot(inventory, host, case.service)
    rc, output = playbook(inventory, book, case.vars, case.args)
    verdict = judge(case, rc, output)
    down = DOWN.search(output)
    verdict = Verdict(
        case, verdict.passed, verdict.why, verdict.message, down.group(1) if down else ""
    )
    after = service_snapshot(inventory, host, case.service)
    if not after.startswith("active") or after != before:
        why = (
            f"{case.service} does not serve its previous config: before {before!r}, after {after!r}"
        )
        return Verdict(case, False, why, verdict.message, verdict.down)
    if verdict.passed and not verdict.down:
        return Verdict(case, False, "the failure does not say it was undone", verdict.message)
    return verdict


def run_all(inventory: str, book: str, cases: Iterable[Case], jobs: int) -> list[Verdict]:
    cases = list(cases)
    early = [case for case in cases if case.kind == "preflight"]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        verdicts = list(pool.map(lambda case: run_case(inventory, book, case), early))
    verdicts += [run_case(inventory, book, case) for case in cases if case.kind != "preflight"]
    return verdicts


def report(verdicts: Sequence[Verdict]) -> str:
    lines = ["| result | kind | bad input | down (s) | message |", "|---|---|---|---|---|"]
    for verdict in verdicts:
        result = "refused" if verdict.passed else f"NOT REFUSED AS NEEDED: {verdict.why}"
        if verdict.passed and verdict.case.kind == "runtime":
            result = "undone"
        message = verdict.message.replace("|", "\\|")
        label, down = verdict.case.label, verdict.down or "-"
        lines.append(f"| {result} | {verdict.case.kind} | `{label}` | {down} | {message} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--inventory", required=True)
    parser.add_argument("--cases", type=Path, required=True)
    parser.add_argument("--playbook", default=str(ROOT / "site.yml"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--kind", choices=["preflight", "runtime"], help="only these cases")
    parser.add_argument("--report", type=Path)
    args = parser.parse_args(argv)
    cases = [case for case in load_cases(args.cases) if args.kind in (None, case.kind)]
    verdicts = run_all(args.inventory, args.playbook, cases, args.jobs)
    text = report(verdicts)
    print(text)
    if args.report:
        args.report.write_text(text)
    failed = sum(not verdict.passed for verdict in verdicts)
    print(f"{len(verdicts) - failed} of {len(verdicts)} bad inputs refused as needed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
