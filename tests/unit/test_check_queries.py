import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from tests.stack import check_queries


class FakePrometheus(BaseHTTPRequestHandler):
    """Answers /api/v1/query like Prometheus: 400 for 'bad(', no data for 'absent'."""

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        expr = parse_qs(self.rfile.read(length).decode())["query"][0]
        body: dict[str, object]
        if "bad(" in expr:
            status, body = 400, {"status": "error", "errorType": "bad_data", "error": "parse error"}
        else:
            result = [] if "absent" in expr else [{"metric": {}, "value": [0, "1"]}]
            status, body = (
                200,
                {"status": "success", "data": {"resultType": "vector", "result": result}},
            )
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def prometheus() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakePrometheus)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _dashboard(tmp_path: Path, exprs: list[str]) -> Path:
    panels = [
        {"title": "row", "type": "row", "panels": [{"title": f"p{i}", "targets": [{"expr": e}]}]}
        for i, e in enumerate(exprs)
    ]
    (tmp_path / "d.json").write_text(json.dumps({"uid": "d", "panels": panels}))
    return tmp_path


def test_substitute_grafana_variables() -> None:
    assert check_queries.substitute('rate(x{instance=~"$instance"}[$__rate_interval])') == (
        'rate(x{instance=~".*"}[5m])'
    )
    assert check_queries.substitute('up{job=~"${job:regex}"}') == 'up{job=~".*"}'


def test_nested_row_panels_are_found(tmp_path: Path) -> None:
    assert check_queries.dashboard_queries(_dashboard(tmp_path, ["up"])) == [("d", "p0", "up")]


def test_parse_errors_fail_and_empty_results_are_reported(tmp_path: Path, prometheus: str) -> None:
    results = check_queries.check(prometheus, _dashboard(tmp_path, ["up", "absent_metric", "bad("]))
    assert [(r.parsed, r.series) for r in results] == [(True, 1), (True, 0), (False, 0)]
    text = check_queries.report(results)
    assert "3 queries, 1 failed to parse" in text
    assert "no data: d / p1: absent_metric" in text
    assert check_queries.main(["--url", prometheus, "--dashboards", str(tmp_path)]) == 1


def test_shipped_dashboards_hold_queries() -> None:
    assert len(check_queries.dashboard_queries(check_queries.DASHBOARDS)) >= 20


def test_auth_header() -> None:
    from tests.stack.check_queries import auth_header

    assert auth_header("", "x") == {}
    assert auth_header("admin", "pw") == {"Authorization": "Basic YWRtaW46cHc="}
