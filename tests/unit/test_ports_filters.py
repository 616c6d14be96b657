from plugins.filter.ports import (
    FilterModule,
    duplicate_hosts,
    fleet_port_clashes,
    port_clashes,
    role_defaults,
)


def test_defaults_come_from_the_roles_themselves() -> None:
    assert role_defaults("node_exporter")["node_exporter_port"] == 9100
    assert role_defaults("no_such_role") == {}


def test_a_host_on_its_defaults_has_no_clash() -> None:
    groups = ["node_exporter", "prometheus", "alertmanager", "blackbox_exporter", "grafana"]
    assert port_clashes(groups, {}) == []


def test_two_services_on_one_port_are_named_with_the_host() -> None:
    (problem,) = port_clashes(["prometheus", "node_exporter"], {"node_exporter_port": 9090}, "mon1")
    assert problem.startswith("prometheus_port and node_exporter_port are both 9090 on mon1")


def test_a_component_being_removed_frees_its_port() -> None:
    host = {"node_exporter_port": 9090, "node_exporter_state": "absent"}
    assert port_clashes(["prometheus", "node_exporter"], host) == []


def test_fixed_ports_count_too() -> None:
    (problem,) = port_clashes(["alertmanager", "redis_exporter"], {"redis_exporter_port": "9094"})
    assert "alertmanager_cluster_port and redis_exporter_port are both 9094" in problem


def test_different_addresses_on_one_port_do_not_clash() -> None:
    host = {
        "node_exporter_port": 9090,
        "node_exporter_listen_address": "10.0.0.5",
        "prometheus_listen_address": "127.0.0.1",
    }
    assert port_clashes(["prometheus", "node_exporter"], host) == []
    host["prometheus_listen_address"] = "[::]"
    assert len(port_clashes(["prometheus", "node_exporter"], host)) == 1


def test_two_names_for_one_machine_are_named() -> None:
    hostvars = {
        "web1": {"ansible_host": "10.0.0.5"},
        "web1-alias": {"ansible_host": "10.0.0.5"},
        "db1": {"ansible_host": "10.0.0.6", "monitoring_address": "db1.internal"},
        "db2": {"ansible_host": "10.0.0.7", "monitoring_address": "db1.internal"},
        "ctl": {"ansible_connection": "local"},
        "ctl2": {"ansible_connection": "local"},
    }
    assert duplicate_hosts(list(hostvars), hostvars) == [
        "web1 and web1-alias reach the same machine (ansible_host 10.0.0.5): it would be scraped "
        "twice and both names would write the same files; keep one name",
        "db1 and db2 reach the same machine (monitoring_address db1.internal): it would be scraped "
        "twice and both names would write the same files; keep one name",
    ]
    assert set(FilterModule().filters()) == {
        "port_clashes",
        "fleet_port_clashes",
        "duplicate_hosts",
    }


def test_every_host_is_checked_at_once() -> None:
    hostvars = {
        "mon1": {"group_names": ["prometheus", "node_exporter"], "node_exporter_port": 9090},
        "web1": {"group_names": ["node_exporter"]},
        "bare": {},
    }
    (problem,) = fleet_port_clashes(list(hostvars), hostvars)
    assert problem.startswith("prometheus_port and node_exporter_port are both 9090 on mon1")
