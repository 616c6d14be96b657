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
