import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from tests.bench import bench_site

OUTPUT = """
PLAY RECAP *********************************************************************
localhost                  : ok=3    changed=0    unreachable=0    failed=0    skipped=0
monitor                    : ok=41   changed=2    unreachable=0    failed=0    skipped=3
web                        : ok=17   changed=0    unreachable=0    failed=1    skipped=1
"""


def test_recap_reads_each_host_but_the_controller() -> None:
    assert bench_site.recap(OUTPUT) == [("monitor", 41, 2, 0, 3), ("web", 17, 0, 1, 1)]


def test_table_has_a_row_per_run() -> None:
    run = bench_site.Run(
        "single", "no-op re-run", 7.25, ok=30, changed=0, skipped=2, failed=0, hosts=1
    )
    text = bench_site.table([run])
    assert "| single | no-op re-run | 7.2 s | 30 ok + 2 skipped | 0 | 1 |" in text


def test_each_case_starts_with_an_empty_fact_cache_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANSIBLE_CACHE_PLUGIN_CONNECTION", raising=False)
    (tmp_path / "facts").mkdir()
    (tmp_path / "facts" / "bench-one").write_text("{}")
    bench_site.fresh_fact_cache(tmp_path)
    assert os.environ["ANSIBLE_CACHE_PLUGIN_CONNECTION"] == str(tmp_path / "facts")
    assert list((tmp_path / "facts").iterdir()) == []


def test_cpu_is_user_plus_system_time_between_two_readings() -> None:
    before = SimpleNamespace(ru_utime=1.5, ru_stime=0.25)
    after = SimpleNamespace(ru_utime=4.0, ru_stime=1.0)
    assert bench_site.cpu_seconds(before, after) == pytest.approx(3.25)


def test_cpu_counts_the_children_of_the_child() -> None:
    # ansible-playbook's workers are its forked children: a grandchild's CPU must count.
    burn = (
        "import os, sys; pid = os.fork(); sum(range(3_000_000)) if pid == 0 else os.waitpid(pid, 0)"
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", burn], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.process_time()
    sum(range(3_000_000))
    alone = time.process_time() - started
    assert bench_site.cpu_seconds(before, after) > alone * 0.8


def test_fleet_cpu_is_shared_out_per_host() -> None:
    run = bench_site.Run(
        "fleet", "no-op re-run", 6.0, ok=10, changed=0, skipped=1, failed=0, hosts=20, cpu=9.0
    )
    assert run.cpu_per_host == pytest.approx(0.45)


def test_fleet_table_has_the_controller_cpu_columns() -> None:
    run = bench_site.Run(
        "fleet",
        "first converge",
        30.04,
        ok=12,
        changed=60,
        skipped=2,
        failed=0,
        hosts=20,
        cpu=25.0,
    )
    lines = bench_site.fleet_table([run]).splitlines()
    assert lines[0].count("|") == lines[1].count("|") == lines[2].count("|") == 8
    assert "CPU per host" in lines[0] and "tasks per host" in lines[0]
    assert lines[2] == "| 20 | first converge | 30.0 s | 25.0 s | 1.25 s | 12 ok + 2 skipped | 60 |"


@pytest.mark.parametrize(
    ("text", "counts"), [("20", [20]), ("1,20,50", [1, 20, 50]), (" 1 20  50 ", [1, 20, 50])]
)
def test_fleet_sizes(text: str, counts: list[int]) -> None:
    assert bench_site.host_counts(text) == counts


@pytest.mark.parametrize("text", ["", "0", "-3", "twenty", "2.5"])
def test_fleet_sizes_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="fleet sizes"):
        bench_site.host_counts(text)


def test_fleet_names_sort_and_fit_the_size() -> None:
    assert bench_site.fleet_names(1) == ["fleet-01"]
    assert bench_site.fleet_names(20)[-1] == "fleet-20"
    names = bench_site.fleet_names(120)
    assert names[:2] == ["fleet-001", "fleet-002"] and names == sorted(names)


def test_fleet_inventory_is_node_exporter_on_n_containers(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    directory = bench_site.write_fleet_inventory(tmp_path / "fleet-3", 3, mirror)
    inventory = yaml.safe_load((directory / "hosts.yml").read_text())
    everything = inventory["all"]
    assert everything["hosts"] == {
        "fleet-01": {"ansible_host": "plugspace-bench-fleet-01"},
        "fleet-02": {"ansible_host": "plugspace-bench-fleet-02"},
        "fleet-03": {"ansible_host": "plugspace-bench-fleet-03"},
    }
    assert list(everything["children"]) == ["node_exporter"]
    assert list(everything["children"]["node_exporter"]["hosts"]) == list(everything["hosts"])
    assert everything["vars"]["demo_network"] == "plugspace-bench"
    assert everything["vars"]["demo_image"] == "plugspace-systemd:bookworm"
    assert everything["vars"]["binary_service_mirror_url"] == f"file://{mirror}"
    assert everything["vars"]["ansible_connection"] == "community.docker.docker_api"


def test_fleet_inventory_is_rewritten_for_a_new_run(tmp_path: Path) -> None:
    directory = tmp_path / "fleet-2"
    directory.mkdir()
    (directory / "stale.yml").write_text("all: {hosts: {old: {}}}\n")
    bench_site.write_fleet_inventory(directory, 2, tmp_path)
    assert sorted(p.name for p in directory.iterdir()) == ["hosts.yml"]


def test_containers_are_removed_when_a_run_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    books: list[str] = []

    def playbook(inventory: Path, book: str, *extra: str) -> tuple[float, float, str]:
        books.append(book)
        if book == "site.yml":
            raise SystemExit("site.yml failed")
        return 0.0, 0.0, ""

    monkeypatch.setattr(bench_site, "playbook", playbook)
    monkeypatch.setattr(bench_site, "fresh_fact_cache", lambda scratch: None)
    with pytest.raises(SystemExit, match=r"site\.yml failed"):
        bench_site.timed_steps("fleet", Path("inventory"), prepare=False)
    assert books == ["demo/down.yml", "demo/up.yml", "site.yml", "demo/down.yml"]


def test_a_failed_removal_does_not_hide_the_first_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def playbook(inventory: Path, book: str, *extra: str) -> tuple[float, float, str]:
        raise SystemExit(f"{book} failed")

    monkeypatch.setattr(bench_site, "playbook", playbook)
    monkeypatch.setattr(bench_site, "fresh_fact_cache", lambda scratch: None)
    with pytest.raises(SystemExit, match=r"^demo/down\.yml failed$"):
        bench_site.timed_steps("fleet", Path("inventory"), prepare=False)
    assert "warning: demo/down.yml failed" in capsys.readouterr().err


def test_a_fleet_too_big_for_the_inotify_limit_is_refused_before_any_container() -> None:
    assert bench_site.inotify_shortfall(20, 128) is None
    problem = bench_site.inotify_shortfall(50, 128)
    assert problem is not None
    assert "fs.inotify.max_user_instances is 128" in problem
    assert "sysctl -w fs.inotify.max_user_instances=512" in problem
    assert bench_site.inotify_shortfall(50, 512) is None
