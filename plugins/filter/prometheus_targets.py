"""Turn the inventory into Prometheus targets: file_sd files, scrape configs, alertmanagers.

``prometheus_plan`` is the one call the role makes: everything prometheus.yml
and its files need (scrape configs, alertmanagers, remote_write, the file_sd
files and the password files), for one Prometheus host (its shard).

One linear pass: every host of every job's group is looked at once per job,
and each host's variables are read from ``hostvars`` at most once in all
(``hostvars[host]`` makes Ansible compute that host's variables, so it is
cached here). Nothing loops over ``hostvars`` inside a loop over hosts.

A job spec (``prometheus_scrape_jobs`` in the role) says which inventory
group holds the job's hosts and how to find each host's port:

    node-exporter: {group: node_exporter, port: 9100}

Each host's target is ``<address>:<port>`` where the address is
``monitoring_address``, else ``ansible_host``, else the inventory name, and the
port is the host's own ``<var_prefix>_port`` (default: the spec's ``port``, else
the default of the role ``<var_prefix>`` names, from its defaults/main.yml).
The ``instance`` label is the inventory name. A host whose
``<var_prefix>_web_tls_cert_file`` is set is scraped over HTTPS, as is, for a
job marked ``monitoring_tls: true`` (a service of this collection), a host
with ``monitoring_tls`` on; one whose
``<var_prefix>_web_basic_auth_users`` is set is scraped with basic auth. Hosts
of one job with different credentials need separate scrape configs (basic
auth is per scrape config): they share the job label through a ``job`` target
label, which overrides the scrape config's own name.

Passwords never enter a target group or a scrape config: ``prometheus_plan``
returns them apart, under ``secrets``, for password files written without logging.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .entries import file_entries
from .ports import role_defaults
from .scale_out import prometheus_remote_write, prometheus_shard, prometheus_shard_of

DEFAULT_METRICS_PATH = "/metrics"
DEFAULT_SCRAPE_USER = "prometheus"
DEFAULT_PROBE_MODULE = "http_2xx"
ALERTING_NAME = "alerting"
# Label carrying a probe job's exporter address until relabelling moves it to __address__.
PROBER_ADDRESS_LABEL = "__prober_address"

JOB_KEYS = frozenset(
    {
        "group",
        "port",
        "var_prefix",
        "port_var",
        "path_var",
        "metrics_path",
        "scrape_user",
        "enabled",
        "labels",
        "probe_targets",
        "probe_module",
        "scrape_interval",
        "scrape_timeout",
        "tls_config",
        "monitoring_tls",
        "scrape",
    }
)

ROLE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
Auth = tuple[str, str] | None
TargetGroup = dict[str, Any]
Plan = dict[str, Any]


@dataclass(frozen=True)
class JobSpec:
    """A job spec with its defaults filled in."""

    name: str
    group: str
    port: int
    var_prefix: str
    port_var: str
    path_var: str
    metrics_path: str
    scrape_user: str
    labels: dict[str, str]
    probe_targets: list[tuple[str, str]] | None
    scrape_interval: str | None
    scrape_timeout: str | None
    tls_config: dict[str, Any] | None
    scrape: dict[str, Any]
    # A service of this collection: served over TLS when its host has monitoring_tls on.
    monitoring_tls: bool = False


@dataclass
class _Config:
    """One scrape config (or alertmanagers entry): the job's hosts that share credentials."""

    name: str
    auth: Auth
    targets: list[TargetGroup] = field(default_factory=list)


def _fail(message: str) -> ValueError:
    return ValueError(f"prometheus targets: {message}")


def _as_int(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise _fail(f"{where} must be a port number, got {value!r}")
    try:
        port = int(value)
    except (TypeError, ValueError):
        raise _fail(f"{where} must be a port number, got {value!r}") from None
    if not 0 < port < 65536:
        raise _fail(f"{where} must be a port number (1-65535), got {port}")
    return port


def _probe_targets(value: Any, job: str, module: str) -> list[tuple[str, str]]:
    """``[url | {url, module}]`` -> ``[(url, module)]``."""
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise _fail(f"job {job}: probe_targets must be a list, got {value!r}")
    result: list[tuple[str, str]] = []
    for item in value:
        if isinstance(item, str):
            result.append((item, module))
        elif isinstance(item, Mapping) and item.get("url"):
            result.append((str(item["url"]), str(item.get("module") or module)))
        else:
            raise _fail(f"job {job}: probe target {item!r} is neither a URL nor {{url, module}}")
    return result


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "on", "1")
    return bool(value)


