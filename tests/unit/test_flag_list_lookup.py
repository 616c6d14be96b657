"""plugspace.monitoring.flag_list: a release's flag list from the role's files/flags."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible.errors import AnsibleLookupError
from ansible.parsing.dataloader import DataLoader

from plugins.lookup import flag_list
from plugins.lookup.flag_list import LookupModule, flag_list_path, parse_flag_list

ROOT = Path(__file__).resolve().parents[2]
ROLE = ROOT / "roles" / "node_exporter"


def lookup(*terms: str, role: Path = ROLE) -> list[dict[str, Any]]:
    loader = DataLoader()
    loader.set_basedir(str(role / "tasks"))
    plugin = LookupModule(loader=loader)
    variables = {"role_path": str(role), "ansible_search_path": [str(role), str(role / "tasks")]}
    return plugin.run(list(terms), variables)


def test_reads_the_pinned_release_list_from_the_role() -> None:
    version = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())["node_exporter_version"]
    [found] = lookup("node_exporter", version)
    assert found["program"] == "node_exporter"
    assert found["version"] == version
    assert "collector.textfile.directory" in found["flags"]


def test_a_version_without_a_list_is_empty() -> None:
    assert lookup("node_exporter", "0.0.1") == [{}]


@pytest.mark.parametrize(("program", "version"), [("", "1.0"), ("x", ""), ("x", "1/../../y")])
def test_a_value_that_names_no_file_is_empty(program: str, version: str) -> None:
    assert flag_list_path(program, version) is None
    assert lookup(program, version) == [{}]


def test_takes_program_and_version() -> None:
    with pytest.raises(AnsibleLookupError, match="two terms"):
        lookup("node_exporter")


def test_a_list_that_is_not_a_mapping_names_its_file() -> None:
    assert parse_flag_list("", "x.yml") == {}
    with pytest.raises(AnsibleLookupError, match=r"x\.yml is not a mapping"):
        parse_flag_list("- a\n", "x.yml")


def test_parses_with_a_safe_loader_libyaml_when_present() -> None:
    assert flag_list.SAFE_LOADER in {yaml.SafeLoader, getattr(yaml, "CSafeLoader", None)}
    with pytest.raises(yaml.YAMLError):
        parse_flag_list("x: !!python/object/apply:os.getcwd []\n", "flags/x-1.yml")
