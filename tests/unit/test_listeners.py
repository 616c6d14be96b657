from pathlib import Path

from plugins.module_utils.listeners import Listener, held_ports, parse_ss, unit_of

SS = "\n".join(
    [
        'LISTEN 0  4096  0.0.0.0:9100  0.0.0.0:*  users:(("node_exporter",pid=123,fd=3))',
        "LISTEN 0  4096  [::]:9090  [::]:*  "
        'users:(("prometheus",pid=7,fd=7),("prometheus",pid=8,fd=7))',
        "LISTEN 0  128  0.0.0.0:2024  0.0.0.0:*",
        "LISTEN 0  1  0.0.0.0:9300 0.0.0.0:* uid:0 ino:646577 sk:1a cgroup:unreachable:73f4 <->",
        "garbage",
    ]
)


def test_ss_output_is_read_as_listeners() -> None:
    assert parse_ss(SS) == [
        Listener("0.0.0.0", 9100, (("node_exporter", 123),)),
        Listener("[::]", 9090, (("prometheus", 7), ("prometheus", 8))),
        Listener("0.0.0.0", 2024, ()),
        Listener("0.0.0.0", 9300, (), 0),
    ]


def test_the_unit_comes_from_the_cgroup(tmp_path: Path) -> None:
    (tmp_path / "5").mkdir()
    (tmp_path / "5" / "cgroup").write_text("0::/system.slice/prometheus-node-exporter.service\n")
    (tmp_path / "6").mkdir()
    (tmp_path / "6" / "cgroup").write_text("1:name=systemd:/user.slice/session-3.scope\n0::/\n")
    assert unit_of(5, tmp_path) == "prometheus-node-exporter.service"
    assert unit_of(6, tmp_path) is None
    assert unit_of(99, tmp_path) is None


def test_a_port_held_by_the_service_itself_is_fine() -> None:
    units = {123: "node_exporter.service"}
    wanted = [{"port": 9100, "name": "node_exporter_port"}]
    assert held_ports(parse_ss(SS), wanted, "node_exporter", units.get) == []


def test_a_port_held_by_another_unit_or_process_is_named() -> None:
    units = {123: "prometheus-node-exporter.service"}
    wanted = [{"port": 9100, "name": "node_exporter_port"}, {"port": 2024, "name": "x_port"}]
    assert held_ports(parse_ss(SS), wanted, "node_exporter", units.get) == [
        "node_exporter_port 9100 is held on this host by node_exporter (pid 123, unit "
        "prometheus-node-exporter.service), which the collection does not manage for "
        "node_exporter: stop and disable it, or give node_exporter_port another port",
        "x_port 2024 is held on this host by a process ss cannot name, which the collection "
        "does not manage for node_exporter: stop and disable it, or give x_port another port",
    ]


def test_without_process_names_the_socket_owner_decides() -> None:
    wanted = [{"port": 9300, "name": "x_port"}]
    assert held_ports(parse_ss(SS), wanted, "x", owner_uid=0) == []
    (problem,) = held_ports(parse_ss(SS), wanted, "x", owner_uid=999)
    assert problem.startswith("x_port 9300 is held on this host by a process of user root (uid 0)")


def test_a_listener_ss_cannot_name_is_the_services_own_while_it_runs() -> None:
    wanted = [{"port": 2024, "name": "x_port"}]
    assert held_ports(parse_ss(SS), wanted, "x", service_active=True) == []
    assert len(held_ports(parse_ss(SS), wanted, "x", service_active=False)) == 1
