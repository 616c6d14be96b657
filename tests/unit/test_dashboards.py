"""Tests of the dashboards-as-code package and the JSON the grafana role ships."""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dashboards import build

COMMITTED = Path(__file__).resolve().parents[2] / "roles" / "grafana" / "files" / "dashboards"
PROM_REF = {"type": "prometheus", "uid": "prometheus"}

# The Monitoring Guide: "Pre-built Dashboards" (titles) and the uids the role provisions.
EXPECTED = {
    "plugspace-production": "Plugspace Production Dashboard",
    "plugspace-system": "System Overview",
    "plugspace-api": "API Performance",
    "plugspace-voice": "Voice Server Metrics",
    "plugspace-database": "Database Performance",
}

# The Monitoring Guide, "Useful Prometheus Queries", copied here independently of the code.
GUIDE_QUERIES = [
    "sum(rate(http_requests_total[5m]))",
    "sum(rate(http_requests_total[5m])) by (status)",
    'sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m])) * 100',
    "histogram_quantile(0.50, sum(rate(http_request_duration_seconds_bucket[5m])) by (le))",
    "histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket[5m])) by (le))",
    "histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket[5m])) by (le))",
    '100 - (avg(irate(node_cpu_seconds_total{mode="idle"}[5m])) * 100)',
    "(node_memory_MemTotal_bytes - node_memory_MemAvailable_bytes) / node_memory_MemTotal_bytes * 100",  # noqa: E501
    '100 - ((node_filesystem_avail_bytes{mountpoint="/"} / node_filesystem_size_bytes{mountpoint="/"}) * 100)',  # noqa: E501
    "voice_active_sessions",
    "histogram_quantile(0.95, sum(rate(voice_session_latency_seconds_bucket[5m])) by (le))",
    "rate(voice_audio_bytes_received_total[5m]) + rate(voice_audio_bytes_sent_total[5m])",
]


def normalise(expr: str) -> str:
    return " ".join(expr.split())


def committed() -> dict[str, dict[str, Any]]:
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(COMMITTED.glob("*.json"))
    }


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    return build.iter_panels(dashboard.get("panels") or [])


def data_panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in panels(dashboard) if p.get("type") != "row"]


@pytest.fixture(scope="module")
def generated() -> dict[str, dict[str, Any]]:
    return build.build_all()


def test_committed_json_equals_generated() -> None:
    problems = build.check(COMMITTED)
    assert problems == [], "\n".join(
        [
            *problems,
            "run: .venv/bin/python -m dashboards.build --out roles/grafana/files/dashboards",
        ]
    )


def test_output_is_deterministic() -> None:
    assert build.generate() == build.generate()


def test_the_guides_five_dashboards(generated: dict[str, dict[str, Any]]) -> None:
    assert {uid: d["title"] for uid, d in generated.items()} == EXPECTED
    assert set(committed()) == set(EXPECTED)


@pytest.mark.parametrize("uid", sorted(EXPECTED))
def test_dashboard_settings(generated: dict[str, dict[str, Any]], uid: str) -> None:
    dashboard = generated[uid]
    assert dashboard["uid"] == uid
    assert re.fullmatch(r"[a-z0-9-]{1,40}", uid)
    assert dashboard["refresh"] == "30s"
    assert "plugspace" in dashboard["tags"]
    assert dashboard["time"] == {"from": "now-6h", "to": "now"}
    assert "id" not in dashboard or dashboard["id"] is None


@pytest.mark.parametrize("uid", sorted(EXPECTED))
def test_every_panel_queries_the_provisioned_prometheus(
    generated: dict[str, dict[str, Any]], uid: str
) -> None:
    found = data_panels(generated[uid])
    assert found
    for panel in found:
        assert panel["datasource"] == PROM_REF, panel["title"]
        assert panel["targets"], panel["title"]
        assert any(t.get("expr", "").strip() for t in panel["targets"]), panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == PROM_REF, panel["title"]
        assert panel["fieldConfig"]["defaults"].get("unit"), panel["title"]


@pytest.mark.parametrize("uid", sorted(EXPECTED))
def test_panel_ids_are_unique_and_the_layout_fits(
    generated: dict[str, dict[str, Any]], uid: str
) -> None:
    every = list(panels(generated[uid]))
    ids = [p["id"] for p in every]
    assert len(ids) == len(set(ids))
    assert all(isinstance(i, int) and i > 0 for i in ids)
    cells: set[tuple[int, int]] = set()
    for panel in every:
        pos = panel["gridPos"]
        assert pos["x"] >= 0 and pos["x"] + pos["w"] <= 24, panel["title"]
        area = {
            (x, y)
            for x in range(pos["x"], pos["x"] + pos["w"])
            for y in range(pos["y"], pos["y"] + pos["h"])
        }
        assert not area & cells, f"{panel['title']} overlaps another panel"
        cells |= area


