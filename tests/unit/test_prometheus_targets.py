from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
import yaml

from plugins.filter.prometheus_targets import (
    FilterModule,
    host_address,
    job_specs,
    prometheus_alertmanagers,
    prometheus_drop_alerts,
    prometheus_file_sd,
    prometheus_labels,
    prometheus_plan,
    prometheus_scrape_configs,
    prometheus_scrape_secrets,
    prometheus_sd_files,
    prometheus_sd_json,
)

JOBS: dict[str, dict[str, Any]] = {
    "node-exporter": {"group": "node_exporter", "port": 9100, "var_prefix": "node_exporter"},
    "plugspace-api": {
        "group": "plugspace_api",
        "port": 4000,
        "var_prefix": "plugspace_api",
        "metrics_path": "/api/metrics",
    },
    "blackbox": {
        "group": "blackbox_exporter",
        "port": 9115,
        "var_prefix": "blackbox_exporter",
        "probe_targets": [],
    },
}
OPTIONS = {
    "file_sd_dir": "/etc/prometheus/file_sd",
    "secrets_dir": "/etc/prometheus/secrets",
    "critical_jobs": ["plugspace-api"],
    "critical_scrape_interval": "10s",
    "tls_config": {},
}
ALERTING = {"group": "alertmanager", "port": 9093, "var_prefix": "alertmanager"}


def job(plan: Mapping[str, Any], name: str) -> dict[str, Any]:
    return next(j for j in plan["jobs"] if j["job"] == name)


def only_config(plan: Mapping[str, Any], name: str) -> dict[str, Any]:
    configs: list[dict[str, Any]] = job(plan, name)["configs"]
    assert len(configs) == 1
    return configs[0]


def test_each_host_at_its_own_address_and_port_named_by_inventory_name() -> None:
    groups = {"node_exporter": ["web1", "db1", "edge"]}
    hostvars = {
        "web1": {"ansible_host": "10.0.0.1"},
        "db1": {
            "ansible_host": "10.0.0.2",
            "monitoring_address": "192.168.1.2",
            "node_exporter_port": 9110,
        },
        "edge": {},
    }
    config = only_config(prometheus_file_sd(groups, hostvars, JOBS), "node-exporter")
    assert config["name"] == "node-exporter"
    assert config["file"] == "node-exporter.json"
    assert config["targets"] == [
        {"targets": ["10.0.0.1:9100"], "labels": {"instance": "web1"}},
        {"targets": ["192.168.1.2:9110"], "labels": {"instance": "db1"}},
        {"targets": ["edge:9100"], "labels": {"instance": "edge"}},
    ]


def test_a_component_being_removed_is_no_longer_scraped_or_alerted_to() -> None:
    groups = {"node_exporter": ["web1", "db1"], "alertmanager": ["mon1"]}
    hostvars = {
        "web1": {},
        "db1": {"node_exporter_state": "absent"},
        "mon1": {"alertmanager_state": "absent"},
    }
    plan = prometheus_file_sd(groups, hostvars, JOBS, ALERTING)
    assert [t["labels"]["instance"] for t in only_config(plan, "node-exporter")["targets"]] == [
        "web1"
    ]
    assert plan["alertmanagers"] == []


def test_a_hosts_own_labels_go_on_every_target_it_exposes() -> None:
    groups = {"node_exporter": ["db1", "web1"], "plugspace_api": ["db1"]}
    hostvars = {"db1": {"monitoring_labels": {"datacenter": "fra1", "rack": 7}}, "web1": {}}
    plan = prometheus_file_sd(groups, hostvars, JOBS)
    node = only_config(plan, "node-exporter")["targets"]
    assert node[0]["labels"] == {"datacenter": "fra1", "rack": "7", "instance": "db1"}
    assert node[1]["labels"] == {"instance": "web1"}
    api = only_config(plan, "plugspace-api")["targets"]
    assert api[0]["labels"]["datacenter"] == "fra1"
    assert api[0]["labels"]["instance"] == "db1"