def job_spec(name: str, raw: Mapping[str, Any]) -> JobSpec:
    """Validate one job spec and fill in its defaults."""
    unknown = sorted(set(raw) - JOB_KEYS)
    if unknown:
        raise _fail(
            f"job {name}: unknown keys {unknown} (known: {sorted(JOB_KEYS)}; "
            "put verbatim scrape_config settings under 'scrape')"
        )
    if not raw.get("group"):
        raise _fail(f"job {name}: 'group' (the inventory group of its hosts) is required")
    group = str(raw["group"])
    prefix = str(raw.get("var_prefix") or group)
    module = str(raw.get("probe_module") or DEFAULT_PROBE_MODULE)
    probes = raw.get("probe_targets")
    tls_config = raw.get("tls_config")
    port_var = str(raw.get("port_var") or f"{prefix}_port")
    # A job of one of this collection's roles scrapes at that role's default port.
    port = raw.get("port", role_defaults(prefix).get(port_var) if ROLE_NAME.match(prefix) else None)
    if port is None:
        raise _fail(
            f"job {name}: 'port' is required ({prefix} is not a role with a default {port_var})"
        )
    return JobSpec(
        name=name,
        group=group,
        port=_as_int(port, f"job {name}: port"),
        var_prefix=prefix,
        port_var=port_var,
        path_var=str(raw.get("path_var") or f"{prefix}_telemetry_path"),
        metrics_path=str(raw.get("metrics_path") or DEFAULT_METRICS_PATH),
        scrape_user=str(raw.get("scrape_user") or DEFAULT_SCRAPE_USER),
        labels={str(k): str(v) for k, v in (raw.get("labels") or {}).items()},
        probe_targets=None if probes is None else _probe_targets(probes, name, module),
        scrape_interval=str(raw["scrape_interval"]) if raw.get("scrape_interval") else None,
        scrape_timeout=str(raw["scrape_timeout"]) if raw.get("scrape_timeout") else None,
        tls_config=dict(tls_config) if tls_config else None,
        scrape=dict(raw.get("scrape") or {}),
        monitoring_tls=_truthy(raw.get("monitoring_tls", False)),
    )


def job_specs(jobs: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]]) -> list[JobSpec]:
    """Job specs from ``{name: spec}`` or ``[{name, ...}]``, without the disabled ones."""
    if isinstance(jobs, Mapping):
        items: Iterable[tuple[str, Mapping[str, Any]]] = (
            (str(name), spec or {}) for name, spec in jobs.items()
        )
    else:
        items = (
            (str(spec["name"]), {k: v for k, v in spec.items() if k != "name"}) for spec in jobs
        )
    specs: list[JobSpec] = []
    for name, raw in items:
        if not isinstance(raw, Mapping):
            raise _fail(f"job {name}: spec must be a mapping, got {raw!r}")
        if raw.get("enabled", True) in (False, "false", "False", "no"):
            continue
        specs.append(job_spec(name, raw))
    return specs


class _HostVars:
    """Each host's variables, fetched from ``hostvars`` at most once."""

    def __init__(self, hostvars: Mapping[str, Any]) -> None:
        self._hostvars = hostvars
        self._cache: dict[str, Mapping[str, Any]] = {}

    def __getitem__(self, host: str) -> Mapping[str, Any]:
        view = self._cache.get(host)
        if view is None:
            try:
                view = self._hostvars[host]
            except KeyError:
                view = {}
            self._cache[host] = view
        return view


def _get(view: Mapping[str, Any], key: str) -> Any:
    try:
        return view.get(key)
    except Exception as exc:  # an undefined or failing template in that host's variables
        raise _fail(f"cannot read {key}: {exc}") from exc


def host_address(host: str, view: Mapping[str, Any]) -> str:
    """``monitoring_address | default(ansible_host) | default(host)``, IPv6 bracketed."""
    address = str(_get(view, "monitoring_address") or _get(view, "ansible_host") or host)
    if ":" in address and not address.startswith("["):
        address = f"[{address}]"
    return address


