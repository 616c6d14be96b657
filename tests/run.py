"""Run everything CI checks and print one pass/fail/skip summary line.

Stages: lint (yamllint, ansible-lint, ruff, mypy), unit (pytest, including the
promtool rule tests and the dashboards-as-code check), package (the built
collection as Galaxy, Automation Hub and AWX get it: ansible-test sanity,
galaxy-importer, the execution environment's build context, a Galaxy user's
install and run; tests/package.py), compat (the unit tests and a converge, no-op
and check run of the stack on the oldest ansible-core ``requires_ansible`` allows
and on the newest; tests/compat.py; the oldest's are the unit and molecule stages
when the development venv holds it), then every Molecule scenario in
dependency order. The local release mirror (tests/mirror) is
served on 127.0.0.1 for the duration, exactly as an air-gapped site's mirror.

A scenario that could not run something here records what and why in
``$PLUGSPACE_REPORT_DIR/<scenario>.skipped`` (molecule/shared/tasks/report_skip.yml):
when its subject itself did not run, it is counted as SKIPPED, never as passed; when it
ran with a named part left out, it passes with that part named beside it, and the
summary counts it apart.

usage: python tests/run.py [--stage lint|unit|package|compat|molecule ...] [--scenario NAME ...]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import importlib.metadata
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
LOGS = ROOT / ".cache" / "logs"
MIRROR = ROOT / ".cache" / "mirror"
# The harness's accelerator, not part of the collection (its docstring says why):
# every ansible-playbook and Molecule run of the harness loads the plugins once,
# before Ansible forks its workers.
PRELOAD_FOLDER = ROOT / "tests" / "plugins" / "callback"

# Dependency order: what later scenarios build on goes first.
SCENARIO_ORDER = (
    "node_exporter",
    "nginx_exporter",
    "redis_exporter",
    "blackbox_exporter",
    "mongodb_exporter",
    "prometheus",
    "alertmanager",
    "alertmanager_cluster",
    "grafana",
    "stack",
)

PY_PATHS = ["plugins", "tests", "dashboards", "tools"]
STAGES = ("lint", "unit", "package", "compat", "molecule")


@dataclass(frozen=True)
class Check:
    """One named command of the run."""

    name: str
    argv: tuple[str, ...]
    scenario: str = ""


@dataclass(frozen=True)
class Outcome:
    """What one check came to."""

    name: str
    status: str  # PASSED, FAILED or SKIPPED
    seconds: float
    detail: str = ""


def lint_checks() -> list[Check]:
    """The linters, each clean or failed."""
    py = [p for p in PY_PATHS if (ROOT / p).exists()]
    return [
        Check("yamllint", (str(BIN / "yamllint"), "--strict", "-c", ".yamllint", ".")),
        Check("ansible-lint", (str(BIN / "ansible-lint"), "--offline", "-q")),
        Check("ruff check", (str(BIN / "ruff"), "check", *py)),
        Check("ruff format", (str(BIN / "ruff"), "format", "--check", *py)),
        Check("mypy", (str(BIN / "mypy"), *py)),
    ]


def unit_checks() -> list[Check]:
    """pytest: filter plugins, tools, promtool rule tests, dashboards."""
    return [Check("pytest", (str(BIN / "pytest"), "-q", "tests/unit"))]


PACKAGE_CHECKS = (
    ("collection build", "build"),
    ("ansible-test sanity", "sanity"),
    ("galaxy-importer", "importer"),
    ("ansible-builder create", "ee"),
    ("galaxy user path", "galaxy-user"),
)


def package_checks() -> list[Check]:
    """The built collection: sanity, Galaxy's importer, the EE context, a Galaxy user's run."""
    script = str(ROOT / "tests" / "package.py")
    return [Check(name, (str(BIN / "python"), script, arg)) for name, arg in PACKAGE_CHECKS]


def compat_checks(development: str | None = None) -> list[Check]:
    """The unit tests and the stack's converge, no-op and check run on the oldest ansible-core
    requires_ansible allows and on the newest (tests/compat.py).

    When the development venv holds the oldest (``development``, default its
    installed ansible-core), the unit and molecule stages already are the
    oldest's checks (every scenario runs converge, no-op and check mode), so
    they are not run twice; a line says so."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # run as a script, only tests/ itself is on the path
    from tests import compat

    development = development or importlib.metadata.version("ansible-core")
    ends = ["oldest", "newest"]
    if development == compat.oldest_allowed():
        ends.remove("oldest")
        print(
            f"compat: ansible-core {development}, the oldest requires_ansible allows, is the "
            "development venv's: the unit and molecule stages are its checks"
        )
    script = str(ROOT / "tests" / "compat.py")
    return [
        Check(f"ansible-core {which} {what}", (str(BIN / "python"), script, which, what))
        for which in ends
        for what in ("unit", "stack")
    ]


def discover_scenarios(molecule_dir: Path) -> list[str]:
    """Scenario names under molecule/, in dependency order, unknown ones last."""
    found = {p.parent.name for p in molecule_dir.glob("*/molecule.yml")}
    ordered = [name for name in SCENARIO_ORDER if name in found]
    return ordered + sorted(found.difference(SCENARIO_ORDER))


def molecule_checks(names: Sequence[str]) -> list[Check]:
    """One ``molecule test`` per scenario."""
    return [
        Check(f"molecule {name}", (str(BIN / "molecule"), "test", "-s", name), scenario=name)
        for name in names
    ]


