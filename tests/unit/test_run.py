import urllib.request
from pathlib import Path

import pytest

from tests import run


def test_scenarios_run_in_dependency_order_unknown_last(tmp_path: Path) -> None:
    for name in ("stack", "zeta", "prometheus", "node_exporter", "alpha"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "molecule.yml").write_text("---\n")
    (tmp_path / "shared").mkdir()  # no molecule.yml: not a scenario
    assert run.discover_scenarios(tmp_path) == [
        "node_exporter",
        "prometheus",
        "stack",
        "alpha",
        "zeta",
    ]


def test_skip_reason_reads_the_record(tmp_path: Path) -> None:
    assert run.skip_reason(tmp_path, "grafana") == ""
    (tmp_path / "grafana.skipped").write_text("whole: no package\n\nno API\npart: no cluster\n")
    assert run.skip_reason(tmp_path, "grafana") == "no package; no API"
    assert run.skip_records(tmp_path, "grafana") == ("no package; no API", "no cluster")


def test_summary_line_counts_each_status() -> None:
    outcomes = [
        run.Outcome("a", "PASSED", 1.0),
        run.Outcome("b", "FAILED", 1.0),
        run.Outcome("c", "SKIPPED", 1.0, "why"),
        run.Outcome("d", "PASSED", 1.0),
    ]
    assert run.summary_line(outcomes) == "summary: 2 passed, 1 failed, 1 skipped"
    outcomes.append(run.Outcome("e", "PASSED", 1.0, "not run here: the cluster flavour"))
    assert run.summary_line(outcomes) == (
        "summary: 3 passed (1 with named parts not run here), 1 failed, 1 skipped"
    )


@pytest.fixture
def logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(run, "LOGS", tmp_path)
    monkeypatch.setattr(run, "ROOT", tmp_path)
    return tmp_path


def test_run_check_passes_fails_and_skips(logs: Path) -> None:
    env = {"PATH": "/usr/bin:/bin"}
    assert run.run_check(run.Check("ok", ("true",)), env, logs).status == "PASSED"
    failed = run.run_check(run.Check("bad", ("sh", "-c", "echo boom; exit 3")), env, logs)
    assert failed.status == "FAILED"
    assert "exit 3" in failed.detail
    assert "boom" in (logs / "bad.log").read_text()
    (logs / "demo.skipped").write_text("part: the cluster flavour\n")
    partial = run.run_check(run.Check("molecule demo", ("true",), scenario="demo"), env, logs)
    assert (partial.status, partial.detail) == ("PASSED", "not run here: the cluster flavour")
    (logs / "demo.skipped").write_text("whole: service not started: no archive\n")
    skipped = run.run_check(run.Check("molecule demo", ("true",), scenario="demo"), env, logs)
    assert (skipped.status, skipped.detail) == ("SKIPPED", "service not started: no archive")


def test_a_failed_scenario_is_failed_even_with_a_skip_record(logs: Path) -> None:
    (logs / "demo.skipped").write_text("partly skipped\n")
    outcome = run.run_check(
        run.Check("molecule demo", ("false",), scenario="demo"), {"PATH": "/usr/bin:/bin"}, logs
    )
    assert outcome.status == "FAILED"


def test_mirror_is_served_on_loopback(tmp_path: Path) -> None:
    (tmp_path / "sha256sums.txt").write_text("abc  x.tar.gz\n")
    with run.serve_mirror(tmp_path) as url:
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(f"{url}/sha256sums.txt", timeout=5) as response:
            assert response.read() == b"abc  x.tar.gz\n"


def test_stages_run_in_order_package_before_molecule() -> None:
    assert run.STAGES == ("lint", "unit", "package", "compat", "molecule")
    assert run.parse_args([]).stage is None
    assert run.parse_args(["--stage", "package"]).stage == ["package"]


def test_package_stage_checks_the_built_collection() -> None:
    checks = run.package_checks()
    assert [c.name for c in checks] == [
        "collection build",
        "ansible-test sanity",
        "galaxy-importer",
        "ansible-builder create",
        "galaxy user path",
    ]
    assert all(c.argv[1].endswith("tests/package.py") for c in checks)
    from tests import package

    assert [c.argv[2] for c in checks] == list(package.CHECKS)


def test_compat_stage_runs_units_and_the_stack_on_both_ends_of_requires_ansible() -> None:
    assert [c.name for c in run.compat_checks("2.19.0")] == [
        "ansible-core oldest unit",
        "ansible-core oldest stack",
        "ansible-core newest unit",
        "ansible-core newest stack",
    ]


def test_compat_stage_leaves_the_oldest_to_the_other_stages_when_the_venv_holds_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tests import compat

    oldest = compat.oldest_allowed()
    assert [c.name for c in run.compat_checks(oldest)] == [
        "ansible-core newest unit",
        "ansible-core newest stack",
    ]
    assert f"ansible-core {oldest}, the oldest requires_ansible allows" in capsys.readouterr().out