def test_ipv6_addresses_are_bracketed() -> None:
    assert host_address("h", {"ansible_host": "fd00::1"}) == "[fd00::1]"
    assert host_address("h", {"ansible_host": "[fd00::1]"}) == "[fd00::1]"
    assert host_address("h", {}) == "h"


def test_tls_and_own_metrics_path_become_target_labels() -> None:
    groups = {"node_exporter": ["a"]}
    hostvars = {
        "a": {
            "node_exporter_web_tls_cert_file": "/etc/ssl/a.crt",
            "node_exporter_telemetry_path": "/node",
        }
    }
    labels = only_config(prometheus_file_sd(groups, hostvars, JOBS), "node-exporter")["targets"][0][
        "labels"
    ]
    assert labels == {"__scheme__": "https", "__metrics_path__": "/node", "instance": "a"}


@pytest.mark.parametrize(
    ("marked", "host_tls", "scheme"),
    [(True, True, "https"), (True, "false", None), (False, True, None), (True, "yes", "https")],
)
def test_monitoring_tls_makes_the_collections_own_services_https(
    marked: bool, host_tls: Any, scheme: str | None
) -> None:
    jobs = {"node-exporter": {**JOBS["node-exporter"], "monitoring_tls": marked}}
    hostvars = {"a": {"monitoring_tls": host_tls}}
    labels = only_config(
        prometheus_file_sd({"node_exporter": ["a"]}, hostvars, jobs), "node-exporter"
    )["targets"][0]["labels"]
    assert labels.get("__scheme__") == scheme


def test_hosts_with_different_credentials_get_their_own_scrape_config_but_keep_the_job() -> None:
    groups = {"node_exporter": ["plain", "auth1", "auth2", "other"]}
    shared = {"prometheus": "s3cret", "admin": "x"}
    hostvars = {
        "plain": {},
        "auth1": {"node_exporter_web_basic_auth_users": shared},
        "auth2": {"node_exporter_web_basic_auth_users": dict(shared)},
        "other": {"node_exporter_web_basic_auth_users": {"zed": "pw2", "amy": "pw3"}},
    }
    plan = prometheus_file_sd(groups, hostvars, JOBS)
    configs = job(plan, "node-exporter")["configs"]
    assert [c["name"] for c in configs] == [
        "node-exporter",
        "node-exporter-auth",
        "node-exporter-auth-2",
    ]
    assert [c["basic_auth_user"] for c in configs] == ["", "prometheus", "amy"]
    assert [[t["labels"]["instance"] for t in c["targets"]] for c in configs] == [
        ["plain"],
        ["auth1", "auth2"],
        ["other"],
    ]
    # The plain config is named after the job; the others carry it as a target label.
    assert "job" not in configs[0]["targets"][0]["labels"]
    assert all(t["labels"]["job"] == "node-exporter" for c in configs[1:] for t in c["targets"])
    assert prometheus_scrape_secrets(groups, hostvars, JOBS) == {
        "node-exporter-auth.password": "s3cret",
        "node-exporter-auth-2.password": "pw3",
    }


def test_passwords_never_enter_the_plan_or_the_config() -> None:
    groups = {"node_exporter": ["a"], "alertmanager": ["am"]}
    hostvars = {
        "a": {"node_exporter_web_basic_auth_users": {"prometheus": "PlantedSecret1"}},
        "am": {"alertmanager_web_basic_auth_users": {"prometheus": "PlantedSecret2"}},
    }
    plan = prometheus_file_sd(groups, hostvars, JOBS, ALERTING)
    rendered = yaml.safe_dump(
        [plan, prometheus_scrape_configs(plan, OPTIONS), prometheus_alertmanagers(plan, OPTIONS)]
    )
    assert "PlantedSecret" not in rendered
    assert "/etc/prometheus/secrets/node-exporter-auth.password" in rendered
    assert prometheus_scrape_secrets(groups, hostvars, JOBS, ALERTING) == {
        "node-exporter-auth.password": "PlantedSecret1",
        "alerting-auth.password": "PlantedSecret2",
    }