def _auth(host: str, view: Mapping[str, Any], spec: JobSpec) -> Auth:
    var = f"{spec.var_prefix}_web_basic_auth_users"
    users = _get(view, var)
    if not users:
        return None
    if not isinstance(users, Mapping):
        raise _fail(f"host {host}: {var} must be a mapping of user to password")
    user = spec.scrape_user if spec.scrape_user in users else sorted(users)[0]
    password = users[user]
    if password is None or not str(password):
        raise _fail(f"host {host}: {var} has an empty password for user {user}")
    return (str(user), str(password))


def _file_stem(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def host_labels(host: str, view: Mapping[str, Any]) -> dict[str, str]:
    """The host's own ``monitoring_labels``, added to every target it exposes."""
    raw = _get(view, "monitoring_labels")
    if not raw:
        return {}
    if not isinstance(raw, Mapping):
        raise _fail(f"host {host}: monitoring_labels must be a mapping of label name to value")
    labels: dict[str, str] = {}
    for name, value in raw.items():
        reserved = str(name).startswith("__") or name in ("instance", "job")
        if not LABEL_NAME.match(str(name)) or reserved:
            raise _fail(
                f"host {host}: monitoring_labels key {name!r} is not a label name Prometheus "
                "accepts here ([a-zA-Z_][a-zA-Z0-9_]*, not instance, job or __*)"
            )
        if value is None or isinstance(value, (Mapping, list)):
            raise _fail(f"host {host}: monitoring_labels.{name} must be a string")
        labels[str(name)] = str(value)
    return labels


def _host_target(host: str, view: Mapping[str, Any], spec: JobSpec) -> tuple[str, dict[str, str]]:
    """A host's ``address:port`` and its per-target labels."""
    port_value = _get(view, spec.port_var)
    port = spec.port if port_value is None else _as_int(port_value, f"host {host}: {spec.port_var}")
    labels: dict[str, str] = {}
    tls = spec.monitoring_tls and _truthy(_get(view, "monitoring_tls"))
    if tls or _get(view, f"{spec.var_prefix}_web_tls_cert_file"):
        labels["__scheme__"] = "https"
    path = _get(view, spec.path_var)
    if path and str(path) != spec.metrics_path:
        labels["__metrics_path__"] = str(path)
    return f"{host_address(host, view)}:{port}", labels


def _config_name(name: str, auth: Auth, existing: Mapping[Auth, _Config]) -> str:
    """The job's name for hosts without credentials, ``<job>-auth[-N]`` for each set of them.

    Names do not depend on which hosts come first, so a host joining or
    leaving changes only target files, unless it brings or takes the last
    host of a set of credentials.
    """
    if auth is None:
        return name
    count = sum(1 for key in existing if key is not None)
    return f"{name}-auth" if count == 0 else f"{name}-auth-{count + 1}"


def _configs(
    spec: JobSpec, hosts: Iterable[str], hostvars: _HostVars, name: str, set_job: bool
) -> tuple[list[_Config], dict[str, str]]:
    """The hosts of one job, split by credentials; and the passwords by config name."""
    by_auth: dict[Auth, _Config] = {}
    for host in hosts:
        view = hostvars[host]
        address, labels = _host_target(host, view, spec)
        auth = _auth(host, view, spec)
        config = by_auth.get(auth)
        if config is None:
            config = by_auth[auth] = _Config(name=_config_name(name, auth, by_auth), auth=auth)
        if spec.probe_targets is not None:
            labels = {**labels, PROBER_ADDRESS_LABEL: address, "prober": host, **spec.labels}
            by_module: dict[str, list[str]] = {}
            for url, module in spec.probe_targets:
                by_module.setdefault(module, []).append(url)
            for module, urls in by_module.items():
                config.targets.append(
                    {"targets": urls, "labels": {**labels, "__param_module": module}}
                )
        else:
            own = host_labels(host, view)
            config.targets.append(
                {"targets": [address], "labels": {**spec.labels, **own, **labels, "instance": host}}
            )
    # Hosts without credentials first (the config named after the job), then each set of them.
    configs = sorted(by_auth.values(), key=lambda config: config.auth is not None)
    for config in configs:
        if set_job and config.name != spec.name:
            for group in config.targets:
                group["labels"]["job"] = spec.name
    secrets = {c.name: c.auth[1] for c in configs if c.auth is not None}
    return configs, secrets


def _unique_hosts(
    groups: Mapping[str, Sequence[str]], group: str, views: _HostVars, prefix: str
) -> list[str]:
    """The group's hosts, less those whose component is being removed (``<prefix>_state``)."""
    hosts = dict.fromkeys(groups.get(group) or [])
    return [host for host in hosts if _get(views[host], f"{prefix}_state") != "absent"]


def _plan(
    groups: Mapping[str, Sequence[str]],
    hostvars: Mapping[str, Any],
    jobs: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]],
    alerting: Mapping[str, Any] | None,
) -> tuple[Plan, dict[str, str]]:
    views = _HostVars(hostvars)
    plan_jobs: list[dict[str, Any]] = []
    secrets: dict[str, str] = {}
    names: set[str] = set()
    for spec in job_specs(jobs):
        hosts = _unique_hosts(groups, spec.group, views, spec.var_prefix)
        if not hosts or spec.probe_targets == []:
            continue
        configs, job_secrets = _configs(spec, hosts, views, spec.name, set_job=True)
        entries = []
        for config in configs:
            if config.name in names:
                raise _fail(f"scrape config name {config.name} is used twice: rename a job")
            names.add(config.name)
            stem = _file_stem(config.name)
            entries.append(
                {
                    "name": config.name,
                    "file": f"{stem}.json",
                    "basic_auth_user": config.auth[0] if config.auth else "",
                    "password_file": f"{stem}.password" if config.auth else "",
                    "targets": config.targets,
                }
            )
            if config.name in job_secrets:
                secrets[f"{stem}.password"] = job_secrets[config.name]
        plan_jobs.append(
            {
                "job": spec.name,
                "metrics_path": spec.metrics_path,
                "probe": spec.probe_targets is not None,
                "scrape_interval": spec.scrape_interval,
                "scrape_timeout": spec.scrape_timeout,
                "tls_config": spec.tls_config,
                "scrape": spec.scrape,
                "configs": entries,
            }
        )
    alertmanagers: list[dict[str, Any]] = []
    if alerting:
        spec = job_spec(ALERTING_NAME, alerting)
        configs, am_secrets = _configs(
            spec,
            _unique_hosts(groups, spec.group, views, spec.var_prefix),
            views,
            ALERTING_NAME,
            set_job=False,
        )
        for config in configs:
            if config.name in names:
                raise _fail(f"name {config.name} is used by a scrape job and by alerting")
            stem = _file_stem(config.name)
            by_scheme: dict[str, list[str]] = {}
            for group in config.targets:
                scheme = group["labels"].get("__scheme__", "http")
                by_scheme.setdefault(scheme, []).extend(group["targets"])
            for scheme, addresses in by_scheme.items():
                alertmanagers.append(
                    {
                        "scheme": scheme,
                        "targets": addresses,
                        "basic_auth_user": config.auth[0] if config.auth else "",
                        "password_file": f"{stem}.password" if config.auth else "",
                        "tls_config": spec.tls_config,
                        "extra": spec.scrape,
                    }
                )
            if config.name in am_secrets:
                secrets[f"{stem}.password"] = am_secrets[config.name]
    return {"jobs": plan_jobs, "alertmanagers": alertmanagers}, secrets


