"""tests/plugins/callback/preload.py (the test harness's accelerator): what it loads before
the workers fork, and that the harness enables it while the collection's ansible.cfg does not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml

from tests import run
from tests.plugins.callback import preload

ROOT = Path(__file__).resolve().parents[2]


class FakeLoader:
    """A plugin loader that knows some names and fails on one."""

    def __init__(self, known: set[str]) -> None:
        self.known = known
        self.asked: list[str] = []

    def get(self, name: str, class_only: bool = False) -> object | None:
        assert class_only
        self.asked.append(name)
        if name == "broken":
            raise ImportError("no such module")
        return object() if name in self.known else None


def test_it_finds_the_collection_from_under_tests() -> None:
    assert preload.ROOT == ROOT
    assert (preload.ROOT / "galaxy.yml").is_file()


def test_filters_are_named_by_their_sidecars() -> None:
    names = preload.collection_plugins(ROOT, "filter", ".yml")
    sidecars = sorted(ROOT.glob("plugins/filter/*.yml"))
    assert names == sorted(f"plugspace.monitoring.{p.stem}" for p in sidecars)
    assert "plugspace.monitoring.goarch" in names


def test_the_collections_action_plugins_are_listed() -> None:
    assert "plugspace.monitoring.file_set" in preload.collection_plugins(ROOT, "action", ".py")


def test_a_missing_plugin_folder_lists_nothing(tmp_path: Path) -> None:
    assert preload.collection_plugins(tmp_path, "lookup", ".py") == []


def test_connection_names_are_distinct_and_leave_templates_to_the_workers() -> None:
    values: list[object] = [
        "community.docker.docker_api",
        None,
        "community.docker.docker_api",
        "{{ my_connection }}",
        "",
        5,
        "local",
    ]
    assert preload.connection_names(values, "ssh") == [
        "community.docker.docker_api",
        "local",
        "ssh",
    ]


def test_load_all_counts_what_loaded_and_survives_a_failure() -> None:
    loader = FakeLoader({"a", "c"})
    assert preload.load_all(loader, ["a", "broken", "b", "c"]) == 2
    assert loader.asked == ["a", "broken", "b", "c"]


def fake_play(hosts: dict[str, Any]) -> Any:
    inventory = SimpleNamespace(hosts=hosts)
    manager = SimpleNamespace(_inventory=inventory)
    return SimpleNamespace(get_variable_manager=lambda: manager, connection=None)


def fake_host(host_vars: dict[str, Any], groups: list[tuple[int, dict[str, Any]]]) -> Any:
    return SimpleNamespace(
        get_vars=lambda: host_vars,
        get_groups=lambda: [SimpleNamespace(depth=d, get_vars=lambda v=v: v) for d, v in groups],
    )


def test_host_connections_read_group_vars_then_host_vars() -> None:
    play = fake_play(
        {
            "a": fake_host(
                {}, [(0, {"ansible_connection": "ssh"}), (1, {"ansible_connection": "local"})]
            ),
            "b": fake_host({"ansible_connection": "community.docker.docker_api"}, [(0, {})]),
            "c": fake_host({}, []),
        }
    )
    assert preload.host_connections(play) == ["local", "community.docker.docker_api", None]


def test_a_play_without_inventory_has_no_connections() -> None:
    play = SimpleNamespace(get_variable_manager=lambda: SimpleNamespace())
    assert preload.host_connections(play) == []


# Ansible's plugin loaders are process-wide and other tests configure them
# first, so the real loaders are tried in a fresh interpreter.
REAL_LOADERS = """
import sys
from types import SimpleNamespace
from ansible.plugins import loader
loader.init_plugin_loader([sys.argv[1]])
from tests.plugins.callback import preload
root = preload.ROOT
filters = preload.collection_plugins(root, "filter", ".yml")
actions = [*preload.BUILTIN_ACTIONS, *preload.collection_plugins(root, "action", ".py")]
lookups = list(preload.BUILTIN_LOOKUPS)
assert preload.load_all(loader.filter_loader, filters) == len(filters), "filters"
assert preload.load_all(loader.action_loader, actions) == len(actions), "actions"
assert preload.load_all(loader.lookup_loader, lookups) == len(lookups), "lookups"
host = SimpleNamespace(get_vars=lambda: {"ansible_connection": "community.docker.docker_api"},
                       get_groups=lambda: [])
manager = SimpleNamespace(_inventory=SimpleNamespace(hosts={"a": host}))
play = SimpleNamespace(get_variable_manager=lambda: manager, connection=None)
callback = preload.CallbackModule()
callback.v2_playbook_on_play_start(play)
assert "ansible_collections.community.docker.plugins.connection.docker_api" in sys.modules
callback.v2_playbook_on_play_start(play)
print("ok")
"""


def test_every_listed_plugin_loads_with_ansible_and_a_play_warms_its_connection() -> None:
    done = subprocess.run(
        [sys.executable, "-c", REAL_LOADERS, str(ROOT / "collections")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("ok")


def test_the_harness_enables_it_and_keeps_what_the_environment_has() -> None:
    folder = str(ROOT / "tests" / "plugins" / "callback")
    assert run.preload_env({}) == {
        "ANSIBLE_CALLBACK_PLUGINS": folder,
        "ANSIBLE_CALLBACKS_ENABLED": "preload",
    }
    mine = {"ANSIBLE_CALLBACK_PLUGINS": "/mine", "ANSIBLE_CALLBACKS_ENABLED": "profile_tasks"}
    assert run.preload_env(mine) == {
        "ANSIBLE_CALLBACK_PLUGINS": f"{folder}:/mine",
        "ANSIBLE_CALLBACKS_ENABLED": "profile_tasks,preload",
    }
    assert run.preload_env(run.preload_env(mine)) == run.preload_env(mine)
    env = run.environment("http://127.0.0.1:1", ROOT)
    assert env["ANSIBLE_CALLBACKS_ENABLED"].split(",")[-1] == "preload"
    assert env["ANSIBLE_CALLBACK_PLUGINS"].split(":")[0] == folder


def test_the_collection_neither_ships_nor_enables_it() -> None:
    assert not (ROOT / "plugins" / "callback").exists()
    assert "preload" not in (ROOT / "ansible.cfg").read_text()
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text())
    assert "tests" in galaxy["build_ignore"]
