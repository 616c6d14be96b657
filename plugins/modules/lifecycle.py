#!/usr/bin/python
# Copyright: (c) 2026, Plugspace platform team <platform@plugspace.io>
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Start, restart or reload a systemd service, then prove that it works."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: lifecycle
short_description: Start, restart or reload a systemd service, prove that it works, undo on failure
version_added: "0.1.0"
description:
  - The last step of the service lifecycle of P(plugspace.monitoring.binary_service#role)
    (fetch, install and configure with M(plugspace.monitoring.file_set), then this), in one
    round trip.
  - Decides what the service needs from what the file_set run changed (O(changes)). A binary,
    the unit, the environment, the account or a file marked C(restart) restarts it; any other
    changed file reloads it, unless the program re-reads it by itself (O(reread_paths)) or
    cannot reload (O(reload=false)), which restarts it. A service found stopped is started; one
    found failed or crash-looping, or not answering before a reload, is restarted.
  - Then proves, in the same run, what an operator would check by hand. The unit must be
    active and stay active, without systemd restarting it, until it has run for
    O(stable_seconds) (its restart delay). The readiness endpoint O(readiness_url) must
    answer on its scheme, port and credentials. After a reload, the program's own
    C(<reload_metric>_successful) metric must be 1 and C(<reload_metric>_success_timestamp_seconds)
    must have moved.
  - When the proof fails, the change is undone. The files the file_set run replaced come back
    from O(changes)'s C(backups), new ones go, and the service is restarted on them and proven
    again, at the readiness URL its restored unit records (C(X-Plugspace-Readiness=), written
    by P(plugspace.monitoring.binary_service#role)), where any HTTP answer counts. A first
    install (no previous files) is left stopped, and disabled, instead of crash-looping.
  - When the run took over another install (C(takeover) in O(changes)), undoing gives the host
    back to it. Its data moves back, this run's files are put back, and its units are unmasked
    and started again.
  - Then the task fails, naming the service, the files and flags that changed, the program's own
    error lines, the last journal lines, and the seconds it was down.
  - On success the kept previous files are dropped.
author: Plugspace platform team (@plugspace)
attributes:
  check_mode:
    support: full
    description: Changes nothing; reports whether it would start, restart or reload.
  diff_mode:
    support: none
    description: No diff; file_set shows what changes.
  platform:
    support: full
    platforms: posix
    description: Needs systemd.
options:
  name:
    description: The systemd unit, without C(.service).
    type: str
    required: true
  changes:
    description:
      - The registered result of the M(plugspace.monitoring.file_set) run that wrote the
        service's files (its C(changed_paths), C(restart), C(service_state) and C(backups)).
      - Empty, the service is only started when it is not running, and proven.
    type: dict
    default: {}
  restart:
    description: Restart whatever O(changes) says (for example, a package was upgraded).
    type: bool
    default: false
  reload:
    description:
      - The program applies a changed config on C(systemctl reload).
      - Without it, a config change restarts it.
    type: bool
    default: true
  reread_paths:
    description:
      - Files, or directories whose files, the program re-reads by itself.
      - A change there needs no reload.
    type: list
    elements: path
    default: []
  daemon_reload:
    description:
      - Run C(systemctl daemon-reload) first. It also runs whenever a changed path is under
        C(/etc/systemd/) or C(/usr/lib/systemd/).
    type: bool
    default: false
  enabled:
    description: Enable the unit at boot.
    type: bool
    default: true
  undo:
    description: Put the previous files back when the proof fails (O(changes)'s C(backups)).
    type: bool
    default: true
  readiness_url:
    description: A URL that answers with a status in O(ready_status) once the program serves.
    type: str
  ready_status:
    description: HTTP status codes that count as ready.
    type: list
    elements: int
    default: [200]
  metrics_url:
    description: Where the program's own metrics are read after a reload (needs O(reload_metric)).
    type: str
  reload_metric:
    description:
      - Stem of the program's reload metrics, for example V(prometheus_config_last_reload) for
        C(prometheus_config_last_reload_successful) and
        C(prometheus_config_last_reload_success_timestamp_seconds).
    type: str
  url_username:
    description: Basic auth user for O(readiness_url) and O(metrics_url).
    type: str
  url_password:
    description: Basic auth password (never logged).
    type: str
  validate_certs:
    description: Verify the server's certificate (against O(ca_path) when given).
    type: bool
    default: true
  ca_path:
    description: CA certificate that signed the server's certificate.
    type: path
  client_cert:
    description: Client certificate to present (mutual TLS).
    type: path
  client_key:
    description: Key of O(client_cert).
    type: path
  timeout:
    description: Seconds to wait for the service to become ready (and for a reload to apply).
    type: int
    default: 60
  stable_seconds:
    description: Seconds the unit must have been active, without an automatic restart, to pass.
    type: float
    default: 1
  journal_lines:
    description: How many of the unit's last journal lines a failure shows.
    type: int
    default: 10
  backend_metric:
    description:
      - For an exporter, the metric of its own view of what it watches (V(redis_up), V(nginx_up),
        V(mongodb_up)), read from the readiness answer (its C(/metrics)). It must be 1.
      - At 0, when O(backend_address) answers, the exporter cannot reach it with its settings and
        the run fails naming O(backend_inputs) (and the change is undone); when nothing answers
        there, what it watches is down, which is reported as a warning naming it, not blamed on
        the exporter.
    type: str
  backend_address:
    description: Where what the exporter watches listens (C(host:port), a URL works too).
    type: str
  backend_url:
    description:
      - Where to read O(backend_metric) instead of the readiness answer, for example a blackbox
        exporter's C(/probe?module=http_2xx&target=...) (V(probe_success)).
    type: str
  backend_inputs:
    description: The exporter's address and credential variables, named when it cannot reach it.
    type: str
    default: its address and credentials
  verified_file:
    description:
      - Where to record the unit's invocation once it is proven (root-only), so that the next
        M(plugspace.monitoring.file_set) run reports a restart that happened in between.
    type: path
"""

EXAMPLES = r"""
- name: Write node_exporter's files, keeping the previous ones
  plugspace.monitoring.file_set:
    files:
      - {dest: /etc/systemd/system/node_exporter.service, content: "...", restart: true}
    service: node_exporter
    backup_dir: /var/lib/plugspace.monitoring/node_exporter/previous
  register: __files

- name: Restart node_exporter as the changes need, prove it serves metrics, undo on failure
  plugspace.monitoring.lifecycle:
    name: node_exporter
    changes: "{{ __files }}"
    reload: false
    readiness_url: http://127.0.0.1:9100/metrics
  when: __files is changed or not __files.service_state.active

- name: Reload Prometheus when its config changed and check it applied the config
  plugspace.monitoring.lifecycle:
    name: prometheus
    changes: "{{ __prometheus_files }}"
    reread_paths: [/etc/prometheus/file_sd]
    readiness_url: http://127.0.0.1:9090/-/ready
    metrics_url: http://127.0.0.1:9090/metrics
    reload_metric: prometheus_config_last_reload
"""

RETURN = r"""
action:
  description: What was done (V(none) when the service only needed proving).
  returned: always
  type: str
  sample: restarted
state:
  description: The unit's properties after proving it.
  returned: success
  type: dict
  sample: {ActiveState: active, SubState: running, NRestarts: "0", MainPID: "4242"}
undone:
  description: On failure, whether the previous files were put back and the service proven on them.
  returned: failure
  type: bool
down_seconds:
  description: On failure, the most seconds the service did not serve, undo included.
  returned: failure
  type: float
"""

import json
import posixpath
import re
import shlex
import shutil
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import open_url

from ..module_utils import previous

PROPERTIES = (
    "InvocationID",
    "LoadState",
    "ActiveState",
    "SubState",
    "UnitFileState",
    "NRestarts",
    "MainPID",
    "ActiveEnterTimestampMonotonic",
)
SYSTEMD_PATHS = ("/etc/systemd/", "/usr/lib/systemd/", "/lib/systemd/")
# A program's own words for what went wrong, in the logfmt, JSON and plain forms
# the collection's programs write (level=error, "level":"error", fatal, panic, Error parsing).
ERROR_LINE = re.compile(
    r"level=(?:error|fatal|crit)|\"level\": ?\"(?:error|fatal)\"|\b(?:fatal|panic|FATAL|PANIC)\b"
    r"|[Ee]rror parsing|\berror:|\bERROR\b|invalid value|flag provided but not defined",
)
SYSTEMD_LINE = re.compile(
    r"^\S+\.service: |^(?:Started|Stopped|Stopping|Starting|Reloading|Reloaded) "
)


class ServiceError(Exception):
    """The service did not pass: the message says why."""


def parse_show(output: str) -> dict[str, str]:
    """`systemctl show` output as a dict."""
    return dict(line.split("=", 1) for line in output.splitlines() if "=" in line)


def metric_value(text: str, name: str) -> float | None:
    """The value of an unlabelled sample in Prometheus text format, or None."""
    match = re.search(rf"^{re.escape(name)}(?:\{{\}})? (\S+)", text, re.MULTILINE)
    if not match:
        return None
    try:
        return float(match.group(1))
    except ValueError:
        return None


def reload_outcome(text: str, stem: str, before: float | None) -> bool | None:
    """True once a reload applied, False when the program refused it, None while pending."""
    if metric_value(text, f"{stem}_successful") == 0:
        return False
    stamp = metric_value(text, f"{stem}_success_timestamp_seconds")
    if stamp is not None and (before is None or stamp > before):
        return True
    return None


def host_port_of(address: str) -> tuple[str, int] | None:
    """(host, port) from host:port or a URL (redis://h:6379, http://h:8089/stub_status)."""
    parsed = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        port = parsed.port
    except ValueError:
        return None
    return (parsed.hostname, port) if parsed.hostname and port else None


def answers(address: str, timeout: float = 3) -> bool:
    """Whether anything accepts a TCP connection at address."""
    target = host_port_of(address)
    if target is None:
        return True  # cannot tell: do not call it down
    try:
        with socket.create_connection(target, timeout=timeout):
            return True
    except OSError:
        return False


def is_rereadable(path: str, reread: Iterable[str]) -> bool:
    """Whether the program re-reads this changed path by itself (the path, or its directory)."""
    paths = {p.rstrip("/") for p in reread}
    return path in paths or posixpath.dirname(path) in paths


def planned_action(
    changes: Mapping[str, Any],
    reread: Iterable[str],
    can_reload: bool,
    restart: bool = False,
    is_dir: Callable[[str], bool] = posixpath.isdir,
) -> str:
    """What the changes of a file_set run need, before looking at the unit.

    - restarted: a binary, the unit, the environment, the account or a file marked
      restart changed (file_set's ``restart``), or a config change of a program that
      cannot reload;
    - reloaded: any other changed file outside the paths the program re-reads itself;
    - none: nothing the program must be told about.
    """
    if restart or changes.get("restart"):
        return "restarted"
    reread = list(reread)
    files = [
        path
        for path in changes.get("changed_paths") or []
        if not path.startswith(("user:", "group:")) and not is_dir(path)
    ]
    if any(not is_rereadable(path, reread) for path in files):
        return "reloaded" if can_reload else "restarted"
    return "none"


def decide(action: str, state: Mapping[str, str]) -> str:
    """The planned action against the unit as it is.

    A stopped unit is started; a failed or crash-looping one is restarted, also when the
    plan was a reload (a reload reaches no running program) or nothing; a running unit
    needs no start.
    """
    active = state.get("ActiveState") == "active"
    if action in ("reloaded", "none") and not active:
        if state.get("ActiveState") == "inactive" and action == "none":
            return "started"
        return "restarted"
    if action == "started" and active:
        return "none"
    return action


def needs_daemon_reload(changes: Mapping[str, Any]) -> bool:
    return any(str(p).startswith(SYSTEMD_PATHS) for p in changes.get("changed_paths") or [])


def unit_readiness(unit: str) -> str | None:
    """The readiness URL a unit file records (binary_service writes X-Plugspace-Readiness=)."""
    match = re.search(r"^X-Plugspace-Readiness=(\S+)$", unit, re.MULTILINE)
    return match.group(1) if match else None


def exec_args(unit: str) -> list[str]:
    """The ExecStart= arguments of a unit file's text (continuation lines joined)."""
    joined = re.sub(r"\\\n", " ", unit)
    for line in joined.splitlines():
        if line.startswith("ExecStart="):
            try:
                return shlex.split(line[len("ExecStart=") :])[1:]
            except ValueError:
                return line[len("ExecStart=") :].split()[1:]
    return []


def flag_changes(before: str, after: str) -> list[str]:
    """The arguments a unit change added (+) and removed (-)."""
    old, new = exec_args(before), exec_args(after)
    return [f"-{a}" for a in old if a not in new] + [f"+{a}" for a in new if a not in old]


def error_lines(lines: Iterable[str], limit: int = 5) -> list[str]:
    """The program's own error lines (not systemd's), each once, at most limit."""
    found: list[str] = []
    for line in lines:
        if ERROR_LINE.search(line) and not SYSTEMD_LINE.search(line) and line not in found:
            found.append(line)
    return found[:limit]


def failure_message(
    name: str,
    cause: str,
    changed: list[str],
    flags: list[str],
    undo: str,
    journal: list[str],
    journal_lines: int,
) -> str:
    """One message: the service and the cause, what changed, the undo, then the evidence."""
    what = f" This run changed {', '.join(changed)}" if changed else ""
    what += f" (flags {' '.join(flags)})" if flags else ""
    text = f"{name}: {cause}.{what}{'.' if what else ''} {undo}"
    errors = error_lines(journal)
    if errors:
        text += "\nIts own error lines:\n  " + "\n  ".join(errors)
    tail = journal[-journal_lines:]
    if tail:
        text += f"\nLast journal lines (journalctl -u {name}):\n  " + "\n  ".join(tail)
    return text


class Lifecycle:
    """One service's start / restart / reload, its proof, and its undo."""

    def __init__(self, module: AnsibleModule, clock: Callable[[], float] = time.monotonic) -> None:
        self.module = module
        self.params = module.params
        self.name: str = module.params["name"]
        self.clock = clock
        self.readiness_url: str | None = module.params["readiness_url"]
        self.body = ""
        # After an undo, any HTTP answer proves it serves (the previous credentials
        # may differ from this run's).
        self.any_answer = False

    def systemctl(self, *args: str) -> str:
        rc, out, err = self.module.run_command(["systemctl", *args])
        if rc != 0:
            raise ServiceError(f"systemctl {' '.join(args)} failed: {(err or out).strip()}")
        return str(out)

    def show(self) -> dict[str, str]:
        return parse_show(self.systemctl("show", f"--property={','.join(PROPERTIES)}", self.name))

    def journal(self, since: float) -> list[str]:
        """The unit's journal lines since a wall-clock time (at most 300)."""
        argv = ["journalctl", "-u", self.name, "--since", f"@{int(since) - 1}", "-n", "300"]
        _rc, out, _err = self.module.run_command([*argv, "--no-pager", "-o", "cat"])
        return [line for line in str(out).splitlines() if line.strip()]

    def fetch(self, url: str) -> tuple[int, str]:
        """(status, body); status 0 when nothing answered."""
        try:
            response = open_url(
                url,
                url_username=self.params["url_username"],
                url_password=self.params["url_password"],
                force_basic_auth=bool(self.params["url_username"]),
                validate_certs=self.params["validate_certs"],
                ca_path=self.params["ca_path"],
                client_cert=self.params["client_cert"],
                client_key=self.params["client_key"],
                timeout=5,
            )
            return int(response.status), response.read().decode("utf-8", "replace")
        except Exception as error:  # every failure means "not ready yet"
            status = getattr(error, "code", 0)
            return int(status) if isinstance(status, int) else 0, str(error)

    def wait_ready(self, deadline: float) -> dict[str, str]:
        """Until the unit is active and its readiness URL answers; fail fast when it died."""
        last = "no answer yet"
        while True:
            state = self.show()
            if state.get("ActiveState") in ("failed", "inactive"):
                raise ServiceError(
                    f"the unit is {state.get('ActiveState')} ({state.get('SubState')})"
                )
            if state.get("SubState") == "auto-restart":
                raise ServiceError(
                    "it is crash-looping: it exited and systemd is waiting to restart it "
                    f"(restarts so far: {state.get('NRestarts')})"
                )
            if state.get("ActiveState") == "active":
                url = self.readiness_url
                if not url:
                    return state
                status, body = self.fetch(url)
                self.body = body
                if status in self.params["ready_status"] or (self.any_answer and status):
                    return state
                last = f"{url} answered {status or 'nothing'}: {body[:200]}"
            if self.clock() > deadline:
                raise ServiceError(
                    f"not ready within {self.params['timeout']} s "
                    f"(unit {state.get('ActiveState')}/{state.get('SubState')}; {last})"
                )
            time.sleep(0.2)

    def wait_stable(self, ready: dict[str, str]) -> dict[str, str]:
        """Still the same process, still active, once it has run for stable_seconds."""
        entered = int(ready.get("ActiveEnterTimestampMonotonic") or 0) / 1e6
        remaining = entered + float(self.params["stable_seconds"]) - self.clock()
        if remaining > 0:
            time.sleep(remaining)
        state = self.show()
        same = (state.get("MainPID"), state.get("NRestarts")) == (
            ready.get("MainPID"),
            ready.get("NRestarts"),
        )
        if state.get("ActiveState") != "active" or not same:
            raise ServiceError(
                "it did not stay up: systemd restarted it or it stopped "
                f"(unit {state.get('ActiveState')}/{state.get('SubState')}, "
                f"restarts {ready.get('NRestarts')} -> {state.get('NRestarts')})"
            )
        return state

    def reload_stamp(self) -> float | None:
        """The last reload's timestamp; ServiceError when nothing answers (restart instead)."""
        status, body = self.fetch(self.params["metrics_url"])
        if status != 200:
            raise ServiceError(f"{self.params['metrics_url']} answered {status or 'nothing'}")
        return metric_value(body, f"{self.params['reload_metric']}_success_timestamp_seconds")

    def wait_reloaded(self, before: float | None, deadline: float) -> None:
        stem = self.params["reload_metric"]
        while True:
            status, body = self.fetch(self.params["metrics_url"])
            outcome = reload_outcome(body, stem, before) if status == 200 else None
            if outcome is False:
                raise ServiceError(f"it refused the reloaded config ({stem}_successful is 0)")
            if outcome:
                return
            if self.clock() > deadline:
                raise ServiceError(f"the reload did not apply within {self.params['timeout']} s")
            time.sleep(0.2)

    def act(self, action: str) -> dict[str, str]:
        """Start, restart or reload, then prove it; the unit's state once proven."""
        deadline = self.clock() + self.params["timeout"]
        check_reload = action == "reloaded" and bool(
            self.params["reload_metric"] and self.params["metrics_url"]
        )
        before = self.reload_stamp() if check_reload else None
        if action != "none":
            self.systemctl(
                {"started": "start", "restarted": "restart"}.get(action, "reload"), self.name
            )
        ready = self.wait_ready(deadline)
        if check_reload:
            self.wait_reloaded(before, deadline)
        return self.wait_stable(ready) if action in ("started", "restarted") else ready

    def undo(self, started: float) -> tuple[bool, str]:
        """Put the previous files back and prove the service on them: (undone, what happened)."""
        changes = self.params["changes"]
        entries = [dict(e) for e in changes.get("backups") or []]
        before = changes.get("service_state") or {}
        if not self.params["undo"]:
            return False, "Undo is off (undo=false): the new files stay."
        taken = changes.get("takeover") or {}
        if taken.get("units"):
            return self.give_back(entries, taken, started)
        if not any(e.get("saved") for e in entries):
            if entries or not before.get("active"):
                # A first install, or a service that was down before this run: stop it
                # rather than let it crash-loop, disabled when it was not enabled before.
                self.module.run_command(["systemctl", "stop", self.name])
                off = ""
                if not before.get("enabled"):
                    self.module.run_command(["systemctl", "disable", self.name])
                    off = " and disabled"
                what = "A first install, with no previous version" if entries else "Nothing to undo"
                return False, f"{what}: {self.name} was left stopped{off}."
            return False, "Nothing this run changed can be put back."
        restored = previous.put_back(entries)
        if any(p.startswith(SYSTEMD_PATHS) for p in restored):
            self.systemctl("daemon-reload")
        # Where the previous version answers: its unit says so (X-Plugspace-Readiness=).
        for path in restored:
            if path.endswith(".service"):
                self.readiness_url = unit_readiness(self.read(path)) or self.readiness_url
        self.any_answer = True
        try:
            state = self.act("restarted")
        except ServiceError as error:
            return False, (
                f"Undo: the previous files were put back and {self.name} restarted on them, "
                f"but it fails with them too: {error}."
            )
        down = self.clock() - started
        return True, (
            f"Undone: the previous files were put back and {self.name} restarted on them; it "
            f"serves again (pid {state.get('MainPID')}, down at most {down:.1f} s)."
        )

    def give_back(
        self, entries: list[dict[str, Any]], taken: Mapping[str, Any], started: float
    ) -> tuple[bool, str]:
        """Undo a takeover (file_set's C(takeover)): the other install's data, files and units.

        Ours stops and is disabled; the data moved from the other install goes back to it and
        its user; the files this run wrote or replaced are put back (our unit of the other's
        name goes); the other install's units are unmasked, and those that ran start again.
        """
        units = [unit for unit in taken["units"] if isinstance(unit, Mapping)]
        if any(not unit.get("mask") for unit in units):
            # Ours has the other's name: its enablement is the other's to keep.
            self.module.run_command(["systemctl", "stop", self.name])
        else:
            self.module.run_command(["systemctl", "disable", "--now", self.name])
        try:
            for move in reversed(taken.get("moves") or []):
                if Path(move["dest"]).exists() and not Path(move["src"]).exists():
                    shutil.move(str(move["dest"]), str(move["src"]))
                    owner = f"{move['owner']}:"
                    self.module.run_command(["chown", "--recursive", owner, move["src"]])
            previous.put_back(entries)
        except OSError as error:
            return False, f"Giving the host back failed, it needs a look by hand: {error}."
        self.systemctl("daemon-reload")
        masked = [str(unit["unit"]) for unit in units if unit.get("mask")]
        if masked:
            self.module.run_command(["systemctl", "unmask", *masked])
        ran = [str(unit["unit"]) for unit in units if unit.get("active", True)]
        rc, out, err = (
            self.module.run_command(["systemctl", "restart", *ran]) if ran else (0, "", "")
        )
        if rc != 0:
            return False, (
                f"Giving the host back failed: systemctl restart {' '.join(ran)}: "
                f"{(err or out).strip()}."
            )
        names = ", ".join(str(unit["unit"]) for unit in units)
        return True, (
            f"Given back: this run's files were put back and {names} run again as before, on "
            f"their own data (down at most {self.clock() - started:.1f} s)."
        )

    def run(self) -> dict[str, Any]:
        params = self.params
        changes = params["changes"] or {}
        daemon_reload = params["daemon_reload"] or needs_daemon_reload(changes)
        planned = planned_action(
            changes, params["reread_paths"], params["reload"], params["restart"]
        )
        if daemon_reload and not self.module.check_mode:
            self.systemctl("daemon-reload")
        state = self.show()
        if state.get("LoadState") != "loaded":
            if self.module.check_mode:
                return {"changed": True, "action": "started", "state": state}
            raise ServiceError(f"the unit is not installed (LoadState={state.get('LoadState')})")
        action = decide(planned, state)
        enable = params["enabled"] and state.get("UnitFileState") != "enabled"
        changed = action != "none" or enable or daemon_reload
        if self.module.check_mode:
            return {"changed": changed, "action": action, "state": state}
        if enable:
            self.systemctl("enable", self.name)
        if action == "reloaded" and params["reload_metric"] and params["metrics_url"]:
            try:
                self.reload_stamp()
            except ServiceError:
                action = "restarted"  # not answering before the reload: it gets a restart
        wall, started = time.time(), self.clock()
        try:
            state = self.act(action)
            self.check_backend()
        except ServiceError as failure:
            self.fail(action, str(failure), wall, started)
        previous.forget(changes.get("backups") or [])
        self.record(state)
        return {"changed": changed, "action": action, "state": state}

    def check_backend(self) -> None:
        """An exporter's own view of what it watches must be 1 (see backend_metric)."""
        metric, url = self.params["backend_metric"], self.params["backend_url"]
        body = self.body
        if metric and url:
            status, body = self.fetch(url)
            if status != 200:
                raise ServiceError(
                    f"{url} answered {status or 'nothing'} ({body[:200]}); "
                    f"check {self.params['backend_inputs']}"
                )
        value = metric_value(body, metric) if metric else None
        if value is None or value == 1:
            return
        address = self.params["backend_address"] or ""
        if address and not answers(address):
            self.module.warn(
                f"{self.name} works, but what it watches is down: nothing answers at {address} "
                f"({metric} is {value:g}); start that service"
            )
            return
        raise ServiceError(
            f"it cannot reach what it watches: {metric} is {value:g} although {address or 'it'} "
            f"answers; check {self.params['backend_inputs']}"
        )

    def record(self, state: dict[str, str]) -> None:
        """Remember the proven unit's invocation (file_set reports a later restart)."""
        path = self.params["verified_file"]
        if not path:
            return
        record = {
            "invocation": state.get("InvocationID"),
            "nrestarts": state.get("NRestarts"),
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        try:
            Path(path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            Path(path).write_text(json.dumps(record), encoding="utf-8")
        except OSError:
            pass

    def fail(self, action: str, cause: str, wall: float, started: float) -> None:
        """Undo, then fail the task with one message."""
        changes = self.params["changes"] or {}
        journal = self.journal(wall)
        flags: list[str] = []
        for entry in changes.get("backups") or []:
            if str(entry["path"]).endswith(".service") and entry.get("saved"):
                flags = flag_changes(self.read(str(entry["saved"])), self.read(str(entry["path"])))
        undone, undo_text = self.undo(started)
        verb = {"none": "checking it", "started": "a start"}.get(action, action[:-2])
        self.module.fail_json(
            msg=failure_message(
                self.name,
                f"failed after {verb}: {cause}",
                [p for p in changes.get("changed_paths") or [] if not posixpath.isdir(str(p))],
                flags,
                undo_text,
                journal,
                self.params["journal_lines"],
            ),
            action=action,
            undone=undone,
            down_seconds=round(self.clock() - started, 1),
        )

    @staticmethod
    def read(path: str) -> str:
        try:
            return Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "changes": {"type": "dict", "default": {}},
            "restart": {"type": "bool", "default": False},
            "reload": {"type": "bool", "default": True},
            "reread_paths": {"type": "list", "elements": "path", "default": []},
            "daemon_reload": {"type": "bool", "default": False},
            "enabled": {"type": "bool", "default": True},
            "undo": {"type": "bool", "default": True},
            "readiness_url": {"type": "str"},
            "ready_status": {"type": "list", "elements": "int", "default": [200]},
            "metrics_url": {"type": "str"},
            "reload_metric": {"type": "str"},
            "url_username": {"type": "str"},
            "url_password": {"type": "str", "no_log": True},
            "validate_certs": {"type": "bool", "default": True},
            "ca_path": {"type": "path"},
            "client_cert": {"type": "path"},
            "client_key": {"type": "path"},
            "timeout": {"type": "int", "default": 60},
            "stable_seconds": {"type": "float", "default": 1},
            "journal_lines": {"type": "int", "default": 10},
            "verified_file": {"type": "path"},
            "backend_metric": {"type": "str"},
            "backend_address": {"type": "str"},
            "backend_url": {"type": "str"},
            "backend_inputs": {"type": "str", "default": "its address and credentials"},
        },
        supports_check_mode=True,
    )
    lifecycle = Lifecycle(module)
    try:
        module.exit_json(**lifecycle.run())
    except ServiceError as failure:  # before any action: nothing to undo
        module.fail_json(msg=f"{lifecycle.name}: {failure}")


if __name__ == "__main__":
    main()