def prometheus_file_sd(
    groups: Mapping[str, Sequence[str]],
    hostvars: Mapping[str, Any],
    jobs: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]],
    alerting: Mapping[str, Any] | None = None,
) -> Plan:
    """The scrape plan: per job, its scrape configs with their file_sd target groups.

    ``groups`` is Ansible's ``groups``, ``hostvars`` Ansible's ``hostvars`` (or
    any mapping of host name to that host's variables), ``jobs`` the job specs,
    ``alerting`` the spec of the Alertmanager hosts (``{group, port}``).
    Returns ``{"jobs": [{job, metrics_path, probe, ..., configs: [{name, file,
    basic_auth_user, password_file, targets}]}], "alertmanagers": [...]}``,
    where each config's ``targets`` is the content of its file_sd file.
    """
    return _plan(groups, hostvars, jobs, alerting)[0]


def prometheus_scrape_secrets(
    groups: Mapping[str, Sequence[str]],
    hostvars: Mapping[str, Any],
    jobs: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]],
    alerting: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """The scrape passwords, by password file name (same arguments as ``prometheus_file_sd``)."""
    return _plan(groups, hostvars, jobs, alerting)[1]


def _probe_relabel() -> list[dict[str, Any]]:
    """The blackbox exporter's standard relabelling, with the exporter taken from a label."""
    return [
        {"source_labels": ["__address__"], "target_label": "__param_target"},
        {"source_labels": ["__param_target"], "target_label": "instance"},
        {"source_labels": [PROBER_ADDRESS_LABEL], "target_label": "__address__"},
    ]


