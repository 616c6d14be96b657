#!/usr/bin/python
# Copyright: (c) 2026, Plugspace platform team <platform@plugspace.io>
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Start, restart or reload a systemd service, then prove that it works."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: lifecycle
short_description: Start, restart or reload a systemd service, then prove that it works
version_added: "1.0.0"
description:
  - The last step of the service lifecycle of P(plugspace.monitoring.binary_service#role)
    (install, configure, start / restart / reload, verify), in one round trip.
  - Enables the unit, runs C(systemctl daemon-reload) when asked, then starts, restarts or
    reloads the service as O(action) says.
  - Then verifies, in the same run, what an operator would check by hand. The unit must be
    active and stay active, without systemd restarting it, until it has run for
    O(stable_seconds) (its restart delay). The readiness endpoint O(readiness_url) must
    answer on its scheme, port and credentials. After a reload, the program's own
    C(<reload_metric>_successful) metric must be 1 and C(<reload_metric>_success_timestamp_seconds)
    must have moved.
  - On failure it fails naming the service and the reason, with the last journal lines of
    the unit in RV(journal) and in the message.
  - With O(action=none) it only verifies, and starts a service it finds stopped or
    crash-looping (then verifies that start).
author: Plugspace platform team (@plugspace)
attributes:
  check_mode:
    support: full
    description: Changes nothing; reports whether it would start, restart or reload.
  diff_mode:
    support: none
    description: No diff; it changes no file.
  platform:
    support: full
    platforms: posix
    description: Needs systemd.
options:
  name:
    description: The systemd unit, without C(.service).
    type: str
    required: true
  action:
    description: What to do before verifying.
    type: str
    choices: [none, started, restarted, reloaded]
    default: none
  daemon_reload:
    description: Run C(systemctl daemon-reload) first (the unit file changed).
    type: bool
    default: false
  enabled:
    description: Enable the unit at boot.
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
    default: 20
"""

EXAMPLES = r"""
- name: Restart node_exporter and prove it serves metrics
  plugspace.monitoring.lifecycle:
    name: node_exporter
    action: restarted
    readiness_url: http://127.0.0.1:9100/metrics

- name: Reload Prometheus and check it applied the config
  plugspace.monitoring.lifecycle:
    name: prometheus
    action: reloaded
    readiness_url: http://127.0.0.1:9090/-/ready
    metrics_url: http://127.0.0.1:9090/metrics
    reload_metric: prometheus_config_last_reload
"""

RETURN = r"""
action:
  description: What was done (V(none) when the service only needed verifying).
  returned: always
  type: str
  sample: restarted
state:
  description: The unit's properties after verifying.
  returned: always
  type: dict
  sample: {ActiveState: active, SubState: running, NRestarts: "0", MainPID: "4242"}
journal:
  description: The unit's last journal lines, on failure.
  returned: failure
  type: list
  elements: str
"""

import re
import time
from collections.abc import Callable
from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import open_url

PROPERTIES = (
    "LoadState",
    "ActiveState",
    "SubState",
    "UnitFileState",
    "NRestarts",
    "MainPID",
    "ActiveEnterTimestampMonotonic",
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


def decide(action: str, state: dict[str, str]) -> str:
    """What to run: a reload or a 'none' on a service that is not running becomes a start."""
    running = state.get("ActiveState") == "active"
    if action in ("reloaded", "none") and not running:
        return "started"
    if action == "started" and running:
        return "none"
    return action


class Lifecycle:
    """One service's start / restart / reload and its verification."""

    def __init__(self, module: AnsibleModule, clock: Callable[[], float] = time.monotonic) -> None:
        self.module = module
        self.params = module.params
        self.name: str = module.params["name"]
        self.clock = clock

    def systemctl(self, *args: str) -> str:
        rc, out, err = self.module.run_command(["systemctl", *args])
        if rc != 0:
            raise ServiceError(f"systemctl {' '.join(args)} failed: {(err or out).strip()}")
        return str(out)

    def show(self) -> dict[str, str]:
        return parse_show(self.systemctl("show", f"--property={','.join(PROPERTIES)}", self.name))

    def journal(self) -> list[str]:
        argv = ["journalctl", "-u", self.name, "-n", str(self.params["journal_lines"])]
        _rc, out, _err = self.module.run_command([*argv, "--no-pager", "-o", "short-iso"])
        return str(out).splitlines()

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
                url = self.params["readiness_url"]
                if not url:
                    return state
                status, body = self.fetch(url)
                if status in self.params["ready_status"]:
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
        status, body = self.fetch(self.params["metrics_url"])
        if status != 200:
            raise ServiceError(
                f"{self.params['metrics_url']} answered {status or 'nothing'} before reload"
            )
        return metric_value(body, f"{self.params['reload_metric']}_success_timestamp_seconds")

    def wait_reloaded(self, before: float | None, deadline: float) -> None:
        stem = self.params["reload_metric"]
        while True:
            status, body = self.fetch(self.params["metrics_url"])
            outcome = reload_outcome(body, stem, before) if status == 200 else None
            if outcome is False:
                raise ServiceError(
                    f"it refused the reloaded config ({stem}_successful is 0); "
                    "it keeps running with its previous config"
                )
            if outcome:
                return
            if self.clock() > deadline:
                raise ServiceError(f"the reload did not apply within {self.params['timeout']} s")
            time.sleep(0.2)

    def run(self) -> dict[str, Any]:
        params = self.params
        deadline = self.clock() + params["timeout"]
        if params["daemon_reload"] and not self.module.check_mode:
            self.systemctl("daemon-reload")
        state = self.show()
        if state.get("LoadState") != "loaded":
            raise ServiceError(f"the unit is not installed (LoadState={state.get('LoadState')})")
        action = decide(params["action"], state)
        enable = params["enabled"] and state.get("UnitFileState") != "enabled"
        changed = action != "none" or enable or params["daemon_reload"]
        if self.module.check_mode:
            return {"changed": changed, "action": action, "state": state}
        if enable:
            self.systemctl("enable", self.name)
        check_reload = action == "reloaded" and bool(
            params["reload_metric"] and params["metrics_url"]
        )
        before = self.reload_stamp() if check_reload else None
        if action != "none":
            self.systemctl(
                {"started": "start", "restarted": "restart"}.get(action, "reload"), self.name
            )
        ready = self.wait_ready(deadline)
        if check_reload:
            self.wait_reloaded(before, deadline)
        state = self.wait_stable(ready) if action in ("started", "restarted") else ready
        return {"changed": changed, "action": action, "state": state}


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "action": {
                "type": "str",
                "default": "none",
                "choices": ["none", "started", "restarted", "reloaded"],
            },
            "daemon_reload": {"type": "bool", "default": False},
            "enabled": {"type": "bool", "default": True},
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
            "journal_lines": {"type": "int", "default": 20},
        },
        supports_check_mode=True,
    )
    lifecycle = Lifecycle(module)
    try:
        module.exit_json(**lifecycle.run())
    except ServiceError as failure:
        journal = lifecycle.journal()
        module.fail_json(
            msg=f"{lifecycle.name}: {failure}. Last journal lines "
            f"(journalctl -u {lifecycle.name}):\n" + "\n".join(journal),
            journal=journal,
        )


if __name__ == "__main__":
    main()
