"""Unit tests for tests/sinks: the Slack/PagerDuty HTTP sink and the SMTP sink.

They run the real servers on 127.0.0.1 (free ports) and talk to them with the
standard library's clients, every call with a timeout.
"""

from __future__ import annotations

import hashlib
import json
import smtplib
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from tests.sinks import http_sink, smtp_sink

TIMEOUT = 5.0
SINKS = Path(__file__).resolve().parent.parent / "sinks"


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    out = tmp_path / "records" / "http.jsonl"
    server = http_sink.make_server("127.0.0.1", 0, out)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", out
    finally:
        server.shutdown()
        server.server_close()
        thread.join(TIMEOUT)


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    out = tmp_path / "smtp.jsonl"
    server = smtp_sink.make_server("127.0.0.1", 0, out)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], out
    finally:
        server.shutdown()
        server.server_close()
        thread.join(TIMEOUT)


def post(url: str, payload: bytes, **headers: str) -> tuple[int, bytes]:
    request = urllib.request.Request(
        url, data=payload, headers={"Content-Type": "application/json", **headers}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        return response.status, response.read()


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        return json.loads(response.read())


def test_http_sink_answers_like_slack_and_records_path_and_body(
    http_server: tuple[str, Path],
) -> None:
    url, out = http_server
    slack = {"channel": "#alerts", "attachments": [{"title": "FIRING: disk"}]}
    assert post(f"{url}/slack/T0/B0/token", json.dumps(slack).encode()) == (200, b"ok")
    records = http_sink.read_records(out)
    assert [(r["path"], r["body"], r["auth_sha256"]) for r in records] == [
        ("/slack/T0/B0/token", slack, "")
    ]


def test_http_sink_records_only_a_hash_of_the_authorization_header(
    http_server: tuple[str, Path],
) -> None:
    url, out = http_server
    post(f"{url}/webhook", b"{}", Authorization="Bearer t0ken")
    (record,) = http_sink.read_records(out)
    assert record["auth_sha256"] == hashlib.sha256(b"Bearer t0ken").hexdigest()
    assert "t0ken" not in out.read_text()


def test_http_sink_answers_like_pagerduty_events_v2(http_server: tuple[str, Path]) -> None:
    url, _ = http_server
    event = {"routing_key": "k", "event_action": "trigger", "dedup_key": "abc"}
    status, body = post(f"{url}/pagerduty", json.dumps(event).encode())
    assert status == 202
    assert json.loads(body) == {
        "status": "success",
        "message": "Event processed",
        "dedup_key": "abc",
    }


def test_http_sink_serves_records_and_keeps_non_json_bodies(http_server: tuple[str, Path]) -> None:
    url, _ = http_server
    post(f"{url}/slack", b"not json")
    post(f"{url}/pagerduty", b'{"event_action": "resolve"}')
    records = get_json(f"{url}/records")
    assert [r["body"] for r in records] == [{"raw": "not json"}, {"event_action": "resolve"}]
    assert get_json(f"{url}/records") == records  # reading does not consume
    with urllib.request.urlopen(f"{url}/-/healthy", timeout=TIMEOUT) as response:
        assert response.status == 200


def test_http_sink_refuses_unknown_get(http_server: tuple[str, Path]) -> None:
    url, _ = http_server
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(f"{url}/nothing", timeout=TIMEOUT)
    assert error.value.code == 404


def message(subject: str, body: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "alertmanager@example.test"
    mail["To"] = "oncall@example.test"
    mail["Subject"] = subject
    mail.set_content(body)
    mail.add_alternative(f"<p>{body}</p>", subtype="html")
    return mail


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_smtp_sink_records_an_authenticated_message(
    smtp_server: tuple[int, Path], mechanism: str
) -> None:
    port, out = smtp_server
    with smtplib.SMTP("127.0.0.1", port, timeout=TIMEOUT) as client:
        client.ehlo("verify.test")
        assert client.has_extn("auth")
        assert not client.has_extn("starttls")
        client.user, client.password = "alertmanager", "s3cret;pass"
        code, _ = client.auth(mechanism, getattr(client, f"auth_{mechanism.lower()}"))
        assert code == 235
        client.send_message(message("[FIRING:1] CriticalCPUUsage", ".dot line\nsecond"))
    (record,) = smtp_sink.read_records(out)
    assert record["auth_user"] == "alertmanager"
    assert record["auth_sha256"] == hashlib.sha256(b"s3cret;pass").hexdigest()
    assert "s3cret" not in out.read_text()
    assert record["helo"] == "verify.test"
    assert record["mail_from"] == "alertmanager@example.test"
    assert record["rcpt_to"] == ["oncall@example.test"]
    assert record["subject"] == "[FIRING:1] CriticalCPUUsage"
    assert record["text"] == ".dot line\nsecond\n"  # dot-stuffing undone


def test_smtp_sink_accepts_mail_without_auth_and_several_messages(
    smtp_server: tuple[int, Path],
) -> None:
    port, out = smtp_server
    with smtplib.SMTP("127.0.0.1", port, timeout=TIMEOUT) as client:
        client.sendmail(
            "a@example.test", ["b@example.test", "c@example.test"], b"Subject: one\r\n\r\nx\r\n"
        )
        client.rset()
        client.noop()
        client.sendmail("a@example.test", ["b@example.test"], b"Subject: two\r\n\r\ny\r\n")
    records = smtp_sink.read_records(out)
    assert [(r["subject"], r["rcpt_to"], r["auth_user"]) for r in records] == [
        ("one", ["b@example.test", "c@example.test"], ""),
        ("two", ["b@example.test"], ""),
    ]


def test_smtp_sink_refuses_data_before_rcpt_and_starttls(smtp_server: tuple[int, Path]) -> None:
    port, out = smtp_server
    with smtplib.SMTP("127.0.0.1", port, timeout=TIMEOUT) as client:
        client.ehlo()
        assert client.docmd("DATA")[0] == 503
        assert client.docmd("STARTTLS")[0] == 454
        assert client.docmd("AUTH", "CRAM-MD5")[0] == 504
        assert client.docmd("AUTH", "PLAIN !!notbase64")[0] == 501
        assert client.docmd("VRFY", "x")[0] == 502
    assert smtp_sink.read_records(out) == []


def test_smtp_sink_helpers() -> None:
    assert smtp_sink.parse_plain("\0user\0pass") == ("user", "pass")
    with pytest.raises(ValueError, match="malformed"):
        smtp_sink.parse_plain("userpass")
    assert smtp_sink.b64("=") == ""
    assert smtp_sink.unstuff([b"..a\r\n", b"b\r\n"]) == b".a\r\nb\r\n"


@pytest.mark.parametrize("script", ["http_sink.py", "smtp_sink.py"])
def test_sinks_run_as_scripts(tmp_path: Path, script: str) -> None:
    """The containers start them as plain scripts: python3 <file> --port N --out F."""
    out = tmp_path / "out.jsonl"
    argv = [sys.executable, str(SINKS / script), "--host", "127.0.0.1", "--port", "0"]
    with subprocess.Popen(
        [*argv, "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert " listening on 127.0.0.1:" in line
            port = int(line.rsplit(":", 1)[1])
            if script == "http_sink.py":
                assert post(f"http://127.0.0.1:{port}/slack", b"{}")[0] == 200
                assert http_sink.read_records(out)[0]["path"] == "/slack"
            else:
                with smtplib.SMTP("127.0.0.1", port, timeout=TIMEOUT) as client:
                    client.sendmail(
                        "a@example.test", ["b@example.test"], b"Subject: s\r\n\r\nx\r\n"
                    )
                assert smtp_sink.read_records(out)[0]["subject"] == "s"
        finally:
            process.terminate()
            process.wait(TIMEOUT)


def get_text(url: str) -> tuple[str, str]:
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        return response.headers.get("Content-Type", ""), response.read().decode()


SLACK_FIRING = {
    "channel": "#alerts",
    "attachments": [
        {
            "title": "FIRING:1: Redis on data is unreachable",
            "text": "*RedisDown* (critical) on `data`",
        }
    ],
}
PD_TRIGGER = {
    "routing_key": "k",
    "event_action": "trigger",
    "dedup_key": "d1",
    "payload": {"summary": "FIRING:1: Redis on data is unreachable", "severity": "critical"},
}
PD_RESOLVE = {"routing_key": "k", "event_action": "resolve", "dedup_key": "d1"}
WATCHDOG = {
    "status": "firing",
    "alerts": [
        {"labels": {"alertname": "Watchdog"}, "annotations": {"description": "Always firing."}}
    ],
}


def test_summaries_read_like_each_service() -> None:
    slack = http_sink.summarize_http({"time": 1.0, "path": "/slack/T/B/x", "body": SLACK_FIRING})
    assert slack == http_sink.Notification(
        1.0,
        "slack",
        "firing",
        "FIRING:1: Redis on data is unreachable",
        "*RedisDown* (critical) on `data`",
    )
    resolved = {"attachments": [{"title": "RESOLVED: Redis on data is unreachable", "text": ""}]}
    assert http_sink.summarize_http({"path": "/slack", "body": resolved}).status == "resolved"
    trigger = http_sink.summarize_http({"time": 2.0, "path": "/pagerduty", "body": PD_TRIGGER})
    assert (trigger.channel, trigger.status, trigger.title) == (
        "pagerduty",
        "firing",
        "FIRING:1: Redis on data is unreachable",
    )
    assert "severity critical" in trigger.text
    resolve = http_sink.summarize_http({"path": "/pagerduty/v2", "body": PD_RESOLVE})
    assert (resolve.status, resolve.title) == ("resolved", "d1")
    deadman = http_sink.summarize_http({"path": "/deadman/ping", "body": WATCHDOG})
    assert (deadman.channel, deadman.status, deadman.title, deadman.text) == (
        "deadman",
        "firing",
        "FIRING: Watchdog",
        "Always firing.",
    )
    other = http_sink.summarize_http({"path": "/slackish", "body": {"raw": "hello"}})
    assert (other.channel, other.title) == ("webhook", "hello")
    mail = http_sink.summarize_smtp({"time": 3.0, "subject": "RESOLVED: x", "text": "body\n"})
    assert mail == http_sink.Notification(3.0, "email", "resolved", "RESOLVED: x", "body")


def test_page_and_notifications_show_http_and_smtp_records(tmp_path: Path) -> None:
    out = tmp_path / "http.jsonl"
    smtp_out = tmp_path / "smtp.jsonl"
    smtp_out.write_text(
        json.dumps({"time": 1e9 + 5, "subject": "FIRING:1: <Redis>", "text": "mail"}) + "\n"
    )
    server = http_sink.make_server("127.0.0.1", 0, out, smtp_out)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        _, page = get_text(f"{url}/")
        assert "FIRING:1: &lt;Redis&gt;" in page  # escaped
        post(f"{url}/slack/hook", json.dumps(SLACK_FIRING).encode())
        post(f"{url}/pagerduty", json.dumps(PD_TRIGGER).encode())
        notes = get_json(f"{url}/notifications")
        assert [n["channel"] for n in notes] == ["email", "slack", "pagerduty"]  # oldest first
        assert all(set(n) == {"time", "channel", "status", "title", "text"} for n in notes)
        content_type, page = get_text(f"{url}/")
        assert content_type.startswith("text/html")
        cells = [page.index(f"<td>{channel}</td>") for channel in ("pagerduty", "slack", "email")]
        assert cells == sorted(cells)  # newest first
        assert get_json(f"{url}/smtp/records")[0]["text"] == "mail"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(TIMEOUT)


def test_page_says_when_nothing_arrived(http_server: tuple[str, Path]) -> None:
    url, _ = http_server
    assert "Nothing received yet." in get_text(f"{url}/")[1]
    assert get_json(f"{url}/notifications") == []
    assert get_json(f"{url}/smtp/records") == []