def test_scrape_configs_carry_paths_intervals_auth_and_file_sd() -> None:
    groups = {"node_exporter": ["a", "b"], "plugspace_api": ["api1"]}
    hostvars = {"b": {"node_exporter_web_basic_auth_users": {"prometheus": "pw"}}}
    plan = prometheus_file_sd(groups, hostvars, JOBS)
    configs = prometheus_scrape_configs(
        plan, {**OPTIONS, "tls_config": {"ca_file": "/etc/ssl/ca.pem"}}
    )
    assert configs == [
        {
            "job_name": "node-exporter",
            "metrics_path": "/metrics",
            "tls_config": {"ca_file": "/etc/ssl/ca.pem"},
            "file_sd_configs": [{"files": ["/etc/prometheus/file_sd/node-exporter.json"]}],
        },
        {
            "job_name": "node-exporter-auth",
            "metrics_path": "/metrics",
            "basic_auth": {
                "username": "prometheus",
                "password_file": "/etc/prometheus/secrets/node-exporter-auth.password",
            },
            "tls_config": {"ca_file": "/etc/ssl/ca.pem"},
            "file_sd_configs": [{"files": ["/etc/prometheus/file_sd/node-exporter-auth.json"]}],
        },
        {
            "job_name": "plugspace-api",
            "scrape_interval": "10s",
            "metrics_path": "/api/metrics",
            "tls_config": {"ca_file": "/etc/ssl/ca.pem"},
            "file_sd_configs": [{"files": ["/etc/prometheus/file_sd/plugspace-api.json"]}],
        },
    ]


def test_job_interval_beats_critical_and_extra_settings_pass_through() -> None:
    jobs = {
        "plugspace-api": {
            **JOBS["plugspace-api"],
            "scrape_interval": "5s",
            "scrape_timeout": "4s",
            "labels": {"env": "prod"},
            "scrape": {
                "honor_labels": True,
                "relabel_configs": [{"target_label": "team", "replacement": "core"}],
            },
        }
    }
    plan = prometheus_file_sd({"plugspace_api": ["api1"]}, {}, jobs)
    (config,) = prometheus_scrape_configs(plan, OPTIONS)
    assert config["scrape_interval"] == "5s"
    assert config["scrape_timeout"] == "4s"
    assert config["honor_labels"] is True
    assert config["relabel_configs"] == [{"target_label": "team", "replacement": "core"}]
    assert plan["jobs"][0]["configs"][0]["targets"][0]["labels"] == {
        "env": "prod",
        "instance": "api1",
    }


def test_blackbox_probes_every_url_through_every_exporter_with_the_standard_relabelling() -> None:
    jobs = {
        "blackbox": {
            **JOBS["blackbox"],
            "probe_targets": [
                "https://plugspace.io",
                {"url": "https://api.plugspace.io/health", "module": "http_api"},
            ],
        }
    }
    groups = {"blackbox_exporter": ["probe1"]}
    hostvars = {"probe1": {"ansible_host": "10.0.0.9", "blackbox_exporter_port": 9116}}
    plan = prometheus_file_sd(groups, hostvars, jobs)
    config = only_config(plan, "blackbox")
    assert config["targets"] == [
        {
            "targets": ["https://plugspace.io"],
            "labels": {
                "__prober_address": "10.0.0.9:9116",
                "prober": "probe1",
                "__param_module": "http_2xx",
            },
        },
        {
            "targets": ["https://api.plugspace.io/health"],
            "labels": {
                "__prober_address": "10.0.0.9:9116",
                "prober": "probe1",
                "__param_module": "http_api",
            },
        },
    ]
    (scrape,) = prometheus_scrape_configs(plan, OPTIONS)
    assert scrape["metrics_path"] == "/probe"
    assert scrape["relabel_configs"] == [
        {"source_labels": ["__address__"], "target_label": "__param_target"},
        {"source_labels": ["__param_target"], "target_label": "instance"},
        {"source_labels": ["__prober_address"], "target_label": "__address__"},
    ]


def test_blackbox_without_urls_or_jobs_without_hosts_are_left_out() -> None:
    plan = prometheus_file_sd({"blackbox_exporter": ["probe1"], "node_exporter": []}, {}, JOBS)
    assert plan["jobs"] == []
    assert prometheus_sd_files(plan) == {}


