"""API Performance: request rate, status codes, errors, latency percentiles, in-flight."""

from grafana_foundation_sdk.models.dashboard import Dashboard

from dashboards import queries as q
from dashboards.panels import (
    ERROR_RATE_STEPS,
    LATENCY_STEPS,
    Query,
    new_dashboard,
    row,
    stat_panel,
    timeseries_panel,
)

UID = "plugspace-api"
TITLE = "API Performance"

LATENCY = [
    Query(q.GUIDE_LATENCY_P50, "p50"),
    Query(q.GUIDE_LATENCY_P95, "p95"),
    Query(q.GUIDE_LATENCY_P99, "p99"),
]


def build() -> Dashboard:
    rate = [Query(q.GUIDE_REQUEST_RATE, "requests/s")]
    errors = [Query(q.GUIDE_ERROR_RATE_PERCENT, "5xx %")]
    return (
        new_dashboard(UID, TITLE, "plugspace-api application metrics (job plugspace-api).")
        .with_row(row(1, "Now"))
        .with_panel(stat_panel(2, "Request rate", rate, "reqps"))
        .with_panel(stat_panel(3, "Error rate (5xx)", errors, "percent", ERROR_RATE_STEPS))
        .with_panel(stat_panel(4, "p95 latency", [LATENCY[1]], "s", LATENCY_STEPS))
        .with_panel(
            stat_panel(5, "In-flight requests", [Query(q.IN_FLIGHT_TOTAL, "in flight")], "short")
        )
        .with_row(row(6, "Traffic"))
        .with_panel(timeseries_panel(7, "Requests per second", rate, "reqps", span=8))
        .with_panel(
            timeseries_panel(
                8,
                "Requests per second by status",
                [Query(q.GUIDE_REQUEST_RATE_BY_STATUS, "{{status}}")],
                "reqps",
                span=8,
            )
        )
        .with_panel(
            timeseries_panel(
                9,
                "Requests per second by instance",
                [Query(q.REQUEST_RATE_BY_INSTANCE, "{{instance}}")],
                "reqps",
                span=8,
            )
        )
        .with_row(row(10, "Errors and latency"))
        .with_panel(
            timeseries_panel(11, "Error rate (5xx %)", errors, "percent", ERROR_RATE_STEPS, span=8)
        )
        .with_panel(
            timeseries_panel(12, "Latency p50 / p95 / p99", LATENCY, "s", LATENCY_STEPS, span=8)
        )
        .with_panel(
            timeseries_panel(
                13,
                "In-flight requests",
                [Query(q.IN_FLIGHT_BY_INSTANCE, "{{instance}}")],
                "short",
                span=8,
            )
        )
        .build()
    )
