import random

from prometheus_client import generate_latest

from tests.standin import plugspace_app as app


def test_guide_metrics_exist_with_their_types() -> None:
    metrics = app.build_metrics()
    app.tick(metrics, random.Random(1), error_ratio=0.0)
    api = generate_latest(metrics.api).decode()
    voice = generate_latest(metrics.voice).decode()
    assert "# TYPE http_requests_total counter" in api
    assert "# TYPE http_request_duration_seconds histogram" in api
    assert "# TYPE http_requests_in_flight gauge" in api
    assert "# TYPE voice_active_sessions gauge" in voice
    assert "# TYPE voice_session_latency_seconds histogram" in voice
    for name in ("voice_audio_bytes_received_total", "voice_audio_bytes_sent_total"):
        assert f"\n{name} " in voice
    assert "voice_session_errors_total" in voice


def test_error_ratio_drives_5xx_share() -> None:
    rng = random.Random(7)
    statuses = [app.status_for(rng, 0.25) for _ in range(4000)]
    share = sum(s.startswith("5") for s in statuses) / len(statuses)
    assert 0.22 < share < 0.28
    assert not any(app.status_for(rng, 0.0).startswith("5") for _ in range(500))
