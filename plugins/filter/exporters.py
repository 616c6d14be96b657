"""Filters that turn exporter role inputs into command-line flags."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any


def _flag_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


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
        flags.extend(
            f"--collector.{name}.{key}={_flag_value(val)}" for key, val in sorted(options.items())
        )
    clash = sorted(names.intersection(disabled))
    if clash:
        raise ValueError(f"collectors both enabled and disabled: {', '.join(clash)}")
    flags.extend(f"--no-collector.{name}" for name in disabled)
    return flags


class FilterModule:
    """Ansible filters of plugspace.monitoring for exporter flags."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"collector_flags": collector_flags}
