from plugins.filter.rollout import FilterModule, rollout_failed_hosts, rollout_report

HOSTVARS = {
    "canary": {
        "plugspace_monitoring_failures": [
            {"component": "redis_exporter", "cause": "redis_exporter: failed after restart\nmore"}
        ]
    },
    "web": {},
    "mon": {"plugspace_monitoring_failures": [{"component": "prometheus", "cause": ""}]},
}


def test_the_failed_hosts_of_one_component() -> None:
    hosts = ["canary", "web", "mon"]
    assert rollout_failed_hosts(hosts, HOSTVARS, "redis_exporter") == ["canary"]
    assert rollout_failed_hosts(hosts, HOSTVARS, "node_exporter") == []


def test_the_report_lists_every_failure_and_every_host_dropped_from_the_run() -> None:
    hosts = ["canary", "web", "mon", "down"]
    assert rollout_report(hosts, {**HOSTVARS, "down": {}}, ["canary", "web", "mon"]) == [
        "canary: redis_exporter: redis_exporter: failed after restart",
        "mon: prometheus: no message",
        "down: could not be reached, or failed outside a component's rollout",
    ]
    assert rollout_report(["web"], HOSTVARS) == []
    assert set(FilterModule().filters()) == {"rollout_failed_hosts", "rollout_report"}
