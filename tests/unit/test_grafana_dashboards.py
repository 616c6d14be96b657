"""Tests of the grafana_import_dashboard filter (dashboards exported from Grafana's UI)."""

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ansible.errors import AnsibleFilterError

from plugins.filter.grafana_dashboards import (
    DashboardImportError,
    FilterModule,
    grafana_import_dashboard,
    grafana_import_dashboards,
    import_dashboard,
    slugify,
)

FIXTURES = Path(__file__).parent / "fixtures" / "grafana"
PROMETHEUS = {"prometheus": "prometheus"}
PROM_REF = {"type": "prometheus", "uid": "prometheus"}
BUILTIN_REF = {"type": "grafana", "uid": "-- Grafana --"}


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def walk(node: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    """(key, value) of every dict entry, at any depth."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield k, v
            yield from walk(v, k)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item, key)


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    stack = list(dashboard.get("panels", []))
    while stack:
        panel = stack.pop(0)
        yield panel
        stack.extend(panel.get("panels", []))


@pytest.fixture
def exported() -> dict[str, Any]:
    return load("exported_api_dashboard.json")


@pytest.fixture
def imported(exported: dict[str, Any]) -> dict[str, Any]:
    return grafana_import_dashboard(exported, PROMETHEUS, name="api.json")


def test_fixture_is_a_real_shaped_export(exported: dict[str, Any]) -> None:
    text = json.dumps(exported)
    assert '"uid": "${DS_PROMETHEUS}"' in text  # object form
    assert '"datasource": "${DS_PROMETHEUS}"' in text  # legacy string form
    assert any(p.get("type") == "row" and p.get("panels") for p in exported["panels"])


def test_no_placeholder_remains(imported: dict[str, Any]) -> None:
    assert "${" not in json.dumps(imported)


def test_export_only_keys_are_dropped_and_id_nulled(imported: dict[str, Any]) -> None:
    for key in ("__inputs", "__requires", "__elements"):
        assert key not in imported
    assert imported["id"] is None


def test_every_datasource_is_the_provisioned_one(imported: dict[str, Any]) -> None:
    refs = [value for key, value in walk(imported) if key == "datasource"]
    assert len(refs) >= 12
    for ref in refs:
        assert ref in (PROM_REF, BUILTIN_REF), ref


def test_string_form_becomes_object_form(imported: dict[str, Any]) -> None:
    by_id = {p["id"]: p for p in panels(imported)}
    assert by_id[2]["datasource"] == PROM_REF
    assert by_id[2]["targets"][0]["datasource"] == PROM_REF


def test_nested_row_panels_templating_and_annotations(imported: dict[str, Any]) -> None:
    row = next(p for p in imported["panels"] if p["id"] == 11)
    latency = row["panels"][0]
    assert latency["datasource"] == PROM_REF
    assert [t["datasource"] for t in latency["targets"]] == [PROM_REF, PROM_REF]
    variables = {v["name"]: v for v in imported["templating"]["list"]}
    assert variables["instance"]["datasource"] == PROM_REF
    restarts = imported["annotations"]["list"][1]
    assert restarts["datasource"] == PROM_REF
    assert imported["annotations"]["list"][0]["datasource"] == BUILTIN_REF


def test_placeholder_inside_a_longer_string_becomes_the_uid(imported: dict[str, Any]) -> None:
    url = next(p for p in panels(imported) if p["id"] == 1)["links"][0]["url"]
    assert '"datasource":"prometheus"' in url


def test_constant_inputs_are_replaced_by_their_value(imported: dict[str, Any]) -> None:
    environment = next(v for v in imported["templating"]["list"] if v["name"] == "environment")
    assert environment["query"] == "production"
    assert environment["current"] == {
        "value": "production",
        "text": "production",
        "selected": False,
    }


def test_template_variables_are_left_alone(imported: dict[str, Any]) -> None:
    stat = next(p for p in panels(imported) if p["id"] == 1)
    assert 'instance=~"$instance"' in stat["targets"][0]["expr"]
    assert stat["title"] == "Error rate ($environment)"


def test_braced_template_variables_are_not_inputs() -> None:
    dashboard = {
        "title": "vars",
        "uid": "vars",
        "templating": {
            "list": [{"name": "datasource", "type": "datasource", "query": "prometheus"}]
        },
        "panels": [
            {
                "id": 1,
                "datasource": {"type": "prometheus", "uid": "${datasource}"},
                "targets": [{"expr": 'up{instance=~"${instance}"}', "refId": "A"}],
            }
        ],
    }
    result = import_dashboard(dashboard, PROMETHEUS)
    assert result["panels"][0]["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
    assert result["panels"][0]["targets"][0]["expr"] == 'up{instance=~"${instance}"}'


def test_library_panels_from_elements_are_inlined(imported: dict[str, Any]) -> None:
    panel = next(p for p in panels(imported) if p["id"] == 3)
    assert "libraryPanel" not in panel
    assert panel["type"] == "stat"
    assert panel["title"] == "Targets up"
    assert panel["gridPos"] == {"h": 4, "w": 8, "x": 16, "y": 1}
    assert panel["datasource"] == PROM_REF
    assert panel["targets"][0] == {
        "datasource": PROM_REF,
        "editorMode": "code",
        "expr": "sum(up)",
        "instant": False,
        "legendFormat": "up",
        "range": True,
        "refId": "A",
    }


def test_input_is_not_modified(exported: dict[str, Any]) -> None:
    before = copy.deepcopy(exported)
    grafana_import_dashboard(exported, PROMETHEUS)
    assert exported == before


def test_importing_twice_changes_nothing(imported: dict[str, Any]) -> None:
    assert import_dashboard(imported, PROMETHEUS) == imported


def test_existing_uid_is_kept(exported: dict[str, Any]) -> None:
    result = grafana_import_dashboard(exported, PROMETHEUS, uid="other", name="x.json")
    assert result["uid"] == "plugspace-api-export"


def test_given_uid_is_used_when_there_is_none(exported: dict[str, Any]) -> None:
    del exported["uid"]
    assert grafana_import_dashboard(exported, PROMETHEUS, uid="api-v2", name="x")["uid"] == "api-v2"


def test_uid_is_derived_from_the_name(exported: dict[str, Any]) -> None:
    exported["uid"] = ""
    name = "Plugspace API — Traffic & Errors (exported from prod, 2024).json"
    uid = grafana_import_dashboard(exported, PROMETHEUS, name=name)["uid"]
    assert uid == "plugspace-api-traffic-errors-exported-fr"
    assert len(uid) <= 40
    assert grafana_import_dashboard(exported, PROMETHEUS, name=name)["uid"] == uid


def test_invalid_given_uid_is_refused(exported: dict[str, Any]) -> None:
    del exported["uid"]
    with pytest.raises(AnsibleFilterError, match="not a valid Grafana uid"):
        grafana_import_dashboard(exported, PROMETHEUS, uid="has spaces")


def test_no_uid_and_no_name_is_an_error(exported: dict[str, Any]) -> None:
    del exported["uid"]
    with pytest.raises(AnsibleFilterError, match="has no uid"):
        grafana_import_dashboard(exported, PROMETHEUS)


def test_undeclared_placeholder_names_dashboard_and_placeholder() -> None:
    with pytest.raises(AnsibleFilterError) as error:
        grafana_import_dashboard(
            load("exported_undeclared_input.json"), PROMETHEUS, name="nginx.json"
        )
    message = str(error.value)
    assert "nginx.json" in message
    assert "Nginx (hand-edited export)" in message
    assert "${DS_THANOS}" in message
    assert "__inputs" in message


def test_datasource_type_not_provisioned_is_an_error() -> None:
    with pytest.raises(AnsibleFilterError) as error:
        grafana_import_dashboard(load("exported_loki_logs.json"), PROMETHEUS, name="logs.json")
    message = str(error.value)
    assert "logs.json" in message
    assert "${DS_LOKI}" in message
    assert "'loki'" in message
    assert "prometheus" in message


def test_other_datasource_types_resolve_when_provisioned() -> None:
    result = grafana_import_dashboard(
        load("exported_loki_logs.json"),
        {"prometheus": "prometheus", "loki": "loki-main"},
        name="logs.json",
    )
    assert result["panels"][0]["datasource"] == {"type": "loki", "uid": "loki-main"}
    assert result["uid"] == "logs"
    assert result["id"] is None
    assert "${" not in json.dumps(result)


def test_core_error_is_a_value_error_without_ansible() -> None:
    with pytest.raises(DashboardImportError, match=r"\$\{DS_LOKI\}"):
        import_dashboard(load("exported_loki_logs.json"), PROMETHEUS, name="logs")


def test_not_a_dashboard_is_an_error() -> None:
    with pytest.raises(AnsibleFilterError, match="expected a JSON object"):
        grafana_import_dashboard(["not", "a", "dashboard"], PROMETHEUS, name="list.json")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Node Exporter Full", "node-exporter-full"),
        ("  --API__v2--  ", "api-v2"),
        ("x" * 60, "x" * 40),
        ("a" * 39 + " b", "a" * 39),
        ("", ""),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_filter_module_exposes_the_filters() -> None:
    assert FilterModule().filters()["grafana_import_dashboard"] is grafana_import_dashboard
    assert FilterModule().filters()["grafana_import_dashboards"] is grafana_import_dashboards


def test_import_dashboards_rewrites_each_file_in_order() -> None:
    texts = [(FIXTURES / "exported_api_dashboard.json").read_text(encoding="utf-8")] * 2
    imports = [
        {"src": "/x/api.json"},
        {"src": "files/api-copy.json", "uid": "ignored-as-file-has-one"},
    ]
    result = grafana_import_dashboards(imports, texts, PROMETHEUS)
    assert [r["src"] for r in result] == ["/x/api.json", "files/api-copy.json"]
    assert [r["uid"] for r in result] == [load("exported_api_dashboard.json")["uid"]] * 2
    assert result[0]["dashboard"] == grafana_import_dashboard(
        load("exported_api_dashboard.json"), PROMETHEUS
    )


def test_import_dashboards_names_the_file_that_is_not_json() -> None:
    with pytest.raises(AnsibleFilterError, match=r"'broken.json' \(/x/broken.json\) is not JSON"):
        grafana_import_dashboards([{"src": "/x/broken.json"}], ["{"], PROMETHEUS)


def test_import_dashboards_names_the_file_with_an_unresolvable_placeholder() -> None:
    text = (FIXTURES / "exported_undeclared_input.json").read_text(encoding="utf-8")
    with pytest.raises(AnsibleFilterError, match=r"nginx.json.*\$\{DS_THANOS\}"):
        grafana_import_dashboards([{"src": "dash/nginx.json"}], [text], PROMETHEUS)


def test_import_dashboards_of_none_is_none() -> None:
    assert grafana_import_dashboards([], [], PROMETHEUS) == []
