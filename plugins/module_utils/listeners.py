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

import pwd
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_PROCESS = re.compile(r'\("([^"]*)",pid=(\d+),')
_UID = re.compile(r"\buid:(\d+)")


@dataclass(frozen=True)
class Listener:
    """A listening TCP socket and the processes that hold it."""

    address: str
    port: int
    processes: tuple[tuple[str, int], ...] = field(default=())
    uid: int | None = None


def parse_ss(text: str) -> list[Listener]:
    """``ss -Hltnpe`` output as listeners (the local address is the fourth column)."""
    found = []
    for line in text.splitlines():
        columns = line.split()
        if len(columns) < 5 or ":" not in columns[3]:
            continue
        address, _colon, port = columns[3].rpartition(":")
        if not port.isdigit():
            continue
        processes = tuple((name, int(pid)) for name, pid in _PROCESS.findall(line))
        uid = _UID.search(line)
        found.append(Listener(address, int(port), processes, int(uid.group(1)) if uid else None))
    return found


def unit_of(pid: int, proc: Path = Path("/proc")) -> str | None:
    """The systemd service a process runs in (from its cgroup), or None."""
    try:
        text = (proc / str(pid) / "cgroup").read_text(encoding="utf-8")
    except OSError:
        return None
    units = [part for part in re.split(r"[/:\n]", text) if part.endswith(".service")]
    return units[-1] if units else None


def _user(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _holder(
    listener: Listener,
    ours: str | None,
    owner_uid: int | None,
    active: bool,
    unit: Any,
    taken: frozenset[int] = frozenset(),
) -> str | None:
    """Who holds a listener, or None when it is the service itself.

    ss names the process when it may read its sockets (root with CAP_SYS_PTRACE, or the
    same user); otherwise only the socket's owner is known (as in a container), and the
    service's own user means the service itself.
    """
    if listener.uid is not None and listener.uid in taken:
        return None  # an other install of the program, which this run takes over
    for process, pid in listener.processes:
        owner = unit(pid)
        if ours is None or owner != ours:
            where = f"unit {owner}" if owner else "not a systemd service"
            return f"{process} (pid {pid}, {where})"
        return None
    if listener.uid is not None and owner_uid is not None:
        if listener.uid == owner_uid:
            return None
        return f"a process of user {_user(listener.uid)} (uid {listener.uid})"
    return None if active else "a process ss cannot name"


def held_ports(
    listeners: Iterable[Listener],
    wanted: Iterable[Mapping[str, Any]],
    service: str | None,
    unit: Any = unit_of,
    owner_uid: int | None = None,
    service_active: bool = False,
    taken: frozenset[int] = frozenset(),
) -> list[str]:
    """One message per port the service needs that another process holds."""
    ours = f"{service}.service" if service else None
    problems = []
    for want in wanted:
        port, name = int(want["port"]), str(want.get("name") or "its port")
        for listener in listeners:
            if listener.port != port:
                continue
            holder = _holder(listener, ours, owner_uid, service_active, unit, taken)
            if holder:
                problems.append(
                    f"{name} {port} is held on this host by {holder}, which the collection "
                    f"does not manage for {service}: stop and disable it, or give {name} "
                    "another port"
                )
                break
    return problems
