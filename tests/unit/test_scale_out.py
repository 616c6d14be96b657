"""HA, sharding and remote_write filters (plugins/filter/scale_out.py)."""

from __future__ import annotations

from typing import Any

import pytest

from plugins.filter.scale_out import (
    FilterModule,
    monitoring_addresses,
    monitoring_endpoints,
    monitoring_url,
    prometheus_remote_write,
    prometheus_shard,
    prometheus_shard_of,
    shard_of_target,
    victoriametrics_endpoints,
)


def _plan(hosts: list[str]) -> dict[str, Any]:
    def groups(job: str) -> list[dict[str, Any]]:
        return [{"targets": [f"{h}:1"], "labels": {"instance": h}} for h in hosts]

    return {
        "jobs": [
            {"job": job, "configs": [{"name": job, "file": f"{job}.json", "targets": groups(job)}]}
            for job in ("node-exporter", "prometheus")
        ],
        "alertmanagers": [],
    }


def _instances(plan: dict[str, Any], job: str) -> set[str]:
    found = next(j for j in plan["jobs"] if j["job"] == job)
    return {g["labels"]["instance"] for c in found["configs"] for g in c["targets"]}


def test_addresses_follow_monitoring_address_then_ansible_host() -> None:
    hostvars = {"a": {"monitoring_address": "10.0.0.1"}, "b": {"ansible_host": "::1"}, "c": {}}
    assert monitoring_addresses(["a", "b", "c", "a"], hostvars) == ["10.0.0.1", "[::1]", "c"]


def test_shard_of_a_host_is_its_own_or_its_position() -> None:
    hosts = ["p1", "p2", "p3", "p4"]
    assert [prometheus_shard_of(hosts, {}, h, 2) for h in hosts] == [0, 1, 0, 1]
    assert prometheus_shard_of(hosts, {"p1": {"prometheus_shard": 1}}, "p1", 2) == 1
    with pytest.raises(ValueError, match="prometheus_shard must be a number from 0 to 1"):
        prometheus_shard_of(hosts, {"p1": {"prometheus_shard": 2}}, "p1", 2)
    with pytest.raises(ValueError, match="prometheus_shards"):
        prometheus_shard_of(hosts, {}, "p1", 0)


def test_each_target_is_on_exactly_one_shard_and_unsharded_jobs_on_all() -> None:
    hosts = [f"h{i}" for i in range(60)]
    plan = _plan(hosts)
    shards = [prometheus_shard(plan, s, 3, ["prometheus"]) for s in range(3)]
    seen = [_instances(p, "node-exporter") for p in shards]
    assert set().union(*seen) == set(hosts)
    assert sum(len(s) for s in seen) == len(hosts)
    assert all(len(s) > 5 for s in seen)  # spread, not all on one shard
    assert all(_instances(p, "prometheus") == set(hosts) for p in shards)


def test_one_shard_is_the_plan_itself() -> None:
    plan = _plan(["a"])
    assert prometheus_shard(plan, 0, 1) is plan
    with pytest.raises(ValueError, match="shard 2"):
        prometheus_shard(plan, 2, 2)


def test_adding_a_shard_moves_only_the_targets_the_new_shard_wins() -> None:
    keys = [f"node-exporter/h{i}" for i in range(1000)]
    before = {k: shard_of_target(k, 4) for k in keys}
    after = {k: shard_of_target(k, 5) for k in keys}
    moved = [k for k in keys if before[k] != after[k]]
    assert all(after[k] == 4 for k in moved)
    assert 120 < len(moved) < 280  # about 1/5


def test_remote_write_follows_each_hosts_tls_auth_and_flavour() -> None:
    hostvars = {
        "vm1": {
            "monitoring_address": "10.0.0.9",
            "victoriametrics_web_basic_auth_users": {"prometheus": "pw"},
            "victoriametrics_web_tls_cert_file": "/etc/tls.crt",
        },
        "vm2": {"victoriametrics_flavour": "cluster", "victoriametrics_port": 8427},
    }
    result = prometheus_remote_write(
        ["vm1", "vm2"],
        hostvars,
        {"secrets_dir": "/s/", "drop_labels": ["replica"], "tls_config": {"ca_file": "/ca"}},
    )
    first, second = result["remote_write"]
    assert first["url"] == "https://10.0.0.9:8428/api/v1/write"
    assert first["basic_auth"] == {
        "username": "prometheus",
        "password_file": "/s/remote-write-vm1.password",
    }
    assert first["tls_config"] == {"ca_file": "/ca"}
    assert first["write_relabel_configs"] == [{"action": "labeldrop", "regex": "replica"}]
    assert second["url"] == "http://vm2:8427/insert/0/prometheus/api/v1/write"
    assert "basic_auth" not in second and "tls_config" not in second
    assert result["secrets"] == {"remote-write-vm1.password": "pw"}
    assert "pw" not in str(result["remote_write"])


def test_endpoints_give_grafana_the_query_url() -> None:
    (single,) = victoriametrics_endpoints(["vm"], {"vm": {}})
    assert single["read_url"] == "http://vm:8428"
    assert single["basic_auth_user"] == ""
    assert single["monitoring_tls"] is False


def test_monitoring_tls_puts_remote_write_on_https_with_the_client_tls_config() -> None:
    hostvars = {
        "vm": {"monitoring_tls": True, "victoriametrics_web_basic_auth_users": {"prometheus": "pw"}}
    }
    client = {
        "ca_file": "/etc/prometheus/ca.crt",
        "cert_file": "/etc/prometheus/tls.crt",
        "key_file": "/etc/prometheus/tls.key",
    }
    (entry,) = prometheus_remote_write(["vm"], hostvars, {"tls_config": client})["remote_write"]
    assert entry["url"] == "https://vm:8428/api/v1/write"
    assert entry["tls_config"] == client
    (endpoint,) = victoriametrics_endpoints(["vm"], {"vm": {"monitoring_tls": "true"}})
    assert endpoint["read_url"] == "https://vm:8428"
    assert endpoint["monitoring_tls"] is True


def test_filters_are_registered() -> None:
    assert set(FilterModule().filters()) == {
        "monitoring_addresses",
        "monitoring_url",
        "monitoring_endpoints",
        "victoriametrics_endpoints",
    }


def test_a_services_url_is_at_the_hosts_port_else_the_roles_default() -> None:
    hostvars = {
        "p1": {"monitoring_address": "fd00::1"},
        "p2": {"prometheus_port": 9091, "monitoring_tls": True},
        "p3": {"prometheus_web_tls_cert_file": "/etc/p.crt", "ansible_host": "10.0.0.3"},
    }
    urls = [monitoring_url(host, hostvars, "prometheus") for host in ("p1", "p2", "p3", "")]
    assert urls == ["http://[fd00::1]:9090", "https://p2:9091", "https://10.0.0.3:9090", ""]


def test_endpoints_at_each_hosts_port_variable_else_the_roles_default() -> None:
    hostvars = {"a": {"alertmanager_cluster_port": 9300}, "b": {"ansible_host": "::1"}}
    peers = monitoring_endpoints(
        ["a", "b", "a"], hostvars, "alertmanager", "alertmanager_cluster_port"
    )
    assert peers == ["a:9300", "[::1]:9094"]
    assert monitoring_endpoints(["b"], hostvars, "alertmanager") == ["[::1]:9093"]
    with pytest.raises(ValueError, match="host b: no app_port, and app is not a role"):
        monitoring_endpoints(["b"], hostvars, "app")
