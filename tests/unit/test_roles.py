"""Every role's inputs are declared, documented and in step with its defaults."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from tools import argspec_doc

ROOT = Path(__file__).resolve().parent.parent.parent
ROLES = sorted(p.parent.parent for p in (ROOT / "roles").glob("*/meta/argument_specs.yml"))


def _defaults(role: Path) -> dict[str, Any]:
    path = role / "defaults" / "main.yml"
    return (yaml.safe_load(path.read_text()) or {}) if path.exists() else {}


def test_every_role_has_an_argument_spec() -> None:
    assert {r.name for r in ROLES} == {p.name for p in (ROOT / "roles").iterdir() if p.is_dir()}


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.name)
def test_every_default_is_declared_with_the_same_value(role: Path) -> None:
    options = argspec_doc.load_options(role)
    for name, value in _defaults(role).items():
        assert name in options, f"{role.name}: {name} is in defaults but not in argument_specs"
        spec = options[name]
        if isinstance(value, str) and "{{" in value:
            assert "default" not in spec, f"{role.name}: {name}: Jinja default; document it"
        else:
            assert spec.get("default") == value, f"{role.name}: {name} default differs from spec"


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.name)
def test_every_option_is_described_and_defaulted(role: Path) -> None:
    defaults = _defaults(role)
    for name, spec in argspec_doc.load_options(role).items():
        assert spec.get("description"), f"{role.name}: {name} has no description"
        if not spec.get("required"):
            assert name in defaults, (
                f"{role.name}: optional {name} has no value in defaults/main.yml"
            )


def test_readme_tables_are_generated_from_the_specs() -> None:
    assert argspec_doc.main(["--check"]) == 0


def test_render_replaces_only_the_marked_table() -> None:
    readme = f"# r\nintro\n{argspec_doc.BEGIN}\nold\n{argspec_doc.END}\noutro\n"
    out = argspec_doc.render(readme, "new")
    assert out == f"# r\nintro\n{argspec_doc.BEGIN}\nnew\n{argspec_doc.END}\noutro\n"


def test_table_shows_type_default_and_required() -> None:
    options: dict[str, dict[str, Any]] = {
        "a_port": {"type": "int", "default": 9100, "description": "Port."},
        "a_name": {"type": "str", "required": True, "description": ["Name", "of it."]},
        "a_list": {
            "type": "list",
            "elements": "str",
            "default": [],
            "description": "Items | pipes.",
        },
    }
    text = argspec_doc.table(options)
    assert "| `a_port` | int | `9100` | Port. |" in text
    assert "| `a_name` | str | *required* | Name of it. |" in text
    assert "| `a_list` | list of str | `[]` | Items \\| pipes. |" in text