def test_no_import_placeholders_in_committed_files() -> None:
    for path in COMMITTED.glob("*.json"):
        assert "${DS_" not in path.read_text(encoding="utf-8"), path


def test_committed_files_are_canonical_json() -> None:
    for path in COMMITTED.glob("*.json"):
        text = path.read_text(encoding="utf-8")
        assert (
            text
            == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        )


@pytest.mark.parametrize("query", GUIDE_QUERIES)
def test_every_guide_query_is_on_a_dashboard(query: str) -> None:
    exprs = {normalise(expr) for _, _, expr in build.all_queries()}
    assert normalise(query) in exprs


def test_template_variables_are_defined_where_used(generated: dict[str, dict[str, Any]]) -> None:
    for uid, dashboard in generated.items():
        defined = {v["name"] for v in dashboard.get("templating", {}).get("list", [])}
        for panel in data_panels(dashboard):
            for target in panel["targets"]:
                used = set(re.findall(r"\$\{?(\w+)", target["expr"]))
                assert used <= defined, f"{uid}/{panel['title']}: {used - defined}"


def test_system_overview_filters_by_instance(generated: dict[str, dict[str, Any]]) -> None:
    variable = generated["plugspace-system"]["templating"]["list"][0]
    assert variable["name"] == "instance"
    assert variable["query"] == 'label_values(up{job="node-exporter"}, instance)'
    assert variable["datasource"] == PROM_REF
    for panel in data_panels(generated["plugspace-system"]):
        assert all('instance=~"$instance"' in t["expr"] for t in panel["targets"]), panel["title"]


def test_guide_alert_thresholds(generated: dict[str, dict[str, Any]]) -> None:
    def steps(uid: str, title: str) -> list[float]:
        panel = next(p for p in data_panels(generated[uid]) if p["title"] == title)
        return [s["value"] for s in panel["fieldConfig"]["defaults"]["thresholds"]["steps"][1:]]

    assert steps("plugspace-system", "CPU usage") == [80, 95]
    assert steps("plugspace-system", "Memory usage") == [85, 95]
    assert steps("plugspace-system", "Disk usage (/)") == [85, 95]
    assert steps("plugspace-api", "Error rate (5xx)") == [5, 10]
    assert steps("plugspace-api", "p95 latency") == [1]


def test_database_metric_names(generated: dict[str, dict[str, Any]]) -> None:
    exprs = {expr for uid, _, expr in build.all_queries() if uid == "plugspace-database"}
    assert 'mongodb_connections{state="current"}' in exprs
    assert 'mongodb_connections{state="available"}' in exprs
    assert "sum by (type) (rate(mongodb_op_counters_total[5m]))" in exprs
    assert {"redis_memory_used_bytes", "redis_connected_clients", "mongodb_up", "redis_up"} <= exprs


def test_all_queries_lists_every_target(generated: dict[str, dict[str, Any]]) -> None:
    queries = build.all_queries()
    targets = sum(len(p["targets"]) for d in generated.values() for p in data_panels(d))
    assert len(queries) == targets
    assert {uid for uid, _, _ in queries} == set(EXPECTED)
    assert all(title and expr for _, title, expr in queries)


def test_cli_writes_then_checks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert build.main(["--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{uid}.json" for uid in EXPECTED)
    assert build.main(["--out", str(tmp_path), "--check"]) == 0

    changed = tmp_path / "plugspace-api.json"
    changed.write_text(changed.read_text().replace('"30s"', '"1m"'), encoding="utf-8")
    (tmp_path / "plugspace-old.json").write_text("{}\n", encoding="utf-8")
    (tmp_path / "plugspace-voice.json").unlink()
    capsys.readouterr()
    assert build.main(["--out", str(tmp_path), "--check"]) == 1
    err = capsys.readouterr().err
    assert "plugspace-api.json: differs (+1 -1 lines)" in err
    assert '-  "refresh": "1m",' in err
    assert "plugspace-voice.json: missing" in err
    assert "plugspace-old.json: not generated" in err

    assert build.main(["--out", str(tmp_path)]) == 0
    assert build.main(["--out", str(tmp_path), "--check"]) == 0
    assert not (tmp_path / "plugspace-old.json").exists()