def test_disabled_jobs_are_skipped_and_list_specs_work() -> None:
    assert [
        s.name for s in job_specs({**JOBS, "blackbox": {**JOBS["blackbox"], "enabled": False}})
    ] == [
        "node-exporter",
        "plugspace-api",
    ]
    assert [s.name for s in job_specs([{"name": "x", "group": "g", "port": 1}])] == ["x"]


def test_alertmanagers_every_host_at_its_port_split_by_scheme_and_credentials() -> None:
    groups = {"alertmanager": ["am1", "am2", "am3"]}
    hostvars = {
        "am1": {"ansible_host": "10.0.1.1"},
        "am2": {"ansible_host": "10.0.1.2", "alertmanager_port": 9193},
        "am3": {"ansible_host": "10.0.1.3", "alertmanager_web_tls_cert_file": "/c"},
    }
    plan = prometheus_file_sd(groups, hostvars, {}, ALERTING)
    assert prometheus_alertmanagers(plan, OPTIONS) == [
        {
            "scheme": "http",
            "api_version": "v2",
            "static_configs": [{"targets": ["10.0.1.1:9093", "10.0.1.2:9193"]}],
        },
        {
            "scheme": "https",
            "api_version": "v2",
            "static_configs": [{"targets": ["10.0.1.3:9093"]}],
        },
    ]


def test_sd_files_and_secrets_name_every_target_and_password_file() -> None:
    groups = {"node_exporter": ["a", "b"], "alertmanager": ["am"]}
    hostvars = {
        "b": {"node_exporter_web_basic_auth_users": {"prometheus": "pw"}},
        "am": {"alertmanager_web_basic_auth_users": {"prometheus": "pw"}},
    }
    plan = prometheus_file_sd(groups, hostvars, JOBS, ALERTING)
    files = prometheus_sd_files(plan)
    assert list(files) == ["node-exporter.json", "node-exporter-auth.json"]
    assert '"instance": "b"' in files["node-exporter-auth.json"]
    secrets = prometheus_scrape_secrets(groups, hostvars, JOBS, ALERTING)
    assert sorted(secrets) == ["alerting-auth.password", "node-exporter-auth.password"]


PLAN_OPTIONS = {**OPTIONS, "jobs": JOBS, "alerting": ALERTING, "group": "prometheus"}


def test_one_plan_call_gives_the_sections_and_the_files_they_name() -> None:
    groups = {"node_exporter": ["a", "b"], "alertmanager": ["am"], "victoriametrics": ["vm"]}
    hostvars = {
        "b": {"node_exporter_web_basic_auth_users": {"prometheus": "pw-b"}},
        "vm": {"victoriametrics_web_basic_auth_users": {"prometheus": "pw-vm"}},
    }
    groups["prometheus"] = ["p1", "p2"]
    options = {
        **PLAN_OPTIONS,
        "ha_group": "prometheus",
        "victoriametrics_group": "victoriametrics",
        "host": "p1",
        "replica_label": "replica",
        "cluster": "c",
        "external_labels": {"env": "x"},
    }
    plan = prometheus_plan(groups, hostvars, options)
    assert set(plan) == {
        "scrape_configs",
        "alertmanagers",
        "remote_write",
        "files",
        "external_labels",
        "drop_labels",
    }
    assert plan["external_labels"] == {"cluster": "c", "replica": "p1", "env": "x"}
    assert plan["drop_labels"] == ["replica"]
    assert [c["job_name"] for c in plan["scrape_configs"]] == [
        "node-exporter",
        "node-exporter-auth",
    ]
    assert plan["alertmanagers"][0]["static_configs"] == [{"targets": ["am:9093"]}]
    (remote,) = plan["remote_write"]
    assert remote["url"] == "http://vm:8428/api/v1/write"
    assert remote["write_relabel_configs"] == [{"action": "labeldrop", "regex": "replica"}]
    files = {entry["dest"]: entry for entry in plan["files"]}
    secrets = "/etc/prometheus/secrets/"
    assert files[secrets + "node-exporter-auth.password"]["content"] == "pw-b"
    assert files[secrets + "remote-write-vm.password"] == {
        "dest": secrets + "remote-write-vm.password",
        "content": "pw-vm",
        "group": "prometheus",
        "mode": "0640",
        "secret": True,
    }
    sd = files["/etc/prometheus/file_sd/node-exporter.json"]
    assert "secret" not in sd and json.loads(sd["content"])[0]["labels"] == {"instance": "a"}
    assert "pw-b" not in json.dumps(plan["scrape_configs"] + plan["alertmanagers"])


