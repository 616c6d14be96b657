"""Every filter has an ansible-doc sidecar (plugins/filter/<name>.yml) that matches it."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import Any

import pytest
import yaml

FILTER_DIR = Path(__file__).resolve().parents[2] / "plugins" / "filter"


def filters() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for source in sorted(FILTER_DIR.glob("*.py")):
        module = importlib.import_module(f"plugins.filter.{source.stem}")
        found.update(module.FilterModule().filters())
    return found


FILTERS = filters()


def test_every_sidecar_belongs_to_a_filter() -> None:
    assert sorted(p.stem for p in FILTER_DIR.glob("*.yml")) == sorted(FILTERS)


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_each_filter_is_documented_with_its_parameters(name: str) -> None:
    sidecar = FILTER_DIR / f"{name}.yml"
    assert sidecar.is_file(), f"{name}: add {sidecar.name} (DOCUMENTATION, EXAMPLES, RETURN)"
    doc = yaml.safe_load(sidecar.read_text())
    assert set(doc) == {"DOCUMENTATION", "EXAMPLES", "RETURN"}
    assert doc["DOCUMENTATION"]["name"] == name
    assert f"plugspace.monitoring.{name}" in doc["EXAMPLES"]
    assert "_value" in doc["RETURN"]
    options = doc["DOCUMENTATION"]["options"]
    params = list(inspect.signature(FILTERS[name]).parameters.values())
    names = ["_input"] + [p.name for p in params[1:]]
    assert sorted(options) == sorted(names)
    positional = [p.name for p in params[1:] if p.kind is p.POSITIONAL_OR_KEYWORD]
    documented = doc["DOCUMENTATION"].get("positional", "")
    assert [n.strip() for n in documented.split(",") if n.strip()] == positional
