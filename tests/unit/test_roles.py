"""Every role's inputs are declared, documented and in step with its defaults."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from tools import role_docs

ROOT = Path(__file__).resolve().parent.parent.parent
ROLES = sorted(p.parent.parent for p in (ROOT / "roles").glob("*/meta/argument_specs.yml"))


def _defaults(role: Path) -> dict[str, Any]:
    path = role / "defaults" / "main.yml"
    return (yaml.safe_load(path.read_text()) or {}) if path.exists() else {}


def test_every_role_has_an_argument_spec() -> None:
    assert {r.name for r in ROLES} == {p.name for p in (ROOT / "roles").iterdir() if p.is_dir()}


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.name)
def test_every_default_is_declared_with_the_same_value(role: Path) -> None:
    options = role_docs.load_options(role)
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
    for name, spec in role_docs.load_options(role).items():
        assert spec.get("description"), f"{role.name}: {name} has no description"
        if not spec.get("required"):
            assert name in defaults, (
                f"{role.name}: optional {name} has no value in defaults/main.yml"
            )


def test_readme_tables_are_generated_from_the_specs() -> None:
    assert role_docs.main(["--check"]) == 0


def _role(tmp_path: Path, options: dict[str, Any], readme: str) -> Path:
    role = tmp_path / "demo"
    (role / "meta").mkdir(parents=True)
    specs = {"argument_specs": {"main": {"short_description": "Demo.", "options": options}}}
    (role / "meta" / "argument_specs.yml").write_text(yaml.safe_dump(specs))
    (role / "meta" / "main.yml").write_text(
        yaml.safe_dump(
            {
                "galaxy_info": {
                    "description": "D.",
                    "license": "MIT",
                    "author": "me",
                    "platforms": [],
                }
            }
        )
    )
    (role / "README.md").write_text(readme)
    return role


def test_aar_doc_fills_only_the_marked_table_with_type_default_and_required(
    tmp_path: Path,
) -> None:
    options: dict[str, dict[str, Any]] = {
        "a_port": {"type": "int", "default": 9100, "description": "Port of C(x)."},
        "a_name": {"type": "str", "required": True, "description": ["Name", "of it."]},
        "a_list": {
            "type": "list",
            "elements": "str",
            "default": [],
            "description": "Items | pipes.",
        },
        "a_mode": {"type": "str", "choices": ["a", "b"], "default": "a", "description": "M."},
        "a_path": {"type": "str", "description": "Computed by Jinja."},
    }
    role = _role(tmp_path, options, f"# r\nintro\n{role_docs.BEGIN}\nold\n{role_docs.END}\noutro\n")
    assert role_docs.stale(role)
    role_docs.generate(role, role / "README.md")
    text = (role / "README.md").read_text()
    assert text.startswith(f"# r\nintro\n{role_docs.BEGIN}\n")
    assert text.endswith(f"{role_docs.END}\noutro\n")
    assert "old" not in text
    assert "| `a_port` | int | `9100` | Port of `x`. |" in text
    assert "| `a_name` | str | *required* | Name of it. |" in text
    assert "| `a_list` | list of str | `[]` | Items \\| pipes. |" in text
    assert '| `a_mode` | str (a, b) | `"a"` | M. |' in text
    assert "| `a_path` | str | (see description) | Computed by Jinja. |" in text
    assert not role_docs.stale(role)


def test_a_readme_without_markers_is_an_error(tmp_path: Path) -> None:
    role = _role(tmp_path, {}, "# r\n")
    with pytest.raises(ValueError, match="lacks the markers"):
        role_docs.generate(role, role / "README.md")
