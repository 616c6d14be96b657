import os
from pathlib import Path

import pytest

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
