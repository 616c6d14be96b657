"""Filters for systemd unit files."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_SYSTEMD_PLAIN = re.compile(r"^[A-Za-z0-9_./:=,@+-]+$")


def systemd_quote(arg: Any) -> str:
    """One ExecStart argument, quoted so systemd passes it to the program unchanged.

    systemd splits ExecStart at spaces, unescapes C-style backslashes, expands
    ``$VAR`` and ``%`` specifiers. Plain arguments stay as they are; any other
    is double-quoted with backslash and quote escaped, and ``$`` and ``%``
    doubled.
    """
    text = str(arg)
    if _SYSTEMD_PLAIN.match(text):
        return text
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\t", "\\t")
        .replace("$", "$$")
        .replace("%", "%%")
    )
    return f'"{escaped}"'


class FilterModule:
    """Ansible filters of plugspace.monitoring for systemd units."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"systemd_quote": systemd_quote}