def _client(
    user: str, password_file: str, tls_config: Mapping[str, Any] | None, secrets_dir: str
) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    if user:
        settings["basic_auth"] = {
            "username": user,
            "password_file": f"{secrets_dir}/{password_file}",
        }
    if tls_config:
        settings["tls_config"] = dict(tls_config)
    return settings


def prometheus_scrape_configs(plan: Plan, options: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ``scrape_configs`` of prometheus.yml for a plan from ``prometheus_file_sd``.

    ``options``: ``file_sd_dir``, ``secrets_dir``, ``critical_jobs`` (job names
    scraped at ``critical_scrape_interval`` unless the job sets its own
    interval), ``tls_config`` (default for jobs that set none).
    """
    file_sd_dir = str(options["file_sd_dir"]).rstrip("/")
    secrets_dir = str(options["secrets_dir"]).rstrip("/")
    critical = set(options.get("critical_jobs") or [])
    critical_interval = options.get("critical_scrape_interval")
    default_tls = options.get("tls_config") or None
    result: list[dict[str, Any]] = []
    for job in plan["jobs"]:
        interval = job["scrape_interval"] or (critical_interval if job["job"] in critical else None)
        for config in job["configs"]:
            scrape: dict[str, Any] = {"job_name": config["name"]}
            if interval:
                scrape["scrape_interval"] = interval
            if job["scrape_timeout"]:
                scrape["scrape_timeout"] = job["scrape_timeout"]
            scrape["metrics_path"] = "/probe" if job["probe"] else job["metrics_path"]
            scrape.update(
                _client(
                    config["basic_auth_user"],
                    config["password_file"],
                    job["tls_config"] or default_tls,
                    secrets_dir,
                )
            )
            scrape["file_sd_configs"] = [{"files": [f"{file_sd_dir}/{config['file']}"]}]
            extra = dict(job["scrape"])
            relabel = list(extra.pop("relabel_configs", None) or [])
            if job["probe"]:
                relabel = _probe_relabel() + relabel
            if relabel:
                scrape["relabel_configs"] = relabel
            scrape.update(extra)
            result.append(scrape)
    return result


def prometheus_alertmanagers(plan: Plan, options: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``alerting.alertmanagers`` of prometheus.yml: every Alertmanager host, static targets."""
    secrets_dir = str(options["secrets_dir"]).rstrip("/")
    default_tls = options.get("tls_config") or None
    result: list[dict[str, Any]] = []
    for entry in plan["alertmanagers"]:
        alertmanager: dict[str, Any] = {"scheme": entry["scheme"], "api_version": "v2"}
        alertmanager.update(
            _client(
                entry["basic_auth_user"],
                entry["password_file"],
                entry["tls_config"] or default_tls,
                secrets_dir,
            )
        )
        alertmanager["static_configs"] = [{"targets": entry["targets"]}]
        alertmanager.update(entry["extra"])
        result.append(alertmanager)
    return result


def prometheus_sd_files(plan: Plan) -> dict[str, str]:
    """Every file_sd file a plan needs, by file name, with its content (anything else is stale)."""
    return {
        config["file"]: prometheus_sd_json(config["targets"])
        for job in plan["jobs"]
        for config in job["configs"]
    }


def prometheus_sd_json(targets: Sequence[Mapping[str, Any]]) -> str:
    """A file_sd file: a JSON list with one target group (one host) per line.

    JSON because it is what Prometheus documents first and it is written in
    linear time at any size (YAML emitters are many times slower); one group
    per line keeps it greppable and its diffs one line per host.
    """
    if not targets:
        return "[]\n"
    lines = ",\n".join(json.dumps(group, sort_keys=True, ensure_ascii=False) for group in targets)
    return f"[\n{lines}\n]\n"


def prometheus_drop_alerts(rules: Mapping[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """A rule file without the alerting rules named in ``names``; an unknown name is an error."""
    wanted = set(names)
    found: set[str] = set()
    groups: list[dict[str, Any]] = []
    for group in rules.get("groups") or []:
        kept = []
        for rule in group.get("rules") or []:
            if rule.get("alert") in wanted:
                found.add(rule["alert"])
            else:
                kept.append(rule)
        if kept:
            groups.append({**group, "rules": kept})
    unknown = sorted(wanted - found)
    if unknown:
        shipped = sorted(
            rule["alert"]
            for group in rules.get("groups") or []
            for rule in group.get("rules") or []
            if "alert" in rule
        )
        raise ValueError(
            f"prometheus_alerts_disabled names alerts that are not shipped: {unknown} "
            f"(shipped: {shipped})"
        )
    return {**rules, "groups": groups}


def prometheus_labels(
    host: str, ha_hosts: Sequence[str], vm_hosts: Sequence[str], options: Mapping[str, Any]
) -> dict[str, Any]:
    """The external labels of ``host`` and the labels dropped on the way out.

    Replicas (``host`` one of two or more ``ha_hosts``) differ only by
    ``options["replica_label"]`` (set to ``host``): dropped on the way to
    Alertmanager and VictoriaMetrics, their alerts notify once and their
    samples are one series. ``options["cluster"]`` labels replicas and the
    writers to VictoriaMetrics; ``options["external_labels"]`` come last.
    Returns ``{external_labels, drop_labels}``.
    """
    replica_label = str(options.get("replica_label") or "")
    replica = len(ha_hosts) > 1 and host in ha_hosts
    drop = [replica_label] if replica and replica_label else []
    labels: dict[str, Any] = {"cluster": options.get("cluster")} if replica or vm_hosts else {}
    labels.update({replica_label: host} if drop else {})
    labels.update(options.get("external_labels") or {})
    return {"external_labels": labels, "drop_labels": drop}


def prometheus_plan(
    groups: Mapping[str, Sequence[str]], hostvars: Mapping[str, Any], options: Mapping[str, Any]
) -> dict[str, Any]:
    """Everything prometheus.yml and its files need from the inventory, in one pass.

    ``options``: ``jobs`` and ``alerting`` (the specs, as for
    ``prometheus_file_sd``), ``file_sd_dir``, ``secrets_dir``, ``tls_config``,
    ``critical_jobs``, ``critical_scrape_interval`` (as for
    ``prometheus_scrape_configs``); ``host`` (this Prometheus host),
    ``ha_group`` (the group of its replicas and shards), ``shards``,
    ``unsharded_jobs`` (the targets are cut to ``host``'s shard);
    ``victoriametrics_group`` (the ``remote_write`` targets), ``cluster``,
    ``replica_label`` and ``external_labels`` (see ``prometheus_labels``);
    ``group`` (of the files). Returns ``{scrape_configs, alertmanagers,
    remote_write, files, external_labels, drop_labels}``: three sections of
    prometheus.yml, the ``file_set`` entries of the password files
    (``secret``) and file_sd files, and the labels of ``prometheus_labels``.
    """
    plan, secrets = _plan(groups, hostvars, options["jobs"], options.get("alerting"))
    shards = options.get("shards", 1)
    hosts = list(groups.get(str(options.get("ha_group") or "")) or [])
    host = str(options.get("host") or "")
    shard = prometheus_shard_of(hosts, hostvars, host, shards) if host in hosts else 0
    plan = prometheus_shard(plan, shard, shards, options.get("unsharded_jobs") or ())
    vm_hosts = list(groups.get(str(options.get("victoriametrics_group") or "")) or [])
    labels = prometheus_labels(host, hosts, vm_hosts, options)
    remote = prometheus_remote_write(
        vm_hosts,
        hostvars,
        {**{key: options.get(key) for key in ("secrets_dir", "tls_config")}, **labels},
    )
    return {
        **labels,
        "scrape_configs": prometheus_scrape_configs(plan, options),
        "alertmanagers": prometheus_alertmanagers(plan, options),
        "remote_write": remote["remote_write"],
        "files": file_entries(
            {**secrets, **remote["secrets"]},
            str(options["secrets_dir"]),
            group=options.get("group"),
            mode="0640",
            secret=True,
        )
        + file_entries(
            prometheus_sd_files(plan),
            str(options["file_sd_dir"]),
            group=options.get("group"),
            mode="0640",
        ),
    }


class FilterModule:
    """Ansible filters of plugspace.monitoring for Prometheus targets."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "prometheus_plan": prometheus_plan,
            # The plan alone, which tests/bench/bench_targets.py times.
            "prometheus_file_sd": prometheus_file_sd,
            "prometheus_drop_alerts": prometheus_drop_alerts,
        }
