import pytest

from plugins.filter.exporters import FilterModule, collector_flags


def test_enabled_and_disabled_collectors() -> None:
    assert collector_flags(["systemd"], ["mdadm"]) == [
        "--collector.systemd",
        "--no-collector.mdadm",
    ]


def test_collector_with_its_own_flags() -> None:
    flags = collector_flags(
        [
            {
                "name": "systemd",
                "flags": {
                    "unit-include": "nginx.+",
                    "enable-restarts-metrics": True,
                    "enable-start-time-metrics": False,
                },
            }
        ]
    )
    # Kingpin switches take no value (--x=true makes the program exit): --x or --no-x.
    assert flags == [
        "--collector.systemd",
        "--collector.systemd.enable-restarts-metrics",
        "--no-collector.systemd.enable-start-time-metrics",
        "--collector.systemd.unit-include=nginx.+",
    ]


def test_enabled_and_disabled_clash_is_refused() -> None:
    with pytest.raises(ValueError, match="both enabled and disabled: systemd"):
        collector_flags(["systemd"], ["systemd"])


def test_nothing_gives_no_flags() -> None:
    assert collector_flags([], []) == []
    assert "collector_flags" in FilterModule().filters()
