"""Filters that turn exporter role inputs into command-line flags."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any


def _option_flag(collector: str, key: str, value: Any) -> str:
    """One collector option: a switch (kingpin) as --x or --no-x, anything else as --x=value."""
    name = f"collector.{collector}.{key}"
    if isinstance(value, bool):
        return f"--{name}" if value else f"--no-{name}"
    return f"--{name}={value}"


def collector_flags(
    enabled: Sequence[str | Mapping[str, Any]], disabled: Sequence[str] = ()
) -> list[str]:
    """Flags for node_exporter-style collectors.

    ``enabled`` items are names or ``{name, flags}``; ``disabled`` are names.
    A collector both enabled and disabled is an input error.
    """
    flags: list[str] = []
    names: set[str] = set()
    for item in enabled:
        name = item if isinstance(item, str) else str(item["name"])
        names.add(name)
        flags.append(f"--collector.{name}")
        options = {} if isinstance(item, str) else dict(item.get("flags") or {})
        flags.extend(_option_flag(name, key, val) for key, val in sorted(options.items()))
    clash = sorted(names.intersection(disabled))
    if clash:
        raise ValueError(f"collectors both enabled and disabled: {', '.join(clash)}")
    flags.extend(f"--no-collector.{name}" for name in disabled)
    return flags


class FilterModule:
    """Ansible filters of plugspace.monitoring for exporter flags."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"collector_flags": collector_flags}
