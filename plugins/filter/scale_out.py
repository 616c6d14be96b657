"""Past one Prometheus: HA replicas, sharding of targets and remote_write, from the inventory.

- ``prometheus_shard_of``: which shard a Prometheus host serves (its own
  ``prometheus_shard``, else its position in the group modulo the shard count).
- ``prometheus_shard``: a scrape plan (``prometheus_file_sd``) cut down to one
  shard's targets. The assignment is rendezvous (highest random weight)
  hashing of ``job/instance`` over the shard numbers: a target's shard depends
  only on its own name and the shard count, so adding a target moves no other
  one, and going from N to N+1 shards moves only the targets the new shard
  wins (about 1/(N+1) of them). Prometheus's own ``hashmod`` relabelling is a
  modulo: changing N reshuffles almost every target. Jobs listed as unsharded
  (Prometheus, Alertmanager, ...) stay on every shard.
- ``victoriametrics_endpoints`` / ``prometheus_remote_write``: every host of the
  VictoriaMetrics group as a remote_write target (single node or vmauth of the
  cluster flavour), with that host's TLS and basic auth; the passwords apart.
- ``monitoring_addresses``: hosts at their ``monitoring_address``, else
  ``ansible_host``, else their name (IPv6 bracketed).
- ``monitoring_url`` / ``monitoring_endpoints``: a host's service of this
  collection as a URL / hosts as ``address:port``, at the host's own port
  variable, else that role's default.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .ports import role_defaults

Plan = dict[str, Any]

DEFAULT_WRITE_USER = "prometheus"
SINGLE_WRITE_PATH = "/api/v1/write"
SINGLE_READ_PATH = ""
# vmauth of the cluster flavour routes /insert/ to vminsert and /select/ to vmselect (tenant 0).
CLUSTER_WRITE_PATH = "/insert/0/prometheus/api/v1/write"
CLUSTER_READ_PATH = "/select/0/prometheus"


def _fail(message: str) -> ValueError:
    return ValueError(f"scale out: {message}")


def _view(hostvars: Mapping[str, Any], host: str) -> Mapping[str, Any]:
    try:
        view = hostvars[host]
    except KeyError:
        return {}
    return view if isinstance(view, Mapping) else {}


def _address(host: str, view: Mapping[str, Any]) -> str:
    address = str(view.get("monitoring_address") or view.get("ansible_host") or host)
    if ":" in address and not address.startswith("["):
        address = f"[{address}]"
    return address


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "on", "1")
    return bool(value)


def monitoring_addresses(hosts: Sequence[str], hostvars: Mapping[str, Any]) -> list[str]:
    """Each host's address as Prometheus reaches it (IPv6 bracketed), in order."""
    return [_address(host, _view(hostvars, host)) for host in dict.fromkeys(hosts)]


def _port(host: str, view: Mapping[str, Any], role: str, port_var: str) -> int:
    """The host's ``port_var``, else the role's default (stated once, in its defaults/main.yml)."""
    port = view.get(port_var) or role_defaults(role).get(port_var)
    if port is None:
        raise _fail(f"host {host}: no {port_var}, and {role} is not a role with a default one")
    return int(port)


def monitoring_endpoints(
    hosts: Sequence[str], hostvars: Mapping[str, Any], role: str, port_var: str = ""
) -> list[str]:
    """Each host as ``<address>:<port>`` of ``role``'s ``port_var`` (default ``<role>_port``)."""
    var = port_var or f"{role}_port"
    views = {host: _view(hostvars, host) for host in dict.fromkeys(hosts)}
    return [f"{_address(h, v)}:{_port(h, v, role, var)}" for h, v in views.items()]


