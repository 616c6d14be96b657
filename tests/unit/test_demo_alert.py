"""Unit tests for tools/demo_alert.py (make demo-alert), with a fake demo and a fake clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from tools import demo_alert
from tools.demo_alert import Clock, Config, Note, Walk

SUMMARY = "Redis on demo-data is unreachable"


def alerts(state: str, instance: str = "demo-data") -> dict[str, Any]:
    if not state:
        return {"data": {"alerts": []}}
    alert = {
        "labels": {"alertname": "RedisDown", "instance": instance},
        "annotations": {"summary": SUMMARY},
        "state": state,
    }
    return {"data": {"alerts": [alert]}}


def test_alert_state_picks_the_alert_on_the_instance() -> None:
    assert demo_alert.alert_state(alerts("pending"), "RedisDown", "demo-data") == (
        "pending",
        {"summary": SUMMARY},
    )
    assert demo_alert.alert_state(alerts("firing", "other"), "RedisDown", "demo-data") == ("", {})
    assert demo_alert.alert_state(None, "RedisDown", "demo-data") == ("", {})


def test_matching_keeps_the_first_note_per_channel_since_the_start() -> None:
    notes = [
        Note(5.0, "slack", "firing", f"FIRING:1: {SUMMARY}", "*RedisDown*"),
        Note(1.0, "slack", "firing", f"FIRING:1: {SUMMARY}", "old run"),
        Note(6.0, "pagerduty", "firing", f"FIRING:1: {SUMMARY}", "event_action trigger"),
        Note(7.0, "slack", "resolved", f"RESOLVED: {SUMMARY}", ""),
        Note(8.0, "deadman", "firing", "FIRING: Watchdog", ""),
    ]
    found = demo_alert.matching(notes, 2.0, "RedisDown", SUMMARY, "firing")
    assert sorted(found) == ["pagerduty", "slack"]
    assert found["slack"].time == 5.0
    resolved = demo_alert.matching(notes, 2.0, "RedisDown", SUMMARY, "resolved")
    assert list(resolved) == ["slack"]


@dataclass
class FakeDemo:
    """Prometheus and the sinks of a demo whose Redis can be stopped and started."""

    clock: list[float] = field(default_factory=lambda: [0.0])
    redis_up: bool = True
    stopped_at: float | None = None
    started_at: float | None = None
    deliver: bool = True
    notes: list[dict[str, Any]] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)

    def now(self) -> float:
        return self.clock[0]

    def sleep(self, seconds: float) -> None:
        self.clock[0] += seconds

    def systemctl(self, action: str) -> None:
        self.actions.append(action)
        self.redis_up = action == "start"
        if action == "stop":
            self.stopped_at = self.now()
        else:
            self.started_at = self.now()

    def state(self) -> str:
        if self.stopped_at is None or (self.redis_up and self.started_at is not None):
            return ""
        down_for = self.now() - self.stopped_at
        return "" if down_for < 20 else "pending" if down_for < 85 else "firing"

    def fetch(self, url: str) -> Any:
        if url.endswith("/api/v1/alerts"):
            return alerts(self.state())
        notes = [
            {"time": 0.5, "channel": "deadman", "status": "firing", "title": "FIRING: Watchdog"}
        ]
        if self.deliver and self.state() == "firing":
            for channel in ("slack", "pagerduty", "email"):
                title = f"FIRING:1: {SUMMARY}"
                notes.append(
                    {"time": self.now(), "channel": channel, "status": "firing", "title": title}
                )
        if self.deliver and self.started_at is not None:
            for channel in ("slack", "pagerduty"):
                title = f"RESOLVED: {SUMMARY}"
                notes.append(
                    {"time": self.now(), "channel": channel, "status": "resolved", "title": title}
                )
        return self.notes + notes


def walk(demo: FakeDemo, lines: list[str]) -> Walk:
    clock = Clock(now=demo.now, wall=demo.now, sleep=demo.sleep)
    return Walk(Config(), say=lines.append, clock=clock, fetch=demo.fetch, systemctl=demo.systemctl)


def test_the_whole_path_works_and_every_wait_says_what_it_waits_for() -> None:
    demo = FakeDemo()
    lines: list[str] = []
    last = walk(demo, lines).run()
    assert last.startswith("demo-alert: the whole path worked: RedisDown on demo-data went pending")
    assert demo.actions == ["stop", "start"]
    waits = [line for line in lines if "waiting (at most" in line]
    assert len(waits) == 6
    assert all(" s) for " in line for line in waits)
    assert any("slack" in line and SUMMARY in line for line in lines)


def test_a_missing_notification_is_named_and_redis_is_started_again() -> None:
    demo = FakeDemo(deliver=False)
    lines: list[str] = []
    last = walk(demo, lines).run()
    assert last == (
        "demo-alert: the path did NOT work: the notification at the Slack, PagerDuty and email "
        "sinks: not seen within 120 s"
    )
    assert demo.actions == ["stop", "start"]
    assert demo.redis_up


def test_an_unreachable_prometheus_fails_before_redis_is_touched() -> None:
    demo = FakeDemo()

    def refuse(url: str) -> Any:
        raise OSError("connection refused")

    lines: list[str] = []
    clock = Clock(now=demo.now, wall=demo.now, sleep=demo.sleep)
    last = Walk(
        Config(), say=lines.append, clock=clock, fetch=refuse, systemctl=demo.systemctl
    ).run()
    assert "Prometheus and the sinks to answer: not seen within 30 s" in last
    assert "connection refused" in last
    assert demo.actions == []


@pytest.mark.parametrize("argv", [[], ["--prometheus", "http://h:9090/", "--instance", "db"]])
def test_parse_args(argv: list[str]) -> None:
    config = demo_alert.parse_args(argv)
    assert not config.prometheus.endswith("/")
    assert config.instance == ("db" if argv else "demo-data")


def test_only_prometheus_gets_the_password_and_the_ca(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, Any, Any]] = []

    def fake(url: str, headers: Any = None, context: Any = None) -> Any:
        seen.append((url, headers, context))
        return {}

    monkeypatch.setattr(demo_alert, "get_json", fake)
    fetch = demo_alert.prometheus_fetch("https://127.0.0.1:9090", "", "admin", "pw")
    fetch("https://127.0.0.1:9090/api/v1/alerts")
    fetch("http://127.0.0.1:8081/notifications")
    assert seen[0][1] == {"Authorization": "Basic YWRtaW46cHc="}
    assert seen[1] == ("http://127.0.0.1:8081/notifications", None, None)
