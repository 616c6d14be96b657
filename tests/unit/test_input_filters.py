from collections.abc import Mapping

import pytest

from plugins.filter.addresses import host_port, local_host, url_host_port
from plugins.filter.inputs import FilterModule, check_rollout, input_problems
from plugins.filter.systemd import systemd_quote


def problems(kind: str, value: object, **extra: object) -> list[str]:
    return input_problems([{"var": "x_var", "kind": kind, "value": value, **extra}])


@pytest.mark.parametrize("good", [1, 9100, "9100", 65535])
def test_ports_in_range_pass(good: object) -> None:
    assert problems("port", good) == []


@pytest.mark.parametrize("bad", [0, 70000, -1, "91 00", "9100 ", True, None, "http"])
def test_ports_out_of_range_name_the_variable(bad: object) -> None:
    [message] = problems("port", bad)
    assert message.startswith("x_var must be a port number from 1 to 65535")


@pytest.mark.parametrize(
    "good",
    [
        "0.0.0.0",
        "127.0.0.1",
        "::",
        "::1",
        "[::1]",
        "[2001:db8::1]",
        "mon1.plugspace.io",
        "localhost",
    ],
)
def test_listen_addresses_pass(good: str) -> None:
    assert problems("address", good) == []


@pytest.mark.parametrize(
    "bad",
    ["0.0.0.0 ", " ::1", "[127.0.0.1]", "", "mon 1", "10.0.0.1:9100", "300.1.1.1", "bad_host!", 5],
)
def test_bad_listen_addresses_are_refused(bad: object) -> None:
    [message] = problems("address", bad)
    assert message.startswith("x_var must be an IPv4 address")


@pytest.mark.parametrize("good", ["30d", "2w", "1h30m", "15s", "500ms", "1y2w", "0"])
def test_prometheus_durations(good: str) -> None:
    assert problems("prometheus_duration", good) == []


@pytest.mark.parametrize("bad", ["5 days", "30", "1m1h", "1.5h", "", "30D"])
def test_bad_prometheus_durations(bad: str) -> None:
    [message] = problems("prometheus_duration", bad)
    assert "Prometheus duration" in message


@pytest.mark.parametrize("good", ["120h", "1h30m", "2.5s", "500ms", "0", "10us"])
def test_go_durations(good: str) -> None:
    assert problems("go_duration", good) == []


@pytest.mark.parametrize("bad", ["5 days", "5d", "120", "", "2w", 120])
def test_bad_go_durations(bad: object) -> None:
    [message] = problems("go_duration", bad)
    assert "Go duration" in message


def test_sizes() -> None:
    assert problems("prometheus_size", "") == []
    assert problems("prometheus_size", "50GB") == []
    assert problems("prometheus_size", "50 GB")[0].startswith("x_var must be empty or a size")


def test_basic_auth_users() -> None:
    assert problems("basic_auth_users", {"prometheus": "pw"}) == []
    assert "without ':'" in problems("basic_auth_users", {"pro:metheus": "pw"})[0]
    assert "without ':'" in problems("basic_auth_users", {"pro metheus": "pw"})[0]
    assert "non-empty string" in problems("basic_auth_users", {"prometheus": ""})[0]
    assert "at most 1" in problems("basic_auth_users", {"a": "1", "b": "2"}, max_users=1)[0]
    # The password is never echoed.
    assert "s3cret" not in " ".join(problems("basic_auth_users", {"a:b": "s3cret"}))


def test_tls_pairs() -> None:
    assert problems("tls_pair", ["", ""]) == []
    assert problems("tls_pair", ["/etc/x/cert.pem", "/etc/x/key.pem"]) == []
    [message] = problems("tls_pair", ["/etc/x/cert.pem", ""], pair="x_key")
    assert (
        message == "x_var and x_key go together: set both (absolute paths on the host) or neither"
    )
    assert "absolute path" in problems("tls_pair", ["cert.pem", "key.pem"])[0]


def test_urls() -> None:
    assert problems("url", "") == []
    assert problems("url", "https://hooks.slack.com/services/T/B/X") == []
    assert "http:// or https://" in problems("url", "hooks.slack.com/services/T")[0]
    assert "http:// or https://" in problems("url", "", optional=False)[0]
    hidden = problems("url", "hooks/s3cret", secret=True)[0]
    assert "s3cret" not in hidden and "not shown" in hidden


