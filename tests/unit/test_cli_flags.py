from __future__ import annotations

from plugins.filter.cli_flags import cli_flags


def test_values_become_flags_in_order_and_unset_ones_are_left_out() -> None:
    flags = {
        "config.file": "/etc/p.yml",
        "size": "",
        "url": None,
        "lifecycle": True,
        "admin": False,
        "port": 9090,
    }
    assert cli_flags(flags) == ["--config.file=/etc/p.yml", "--lifecycle", "--port=9090"]


def test_a_list_repeats_the_flag_and_an_empty_one_gives_none() -> None:
    assert cli_flags({"peer": ["a:1", "b:2"], "none": []}) == ["--peer=a:1", "--peer=b:2"]


def test_zero_and_text_that_looks_false_are_values() -> None:
    assert cli_flags({"n": 0, "s": "false"}) == ["--n=0", "--s=false"]
