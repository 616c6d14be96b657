#!/usr/bin/python
# Copyright: (c) 2026, Plugspace platform team <platform@plugspace.io>
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One run at a time against an inventory: a lock file on the controller."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: run_lock
short_description: One ansible-playbook run at a time against an inventory
version_added: "0.1.0"
description:
  - Takes or releases a lock file on the controller (run it with C(delegate_to=localhost) and
    C(run_once)). The lock names the run that holds it, the ansible-playbook process that ran this
    module (its host name, PID, and when it took the lock; not its command line, which may carry
    secrets).
  - A second run refuses while the first one's process is alive, naming it. A lock left by a run
    that ended without releasing it (killed, or failed before its last play) is taken over.
  - site.yml takes it once its input checks passed, and releases it in its last play.
  - It never reports a change; the lock is the run's own bookkeeping, not a change to the
    controller or to a host (a second run that changes nothing stays C(changed=0)).
author: Plugspace platform team (@plugspace)
attributes:
  check_mode:
    support: full
    description: Takes and releases the lock in check mode too (a check run also reads the hosts).
  diff_mode:
    support: none
    description: No diff.
  platform:
    support: full
    platforms: posix
    description: The controller (Linux, for the process table in C(/proc)).
options:
  path:
    description: The lock file.
    type: path
    required: true
  state:
    description: V(present) takes the lock, V(absent) releases it when this run holds it.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Take the inventory's run lock
  plugspace.monitoring.run_lock:
    path: "{{ inventory_dir | dirname }}/.{{ inventory_dir | basename }}.lock"
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
holder:
  description: The run that holds the lock after this task (this one, unless it was refused).
  returned: always
  type: dict
  sample: {host: ctl1, pid: 4242, since: "2026-12-06T10:00:00Z"}
taken_over:
  description: The run whose stale lock this run took over.
  returned: when a stale lock was taken over
  type: dict
"""

import json
import os
import socket
import time
from pathlib import Path
from typing import Any

from ansible.module_utils.basic import AnsibleModule


def read_proc(pid: int, name: str, proc: Path = Path("/proc")) -> str:
    try:
        return (proc / str(pid) / name).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def is_playbook(pid: int, proc: Path = Path("/proc")) -> bool:
    """Whether the process runs ansible-playbook (as argv[0], or the script of its interpreter).

    Not a substring of the whole command line: a shell whose script merely mentions
    ansible-playbook is not a run.
    """
    argv = read_proc(pid, "cmdline", proc).split("\0")[:2]
    return any(Path(arg).name == "ansible-playbook" for arg in argv)


def start_ticks(pid: int, proc: Path = Path("/proc")) -> str:
    """The process's start time in clock ticks since boot (field 22 of stat), '' when gone."""
    stat = read_proc(pid, "stat", proc)
    return stat.rsplit(")", 1)[-1].split()[19] if ")" in stat else ""


def playbook_process(pid: int, proc: Path = Path("/proc")) -> int:
    """The ansible-playbook main process above pid.

    Its workers are forks with the same command line: the run is the top of the first
    unbroken chain of ansible-playbook processes above pid (a run started from inside
    another run's task is a run of its own).
    """
    found, current = pid, pid
    while current > 1:
        status = read_proc(current, "status", proc)
        parents = [line.split()[1] for line in status.splitlines() if line.startswith("PPid:")]
        if not parents:
            break
        current = int(parents[0])
        if is_playbook(current, proc):
            found = current
        elif found != pid:
            break
    return found


def alive(holder: dict[str, Any], proc: Path = Path("/proc")) -> bool:
    """Whether the holder's process still runs (the same process: same start time)."""
    if holder.get("host") != socket.gethostname():
        return True  # another controller: it cannot be looked at from here
    pid = int(holder.get("pid") or 0)
    return pid > 0 and start_ticks(pid, proc) == str(holder.get("ticks", ""))


def describe(holder: dict[str, Any]) -> str:
    return (
        f"the ansible-playbook run on {holder.get('host')} (pid {holder.get('pid')}, "
        f"holding it since {holder.get('since')})"
    )


def this_run() -> dict[str, Any]:
    pid = playbook_process(os.getpid())
    return {
        "host": socket.gethostname(),
        "pid": pid,
        "ticks": start_ticks(pid),
        "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def read_lock(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def take(path: Path, me: dict[str, Any]) -> dict[str, Any]:
    """Take the lock; the result (failed with msg when another live run holds it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for _attempt in range(3):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            holder = read_lock(path)
            if holder is None:
                path.unlink(missing_ok=True)  # half written by a killed run
                continue
            same = holder.get("host") == me["host"] and holder.get("pid") == me["pid"]
            if same:
                return {"changed": False, "holder": holder}
            if alive(holder):
                return {
                    "failed": True,
                    "msg": f"another run holds {path}: {describe(holder)}. Wait for it to end, "
                    "or, if it is gone from another controller, remove the file.",
                    "holder": holder,
                }
            path.unlink(missing_ok=True)
            result = take(path, me)
            return {**result, "taken_over": holder}
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(me, out)
        return {"changed": True, "holder": me}
    return {"failed": True, "msg": f"{path} could not be taken (it keeps changing)"}


def release(path: Path, me: dict[str, Any]) -> dict[str, Any]:
    holder = read_lock(path)
    if holder and holder.get("host") == me["host"] and holder.get("pid") == me["pid"]:
        path.unlink(missing_ok=True)
        return {"changed": True, "holder": {}}
    return {"changed": False, "holder": holder or {}}


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        },
        supports_check_mode=True,
    )
    path, me = Path(module.params["path"]), this_run()
    result = take(path, me) if module.params["state"] == "present" else release(path, me)
    if result.pop("failed", False):
        module.fail_json(**result)
    module.exit_json(**{**result, "changed": False})


if __name__ == "__main__":
    main()
