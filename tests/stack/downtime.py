"""Each service's downtime when a run takes over another install (molecule/takeover).

Two measures, from JSON on standard input:

- ``results``: Ansible's registered loop over ``{key: service, value: [their unit, our
  unit, ...]}``, each with ``systemctl show`` of both units; the downtime is from the moment
  systemd stopped theirs to the moment ours started;
- ``up``: the raw ``up`` samples (``up[1h]`` from the Prometheus API) and ``up_labels``, per
  service, the old and the new series' labels; the gap runs from the old series' last sample
  to the new one's first, so it includes up to one scrape interval.

Or, for an upgrade in place (molecule/upgrade), ``up`` and ``jobs`` (per service, its
series' labels): the largest gap between two consecutive samples of its ``up`` series,
which is the scrape interval plus the time it did not answer; and ``watchdog``, the times
the dead man's switch received the Watchdog: the largest gap between two of them.

Prints one line per service and exits 0; a service without both measures says so.
"""

from __future__ import annotations

import itertools
import json
import re
import sys
from collections.abc import Mapping, Sequence
from typing import Any


def monotonic(text: str) -> dict[str, dict[str, int]]:
    """``systemctl show -p Id,...Monotonic`` of several units: each unit's timestamps (µs)."""
    units: dict[str, dict[str, int]] = {}
    for block in re.split(r"\n\s*\n", text):
        props = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        unit = props.pop("Id", "")
        if unit:
            units[unit] = {key: int(value) for key, value in props.items() if value.isdigit()}
    return units


def systemd_gap(text: str, old: str, new: str) -> float | None:
    units = monotonic(text)
    stopped = units.get(f"{old}.service", {}).get("InactiveEnterTimestampMonotonic", 0)
    started = units.get(f"{new}.service", {}).get("ExecMainStartTimestampMonotonic", 0)
    return (started - stopped) / 1e6 if stopped and started else None


def _matches(metric: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    return all(metric.get(key) == value for key, value in labels.items())


def up_gap(
    series: Sequence[Mapping[str, Any]], old: Mapping[str, str], new: Mapping[str, str]
) -> float | None:
    last_old = [float(s["values"][-1][0]) for s in series if _matches(s["metric"], old)]
    first_new = [float(s["values"][0][0]) for s in series if _matches(s["metric"], new)]
    return min(first_new) - max(last_old) if last_old and first_new else None


def largest_gap(series: Sequence[Mapping[str, Any]], labels: Mapping[str, str]) -> float | None:
    stamps = sorted(
        float(v[0]) for s in series if _matches(s["metric"], labels) for v in s["values"]
    )
    return max((b - a for a, b in itertools.pairwise(stamps)), default=None)


def report(data: Mapping[str, Any]) -> list[str]:
    if "jobs" in data:
        gaps = {name: largest_gap(data["up"], labels) for name, labels in data["jobs"].items()}
        lines = [
            f"{name}: {gap:.1f} s largest gap between up samples"
            if gap is not None
            else f"{name}: no up samples"
            for name, gap in gaps.items()
        ]
        posts = sorted(float(t) for t in data.get("watchdog") or [])
        most = max((b - a for a, b in itertools.pairwise(posts)), default=None)
        if most is not None:
            lines.append(f"watchdog: {len(posts)} posts, {most:.1f} s largest gap")
        return lines
    lines = []
    for result in data["results"]:
        name, (old_unit, new_unit) = result["item"]["key"], result["item"]["value"][:2]
        down = systemd_gap(result["stdout"], old_unit, new_unit)
        old, new = (data.get("up_labels") or {}).get(name) or ({}, {})
        gap = up_gap(data["up"], old, new) if old else None
        measures = [f"{down:.1f} s stopped (systemd)" if down is not None else "no systemd times"]
        if gap is not None:
            measures.append(f"{gap:.1f} s between up samples")
        lines.append(f"{name}: " + ", ".join(measures))
    return lines


def main() -> int:
    for line in report(json.load(sys.stdin)):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
