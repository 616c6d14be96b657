"""``make demo-alert``: walk one alert through the demo, the path a newcomer cares about.

It stops Redis on the demo's data host, shows RedisDown pending and then
firing in Prometheus, shows the notification arriving at the Slack, PagerDuty
and email stand-ins (tests/sinks, read through the HTTP sink's
``/notifications``) with its text, starts Redis again and shows the resolved
notice. Every wait is bounded and says what it waits for; Redis is started
again whatever happens. The last line says whether the whole path worked
(exit status 0) or where it broke (exit status 1).

    python -m tools.demo_alert --prometheus https://127.0.0.1:9090 --sinks http://127.0.0.1:8081 \\
        --container plugspace-demo-data --instance demo-data \\
        --ca-file inventory/pki/demo/ca.crt --user admin   # the password: $PROMETHEUS_PASSWORD

With ``monitoring_tls`` on, Prometheus answers over TLS from the demo's
private CA (``--ca-file``) and asks for a password (``--user``, the password
in ``$PROMETHEUS_PASSWORD``, never on the command line).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")
HTTP_TIMEOUT = 5.0


@dataclass(frozen=True)
class Config:
    """Where the demo's pieces are."""

    prometheus: str = "http://127.0.0.1:9090"
    sinks: str = "http://127.0.0.1:8081"
    container: str = "plugspace-demo-data"
    instance: str = "demo-data"
    docker: str = "/usr/bin/docker"
    ca_file: str = ""
    user: str = ""
    alert: str = "RedisDown"
    service: str = "redis-server"
    interval: float = 2.0
    # Bounds, in seconds, of each wait (the demo scrapes and evaluates every
    # 15s, RedisDown has for: 1m, the demo's Alertmanager waits 10s per group).
    pending_within: float = 90.0
    firing_within: float = 120.0
    delivered_within: float = 120.0
    resolved_within: float = 150.0
    heartbeat_within: float = 60.0


@dataclass
class Clock:
    """Time and sleep, replaceable in tests."""

    now: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep


@dataclass(frozen=True)
class Note:
    """One notification a sink received (http_sink's ``/notifications``)."""

    time: float
    channel: str
    status: str
    title: str
    text: str

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> Note:
        return cls(
            time=float(item.get("time", 0.0)),
            channel=str(item.get("channel", "")),
            status=str(item.get("status", "")),
            title=str(item.get("title", "")),
            text=str(item.get("text", "")),
        )


class PathBrokenError(Exception):
    """A step did not happen within its bound."""


def get_json(
    url: str, headers: Mapping[str, str] | None = None, context: ssl.SSLContext | None = None
) -> Any:
    request = urllib.request.Request(url, headers=dict(headers or {}))
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT, context=context) as response:
        return json.loads(response.read())


def prometheus_fetch(
    prometheus: str, ca_file: str, user: str, password: str
) -> Callable[[str], Any]:
    """A fetch that trusts ``ca_file`` and logs in as ``user`` for Prometheus's URLs only."""
    context = ssl.create_default_context(cafile=ca_file) if ca_file else None
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    headers = {"Authorization": f"Basic {token}"} if user else {}

    def fetch(url: str) -> Any:
        if url.startswith(prometheus):
            return get_json(url, headers, context)
        return get_json(url)

    return fetch


def alert_state(alerts: Any, name: str, instance: str) -> tuple[str, dict[str, str]]:
    """State (``pending``, ``firing`` or ``""``) and annotations of alert ``name`` on ``instance``.

    ``alerts`` is Prometheus's ``/api/v1/alerts`` answer.
    """
    items = (alerts or {}).get("data", {}).get("alerts", []) if isinstance(alerts, Mapping) else []
    states = {"": 0, "pending": 1, "firing": 2}
    best: tuple[str, dict[str, str]] = ("", {})
    for item in items:
        labels = item.get("labels", {})
        if labels.get("alertname") != name or labels.get("instance") != instance:
            continue
        state = str(item.get("state", ""))
        if states.get(state, 0) > states[best[0]]:
            best = (state, {str(k): str(v) for k, v in (item.get("annotations") or {}).items()})
    return best