def skip_records(report_dir: Path, scenario: str) -> tuple[str, str]:
    """What a scenario recorded it could not run: (its subject, parts of it), each ``; ``-joined.

    A line ``whole: why`` means the scenario's subject did not run (SKIPPED); ``part: why``
    names a part left out of a scenario that otherwise ran (PASSED, with the part named).
    """
    record = report_dir / f"{scenario}.skipped"
    lines = record.read_text().splitlines() if record.is_file() else []
    found: dict[str, list[str]] = {"whole": [], "part": []}
    for line in (line.strip() for line in lines):
        kind, _sep, reason = line.partition(": ")
        if kind in found and reason:
            found[kind].append(reason)
        elif line:
            found["whole"].append(line)
    return "; ".join(found["whole"]), "; ".join(found["part"])


def skip_reason(report_dir: Path, scenario: str) -> str:
    """The reason a scenario's subject could not run here, or ''."""
    return skip_records(report_dir, scenario)[0]


def summary_line(outcomes: Sequence[Outcome]) -> str:
    """The closing line: 'summary: N passed (K with parts not run), N failed, N skipped'."""
    counts = {
        status: sum(o.status == status for o in outcomes)
        for status in ("PASSED", "FAILED", "SKIPPED")
    }
    passed, failed, skipped = counts["PASSED"], counts["FAILED"], counts["SKIPPED"]
    partial = sum(o.status == "PASSED" and bool(o.detail) for o in outcomes)
    with_parts = f" ({partial} with named parts not run here)" if partial else ""
    return f"summary: {passed} passed{with_parts}, {failed} failed, {skipped} skipped"


def log_path(check: Check) -> Path:
    return LOGS / (check.name.replace(" ", "-") + ".log")


def run_check(check: Check, env: dict[str, str], report_dir: Path) -> Outcome:
    """Run one check with its output in a log; print the log's tail on failure."""
    log = log_path(check)
    started = time.monotonic()
    print(f"==> {check.name}", flush=True)
    with log.open("w") as out:
        code = subprocess.call(check.argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    seconds = time.monotonic() - started
    if code != 0:
        tail = log.read_text(errors="replace").splitlines()[-60:]
        print("\n".join(f"    {line}" for line in tail))
        return Outcome(check.name, "FAILED", seconds, f"exit {code}, log {log.relative_to(ROOT)}")
    whole, parts = skip_records(report_dir, check.scenario) if check.scenario else ("", "")
    if whole:
        return Outcome(check.name, "SKIPPED", seconds, whole)
    return Outcome(check.name, "PASSED", seconds, f"not run here: {parts}" if parts else "")


@contextmanager
def serve_mirror(directory: Path) -> Iterator[str]:
    """Serve the release mirror on 127.0.0.1 (a thread of this process) and yield its URL."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """A file handler that does not write a line per request to stderr."""

    def log_message(self, format: str, *args: object) -> None:
        return


def preload_env(env: Mapping[str, str]) -> dict[str, str]:
    """ANSIBLE_CALLBACK_PLUGINS and ANSIBLE_CALLBACKS_ENABLED that find and enable the
    preload callback (tests/plugins/callback), keeping the paths and callbacks ``env`` has."""
    paths = [str(PRELOAD_FOLDER), *env.get("ANSIBLE_CALLBACK_PLUGINS", "").split(os.pathsep)]
    names = [*env.get("ANSIBLE_CALLBACKS_ENABLED", "").split(","), "preload"]
    return {
        "ANSIBLE_CALLBACK_PLUGINS": os.pathsep.join(dict.fromkeys(p for p in paths if p)),
        "ANSIBLE_CALLBACKS_ENABLED": ",".join(dict.fromkeys(n.strip() for n in names if n.strip())),
    }


def environment(mirror_url: str, report_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        preload_env(env),
        PATH=f"{BIN}:/usr/bin:/usr/sbin:{env.get('PATH', '')}",
        PLUGSPACE_MIRROR_URL=mirror_url,
        PLUGSPACE_REPORT_DIR=str(report_dir),
        PROMTOOL=str(ROOT / ".cache" / "bin" / "promtool"),
        AMTOOL=str(ROOT / ".cache" / "bin" / "amtool"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        NO_COLOR="1",
        PY_COLORS="0",
    )
    return env


def print_summary(outcomes: Sequence[Outcome]) -> None:
    print("\n== results ==")
    for o in outcomes:
        detail = f"  ({o.detail})" if o.detail else ""
        print(f"{o.status:8} {o.name:32} {o.seconds:7.1f}s{detail}")
    print(summary_line(outcomes), flush=True)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", action="append", choices=list(STAGES))
    parser.add_argument("--scenario", action="append", help="run only these Molecule scenarios")
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    stages = args.stage or list(STAGES)
    checks: list[Check] = []
    if "lint" in stages:
        checks += lint_checks()
    if "unit" in stages:
        checks += unit_checks()
    if "package" in stages:
        checks += package_checks()
    if "compat" in stages:
        checks += compat_checks()
    if "molecule" in stages:
        checks += molecule_checks(args.scenario or discover_scenarios(ROOT / "molecule"))
    LOGS.mkdir(parents=True, exist_ok=True)
    report_dir = LOGS / "reports"
    report_dir.mkdir(exist_ok=True)
    for stale in report_dir.glob("*.skipped"):
        stale.unlink()
    with serve_mirror(MIRROR) as url:
        env = environment(url, report_dir)
        outcomes = [run_check(check, env, report_dir) for check in checks]
    print_summary(outcomes)
    return 1 if any(o.status == "FAILED" for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