def test_labels_name_the_replica_and_the_cluster_only_when_they_are_needed() -> None:
    options = {
        "replica_label": "replica",
        "cluster": "c",
        "external_labels": {"cluster": "mine", "env": "x"},
    }
    # Alone: only the operator's labels; writing to VictoriaMetrics adds the cluster.
    assert prometheus_labels("p1", ["p1"], [], options) == {
        "external_labels": {"cluster": "mine", "env": "x"},
        "drop_labels": [],
    }
    assert prometheus_labels("p1", [], ["vm"], {**options, "external_labels": {}}) == {
        "external_labels": {"cluster": "c"},
        "drop_labels": [],
    }
    # A replica: its name under the replica label, which is dropped on the way out.
    replica = prometheus_labels("p2", ["p1", "p2"], [], {**options, "external_labels": None})
    assert replica == {
        "external_labels": {"cluster": "c", "replica": "p2"},
        "drop_labels": ["replica"],
    }
    # No replica label: nothing to drop; a host outside the group is no replica.
    assert prometheus_labels("p2", ["p1", "p2"], [], {"cluster": "c"})["drop_labels"] == []
    assert (
        prometheus_labels("p3", ["p1", "p2"], [], options)["external_labels"]
        == options["external_labels"]
    )


def test_a_shard_keeps_every_scrape_config_but_only_its_targets() -> None:
    hosts = [f"n{i}" for i in range(20)]
    groups = {"node_exporter": hosts, "prometheus": ["p1", "p2"]}
    options = {**PLAN_OPTIONS, "ha_group": "prometheus", "shards": 2}
    targets = []
    for host in ("p1", "p2"):
        plan = prometheus_plan(groups, {}, {**options, "host": host})
        assert [c["job_name"] for c in plan["scrape_configs"]] == ["node-exporter"]
        targets.append(json.loads(plan["files"][0]["content"]))
    assert 0 < len(targets[0]) < 20 and len(targets[0]) + len(targets[1]) == 20
    # A host outside the group serves shard 0; with one shard, a host scrapes everything.
    alone = prometheus_plan(groups, {}, {**options, "host": "p3"})
    assert len(json.loads(alone["files"][0]["content"])) == len(targets[0])
    whole = prometheus_plan(groups, {}, {**options, "shards": 1, "host": "p1"})
    assert len(json.loads(whole["files"][0]["content"])) == 20


def test_a_collection_roles_job_defaults_to_that_roles_port() -> None:
    jobs = {
        "node-exporter": {"group": "node_exporter", "var_prefix": "node_exporter"},
        "prometheus": {"group": "prometheus", "var_prefix": "prometheus"},
        "grafana": {"group": "grafana"},
    }
    groups = {"node_exporter": ["a"], "prometheus": ["a"], "grafana": ["a"]}
    plan = prometheus_file_sd(groups, {"a": {"prometheus_port": 9999}}, jobs)
    assert [only_config(plan, name)["targets"][0]["targets"] for name in jobs] == [
        ["a:9100"],
        ["a:9999"],
        ["a:3030"],
    ]
    with pytest.raises(ValueError, match="job app: 'port' is required"):
        prometheus_file_sd(groups, {}, {"app": {"group": "grafana", "var_prefix": "app"}})


