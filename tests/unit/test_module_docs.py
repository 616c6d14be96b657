"""Every module's DOCUMENTATION, EXAMPLES and RETURN parse as YAML, and the options match.

ansible-doc and galaxy-importer refuse a collection whose module docs do not parse;
this finds it in the unit tests, before the packaging checks.
"""

import ast
from pathlib import Path

import pytest
import yaml

MODULES = sorted((Path(__file__).resolve().parents[2] / "plugins" / "modules").glob("*.py"))


def docs(path: Path) -> dict[str, str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: dict[str, str] = {}
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)):
            continue
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            found[node.targets[0].id] = node.value.value
    return {k: v for k, v in found.items() if k in ("DOCUMENTATION", "EXAMPLES", "RETURN")}


@pytest.mark.parametrize("path", MODULES, ids=[p.stem for p in MODULES])
def test_module_docs_parse(path: Path) -> None:
    found = docs(path)
    assert set(found) == {"DOCUMENTATION", "EXAMPLES", "RETURN"}, path.name
    documentation = yaml.safe_load(found["DOCUMENTATION"])
    assert documentation["module"] == path.stem
    assert isinstance(yaml.safe_load(found["EXAMPLES"]), list)
    assert isinstance(yaml.safe_load(found["RETURN"]), dict)
    source = path.read_text(encoding="utf-8")
    for option in documentation.get("options") or {}:
        assert f'"{option}"' in source, (
            f"{path.name}: option {option} is documented but not in the spec"
        )