def is_about(note: Note, alert: str, summary: str) -> bool:
    """Whether a notification concerns the alert (its name or its summary appears in it)."""
    where = f"{note.title}\n{note.text}"
    return alert in where or (bool(summary) and summary in where)


def matching(
    notes: Iterable[Note], since: float, alert: str, summary: str, status: str
) -> dict[str, Note]:
    """The first notification per channel since ``since`` about the alert with that status."""
    found: dict[str, Note] = {}
    for note in sorted(notes, key=lambda n: n.time):
        if note.time >= since and note.status == status and is_about(note, alert, summary):
            found.setdefault(note.channel, note)
    return found


def show(note: Note, say: Callable[[str], None]) -> None:
    when = time.strftime("%H:%M:%S", time.localtime(note.time))
    say(f"    {note.channel} ({when}): {note.title}")
    for line in note.text.splitlines():
        if line.strip():
            say(f"        {line}")


@dataclass
class Walk:
    """One walk along the path; ``run`` returns the last line to print."""

    config: Config
    say: Callable[[str], None] = print
    clock: Clock = field(default_factory=Clock)
    fetch: Callable[[str], Any] = get_json
    systemctl: Callable[[str], None] | None = None
    stopped: bool = False

    def wait(self, what: str, within: float, check: Callable[[], T | None]) -> T:
        """Poll ``check`` until it returns something, for at most ``within`` seconds."""
        self.say(f"  waiting (at most {within:.0f} s) for {what} ...")
        start = self.clock.now()
        last_error = ""
        while True:
            try:
                result = check()
            except (OSError, ValueError, urllib.error.URLError) as error:
                result, last_error = None, str(error)
            elapsed = self.clock.now() - start
            if result is not None:
                self.say(f"  ... {what}: seen after {elapsed:.0f} s")
                return result
            if elapsed >= within:
                detail = f" (last error: {last_error})" if last_error else ""
                raise PathBrokenError(f"{what}: not seen within {within:.0f} s{detail}")
            self.clock.sleep(self.config.interval)

    def service(self, action: str) -> None:
        if self.systemctl is not None:
            self.systemctl(action)
            return
        argv = [self.config.docker, "exec", self.config.container, "systemctl", action]
        subprocess.run([*argv, self.config.service], check=True, timeout=60, capture_output=True)

    def state(self) -> tuple[str, dict[str, str]]:
        alerts = self.fetch(f"{self.config.prometheus}/api/v1/alerts")
        return alert_state(alerts, self.config.alert, self.config.instance)

    def firing(self) -> dict[str, str] | None:
        """The alert's annotations once it fires."""
        state, annotations = self.state()
        return annotations if state == "firing" else None

    def notes(self) -> list[Note]:
        return [Note.from_json(item) for item in self.fetch(f"{self.config.sinks}/notifications")]

    def delivered(self, since: float, summary: str, status: str, channels: Sequence[str]) -> Any:
        found = matching(self.notes(), since, self.config.alert, summary, status)
        return found if all(c in found for c in channels) else None

    def run(self) -> str:
        cfg = self.config
        started = self.clock.now()
        where = f"{cfg.alert} on {cfg.instance}"
        try:
            self.steps(where)
        except PathBrokenError as broken:
            return f"demo-alert: the path did NOT work: {broken}"
        except (OSError, subprocess.SubprocessError) as error:
            return f"demo-alert: the path did NOT work: {error}"
        finally:
            if self.stopped:
                self.say(f"(starting {cfg.service} on {cfg.instance} again)")
                self.service("start")
        took = self.clock.now() - started
        return (
            f"demo-alert: the whole path worked: {where} went pending, fired, reached Slack, "
            f"PagerDuty and email, and resolved at Slack and PagerDuty ({took:.0f} s)"
        )

    def steps(self, where: str) -> None:
        cfg = self.config
        self.say(f"0. Before: Prometheus at {cfg.prometheus}, notifications at {cfg.sinks}/")
        self.wait("Prometheus and the sinks to answer", 30, lambda: (self.state(), self.notes()))
        if self.state()[0]:
            self.say(f"  {where} is still active from an earlier run: starting {cfg.service}")
            self.service("start")
            self.wait(f"{where} to clear", cfg.resolved_within, lambda: not self.state()[0] or None)
        self.say("1. The dead man's switch hears the always-firing Watchdog")
        beat = self.wait(
            "a Watchdog at the dead man's switch sink",
            cfg.heartbeat_within,
            lambda: next(
                (
                    n
                    for n in reversed(self.notes())
                    if n.channel == "deadman" and "Watchdog" in n.title
                ),
                None,
            ),
        )
        show(beat, self.say)
        since = self.clock.wall() - 1
        self.say(f"2. Stop {cfg.service} on {cfg.instance}")
        self.service("stop")
        self.stopped = True
        self.say(
            f"3. Prometheus: {where} pending (redis_up == 0 scraped, rule evaluated), then firing"
        )
        self.wait(f"{where} pending", cfg.pending_within, lambda: self.state()[0] or None)
        annotations = self.wait(
            f"{where} firing (for: 1m)",
            cfg.firing_within,
            self.firing,
        )
        summary = annotations.get("summary", "")
        self.say(f"    summary: {summary}")
        self.say(
            f"4. Alertmanager routes it: critical goes to Slack, PagerDuty and email ({cfg.sinks}/)"
        )
        fired = self.wait(
            "the notification at the Slack, PagerDuty and email sinks",
            cfg.delivered_within,
            lambda: self.delivered(since, summary, "firing", ("slack", "pagerduty", "email")),
        )
        for channel in ("slack", "pagerduty", "email"):
            show(fired[channel], self.say)
        self.say(f"5. Start {cfg.service} on {cfg.instance} again")
        self.service("start")
        self.stopped = False
        resolved = self.wait(
            "the resolved notice at the Slack and PagerDuty sinks (email sends none by default)",
            cfg.resolved_within,
            lambda: self.delivered(since, summary, "resolved", ("slack", "pagerduty")),
        )
        for channel in ("slack", "pagerduty"):
            show(resolved[channel], self.say)


