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

What people read: ``GET /`` is a small page of every notification received,
newest first (channel, firing or resolved, title and text), and
``GET /notifications`` the same as JSON, oldest first. Both include the
messages of the SMTP sink (``smtp_sink.py``), read from ``--smtp-out``
(default: ``smtp.jsonl`` beside ``--out``), served raw at ``GET /smtp/records``.
A POST under ``/slack`` is Slack, under ``/pagerduty`` PagerDuty, under
``/deadman`` the dead man's switch; anything else is a plain webhook.

    python3 http_sink.py --host 127.0.0.1 --port 8081 --out /var/lib/sinks/http.jsonl
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

MAX_BODY = 10 * 1024 * 1024
CHANNELS = (("/slack", "slack"), ("/pagerduty", "pagerduty"), ("/deadman", "deadman"))


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


@dataclass(frozen=True)
class Notification:
    """One received notification, as a person reads it."""

    time: float
    channel: str  # slack, pagerduty, email, deadman or webhook
    status: str  # firing or resolved
    title: str
    text: str


def channel_of(path: str) -> str:
    """The service a POST path stands in for."""
    for prefix, channel in CHANNELS:
        if path == prefix or path.startswith(prefix + "/"):
            return channel
    return "webhook"


def _status_of(title: str) -> str:
    return "resolved" if title.upper().startswith("RESOLVED") else "firing"


def _webhook_summary(body: Mapping[str, Any]) -> tuple[str, str]:
    alerts = [a for a in body.get("alerts") or [] if isinstance(a, Mapping)]
    names = sorted({str((a.get("labels") or {}).get("alertname", "?")) for a in alerts})
    title = f"{str(body.get('status', '')).upper()}: {', '.join(names) or '(no alerts)'}"
    lines = [str((a.get("annotations") or {}).get("description", "")) for a in alerts]
    return title, "\n".join(line for line in lines if line)


def summarize_http(record: Mapping[str, Any]) -> Notification:
    """What a record of this sink says: title and text as the service would show them."""
    channel = channel_of(str(record.get("path", "")))
    body = record.get("body")
    body = body if isinstance(body, Mapping) else {}
    title, text, status = "", "", ""
    if channel == "slack":
        attachments = [a for a in body.get("attachments") or [] if isinstance(a, Mapping)]
        title = " / ".join(str(a.get("title", "")) for a in attachments) or str(
            body.get("text", "")
        )
        text = "\n".join(str(a.get("text", "")) for a in attachments)
    elif channel == "pagerduty":
        raw_payload = body.get("payload")
        payload: Mapping[str, Any] = raw_payload if isinstance(raw_payload, Mapping) else {}
        action = str(body.get("event_action", ""))
        status = "resolved" if action == "resolve" else "firing"
        title = str(payload.get("summary") or body.get("description") or body.get("dedup_key", ""))
        text = f"event_action {action}, severity {payload.get('severity', '-')}"
        text += f", dedup_key {body.get('dedup_key', '-')}"
    elif "alerts" in body:
        title, text = _webhook_summary(body)
        status = str(body.get("status", ""))
    else:
        title = str(body.get("raw", json.dumps(body)))[:200]
    return Notification(
        time=float(record.get("time", 0.0)),
        channel=channel,
        status=status or _status_of(title),
        title=title,
        text=text.strip(),
    )


def summarize_smtp(record: Mapping[str, Any]) -> Notification:
    """An email recorded by smtp_sink.py, as a notification."""
    subject = str(record.get("subject", ""))
    return Notification(
        time=float(record.get("time", 0.0)),
        channel="email",
        status=_status_of(subject),
        title=subject,
        text=str(record.get("text", "")).strip(),
    )


def notifications(http_out: Path, smtp_out: Path | None) -> list[Notification]:
    """Every notification both sinks received, oldest first."""
    notes = [summarize_http(r) for r in read_records(http_out)]
    if smtp_out is not None:
        notes += [summarize_smtp(r) for r in read_records(smtp_out)]
    return sorted(notes, key=lambda note: note.time)


def render_page(notes: Sequence[Notification]) -> bytes:
    """A small HTML page of the notifications, newest first."""
    rows = []
    for note in reversed(notes):
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(note.time))
        rows.append(
            f"<tr class={html.escape(note.status, quote=True)}><td>{when}</td>"
            f"<td>{html.escape(note.channel)}</td><td>{html.escape(note.status)}</td>"
            f"<td><b>{html.escape(note.title)}</b><pre>{html.escape(note.text)}</pre></td></tr>"
        )
    empty = "<tr><td colspan=4>Nothing received yet.</td></tr>"
    page = (
        "<!doctype html><html><head><meta charset=utf-8><meta http-equiv=refresh content=10>"
        "<title>Notifications received</title><style>"
        "body{font-family:sans-serif}"
        "td{vertical-align:top;padding:4px 8px;border-top:1px solid #ccc}"
        "tr.firing td:nth-child(3){color:#b00}tr.resolved td:nth-child(3){color:#070}"
        "pre{white-space:pre-wrap;margin:4px 0}</style></head><body>"
        "<h1>Notifications received</h1><p>Stand-ins for Slack, PagerDuty, email and the dead"
        " man's switch; newest first (UTC), refreshed every 10 s. JSON: "
        "<a href=/notifications>/notifications</a>.</p>"
        "<table><tr><th>time</th><th>channel</th><th>status</th><th>message</th></tr>"
        f"{''.join(rows) or empty}</table></body></html>\n"
    )
    return page.encode("utf-8")


class SinkServer(ThreadingHTTPServer):
    """A threading HTTP server that appends what it receives to ``out``."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], out: Path, smtp_out: Path | None = None) -> None:
        super().__init__(address, SinkHandler)
        self.out = out
        self.smtp_out = smtp_out
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
        elif self.path == "/smtp/records":
            smtp = read_records(self.server.smtp_out) if self.server.smtp_out else []
            self._reply(200, json.dumps(smtp).encode(), "application/json")
        elif self.path in ("/", "/notifications"):
            with self.server.lock:
                notes = notifications(self.server.out, self.server.smtp_out)
            if self.path == "/":
                self._reply(200, render_page(notes), "text/html; charset=utf-8")
            else:
                payload = json.dumps([asdict(note) for note in notes]).encode()
                self._reply(200, payload, "application/json")
        elif self.path == "/-/healthy":
            self._reply(200, b"ok\n", "text/plain")
        else:
            self._reply(404, b"not found\n", "text/plain")

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"http_sink: {self.address_string()} {format % args}\n")


def make_server(host: str, port: int, out: Path, smtp_out: Path | None = None) -> SinkServer:
    """A bound server (port 0 picks a free one); call ``serve_forever`` to run it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.touch(exist_ok=True)
    return SinkServer((host, port), out, smtp_out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Record Slack/PagerDuty-style webhook POSTs.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--out", type=Path, required=True, help="JSON Lines file of the records")
    parser.add_argument(
        "--smtp-out",
        type=Path,
        help="the SMTP sink's JSON Lines file (default: smtp.jsonl beside --out)",
    )
    args = parser.parse_args(argv)
    smtp_out = args.smtp_out or args.out.with_name("smtp.jsonl")
    server = make_server(args.host, args.port, args.out, smtp_out)
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