def monitoring_url(host: str, hostvars: Mapping[str, Any], role: str) -> str:
    """``<scheme>://<address>:<port>`` of ``role``'s service on ``host`` ("" for no host).

    The port is the host's ``<role>_port``, else the role's default; https
    when the host has ``monitoring_tls`` on or its ``<role>_web_tls_cert_file`` set.
    """
    if not host:
        return ""
    (endpoint,) = monitoring_endpoints([host], hostvars, role)
    view = _view(hostvars, host)
    tls = _truthy(view.get("monitoring_tls")) or view.get(f"{role}_web_tls_cert_file")
    return f"{'https' if tls else 'http'}://{endpoint}"


def _as_shards(shards: Any) -> int:
    if isinstance(shards, bool):
        raise _fail(f"prometheus_shards must be a whole number of at least 1, got {shards!r}")
    try:
        count = int(shards)
    except (TypeError, ValueError):
        raise _fail(
            f"prometheus_shards must be a whole number of at least 1, got {shards!r}"
        ) from None
    if count < 1:
        raise _fail(f"prometheus_shards must be a whole number of at least 1, got {count}")
    return count


def prometheus_shard_of(
    hosts: Sequence[str], hostvars: Mapping[str, Any], host: str, shards: Any = 1
) -> int:
    """The shard (0 .. shards-1) that Prometheus host ``host`` of group ``hosts`` serves.

    A host's own ``prometheus_shard`` wins; the others take their position in
    the group modulo ``shards`` (four hosts, two shards: 0 1 0 1, two HA pairs).
    """
    count = _as_shards(shards)
    ordered = list(dict.fromkeys(hosts))
    if host not in ordered:
        raise _fail(f"host {host} is not in the Prometheus group ({', '.join(ordered)})")
    own = _view(hostvars, host).get("prometheus_shard")
    if own is None or own == "":
        return ordered.index(host) % count
    if isinstance(own, bool):
        raise _fail(f"host {host}: prometheus_shard must be a number from 0 to {count - 1}")
    try:
        shard = int(own)
    except (TypeError, ValueError):
        raise _fail(
            f"host {host}: prometheus_shard must be a number from 0 to {count - 1}"
        ) from None
    if not 0 <= shard < count:
        raise _fail(
            f"host {host}: prometheus_shard must be a number from 0 to {count - 1}, got {shard}"
        )
    return shard


def shard_of_target(key: str, shards: int) -> int:
    """Rendezvous hashing: the shard whose sha256(shard, key) weight is highest."""
    best, best_weight = 0, -1
    for shard in range(shards):
        weight = int.from_bytes(hashlib.sha256(f"{shard}/{key}".encode()).digest()[:8], "big")
        if weight > best_weight:
            best, best_weight = shard, weight
    return best


def _target_key(job: str, group: Mapping[str, Any]) -> str:
    labels = group.get("labels") or {}
    name = labels.get("instance") or ",".join(str(t) for t in group.get("targets") or [])
    return f"{job}/{name}"


def prometheus_shard(
    plan: Plan, shard: Any, shards: Any = 1, unsharded: Sequence[str] = ()
) -> Plan:
    """The plan cut to the targets of shard ``shard`` of ``shards``; ``unsharded`` jobs keep all.

    Every job and scrape config stays (a config without targets of this shard
    gets an empty target file), so prometheus.yml is the same on every shard.
    """
    count = _as_shards(shards)
    index = int(shard)
    if not 0 <= index < count:
        raise _fail(f"shard {index} is not one of 0 .. {count - 1}")
    if count == 1:
        return plan
    keep_all = set(unsharded)
    jobs: list[dict[str, Any]] = []
    for job in plan.get("jobs") or []:
        if job["job"] in keep_all:
            jobs.append(job)
            continue
        configs = [
            {
                **config,
                "targets": [
                    group
                    for group in config["targets"]
                    if shard_of_target(_target_key(job["job"], group), count) == index
                ],
            }
            for config in job["configs"]
        ]
        jobs.append({**job, "configs": configs})
    return {**plan, "jobs": jobs}


