"""Voice Server Metrics: sessions, voice-to-text latency, audio traffic, errors."""

from grafana_foundation_sdk.models.dashboard import Dashboard

from dashboards import queries as q
from dashboards.panels import DOWN_STEPS, Query, new_dashboard, row, stat_panel, timeseries_panel

UID = "plugspace-voice"
TITLE = "Voice Server Metrics"
BY_INSTANCE = "{{instance}}"


def build() -> Dashboard:
    audio = [
        Query(q.VOICE_AUDIO_RECEIVED, "received {{instance}}"),
        Query(q.VOICE_AUDIO_SENT, "sent {{instance}}"),
    ]
    return (
        new_dashboard(UID, TITLE, "plugspace-voice server metrics (job plugspace-voice).")
        .with_row(row(1, "Now"))
        .with_panel(
            stat_panel(
                2,
                "Active voice sessions",
                [Query(q.VOICE_ACTIVE_SESSIONS_TOTAL, "sessions")],
                "short",
            )
        )
        .with_panel(
            stat_panel(3, "Voice latency p95", [Query(q.GUIDE_VOICE_LATENCY_P95, "p95")], "s")
        )
        .with_panel(
            stat_panel(
                4, "Audio throughput", [Query(q.VOICE_AUDIO_THROUGHPUT_TOTAL, "audio")], "Bps"
            )
        )
        .with_panel(
            stat_panel(
                5,
                "Session errors / s",
                [Query(q.VOICE_SESSION_ERRORS_TOTAL, "errors/s")],
                "short",
                DOWN_STEPS,
            )
        )
        .with_row(row(6, "Sessions"))
        .with_panel(
            timeseries_panel(
                7,
                "Active voice sessions",
                [Query(q.GUIDE_VOICE_ACTIVE_SESSIONS, BY_INSTANCE)],
                "short",
            )
        )
        .with_panel(
            timeseries_panel(8, "Voice latency p95", [Query(q.GUIDE_VOICE_LATENCY_P95, "p95")], "s")
        )
        .with_row(row(9, "Audio and errors"))
        .with_panel(
            timeseries_panel(
                10,
                "Audio throughput",
                [Query(q.GUIDE_VOICE_AUDIO_THROUGHPUT, BY_INSTANCE)],
                "Bps",
                span=8,
            )
        )
        .with_panel(timeseries_panel(11, "Audio received / sent", audio, "Bps", span=8))
        .with_panel(
            timeseries_panel(
                12,
                "Session errors / s",
                [Query(q.VOICE_SESSION_ERRORS_BY_INSTANCE, BY_INSTANCE)],
                "short",
                span=8,
            )
        )
        .build()
    )
