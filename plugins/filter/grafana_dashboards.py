"""Filters ``grafana_import_dashboard(s)``: make dashboards exported from Grafana provisionable.

"Export for sharing externally" writes a dashboard whose datasources are
``${DS_X}`` placeholders declared in ``__inputs``; Grafana's import dialog
resolves them, file provisioning never does. This filter does what the import
dialog would, for the datasources the grafana role provisions::

    {{ lookup('file', item) | from_json
       | plugspace.monitoring.grafana_import_dashboard({'prometheus': 'prometheus'},
                                                      name=item | basename)
       | to_nice_json }}

- every ``${DS_X}`` is resolved through ``__inputs`` (its ``pluginId``) to the
  provisioned datasource of that plugin type: a ``{"type", "uid"}`` reference
  becomes ``{"type": pluginId, "uid": uid}``, the legacy string form
  ``"datasource": "${DS_X}"`` becomes that object too, and a placeholder inside
  a longer string becomes the uid;
- ``constant`` inputs (``${VAR_X}``) are replaced by their ``value``;
- library panels shipped in ``__elements`` are inlined into the panels that use
  them (provisioning cannot create library panels);
- ``__inputs``, ``__requires`` and ``__elements`` are dropped, ``id`` is nulled;
- ``uid``: an existing one is kept, else the ``uid`` argument, else a slug of
  ``name`` (a ``.json`` suffix removed; at most 40 characters).

``${name}`` references that are not inputs are dashboard template variables
(``${instance}``, ``${datasource}``...) and are left alone, except that an
unknown ``${DS_...}`` is an error, as is a datasource input of a plugin type
with no provisioned datasource.

The logic is plain typed Python (importable without Ansible); ``FilterModule``
only turns ``DashboardImportError`` into Ansible's ``AnsibleFilterError``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

try:
    from ansible.errors import AnsibleFilterError
except ImportError:  # pragma: no cover - only when Ansible is not installed
    AnsibleFilterError = ValueError

PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
EXPORT_KEYS = ("__inputs", "__requires", "__elements")
UID_MAX = 40
UID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


class DashboardImportError(ValueError):
    """A dashboard cannot be made provisionable; the message says which and why."""


@dataclass(frozen=True)
class _Input:
    """One ``__inputs`` entry: a datasource (``plugin``) or a constant (``value``)."""

    name: str
    kind: str
    plugin: str = ""
    value: str = ""


@dataclass(frozen=True)
class _Context:
    label: str
    inputs: Mapping[str, _Input]
    datasources: Mapping[str, str]
    variables: frozenset[str]

    def fail(self, message: str) -> DashboardImportError:
        return DashboardImportError(f"dashboard {self.label}: {message}")


def slugify(text: str, max_length: int = UID_MAX) -> str:
    """A Grafana-uid-safe slug: lower case, ``[a-z0-9-]``, at most ``max_length`` characters."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def _label(dashboard: Mapping[str, Any], name: str) -> str:
    title = dashboard.get("title")
    if name and title:
        return f"{name!r} ({title!r})"
    return repr(name or title or dashboard.get("uid") or "<untitled>")


def _parse_inputs(raw: Any, label: str) -> dict[str, _Input]:
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise DashboardImportError(
            f"dashboard {label}: __inputs must be a list, got {type(raw).__name__}"
        )
    inputs: dict[str, _Input] = {}
    for entry in raw:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            raise DashboardImportError(
                f"dashboard {label}: __inputs entry without a name: {entry!r}"
            )
        name = entry["name"]
        kind = str(entry.get("type", ""))
        value = entry.get("value")
        inputs[name] = _Input(
            name=name,
            kind=kind,
            plugin=str(entry.get("pluginId", "")),
            value="" if value is None else str(value),
        )
    return inputs


def _template_variables(dashboard: Mapping[str, Any]) -> frozenset[str]:
    templating = dashboard.get("templating")
    variables = templating.get("list") if isinstance(templating, Mapping) else None
    if not isinstance(variables, list):
        return frozenset()
    return frozenset(str(v["name"]) for v in variables if isinstance(v, Mapping) and "name" in v)


