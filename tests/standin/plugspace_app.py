"""A stand-in for the Plugspace API and voice servers, for the stack scenario.

It exposes the Monitoring Guide's application metrics on :4000/api/metrics and
its voice metrics on :4001/metrics with the real Prometheus client library,
and moves them with synthetic traffic generated in-process (no network
traffic). ``--error-ratio`` sets the share of 5xx responses.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
ROUTES = ("/api/projects", "/api/users", "/api/auth/login", "/api/builds")


@dataclass(frozen=True)
class Metrics:
    """The guide's application and voice metrics, in two registries."""

    api: CollectorRegistry
    voice: CollectorRegistry
    requests: Counter
    duration: Histogram
    in_flight: Gauge
    sessions: Gauge
    session_latency: Histogram
    bytes_received: Counter
    bytes_sent: Counter
    session_errors: Counter


def build_metrics() -> Metrics:
    api, voice = CollectorRegistry(), CollectorRegistry()
    return Metrics(
        api=api,
        voice=voice,
        requests=Counter(
            "http_requests_total",
            "Total HTTP requests",
            ["method", "route", "status"],
            registry=api,
        ),
        duration=Histogram(
            "http_request_duration_seconds",
            "Request latency",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=api,
        ),
        in_flight=Gauge("http_requests_in_flight", "Current active requests", registry=api),
        sessions=Gauge("voice_active_sessions", "Current voice sessions", registry=voice),
        session_latency=Histogram(
            "voice_session_latency_seconds",
            "Voice-to-text latency",
            buckets=LATENCY_BUCKETS,
            registry=voice,
        ),
        bytes_received=Counter("voice_audio_bytes_received", "Audio data received", registry=voice),
        bytes_sent=Counter("voice_audio_bytes_sent", "Audio data sent", registry=voice),
        session_errors=Counter("voice_session_errors", "Session errors", registry=voice),
    )


def status_for(rng: random.Random, error_ratio: float) -> str:
    """An HTTP status: 5xx with probability ``error_ratio``, else mostly 200."""
    if rng.random() < error_ratio:
        return rng.choice(("500", "502", "503"))
    return rng.choices(("200", "201", "404"), weights=(90, 5, 5))[0]


def tick(metrics: Metrics, rng: random.Random, error_ratio: float, requests: int = 20) -> None:
    """One second of synthetic traffic for both servers."""
    metrics.in_flight.set(rng.randint(0, 8))
    for _ in range(requests):
        route = rng.choice(ROUTES)
        metrics.requests.labels("GET", route, status_for(rng, error_ratio)).inc()
        metrics.duration.labels("GET", route).observe(rng.lognormvariate(-3.0, 0.8))
    sessions = rng.randint(2, 12)
    metrics.sessions.set(sessions)
    for _ in range(sessions):
        metrics.session_latency.observe(rng.lognormvariate(-1.5, 0.5))
        metrics.bytes_received.inc(rng.randint(8_000, 32_000))
        metrics.bytes_sent.inc(rng.randint(4_000, 16_000))
    if rng.random() < error_ratio:
        metrics.session_errors.inc()


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default="0.0.0.0")
    parser.add_argument("--api-port", type=int, default=4000)
    parser.add_argument("--voice-port", type=int, default=4001)
    parser.add_argument("--error-ratio", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=4000)
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    metrics = build_metrics()
    start_http_server(args.api_port, addr=args.address, registry=metrics.api)
    start_http_server(args.voice_port, addr=args.address, registry=metrics.voice)
    rng = random.Random(args.seed)
    while True:
        tick(metrics, rng, args.error_ratio)
        time.sleep(1.0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
