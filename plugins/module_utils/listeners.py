# Copyright: (c) 2026, Plugspace platform team <platform@plugspace.io>
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What listens on a host's TCP ports, and which systemd unit runs it.

The one look at the host before a service's files change: a port the service
needs, held by a process the collection does not manage (Debian's package of
the same program, another role's install, anything else), is refused before
anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_PROCESS = re.compile(r'\("([^"]*)",pid=(\d+),')


@dataclass(frozen=True)
class Listener:
    """A listening TCP socket and the processes that hold it."""

    address: str
    port: int
    processes: tuple[tuple[str, int], ...] = field(default=())


def parse_ss(text: str) -> list[Listener]:
    """``ss -Hltnp`` output as listeners (the local address is the fourth column)."""
    found = []
    for line in text.splitlines():
        columns = line.split()
        if len(columns) < 5 or ":" not in columns[3]:
            continue
        address, _, port = columns[3].rpartition(":")
        if not port.isdigit():
            continue
        processes = tuple((name, int(pid)) for name, pid in _PROCESS.findall(line))
        found.append(Listener(address, int(port), processes))
    return found


def unit_of(pid: int, proc: Path = Path("/proc")) -> str | None:
    """The systemd service a process runs in (from its cgroup), or None."""
    try:
        text = (proc / str(pid) / "cgroup").read_text(encoding="utf-8")
    except OSError:
        return None
    units = [part for part in re.split(r"[/:\n]", text) if part.endswith(".service")]
    return units[-1] if units else None


def held_ports(
    listeners: Iterable[Listener],
    wanted: Iterable[Mapping[str, Any]],
    service: str | None,
    unit: Any = unit_of,
    service_active: bool = False,
) -> list[str]:
    """One message per port the service needs that another process holds.

    A listener whose process ss cannot name (without CAP_SYS_PTRACE, as in a container,
    root cannot read another user's sockets) is taken for the service's own while the
    service runs, and refused while it does not.
    """
    ours = f"{service}.service" if service else None
    problems = []
    for want in wanted:
        port, name = int(want["port"]), str(want.get("name") or "its port")
        for listener in listeners:
            if listener.port != port or (not listener.processes and service_active):
                continue
            for process, pid in listener.processes or (("a process ss cannot name", 0),):
                owner = unit(pid) if pid else None
                if ours is not None and owner == ours:
                    continue
                where = f"unit {owner}" if owner else "not a systemd service"
                problems.append(
                    f"{name} {port} is held on this host by {process} (pid {pid}, {where}), which "
                    f"the collection does not manage for {service}: stop and disable it, or give "
                    f"{name} another port"
                )
                break
    return problems