def _datasource_input(ctx: _Context, name: str) -> _Input | None:
    """The datasource input called ``name``; None if ``name`` is no import placeholder."""
    found = ctx.inputs.get(name)
    if found is not None:
        return found if found.kind == "datasource" else None
    if name.startswith("DS_") and name not in ctx.variables:
        raise ctx.fail(f"placeholder ${{{name}}} has no entry in __inputs")
    return None


def _datasource_uid(ctx: _Context, found: _Input) -> str:
    if not found.plugin:
        raise ctx.fail(
            f"__inputs entry {found.name} (placeholder ${{{found.name}}}) has no pluginId"
        )
    uid = ctx.datasources.get(found.plugin)
    if not uid:
        have = ", ".join(sorted(ctx.datasources)) or "none"
        raise ctx.fail(
            f"placeholder ${{{found.name}}} needs a datasource of type {found.plugin!r}, "
            f"but none is provisioned (provisioned types: {have})"
        )
    return uid


def _datasource_ref(ctx: _Context, found: _Input) -> dict[str, Any]:
    return {"type": found.plugin, "uid": _datasource_uid(ctx, found)}


def _substitute(ctx: _Context, text: str) -> str:
    """Replace every input placeholder inside ``text``; leave template variables alone."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        found = ctx.inputs.get(name)
        if found is None:
            _datasource_input(ctx, name)  # raises for an unknown ${DS_...}
            return match.group(0)
        if found.kind == "datasource":
            return _datasource_uid(ctx, found)
        if found.kind == "constant":
            return found.value
        raise ctx.fail(f"placeholder ${{{name}}}: __inputs type {found.kind!r} is not supported")

    return PLACEHOLDER.sub(replace, text)


def _whole_placeholder(text: Any) -> str | None:
    if isinstance(text, str):
        match = PLACEHOLDER.fullmatch(text)
        if match:
            return match.group(1)
    return None


def _resolve(ctx: _Context, node: Any, key: str = "") -> Any:
    """A copy of ``node`` with every placeholder resolved."""
    if isinstance(node, Mapping):
        name = _whole_placeholder(node.get("uid"))
        found = _datasource_input(ctx, name) if name else None
        resolved = {str(k): _resolve(ctx, v, str(k)) for k, v in node.items()}
        if found is not None:
            resolved.update(_datasource_ref(ctx, found))
        return resolved
    if isinstance(node, list):
        return [_resolve(ctx, item, key) for item in node]
    if isinstance(node, str):
        name = _whole_placeholder(node)
        found = _datasource_input(ctx, name) if name and key == "datasource" else None
        if found is not None:
            return _datasource_ref(ctx, found)
        return _substitute(ctx, node)
    return node


def _library_panels(dashboard: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    elements = dashboard.get("__elements")
    if not isinstance(elements, Mapping):
        return {}
    found: dict[str, Mapping[str, Any]] = {}
    for key, element in elements.items():
        if isinstance(element, Mapping) and isinstance(element.get("model"), Mapping):
            found[str(element.get("uid") or key)] = element["model"]
    return found


def _inline_panels(panels: Any, library: Mapping[str, Mapping[str, Any]]) -> Any:
    """Replace references to library panels shipped in ``__elements`` by their model."""
    if not isinstance(panels, list):
        return panels
    result: list[Any] = []
    for panel in panels:
        if isinstance(panel, Mapping):
            ref = panel.get("libraryPanel")
            uid = ref.get("uid") if isinstance(ref, Mapping) else None
            if isinstance(uid, str) and uid in library:
                model = {
                    k: v
                    for k, v in library[uid].items()
                    if k not in ("libraryPanel", "id", "gridPos")
                }
                panel = {**model, **{k: v for k, v in panel.items() if k != "libraryPanel"}}
            if "panels" in panel:
                panel = {**panel, "panels": _inline_panels(panel["panels"], library)}
        result.append(panel)
    return result


def _choose_uid(ctx: _Context, dashboard: Mapping[str, Any], uid: str | None, name: str) -> str:
    existing = dashboard.get("uid")
    if isinstance(existing, str) and existing:
        return existing
    if uid:
        if not UID_PATTERN.match(uid):
            raise ctx.fail(f"uid {uid!r} is not a valid Grafana uid (1-40 of A-Z a-z 0-9 - _)")
        return uid
    stem = name[: -len(".json")] if name.lower().endswith(".json") else name
    derived = slugify(stem)
    if not derived:
        raise ctx.fail("has no uid; pass uid= or a name= to derive one from")
    return derived


def import_dashboard(
    dashboard: Mapping[str, Any],
    datasources: Mapping[str, str],
    uid: str | None = None,
    name: str = "",
) -> dict[str, Any]:
    """The provisionable form of an exported ``dashboard`` (the input is not modified).

    ``datasources`` maps a datasource plugin type to the uid of the provisioned
    datasource of that type, e.g. ``{"prometheus": "prometheus"}``.
    """
    if not isinstance(dashboard, Mapping):
        raise DashboardImportError(
            f"dashboard {name!r}: expected a JSON object, got {type(dashboard).__name__}"
        )
    label = _label(dashboard, name)
    if not isinstance(datasources, Mapping):
        raise DashboardImportError(f"dashboard {label}: datasources must map plugin type to uid")
    ctx = _Context(
        label=label,
        inputs=_parse_inputs(dashboard.get("__inputs"), label),
        datasources={str(k): str(v) for k, v in datasources.items()},
        variables=_template_variables(dashboard),
    )
    body = {k: v for k, v in dashboard.items() if k not in EXPORT_KEYS}
    library = _library_panels(dashboard)
    if library:
        body["panels"] = _inline_panels(body.get("panels"), library)
    result: dict[str, Any] = _resolve(ctx, body)
    result["id"] = None
    result["uid"] = _choose_uid(ctx, dashboard, uid, name)
    return result


def grafana_import_dashboard(
    dashboard: dict[str, Any],
    datasources: dict[str, str],
    uid: str | None = None,
    name: str = "",
) -> dict[str, Any]:
    """Ansible filter: :func:`import_dashboard`, failing with ``AnsibleFilterError``."""
    try:
        return import_dashboard(dashboard, datasources, uid=uid, name=name)
    except DashboardImportError as exc:
        raise AnsibleFilterError(str(exc)) from exc


def grafana_import_dashboards(
    imports: list[dict[str, Any]],
    contents: list[str],
    datasources: dict[str, str],
) -> list[dict[str, Any]]:
    """The grafana role's ``grafana_dashboards_import`` ({src, uid?} each) made provisionable.

    ``contents`` are the files' texts, in the same order (the role reads them
    with ``query('ansible.builtin.file', ...)``). Each result is ``{src, uid,
    dashboard}``: the dashboard as :func:`import_dashboard` rewrites it, named
    after its file for messages, and its uid (also its file name).
    """
    if len(imports) != len(contents):
        raise AnsibleFilterError(
            f"{len(imports)} dashboards to import but {len(contents)} file contents"
        )
    results = []
    for entry, text in zip(imports, contents, strict=True):
        src = str(entry["src"])
        name = src.rsplit("/", 1)[-1]
        try:
            dashboard = json.loads(text)
        except ValueError as exc:
            raise AnsibleFilterError(f"dashboard {name!r} ({src}) is not JSON: {exc}") from exc
        imported = grafana_import_dashboard(dashboard, datasources, uid=entry.get("uid"), name=name)
        results.append({"src": src, "uid": imported["uid"], "dashboard": imported})
    return results


class FilterModule:
    """Grafana dashboard filters."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "grafana_import_dashboard": grafana_import_dashboard,
            "grafana_import_dashboards": grafana_import_dashboards,
        }