def victoriametrics_endpoints(
    hosts: Sequence[str], hostvars: Mapping[str, Any], user: str = DEFAULT_WRITE_USER
) -> list[dict[str, Any]]:
    """Each VictoriaMetrics host's write and read (Prometheus API) URLs and credentials.

    ``[{host, write_url, read_url, basic_auth_user, password, monitoring_tls}]``:
    the single node at ``victoriametrics_port``, or vmauth of the cluster
    flavour there; https when the host has ``monitoring_tls`` on (its
    certificate from the collection's private CA, ``monitoring_tls`` true in
    the entry) or its ``victoriametrics_web_tls_cert_file`` set; basic auth
    with ``user`` (else the first) of its ``victoriametrics_web_basic_auth_users``.
    """
    endpoints: list[dict[str, Any]] = []
    for host in dict.fromkeys(hosts):
        view = _view(hostvars, host)
        private_ca = _truthy(view.get("monitoring_tls"))
        cluster = view.get("victoriametrics_flavour") == "cluster"
        base = monitoring_url(host, hostvars, "victoriametrics")
        users = view.get("victoriametrics_web_basic_auth_users") or {}
        if not isinstance(users, Mapping):
            raise _fail(f"host {host}: victoriametrics_web_basic_auth_users must be a mapping")
        name = (user if user in users else sorted(users)[0]) if users else ""
        endpoints.append(
            {
                "host": host,
                "write_url": base + (CLUSTER_WRITE_PATH if cluster else SINGLE_WRITE_PATH),
                "read_url": base + (CLUSTER_READ_PATH if cluster else SINGLE_READ_PATH),
                "basic_auth_user": str(name),
                "password": str(users[name]) if name else "",
                "monitoring_tls": private_ca,
            }
        )
    return endpoints


def prometheus_remote_write(
    hosts: Sequence[str], hostvars: Mapping[str, Any], options: Mapping[str, Any]
) -> dict[str, Any]:
    """``remote_write`` entries to every VictoriaMetrics host, and their password files.

    ``options``: ``secrets_dir`` (where password files live), ``drop_labels``
    (labels removed on the way, the HA replica label: both replicas then
    write the same series, which VictoriaMetrics deduplicates), ``tls_config``
    (for https endpoints), ``user``. Returns ``{remote_write: [...], secrets:
    {file name: password}}``.
    """
    secrets_dir = str(options.get("secrets_dir") or "/etc/prometheus/secrets").rstrip("/")
    drop = [str(label) for label in options.get("drop_labels") or []]
    tls_config = options.get("tls_config") or None
    entries: list[dict[str, Any]] = []
    secrets: dict[str, str] = {}
    for endpoint in victoriametrics_endpoints(
        hosts, hostvars, str(options.get("user") or DEFAULT_WRITE_USER)
    ):
        entry: dict[str, Any] = {
            "name": f"victoriametrics-{endpoint['host']}",
            "url": endpoint["write_url"],
        }
        if endpoint["basic_auth_user"]:
            password_file = f"remote-write-{endpoint['host']}.password"
            entry["basic_auth"] = {
                "username": endpoint["basic_auth_user"],
                "password_file": f"{secrets_dir}/{password_file}",
            }
            secrets[password_file] = endpoint["password"]
        if tls_config and endpoint["write_url"].startswith("https:"):
            entry["tls_config"] = dict(tls_config)
        if drop:
            entry["write_relabel_configs"] = [{"action": "labeldrop", "regex": "|".join(drop)}]
        entries.append(entry)
    return {"remote_write": entries, "secrets": secrets}


class FilterModule:
    """Ansible filters of plugspace.monitoring for HA, sharding and remote_write."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "monitoring_addresses": monitoring_addresses,
            "monitoring_url": monitoring_url,
            "monitoring_endpoints": monitoring_endpoints,
            "victoriametrics_endpoints": victoriametrics_endpoints,
        }
