"""A program's command-line flags from a mapping of flag name to value."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any


def cli_flags(flags: Mapping[str, Any]) -> list[str]:
    """``--name=value`` per flag, in order: ``true`` gives ``--name``; ``false``,
    ``none`` and ``''`` leave the flag out; a list repeats it once per item."""
    args: list[str] = []
    for name, value in flags.items():
        if value is True:
            args.append(f"--{name}")
        elif isinstance(value, Sequence) and not isinstance(value, str):
            args.extend(f"--{name}={item}" for item in value)
        elif value is not False and value is not None and value != "":
            args.append(f"--{name}={value}")
    return args


class FilterModule:
    """Ansible filters of plugspace.monitoring for command lines."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"cli_flags": cli_flags}