def test_labels() -> None:
    assert problems("labels", {"datacenter": "fra1", "rack": 3}) == []
    assert "must match" in problems("labels", {"data-center": "fra1"})[0]
    assert "must not start with __" in problems("labels", {"__name__": "x"})[0]
    assert "string or a number" in problems("labels", {"dc": ["a"]})[0]


def test_flags_against_the_pinned_list() -> None:
    known = ["log.level", "collector.systemd"]
    assert (
        problems(
            "flags", ["--log.level=debug", "--no-collector.systemd"], known=known, negatable=known
        )
        == []
    )
    [message] = problems(
        "flags", ["--log.levle=debug"], known=known, version="node_exporter 1.11.1"
    )
    assert (
        message
        == "x_var '--log.levle=debug' is not a flag of node_exporter 1.11.1 (see its --help)"
    )
    assert "start with --" in problems("flags", ["log.level=debug"], known=known)[0]
    # No list for this version: only the form is checked.
    assert problems("flags", ["--anything"]) == []


def test_checks_can_name_an_entry_of_the_flag_list() -> None:
    lists = {"flags": ["log.level"], "negatable": ["log.level"]}
    check = {"var": "x_var", "kind": "flags", "known": "flags", "negatable": "negatable"}
    assert input_problems([{**check, "value": ["--no-log.level"]}], lists) == []
    assert "is not a flag" in input_problems([{**check, "value": ["--nope"]}], lists)[0]
    # No list (another version): only the form is checked.
    assert input_problems([{**check, "value": ["--nope"]}]) == []


KINGPIN: dict[str, object] = {
    "flags": ["web.enable-lifecycle", "web.listen-address", "log.level"],
    "negatable": ["web.enable-lifecycle"],
    "switches": ["web.enable-lifecycle"],
    "syntax": "kingpin",
}
GO: dict[str, object] = {
    "flags": ["tls", "redis.addr"],
    "negatable": [],
    "switches": ["tls"],
    "syntax": "go",
}
FLAGS_CHECK: dict[str, object] = {
    "var": "x_var",
    "kind": "flags",
    "known": "flags",
    "negatable": "negatable",
    "switches": "switches",
    "version": "prometheus 3.5.3",
}


def flag_problems(flags: list[str], lists: Mapping[str, object]) -> list[str]:
    return input_problems([{**FLAGS_CHECK, "value": flags}], lists)


def test_a_value_on_a_kingpin_switch_is_refused() -> None:
    [message] = flag_problems(["--web.enable-lifecycle=true"], KINGPIN)
    assert message == (
        "x_var '--web.enable-lifecycle=true': --web.enable-lifecycle is a switch of "
        "prometheus 3.5.3 and takes no value (write --web.enable-lifecycle, or "
        "--no-web.enable-lifecycle to turn it off)"
    )
    # kingpin takes no value at all, not even an empty one or false.
    assert "takes no value" in flag_problems(["--web.enable-lifecycle="], KINGPIN)[0]
    assert "takes no value" in flag_problems(["--web.enable-lifecycle=false"], KINGPIN)[0]


def test_the_no_form_of_a_kingpin_switch() -> None:
    assert flag_problems(["--web.enable-lifecycle", "--no-web.enable-lifecycle"], KINGPIN) == []
    [message] = flag_problems(["--no-web.enable-lifecycle=true"], KINGPIN)
    assert "--no-web.enable-lifecycle is a switch of prometheus 3.5.3 and takes no value" in message
    # Only a negatable flag has a --no- form.
    assert "is not a flag" in flag_problems(["--no-log.level"], KINGPIN)[0]


def test_a_flag_that_needs_a_value_is_refused_without_one() -> None:
    assert flag_problems(["--web.listen-address=:9090", "--log.level=debug"], KINGPIN) == []
    [message] = flag_problems(["--web.listen-address"], KINGPIN)
    assert message == "x_var '--web.listen-address' needs a value: --web.listen-address=VALUE"
    # An empty value is a value (--cluster.listen-address= turns clustering off).
    assert flag_problems(["--web.listen-address="], KINGPIN) == []
    # The separate-argument form: the flag alone is refused first.
    assert "needs a value" in flag_problems(["--web.listen-address", ":9090"], KINGPIN)[0]
    assert "needs a value" in flag_problems(["--redis.addr"], GO)[0]


@pytest.mark.parametrize(
    "literal", ["1", "0", "t", "f", "T", "F", "true", "false", "TRUE", "False"]
)
def test_a_bool_on_a_go_switch_is_allowed(literal: str) -> None:
    assert flag_problems([f"--tls={literal}", "--tls", "--redis.addr=redis:6379"], GO) == []


