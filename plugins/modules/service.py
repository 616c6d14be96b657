#!/usr/bin/python
# Copyright: (c) 2026, Plugspace platform team <platform@plugspace.io>
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Install, configure, run and verify a service in one task (the work is its action plugin's)."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: service
short_description: Install, configure, start / restart / reload and verify a service in one task
version_added: "1.0.0"
description:
  - The service lifecycle of P(plugspace.monitoring.binary_service#role) as one task per
    host, so that a run over many hosts forks one worker per host instead of three.
  - The install step is a M(plugspace.monitoring.file_set) run with O(install) (account,
    directories, binaries, environment file, web config, unit and C(service)).
  - The config step is a second M(plugspace.monitoring.file_set) run with O(config)'s
    C(files) and C(purge), after the install so that validators can use the new binaries.
    It is rendered only when it runs, and skipped when it holds nothing. A refusal fails
    the task naming O(config)'s C(inputs); the live files stay as they were.
  - Then M(plugspace.monitoring.lifecycle) restarts the service when the install step or a
    config file marked C(restart) changed something (or any config changed and
    O(exec_reload=false)), reloads it for any other config change outside O(reread_paths),
    starts it when found stopped or not enabled, and verifies it. When nothing changed and
    the unit is active and enabled, there is no third round trip.
  - In check mode on a host whose unit does not exist yet only the install step runs (it
    reports everything it would create).
  - Runs through its action plugin only; the module itself does nothing on a host.
author: Plugspace platform team (@plugspace)
attributes:
  check_mode:
    support: full
    description: Changes nothing; reports what each step would change.
  diff_mode:
    support: full
    description: The diffs of the files of both steps (never of secret ones).
  platform:
    support: full
    platforms: posix
    description: Needs systemd.
options:
  name:
    description: The systemd service (the unit C(<name>.service)).
    type: str
    required: true
  install:
    description:
      - Arguments of M(plugspace.monitoring.file_set) for the install step (C(account),
        C(directories), C(files), C(service)).
    type: dict
    required: true
  config:
    description:
      - The config step, C(files) and C(purge) as for M(plugspace.monitoring.file_set), and
        C(inputs), the role inputs named when a file is refused.
    type: dict
    default: {}
  unit_file:
    description: The unit's path; when the install step changed it, systemd reloads its units.
    type: path
  reread_paths:
    description: Directories whose files the program re-reads by itself (no reload for them).
    type: list
    elements: path
    default: []
  exec_reload:
    description: Whether the program reloads on SIGHUP; if not, a config change restarts it.
    type: bool
    default: true
  run:
    description:
      - Arguments of M(plugspace.monitoring.lifecycle) other than C(name), C(action) and
        C(daemon_reload) (C(readiness_url), C(url_password), C(stable_seconds), ...).
        Empty values are left out.
    type: dict
    default: {}
seealso:
  - module: plugspace.monitoring.file_set
  - module: plugspace.monitoring.lifecycle
"""

EXAMPLES = r"""
- name: Install, configure, run and verify node_exporter
  plugspace.monitoring.service:
    name: node_exporter
    install:
      account: {user: node_exporter, group: node_exporter}
      directories:
        - {path: /etc/node_exporter, group: node_exporter, mode: "0750"}
      files:
        - src: /var/cache/plugspace/node_exporter
          dest: /usr/local/bin/node_exporter
          mode: "0755"
          restart: true
      service: node_exporter
    unit_file: /etc/systemd/system/node_exporter.service
    exec_reload: false
    run:
      readiness_url: http://127.0.0.1:9100/metrics
"""

RETURN = r"""
changed_paths:
  description: The paths that the install and the config step created, replaced or removed.
  returned: always
  type: list
  elements: str
restart:
  description: Whether a change of either step means a restart.
  returned: always
  type: bool
service_state:
  description: The unit before the run step (loaded, active, enabled).
  returned: always
  type: dict
  sample: {loaded: true, active: true, enabled: true}
action:
  description: What the run step did (V(none) when it did not run).
  returned: always
  type: str
  sample: restarted
state:
  description: The unit's properties after verifying.
  returned: when the run step ran
  type: dict
journal:
  description: The unit's last journal lines, when verifying failed.
  returned: failure
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "install": {"type": "dict", "required": True},
            "config": {"type": "dict", "default": {}},
            "unit_file": {"type": "path"},
            "reread_paths": {"type": "list", "elements": "path", "default": []},
            "exec_reload": {"type": "bool", "default": True},
            "run": {"type": "dict", "default": {}},
        },
        supports_check_mode=True,
    )
    module.fail_json(msg="plugspace.monitoring.service runs through its action plugin only")


if __name__ == "__main__":
    main()
