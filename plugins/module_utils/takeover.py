# Copyright: (c) 2026, Plugspace platform team <platform@plugspace.io>
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The first look at a host: the program installed by other means, and how to take it over.

Two kinds of other install are recognised:

- a unit of another name, usually Debian's package (``prometheus-node-exporter.service``):
  stopped and masked, so an apt upgrade cannot start it again;
- a unit of our own name that the collection did not write: Debian's ``prometheus.service``
  (in /lib, shadowed by ours in /etc) is stopped before ours starts; another role's unit
  file in /etc (prometheus-community's ``node_exporter.service``) is replaced, its old
  version kept with the other replaced files, and its user left in place.

The data an other install kept (Debian's TSDB, Alertmanager's silences) is moved, entry by
entry, into the service's own data folder when that has no entry of the same name: a rename,
nothing copied and nothing deleted. The entries a program writes only when it stops
(Alertmanager's ``silences`` and ``nflog``) are named in advance, since the look comes first.
The ports those installs hold are the service's to take.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Our unit files carry ``X-Plugspace-Readiness=`` (roles/binary_service/templates/service.j2).
MARKER = "X-Plugspace"
# A TSDB's lock and query log belong to the process that wrote them.
NOT_MOVED = frozenset({"lock", "queries.active"})
PROPERTIES = "Id,LoadState,ActiveState,FragmentPath,User"

Run = Callable[[list[str]], "tuple[int, str, str]"]


@dataclass
class Plan:
    """What the run does about other installs: ``units`` to stop (and mask), ``moves``.

    Each unit and move names the other install's user, to give the data back to it when
    the service fails to take over (plugins/modules/lifecycle.py, give_back).
    """

    units: list[dict[str, Any]] = field(default_factory=list)
    moves: list[dict[str, Any]] = field(default_factory=list)
    found: list[str] = field(default_factory=list)
    users: set[str] = field(default_factory=set)

    def result(self) -> dict[str, Any]:
        return {"units": self.units, "moves": self.moves, "found": self.found}


def parse_show(text: str) -> dict[str, dict[str, str]]:
    """``systemctl show -p Id,...`` of several units: the properties of each, by Id."""
    units: dict[str, dict[str, str]] = {}
    for block in re.split(r"\n\s*\n", text):
        props = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        if props.get("Id"):
            units[props["Id"]] = props
    return units


def parse_dpkg(text: str) -> dict[str, str]:
    """``dpkg-query -W -f '${Package} ${Version} ${db:Status-Abbrev}\\n'``: installed versions."""
    versions = {}
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 3 and words[2].startswith(("ii", "hi")):
            versions[words[0]] = words[1]
    return versions


def unit_user(text: str) -> str:
    match = re.search(r"^\s*User\s*=\s*(\S+)", text, re.MULTILINE)
    return match.group(1) if match else "root"


def _entries(folder: str) -> list[str]:
    try:
        return sorted(path.name for path in Path(folder).iterdir() if path.name not in NOT_MOVED)
    except OSError:
        return []


def _moves(
    src: str, dest: str, later: Iterable[str], exists: Callable[[str], bool]
) -> list[dict[str, str]]:
    """Each entry of ``src``, and each of ``later`` (written when the program stops)."""
    if not src or not dest or Path(src).resolve() == Path(dest).resolve():
        return []
    names = sorted(set(_entries(src)) | (set(later) - NOT_MOVED))
    pairs = ((str(Path(src, name)), str(Path(dest, name))) for name in names)
    return [{"src": s, "dest": d} for s, d in pairs if not exists(d)]


def plan(
    service: str,
    own_unit_text: str | None,
    others: Sequence[Mapping[str, Any]],
    data_dir: str,
    units: Mapping[str, Mapping[str, str]],
    packages: Mapping[str, str],
    exists: Callable[[str], bool] = os.path.lexists,
) -> Plan:
    """The plan for one service, from what systemd and dpkg say about the other installs."""
    result = Plan()
    ours = f"{service}.service"
    own_is_ours = own_unit_text is not None and MARKER in own_unit_text
    if own_unit_text is not None and not own_is_ours:
        user = unit_user(own_unit_text)
        if user != "root":
            result.users.add(user)
        result.found.append(
            f"{ours} in /etc/systemd/system was written by another install (user {user}): "
            f"it is replaced by ours (the old file is kept with the other replaced files); "
            f"the user {user} and its files are left in place"
        )
    for other in others:
        unit = other["unit"]
        props = units.get(unit, {})
        version = packages.get(other.get("package") or "")
        origin = f"Debian's package {other['package']} {version}" if version else "another install"
        state = props.get("LoadState", "not-found")
        if unit == ours:
            taking = not own_is_ours and (bool(version) or state == "loaded")
        else:
            taking = state == "loaded"
        if not taking:
            continue
        active = props.get("ActiveState") == "active"
        user = props.get("User") or "root"
        if active and user != "root":  # root's ports stay refused: anything may run as root
            result.users.add(user)
        mask = unit != ours
        action = (
            "stopped and masked (an apt upgrade cannot start it again)"
            if mask
            else (
                "stopped; ours in /etc/systemd/system takes its name (an apt upgrade restarts ours)"
            )
        )
        result.units.append({"unit": unit, "mask": mask, "user": user, "active": active})
        result.found.append(
            f"{unit} ({origin}, {'active' if active else 'inactive'}, user {user}): {action}"
        )
        later = other.get("entries") or ()
        found = _moves(other.get("data") or "", data_dir, later, exists)
        moves = [{**move, "owner": user} for move in found]
        if moves:
            result.moves += moves
            names = ", ".join(Path(move["src"]).name for move in moves)
            result.found.append(
                f"its data in {other['data']} ({names}) is moved into {data_dir} once it has "
                "stopped: renamed, nothing copied or deleted"
            )
    return result


def look(
    run: Run,
    service: str,
    others: Sequence[Mapping[str, Any]],
    data_dir: str,
    unit_dir: str = "/etc/systemd/system",
) -> Plan:
    """Read the host (one systemctl and one dpkg-query call) and plan the takeover."""
    own: str | None
    try:
        own = Path(unit_dir, f"{service}.service").read_text(encoding="utf-8")
    except OSError:
        own = None
    units: dict[str, dict[str, str]] = {}
    packages: dict[str, str] = {}
    names = [str(other["unit"]) for other in others]
    if names:
        rc, out, _err = run(["systemctl", "show", f"--property={PROPERTIES}", *names])
        units = parse_show(out) if rc == 0 else {}
        wanted = [str(other["package"]) for other in others if other.get("package")]
        if wanted:
            fmt = "${Package} ${Version} ${db:Status-Abbrev}\n"
            _rc, out, _err = run(["dpkg-query", "-W", f"-f={fmt}", *wanted])
            packages = parse_dpkg(out)
    return plan(service, own, others, data_dir, units, packages)


def uids(users: Iterable[str], getpwnam: Callable[[str], Any]) -> frozenset[int]:
    found = set()
    for user in users:
        try:
            found.add(int(getpwnam(user).pw_uid))
        except KeyError:
            continue
    return frozenset(found)
