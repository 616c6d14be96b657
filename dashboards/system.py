"""System Overview: node exporter CPU, memory, disk and network per instance."""

from grafana_foundation_sdk.models.dashboard import Dashboard

from dashboards import queries as q
from dashboards.panels import (
    CPU_STEPS,
    DISK_STEPS,
    MEMORY_STEPS,
    Query,
    gauge_panel,
    instance_variable,
    new_dashboard,
    row,
    timeseries_panel,
)

UID = "plugspace-system"
TITLE = "System Overview"
BY_INSTANCE = "{{instance}}"


def build() -> Dashboard:
    cpu = [Query(q.CPU_PERCENT_BY_INSTANCE, BY_INSTANCE)]
    memory = [Query(q.MEMORY_PERCENT_BY_INSTANCE, BY_INSTANCE)]
    disk = [Query(q.DISK_PERCENT_BY_INSTANCE, BY_INSTANCE)]
    return (
        new_dashboard(UID, TITLE, "Node exporter metrics of every host, per instance.")
        .with_variable(instance_variable("node-exporter"))
        .with_row(row(1, "Now"))
        .with_panel(gauge_panel(2, "CPU usage", cpu, CPU_STEPS, span=8))
        .with_panel(gauge_panel(3, "Memory usage", memory, MEMORY_STEPS, span=8))
        .with_panel(gauge_panel(4, "Disk usage (/)", disk, DISK_STEPS, span=8))
        .with_row(row(5, "CPU and memory"))
        .with_panel(timeseries_panel(6, "CPU usage", cpu, "percent", CPU_STEPS))
        .with_panel(timeseries_panel(7, "Memory usage", memory, "percent", MEMORY_STEPS))
        .with_row(row(8, "Disk and network"))
        .with_panel(timeseries_panel(9, "Disk usage (/)", disk, "percent", DISK_STEPS, span=8))
        .with_panel(
            timeseries_panel(
                10,
                "Network receive",
                [Query(q.NETWORK_RECEIVE_BY_INSTANCE, BY_INSTANCE)],
                "Bps",
                span=8,
            )
        )
        .with_panel(
            timeseries_panel(
                11,
                "Network transmit",
                [Query(q.NETWORK_TRANSMIT_BY_INSTANCE, BY_INSTANCE)],
                "Bps",
                span=8,
            )
        )
        .build()
    )
