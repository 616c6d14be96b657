"""HTTP sink standing in for the Slack webhook and PagerDuty Events APIs.

Every POST is answered the way the real service answers (Slack: 200 ``ok``;
PagerDuty, any path starting with ``/pagerduty``: 202 and a JSON status) and
appended to a JSON Lines file as ``{"time", "path", "body", "auth_sha256"}``,
where ``body`` is the parsed JSON (or ``{"raw": text}`` when the body is not
JSON) and ``auth_sha256`` the sha256 of the Authorization header (empty when
there is none): a test can check which credential was sent without the sink
writing it down.
``GET /records`` returns every record as one JSON list; ``GET /-/healthy``
answers 200.

    python3 http_sink.py --host 127.0.0.1 --port 8081 --out /var/lib/sinks/http.jsonl
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import threading
import time
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

MAX_BODY = 10 * 1024 * 1024


def read_records(out: Path) -> list[dict[str, Any]]:
    """Every record written so far, oldest first."""
    if not out.exists():
        return []
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line]


def parse_body(data: bytes) -> Any:
    """The JSON document of a request body, or the raw text when it is not JSON."""
    text = data.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return {"raw": text}


class SinkServer(ThreadingHTTPServer):
    """A threading HTTP server that appends what it receives to ``out``."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], out: Path) -> None:
        super().__init__(address, SinkHandler)
        self.out = out
        self.lock = threading.Lock()

    def record(self, path: str, body: Any, authorization: str = "") -> None:
        auth = hashlib.sha256(authorization.encode()).hexdigest() if authorization else ""
        entry = {"time": time.time(), "path": path, "body": body, "auth_sha256": auth}
        line = json.dumps(entry, sort_keys=True)
        with self.lock, self.out.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")


class SinkHandler(BaseHTTPRequestHandler):
    """Records POSTs, serves the records back."""

    server: SinkServer
    protocol_version = "HTTP/1.1"

    def _reply(self, status: int, payload: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            self._reply(413, b"too large\n", "text/plain")
            return
        body = parse_body(self.rfile.read(length))
        self.server.record(self.path, body, self.headers.get("Authorization", ""))
        if self.path.startswith("/pagerduty"):
            dedup = body.get("dedup_key", "") if isinstance(body, dict) else ""
            answer = {"status": "success", "message": "Event processed", "dedup_key": dedup}
            self._reply(202, json.dumps(answer).encode(), "application/json")
        else:
            self._reply(200, b"ok", "text/plain")

    def do_GET(self) -> None:
        if self.path == "/records":
            with self.server.lock:
                records = read_records(self.server.out)
            self._reply(200, json.dumps(records).encode(), "application/json")
        elif self.path == "/-/healthy":
            self._reply(200, b"ok\n", "text/plain")
        else:
            self._reply(404, b"not found\n", "text/plain")

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"http_sink: {self.address_string()} {format % args}\n")


def make_server(host: str, port: int, out: Path) -> SinkServer:
    """A bound server (port 0 picks a free one); call ``serve_forever`` to run it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.touch(exist_ok=True)
    return SinkServer((host, port), out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Record Slack/PagerDuty-style webhook POSTs.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--out", type=Path, required=True, help="JSON Lines file of the records")
    args = parser.parse_args(argv)
    server = make_server(args.host, args.port, args.out)
    print(f"http_sink listening on {args.host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
