"""Plugspace Production Dashboard: the headline numbers on one screen."""

from grafana_foundation_sdk.models.dashboard import Dashboard

from dashboards import queries as q
from dashboards.panels import (
    CPU_STEPS,
    DISK_STEPS,
    DOWN_STEPS,
    ERROR_RATE_STEPS,
    LATENCY_STEPS,
    MEMORY_STEPS,
    Query,
    gauge_panel,
    new_dashboard,
    row,
    stat_panel,
    timeseries_panel,
)

UID = "plugspace-production"
TITLE = "Plugspace Production Dashboard"


def build() -> Dashboard:
    return (
        new_dashboard(UID, TITLE, "Request rate, errors, latency, voice sessions and resources.")
        .with_row(row(1, "Traffic"))
        .with_panel(
            stat_panel(2, "Request rate", [Query(q.GUIDE_REQUEST_RATE, "requests/s")], "reqps")
        )
        .with_panel(
            stat_panel(
                3,
                "Error rate (5xx)",
                [Query(q.GUIDE_ERROR_RATE_PERCENT, "5xx %")],
                "percent",
                ERROR_RATE_STEPS,
            )
        )
        .with_panel(
            stat_panel(4, "p95 latency", [Query(q.GUIDE_LATENCY_P95, "p95")], "s", LATENCY_STEPS)
        )
        .with_panel(
            stat_panel(
                5,
                "Active voice sessions",
                [Query(q.VOICE_ACTIVE_SESSIONS_TOTAL, "sessions")],
                "short",
            )
        )
        .with_row(row(6, "Infrastructure"))
        .with_panel(
            gauge_panel(7, "CPU usage (all hosts)", [Query(q.GUIDE_CPU_PERCENT, "CPU")], CPU_STEPS)
        )
        .with_panel(
            gauge_panel(
                8, "Memory usage", [Query(q.GUIDE_MEMORY_PERCENT, "{{instance}}")], MEMORY_STEPS
            )
        )
        .with_panel(
            gauge_panel(
                9, "Disk usage (/)", [Query(q.GUIDE_DISK_PERCENT, "{{instance}}")], DISK_STEPS
            )
        )
        .with_panel(
            stat_panel(10, "Targets up", [Query(q.TARGETS_UP, "up")], "short", span=3, height=6)
        )
        .with_panel(
            stat_panel(
                11,
                "Targets down",
                [Query(q.TARGETS_DOWN, "down")],
                "short",
                DOWN_STEPS,
                span=3,
                height=6,
            )
        )
        .with_row(row(12, "Trends"))
        .with_panel(
            timeseries_panel(
                13,
                "Requests per second by status",
                [Query(q.GUIDE_REQUEST_RATE_BY_STATUS, "{{status}}")],
                "reqps",
            )
        )
        .with_panel(
            timeseries_panel(
                14, "p95 latency", [Query(q.GUIDE_LATENCY_P95, "p95")], "s", LATENCY_STEPS
            )
        )
        .build()
    )