@pytest.mark.parametrize(
    ("jobs", "hostvars", "message"),
    [
        ({"x": {"port": 1}}, {}, "job x: 'group'"),
        ({"x": {"group": "g", "port": 1, "prot": 2}}, {}, r"job x: unknown keys \['prot'\]"),
        ({"x": {"group": "g", "port": "http"}}, {}, "job x: port must be a port number"),
        (
            {"x": {"group": "g", "port": 1}},
            {"h": {"g_port": 70000}},
            "host h: g_port must be a port number",
        ),
        (
            {"x": {"group": "g", "port": 1}},
            {"h": {"g_web_basic_auth_users": {"prometheus": ""}}},
            "host h: g_web_basic_auth_users has an empty password",
        ),
        (
            {"x": {"group": "g", "port": 1}},
            {"h": {"monitoring_labels": {"instance": "x"}}},
            "host h: monitoring_labels key 'instance' is not a label name",
        ),
        (
            {"x": {"group": "g", "port": 1}},
            {"h": {"monitoring_labels": {"bad-name": "x"}}},
            "host h: monitoring_labels key 'bad-name'",
        ),
        (
            {"x": {"group": "g", "port": 1}},
            {"h": {"monitoring_labels": ["dc"]}},
            "host h: monitoring_labels must be a mapping",
        ),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_it(
    jobs: dict[str, Any], hostvars: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        prometheus_file_sd({"g": ["h"]}, hostvars, jobs)


def test_hostvars_are_read_once_per_host_even_in_several_groups() -> None:
    class CountingHostVars(dict[str, Any]):
        reads = 0

        def __getitem__(self, key: str) -> Any:
            CountingHostVars.reads += 1
            return super().__getitem__(key)

    hostvars = CountingHostVars({"a": {}, "b": {}})
    jobs = {"one": {"group": "g", "port": 1}, "two": {"group": "g", "port": 2}}
    prometheus_file_sd({"g": ["a", "b"]}, hostvars, jobs)
    assert CountingHostVars.reads == 2


def _inventory(size: int) -> tuple[dict[str, list[str]], dict[str, dict[str, Any]]]:
    hosts = [f"host{i:05d}" for i in range(size)]
    return {"node_exporter": hosts}, {
        h: {"ansible_host": f"10.{i // 65536}.{i // 256 % 256}.{i % 256}"}
        for i, h in enumerate(hosts)
    }


def test_plan_size_grows_linearly_with_the_inventory() -> None:
    # A structural check, not a timing one: the output holds one target group
    # per host (tests/bench/bench_targets.py measures the time).
    groups, hostvars = _inventory(2000)
    plan = prometheus_file_sd(groups, hostvars, JOBS)
    assert len(only_config(plan, "node-exporter")["targets"]) == 2000


def test_drop_alerts_by_name_and_refuse_unknown_names() -> None:
    rules = {
        "groups": [
            {"name": "g", "rules": [{"alert": "A"}, {"alert": "B"}, {"record": "r"}]},
            {"name": "h", "rules": [{"alert": "C"}]},
        ]
    }
    assert prometheus_drop_alerts(rules, ["B", "C"]) == {
        "groups": [{"name": "g", "rules": [{"alert": "A"}, {"record": "r"}]}]
    }
    with pytest.raises(ValueError, match=r"prometheus_alerts_disabled .* \['Z'\]"):
        prometheus_drop_alerts(rules, ["Z"])


def test_filters_are_registered() -> None:
    assert set(FilterModule().filters()) == {
        "prometheus_plan",
        "prometheus_file_sd",
        "prometheus_drop_alerts",
    }


def test_sd_json_is_one_target_group_per_line_and_valid_json() -> None:
    groups = [
        {"targets": ["10.0.0.1:9100"], "labels": {"instance": "web1"}},
        {"targets": ["[fd00::1]:9100"], "labels": {"instance": "v6", "__scheme__": "https"}},
    ]
    content = prometheus_sd_json(groups)
    assert json.loads(content) == groups
    assert content.splitlines()[1:3] == [
        '{"labels": {"instance": "web1"}, "targets": ["10.0.0.1:9100"]},',
        '{"labels": {"__scheme__": "https", "instance": "v6"}, "targets": ["[fd00::1]:9100"]}',
    ]
    assert prometheus_sd_json([]) == "[]\n"