@pytest.mark.parametrize("bad", ["yes", "on", "", "tRUE", "2"])
def test_a_value_other_than_a_bool_on_a_go_switch_is_refused(bad: str) -> None:
    [message] = flag_problems([f"--tls={bad}"], GO)
    assert message == (
        f"x_var '--tls={bad}': --tls is a switch of prometheus 3.5.3 and takes no value other "
        "than true or false (write --tls, or --tls=false to turn it off)"
    )


def test_unknown_flags_keep_their_message_with_switches() -> None:
    [message] = flag_problems(["--web.enable-lifecyle=true"], KINGPIN)
    assert message == (
        "x_var '--web.enable-lifecyle=true' is not a flag of prometheus 3.5.3 (see its --help)"
    )


def test_without_switches_values_are_not_checked() -> None:
    # A list of before switches were recorded, or a check that names none.
    old = {"flags": KINGPIN["flags"], "negatable": KINGPIN["negatable"]}
    assert flag_problems(["--web.enable-lifecycle=true", "--web.listen-address"], old) == []
    check = {k: v for k, v in FLAGS_CHECK.items() if k != "switches"}
    assert input_problems([{**check, "value": ["--web.listen-address"]}], KINGPIN) == []
    # No list at all (another version): only the form is checked.
    assert flag_problems(["--web.enable-lifecycle=true"], {}) == []


def test_a_checks_own_syntax_wins_over_the_lists() -> None:
    check = {**FLAGS_CHECK, "syntax": "go", "value": ["--web.enable-lifecycle=true"]}
    assert input_problems([check], KINGPIN) == []


def test_choices_list() -> None:
    known = ["systemd", "processes"]
    assert problems("choices_list", ["systemd", {"name": "processes"}], known=known) == []
    assert (
        "'sytemd' is not a collector"
        in problems("choices_list", ["sytemd"], known=known, what="collector")[0]
    )


def test_disjoint() -> None:
    assert problems("disjoint", [["a", {"name": "b"}], ["c"]]) == []
    [message] = problems("disjoint", [["a", {"name": "b"}], ["b"]], other="y_var")
    assert message == "x_var and y_var both name b: it is one or the other"


def test_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown input check kind"):
        problems("nope", 1)


def test_host_port_and_local_host() -> None:
    assert host_port("0.0.0.0", 9100) == "0.0.0.0:9100"
    assert host_port("::", 9100) == "[::]:9100"
    assert host_port("[::1]", 9100) == "[::1]:9100"
    assert local_host("0.0.0.0") == "127.0.0.1"
    assert local_host("::") == "[::1]"
    assert local_host("[2001:db8::1]") == "[2001:db8::1]"
    assert local_host("10.0.0.5") == "10.0.0.5"


@pytest.mark.parametrize(
    ("arg", "quoted"),
    [
        ("--web.listen-address=0.0.0.0:9100", "--web.listen-address=0.0.0.0:9100"),
        ("--x=a b", '"--x=a b"'),
        ("--x=100%", '"--x=100%%"'),
        ("--x=$HOME", '"--x=$$HOME"'),
        ("--x=a\\b", '"--x=a\\\\b"'),
        ('--x=say "hi"', '"--x=say \\"hi\\""'),
    ],
)
def test_systemd_quote(arg: str, quoted: str) -> None:
    assert systemd_quote(arg) == quoted


def test_filters_are_registered() -> None:
    assert set(FilterModule().filters()) == {"input_problems"}


@pytest.mark.parametrize("value", [1, "1", 3, "25%", "100%", [1, "100%"], [1, 5, "50%"]])
def test_a_rollout_is_a_batch_size_or_a_list_of_them(value: object) -> None:
    assert check_rollout(value, {}) is None


@pytest.mark.parametrize("value", [0, "one", "150%", "0%", [], [1, "x"], True, "1 ", {"a": 1}])
def test_a_bad_rollout_is_refused(value: object) -> None:
    problem = check_rollout(value, {})
    assert problem is not None
    assert problem.startswith("must be a batch size")


@pytest.mark.parametrize(
    "value",
    [
        "[::1]:25",
        "[fd00::1]:9094",
        "smtp.plugspace.test:587",
        "10.0.0.5:25",
        ["mon2:9094", "[fd00::2]:9094"],
        [],
    ],
)
def test_an_endpoint_is_host_port_with_ipv6_in_brackets(value: object) -> None:
    assert problems("endpoint", value) == []