def parse_args(argv: Sequence[str] | None) -> Config:
    defaults = Config()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--prometheus", default=defaults.prometheus)
    parser.add_argument("--sinks", default=defaults.sinks, help="the HTTP sink (its page is /)")
    parser.add_argument("--container", default=defaults.container, help="the data host's container")
    parser.add_argument(
        "--instance", default=defaults.instance, help="the data host's inventory name"
    )
    parser.add_argument("--docker", default=defaults.docker)
    parser.add_argument("--ca-file", default="", help="CA certificate of an https Prometheus")
    parser.add_argument(
        "--user", default="", help="Prometheus user; the password is $PROMETHEUS_PASSWORD"
    )
    args = parser.parse_args(argv)
    return Config(
        prometheus=args.prometheus.rstrip("/"),
        sinks=args.sinks.rstrip("/"),
        container=args.container,
        instance=args.instance,
        docker=args.docker,
        ca_file=args.ca_file,
        user=args.user,
    )


def main(argv: Sequence[str] | None = None) -> int:
    def say(line: str) -> None:
        print(line, flush=True)

    config = parse_args(argv)
    fetch = prometheus_fetch(
        config.prometheus, config.ca_file, config.user, os.environ.get("PROMETHEUS_PASSWORD", "")
    )
    last = Walk(config, say=say, fetch=fetch).run()
    say(last)
    return 0 if "the whole path worked" in last else 1


if __name__ == "__main__":
    sys.exit(main())
