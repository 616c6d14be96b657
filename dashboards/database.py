"""Database Performance: MongoDB connections and operations, Redis memory and clients."""

from grafana_foundation_sdk.models.dashboard import Dashboard

from dashboards import queries as q
from dashboards.panels import Query, new_dashboard, row, timeseries_panel, up_down_panel

UID = "plugspace-database"
TITLE = "Database Performance"
BY_INSTANCE = "{{instance}}"


def build() -> Dashboard:
    connections = [
        Query(q.MONGODB_CONNECTIONS_CURRENT, "current {{instance}}"),
        Query(q.MONGODB_CONNECTIONS_AVAILABLE, "available {{instance}}"),
    ]
    return (
        new_dashboard(UID, TITLE, "MongoDB (mongodb_exporter) and Redis (redis_exporter) metrics.")
        .with_row(row(1, "Status"))
        .with_panel(up_down_panel(2, "MongoDB", [Query(q.MONGODB_UP, BY_INSTANCE)]))
        .with_panel(up_down_panel(3, "Redis", [Query(q.REDIS_UP, BY_INSTANCE)]))
        .with_panel(
            up_down_panel(
                4,
                "Exporters scraped",
                [Query(q.DATABASE_EXPORTERS_UP, "{{job}} {{instance}}")],
                span=12,
            )
        )
        .with_row(row(5, "MongoDB"))
        .with_panel(timeseries_panel(6, "MongoDB connections", connections, "short"))
        .with_panel(
            timeseries_panel(
                7,
                "MongoDB operations / s by type",
                [Query(q.MONGODB_OPS_BY_TYPE, "{{type}}")],
                "ops",
            )
        )
        .with_row(row(8, "Redis"))
        .with_panel(
            timeseries_panel(
                9, "Redis memory used", [Query(q.REDIS_MEMORY_USED, BY_INSTANCE)], "bytes"
            )
        )
        .with_panel(
            timeseries_panel(
                10,
                "Redis connected clients",
                [Query(q.REDIS_CONNECTED_CLIENTS, BY_INSTANCE)],
                "short",
            )
        )
        .build()
    )