@pytest.mark.parametrize(
    "value",
    ["smtp.plugspace.test", "mon2", "::1:25", "[127.0.0.1]:25", "host:70000", ["ok:1", "bad"], ""],
)
def test_a_bad_endpoint_is_refused_naming_the_variable(value: object) -> None:
    (problem,) = problems("endpoint", value)
    assert problem.startswith("x_var must be host:port")


def test_an_optional_endpoint_may_be_empty() -> None:
    assert problems("endpoint", "", optional=True) == []


def test_url_host_port_drops_credentials() -> None:
    assert url_host_port("redis://:secret@db1:6379/0") == "db1:6379"
    assert url_host_port("mongodb://u:p@[fd00::5]:27017/admin") == "[fd00::5]:27017"
    assert url_host_port("http://127.0.0.1:8089/stub_status") == "127.0.0.1:8089"
    assert url_host_port("db1:6379") == "db1:6379"
    assert url_host_port("unix:///run/redis.sock") == ""
    assert url_host_port("mongodb://h1:27017,h2:27017/admin") == ""


def test_together_wants_all_or_none() -> None:
    both = {"x_var": "a", "y_var": "b"}
    assert problems("together", both) == []
    assert problems("together", {"x_var": "", "y_var": []}) == []
    [message] = problems("together", {"x_var": "a", "y_var": "", "z_var": "c"})
    assert message == (
        "x_var and y_var, z_var go together: set all of them or none "
        "(set: x_var, z_var; not set: y_var)"
    )


def test_exclusive_wants_at_most_one() -> None:
    assert problems("exclusive", {"x_var": "a", "y_var": ""}) == []
    assert problems("exclusive", {"x_var": None, "y_var": {}}) == []
    [message] = problems("exclusive", {"x_var": "a", "y_var": ["b"]})
    assert message == "x_var and y_var exclude each other: set one of them (set: x_var, y_var)"
    [why] = problems("exclusive", {"x_var": 1, "y_var": 2}, because="v2 or v1")
    assert (
        why == "x_var and y_var exclude each other (v2 or v1): set one of them (set: x_var, y_var)"
    )


def test_requires_names_what_is_missing() -> None:
    assert problems("requires", "", needs={"y_var": ""}) == []
    assert problems("requires", "a", needs={"y_var": "b"}) == []
    [message] = problems("requires", "a", needs={"y_var": "", "z_var": 1}, because="z needs y")
    assert message == "x_var needs y_var (z needs y): set it, or leave x_var unset"


def test_regex_matches_whole_strings_only() -> None:
    label = {"pattern": "[a-z_]+", "expected": "a label name"}
    assert problems("regex", "ok_name", **label) == []
    assert problems("regex", "ok name", **label) == ["x_var must be a label name (got 'ok name')"]
    assert problems("regex", 5, **label) == ["x_var must be a label name (got 5)"]
    [hidden] = problems("regex", "p@ss word", secret=True, **label)
    assert "p@ss" not in hidden and hidden.endswith("(value not shown: it may hold a secret)")


@pytest.mark.parametrize(
    ("value", "good"),
    [(1, True), ("3", True), (0, False), ("x", False), (True, False), (4, False), (" 2", True)],
)
def test_int_range(value: object, good: bool) -> None:
    assert (problems("int_range", value, min=1, max=3) == []) is good


def test_int_range_says_its_bounds() -> None:
    assert problems("int_range", 0, min=1) == ["x_var must be a whole number of at least 1 (got 0)"]
    assert problems("int_range", "a", max=2) == [
        "x_var must be a whole number of at most 2 (got 'a')"
    ]
    assert problems("int_range", 9, min=0, max=3) == [
        "x_var must be a whole number from 0 to 3 (got 9)"
    ]


def test_holds_reports_its_own_words() -> None:
    assert problems("holds", True, expected="never") == []
    assert problems("holds", "True", expected="never") == []
    assert problems("holds", False, expected="must be odd") == ["x_var must be odd"]


def test_when_false_skips_a_check() -> None:
    assert problems("port", 0, when=False) == []
    assert problems("port", 0, when="False") == []
    assert problems("port", 0, when=True) != []


def test_each_checks_every_item_of_a_list() -> None:
    assert problems("address", ["10.0.0.1", "::1"], each=True) == []
    [message] = problems("address", ["10.0.0.1", "bad host"], each=True)
    assert message.startswith("x_var entries must be an IPv4 address")
    assert problems("address", "10.0.0.1", each=True) == ["x_var must be a list"]
