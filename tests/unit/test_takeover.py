from pathlib import Path

from plugins.module_utils import takeover
from plugins.module_utils.listeners import Listener, held_ports
from tests.stack import downtime

DEBIAN_NODE = {"unit": "prometheus-node-exporter.service", "package": "prometheus-node-exporter"}
DEBIAN_PROM = {
    "unit": "prometheus.service",
    "package": "prometheus",
    "data": "/var/lib/prometheus/metrics2",
}
SHOW = """Id=prometheus-node-exporter.service
LoadState=loaded
ActiveState=active
FragmentPath=/lib/systemd/system/prometheus-node-exporter.service
User=prometheus

Id=prometheus.service
LoadState=loaded
ActiveState=active
FragmentPath=/lib/systemd/system/prometheus.service
User=prometheus
"""


def test_parse_show_and_dpkg() -> None:
    units = takeover.parse_show(SHOW)
    assert units["prometheus.service"]["User"] == "prometheus"
    dpkg = "prometheus 2.42.0+ds-5 ii \nprometheus-node-exporter 1.5.0-1 rc \n"
    assert takeover.parse_dpkg(dpkg) == {"prometheus": "2.42.0+ds-5"}


def test_debian_unit_of_another_name_is_stopped_and_masked() -> None:
    units = takeover.parse_show(SHOW)
    plan = takeover.plan(
        "node_exporter", None, [DEBIAN_NODE], "", units, {"prometheus-node-exporter": "1.5.0-1"}
    )
    assert plan.units == [
        {
            "unit": "prometheus-node-exporter.service",
            "mask": True,
            "user": "prometheus",
            "active": True,
        }
    ]
    assert plan.users == {"prometheus"}
    assert "Debian's package prometheus-node-exporter 1.5.0-1, active" in plan.found[0]
    assert "stopped and masked" in plan.found[0]


def test_masked_unit_is_done() -> None:
    units = {"prometheus-node-exporter.service": {"LoadState": "masked"}}
    plan = takeover.plan("node_exporter", None, [DEBIAN_NODE], "", units, {})
    assert plan.units == [] and plan.found == []


def test_same_name_is_stopped_not_masked_and_its_data_moved(tmp_path: Path) -> None:
    old = tmp_path / "metrics2"
    (old / "wal").mkdir(parents=True)
    (old / "01HXYZ").mkdir()
    (old / "lock").write_text("")
    ours = tmp_path / "data"
    (ours / "01HXYZ").mkdir(parents=True)
    spec = {**DEBIAN_PROM, "data": str(old)}
    units = takeover.parse_show(SHOW)
    plan = takeover.plan("prometheus", None, [spec], str(ours), units, {"prometheus": "2.42.0"})
    assert plan.units == [
        {"unit": "prometheus.service", "mask": False, "user": "prometheus", "active": True}
    ]
    # The lock stays; an entry ours already has is never overwritten.
    assert plan.moves == [
        {"src": str(old / "wal"), "dest": str(ours / "wal"), "owner": "prometheus"}
    ]
    assert "is moved into" in plan.found[-1]


def test_same_name_once_ours_is_left_alone() -> None:
    units = takeover.parse_show(SHOW)
    own = "[Unit]\nX-Plugspace-Readiness=http://127.0.0.1:9090/-/ready\n"
    plan = takeover.plan("prometheus", own, [DEBIAN_PROM], "/x", units, {"prometheus": "2.42.0"})
    assert plan.units == [] and plan.moves == [] and plan.found == []


def test_another_roles_unit_under_our_name_is_reported_with_its_user() -> None:
    own = "[Service]\nUser=node-exp\nExecStart=/usr/local/bin/node_exporter\n"
    plan = takeover.plan("node_exporter", own, [], "", {}, {})
    assert plan.units == []
    assert plan.users == {"node-exp"}
    assert "written by another install (user node-exp)" in plan.found[0]


def test_look_reads_the_host(tmp_path: Path) -> None:
    calls: list[list[str]] = []

    def run(cmd: list[str]) -> tuple[int, str, str]:
        calls.append(cmd)
        if cmd[0] == "systemctl":
            return 0, SHOW, ""
        return 0, "prometheus-node-exporter 1.5.0-1 ii \n", ""

    plan = takeover.look(run, "node_exporter", [DEBIAN_NODE], "", unit_dir=str(tmp_path))
    assert [call[0] for call in calls] == ["systemctl", "dpkg-query"]
    assert plan.units[0]["mask"] is True
    assert takeover.look(run, "node_exporter", [], "", unit_dir=str(tmp_path)).found == []
    assert len(calls) == 2  # nothing to look for: no command


def test_ports_held_by_an_install_being_taken_over_are_not_refused() -> None:
    found = [Listener("*", 9100, (), 105)]
    wanted = [{"port": 9100, "name": "node_exporter_port"}]
    assert held_ports(found, wanted, "node_exporter", owner_uid=999)
    assert held_ports(found, wanted, "node_exporter", owner_uid=999, taken=frozenset({105})) == []


def test_downtime_report() -> None:
    show = (
        "Id=prometheus-node-exporter.service\nInactiveEnterTimestampMonotonic=10000000\n"
        "ExecMainStartTimestampMonotonic=0\n\n"
        "Id=node_exporter.service\nInactiveEnterTimestampMonotonic=0\n"
        "ExecMainStartTimestampMonotonic=12500000\n"
    )
    up = [
        {
            "metric": {"job": "node", "instance": "localhost:9100"},
            "values": [[100, "1"], [115, "1"]],
        },
        {"metric": {"job": "node-exporter", "instance": "legacy"}, "values": [[121, "1"]]},
    ]
    data = {
        "results": [
            {
                "item": {
                    "key": "node_exporter",
                    "value": ["prometheus-node-exporter", "node_exporter"],
                },
                "stdout": show,
            }
        ],
        "up": up,
        "up_labels": {"node_exporter": [{"job": "node"}, {"job": "node-exporter"}]},
    }
    assert downtime.report(data) == [
        "node_exporter: 2.5 s stopped (systemd), 6.0 s between up samples"
    ]


def test_what_alertmanager_writes_at_stop_is_moved_too(tmp_path: Path) -> None:
    old = tmp_path / "alertmanager"
    old.mkdir()
    spec = {
        "unit": "prometheus-alertmanager.service",
        "package": "prometheus-alertmanager",
        "data": str(old),
        "entries": ["silences", "nflog", "lock"],
    }
    units = {"prometheus-alertmanager.service": {"LoadState": "loaded", "User": "prometheus"}}
    plan = takeover.plan("alertmanager", None, [spec], str(tmp_path / "am"), units, {})
    assert [move["src"] for move in plan.moves] == [str(old / "nflog"), str(old / "silences")]


def test_upgrade_gaps() -> None:
    up = [{"metric": {"job": "node"}, "values": [[100, "1"], [115, "1"], [133, "1"], [148, "1"]]}]
    data = {
        "up": up,
        "jobs": {"node_exporter": {"job": "node"}, "other": {"job": "x"}},
        "watchdog": [10.0, 20.5, 30.0],
    }
    assert downtime.report(data) == [
        "node_exporter: 18.0 s largest gap between up samples",
        "other: no up samples",
        "watchdog: 3 posts, 10.5 s largest gap",
    ]
