# Copyright: (c) 2026, Plugspace platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Callback preload: the test harness's accelerator, plugins loaded once before the workers fork.

Not part of the collection (galaxy.yml's build_ignore leaves tests/ out): it reaches
into ansible-core internals (the play's variable manager and inventory, the plugin
loaders), which no public API promises to keep, and it changes no result, so users
do not need it. tests/run.py, tests/bench/*.py and the Makefile's demo enable it
with ANSIBLE_CALLBACK_PLUGINS=<this folder> and ANSIBLE_CALLBACKS_ENABLED=preload.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: preload
type: aggregate
short_description: Test harness only, load the plugins every task needs once, before workers fork
description:
  - Not a plugin of the plugspace.monitoring collection and not shipped with it
    (it lives under C(tests/), which the built collection leaves out). It is the
    test harness's accelerator for C(make test), C(make bench) and C(make demo),
    and it reaches into ansible-core internals (the play's variable manager and
    inventory, the plugin loaders) that no public API promises to keep. Users of
    the collection do not need it; it changes no result.
  - Ansible forks a worker process for every task on every host, and each worker
    imports the plugins it uses (the connection plugin, filters, lookups, action
    plugins) afresh, because the main process never loaded them. With
    C(community.docker.docker_api) the connection plugin alone costs about 0.1 s
    of controller CPU per task and host.
  - At the start of each play this callback loads, in the main process, the
    connection plugins that the play's hosts use, Ansible's own filters and tests,
    the collection's filters, lookups and action plugins, and the builtin
    lookups and actions the collection's roles run. Forked workers inherit them.
  - It prints nothing; a plugin that fails to load here is skipped (the task that
    needs it reports the error as usual).
requirements:
  - Found through C(ANSIBLE_CALLBACK_PLUGINS) (this folder, C(tests/plugins/callback))
    and enabled with C(ANSIBLE_CALLBACKS_ENABLED=preload), as the test harness does.
"""

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ansible.plugins.callback import CallbackBase

COLLECTION = "plugspace.monitoring"
# The repository, which is the collection: tests/plugins/callback/preload.py -> ../../..
ROOT = Path(__file__).resolve().parents[3]
# What the collection's roles run besides their own plugins.
BUILTIN_ACTIONS = (
    "ansible.builtin.normal",
    "ansible.builtin.assert",
    "ansible.builtin.fail",
    "ansible.builtin.debug",
    "ansible.builtin.validate_argument_spec",
    "ansible.builtin.template",
    "ansible.builtin.copy",
    "ansible.builtin.gather_facts",
)
# vars: binary_service reads each component's standard inputs by name;
# fileglob: Alertmanager's and Grafana's shipped files.
BUILTIN_LOOKUPS = (
    "ansible.builtin.file",
    "ansible.builtin.template",
    "ansible.builtin.env",
    "ansible.builtin.vars",
    "ansible.builtin.fileglob",
)


def collection_plugins(root: Path, kind: str, suffix: str) -> list[str]:
    """FQCNs of the collection's plugins of one kind, from their files.

    Filters are named by their sidecar docs (plugins/filter/<name>.yml), since one
    Python file holds several of them; other kinds by their .py files."""
    folder = root / "plugins" / kind
    return sorted(
        f"{COLLECTION}.{path.stem}"
        for path in folder.glob(f"*{suffix}")
        if not path.stem.startswith("_")
    )


def connection_names(values: Iterable[object], default: str) -> list[str]:
    """The distinct connection plugin names among the hosts' ansible_connection values
    (templated values are left to the workers), plus the default."""
    names = {default} if default else set()
    for value in values:
        if isinstance(value, str) and value and "{" not in value:
            names.add(value)
    return sorted(names)


def host_connections(play: Any) -> list[object]:
    """ansible_connection of each inventory host, as the inventory sets it (all
    hosts, not the play's pattern: matching it again would warn about empty groups)."""
    manager = play.get_variable_manager()
    inventory = getattr(manager, "_inventory", None)
    if inventory is None:
        return []
    values: list[object] = []
    for host in inventory.hosts.values():
        found: dict[str, Any] = {}
        for group in sorted(host.get_groups(), key=lambda g: g.depth):
            found.update(group.get_vars())
        found.update(host.get_vars())
        values.append(found.get("ansible_connection"))
    return values


def load_all(loader: Any, names: Iterable[str]) -> int:
    """Load each plugin by name; the number that loaded."""
    loaded = 0
    for name in names:
        try:
            if loader.get(name, class_only=True) is not None:
                loaded += 1
        except Exception:  # the task that needs it reports the error
            continue
    return loaded


class CallbackModule(CallbackBase):  # type: ignore[misc]  # ansible ships no type hints
    """Warm the main process's plugin caches at the start of each play."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "preload"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shared_done = False

    def v2_playbook_on_play_start(self, play: Any) -> None:
        from ansible import constants
        from ansible.plugins import loader

        try:
            values = host_connections(play)
        except Exception:  # an inventory it cannot read: nothing to warm
            values = []
        default = str(getattr(play, "connection", None) or constants.DEFAULT_TRANSPORT)
        load_all(loader.connection_loader, connection_names(values, default))
        if self._shared_done:
            return
        self._shared_done = True
        for jinja_loader in (loader.filter_loader, loader.test_loader):
            try:
                list(jinja_loader.all(class_only=True))
            except Exception:  # best effort, see DOCUMENTATION
                continue
        load_all(loader.filter_loader, collection_plugins(ROOT, "filter", ".yml"))
        lookups = [*BUILTIN_LOOKUPS, *collection_plugins(ROOT, "lookup", ".py")]
        load_all(loader.lookup_loader, lookups)
        load_all(
            loader.action_loader, [*BUILTIN_ACTIONS, *collection_plugins(ROOT, "action", ".py")]
        )
