"""Shared builders: one look for every Plugspace dashboard.

Every panel and every query points at the Prometheus datasource that the
``grafana`` role provisions with the fixed uid ``prometheus``; panel ids are
given explicitly by the caller so they stay stable when panels are added.
Layout is left to the SDK: panels flow left to right in ``span`` columns of
a 24-column grid, rows start a new line.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from grafana_foundation_sdk.builders import common as common_builder
from grafana_foundation_sdk.builders import dashboard as dashboard_builder
from grafana_foundation_sdk.builders import gauge, prometheus, stat, timeseries
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models import dashboard as model

DATASOURCE: Final = model.DataSourceRef(type_val="prometheus", uid="prometheus")
TAGS: Final = ["plugspace"]
REFRESH: Final = "30s"
TIME_FROM: Final = "now-6h"

# Threshold steps: (value, colour); the first step is the base (value None).
Steps = Sequence[tuple[float | None, str]]
OK: Final[Steps] = ((None, "green"),)
CPU_STEPS: Final[Steps] = ((None, "green"), (80, "orange"), (95, "red"))
MEMORY_STEPS: Final[Steps] = ((None, "green"), (85, "orange"), (95, "red"))
# LowDiskSpace fires under 15 % free, CriticalDiskSpace under 5 % free.
DISK_STEPS: Final[Steps] = ((None, "green"), (85, "orange"), (95, "red"))
ERROR_RATE_STEPS: Final[Steps] = ((None, "green"), (5, "orange"), (10, "red"))
LATENCY_STEPS: Final[Steps] = ((None, "green"), (1, "red"))
DOWN_STEPS: Final[Steps] = ((None, "green"), (1, "red"))
UP_STEPS: Final[Steps] = ((None, "red"), (1, "green"))

UP_DOWN_MAPPING: Final[list[model.ValueMapping]] = [
    model.ValueMap(
        options={
            "0": model.ValueMappingResult(text="DOWN", color="red", index=0),
            "1": model.ValueMappingResult(text="UP", color="green", index=1),
        }
    )
]


@dataclass(frozen=True)
class Query:
    """A PromQL expression and how its series are named in the legend."""

    expr: str
    legend: str = "__auto"


def _targets(queries: Sequence[Query]) -> list[prometheus.Dataquery]:
    return [
        prometheus.Dataquery()
        .expr(q.expr)
        .legend_format(q.legend)
        .ref_id(chr(ord("A") + index))
        .datasource(DATASOURCE)
        for index, q in enumerate(queries)
    ]


def _thresholds(steps: Steps) -> dashboard_builder.ThresholdsConfig:
    return (
        dashboard_builder.ThresholdsConfig()
        .mode(model.ThresholdsMode.ABSOLUTE)
        .steps([model.Threshold(value=value, color=color) for value, color in steps])
    )


def _last_value() -> common_builder.ReduceDataOptions:
    return common_builder.ReduceDataOptions().calcs(["lastNotNull"]).values(False)


def stat_panel(
    panel_id: int,
    title: str,
    queries: Sequence[Query],
    unit: str,
    steps: Steps = OK,
    span: int = 6,
    height: int = 4,
) -> stat.Panel:
    """A big number (last value) with a sparkline, coloured by thresholds."""
    panel = (
        stat.Panel()
        .id(panel_id)
        .title(title)
        .datasource(DATASOURCE)
        .targets(list(_targets(queries)))
        .unit(unit)
        .thresholds(_thresholds(steps))
        .color_scheme(dashboard_builder.FieldColor().mode(model.FieldColorModeId.THRESHOLDS))
        .reduce_options(_last_value())
        .graph_mode(common.BigValueGraphMode.AREA)
        .color_mode(common.BigValueColorMode.VALUE)
        .span(span)
        .height(height)
    )
    return panel


def up_down_panel(
    panel_id: int, title: str, queries: Sequence[Query], span: int = 6, height: int = 4
) -> stat.Panel:
    """A stat that shows 1/0 gauges such as ``up`` as UP (green) / DOWN (red)."""
    return (
        stat_panel(panel_id, title, queries, "short", UP_STEPS, span, height)
        .mappings(UP_DOWN_MAPPING)
        .graph_mode(common.BigValueGraphMode.NONE)
        .color_mode(common.BigValueColorMode.BACKGROUND)
    )


def gauge_panel(
    panel_id: int,
    title: str,
    queries: Sequence[Query],
    steps: Steps,
    span: int = 6,
    height: int = 6,
) -> gauge.Panel:
    """A 0-100 % gauge with threshold markers (one needle per series)."""
    return (
        gauge.Panel()
        .id(panel_id)
        .title(title)
        .datasource(DATASOURCE)
        .targets(list(_targets(queries)))
        .unit("percent")
        .min(0)
        .max(100)
        .decimals(1)
        .thresholds(_thresholds(steps))
        .color_scheme(dashboard_builder.FieldColor().mode(model.FieldColorModeId.THRESHOLDS))
        .reduce_options(_last_value())
        .show_threshold_markers(True)
        .show_threshold_labels(False)
        .span(span)
        .height(height)
    )


def timeseries_panel(
    panel_id: int,
    title: str,
    queries: Sequence[Query],
    unit: str,
    steps: Steps = OK,
    span: int = 12,
    height: int = 8,
) -> timeseries.Panel:
    """Lines over time; thresholds other than the base are drawn as dashed lines."""
    thresholds_mode = (
        common.GraphTresholdsStyleMode.DASHED
        if len(steps) > 1
        else common.GraphTresholdsStyleMode.OFF
    )
    return (
        timeseries.Panel()
        .id(panel_id)
        .title(title)
        .datasource(DATASOURCE)
        .targets(list(_targets(queries)))
        .unit(unit)
        .min(0)
        .thresholds(_thresholds(steps))
        .thresholds_style(common_builder.GraphThresholdsStyleConfig().mode(thresholds_mode))
        .color_scheme(dashboard_builder.FieldColor().mode(model.FieldColorModeId.PALETTE_CLASSIC))
        .line_width(1)
        .fill_opacity(10)
        .show_points(common.VisibilityMode.NEVER)
        .legend(
            common_builder.VizLegendOptions()
            .display_mode(common.LegendDisplayMode.LIST)
            .placement(common.LegendPlacement.BOTTOM)
            .show_legend(True)
        )
        .tooltip(
            common_builder.VizTooltipOptions()
            .mode(common.TooltipDisplayMode.MULTI)
            .sort(common.SortOrder.DESCENDING)
        )
        .span(span)
        .height(height)
    )


def row(panel_id: int, title: str) -> dashboard_builder.Row:
    """An expanded row header; the panels added after it belong to it."""
    return dashboard_builder.Row(title).id(panel_id).collapsed(False)


def instance_variable(job: str) -> dashboard_builder.QueryVariable:
    """``$instance``: the instances of one scrape job, several at once, "All" by default."""
    return (
        dashboard_builder.QueryVariable("instance")
        .label("Instance")
        .datasource(DATASOURCE)
        .query(f'label_values(up{{job="{job}"}}, instance)')
        .refresh(model.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(model.VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .all_value(".*")
        .current(model.VariableOption(selected=True, text="All", value="$__all"))
    )


def new_dashboard(uid: str, title: str, description: str) -> dashboard_builder.Dashboard:
    """A dashboard with the settings every Plugspace dashboard shares."""
    return (
        dashboard_builder.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags(TAGS)
        .refresh(REFRESH)
        .time(TIME_FROM, "now")
        .timezone("browser")
        .tooltip(model.DashboardCursorSync.CROSSHAIR)
        .annotations([])
    )
