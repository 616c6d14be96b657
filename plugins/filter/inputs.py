"""Check role inputs before any host is touched.

Each role's preflight hands ``input_problems`` a list of checks, one per
variable::

    - {var: node_exporter_port, kind: port, value: "{{ node_exporter_port }}"}

and gets back one message per bad value, naming the variable and saying what
is expected. Kinds and what they accept are in ``CHECKS`` below; each is a
small function of (value, check) that returns the problem or ``None``.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

Problem = str | None

_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*\.?$")
_PROM_SIZE = re.compile(r"^[0-9]+(B|KB|MB|GB|TB|PB|EB)$")
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_URL = re.compile(r"^(https?)://[^\s/?#]+([/?#]\S*)?$")
_PATH = re.compile(r"^/\S*$")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def check_port(value: Any, check: Mapping[str, Any]) -> Problem:
    """An integer from 1 to 65535 (a string of digits is read as one)."""
    if isinstance(value, bool):
        return f"must be a port number from 1 to 65535 (got {value!r})"
    try:
        port = int(str(value).strip()) if str(value).strip() == str(value) else None
    except ValueError:
        port = None
    if port is None or not 1 <= port <= 65535:
        return f"must be a port number from 1 to 65535 (got {value!r})"
    return None


_BATCH = re.compile(r"^(?:[1-9][0-9]*|(?:[1-9][0-9]?|100)%)$")


def check_rollout(value: Any, check: Mapping[str, Any]) -> Problem:
    """Ansible's serial: a batch size (a host count or a percentage), or a list of them."""
    sizes = value if isinstance(value, list) else [value]
    good = bool(sizes) and all(
        not isinstance(size, bool) and _BATCH.match(str(size)) for size in sizes
    )
    if good:
        return None
    return (
        "must be a batch size (a number of hosts such as 1, or a share such as '25%') or a list "
        f"of them such as [1, '100%'] (got {value!r})"
    )


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def check_address(value: Any, check: Mapping[str, Any]) -> Problem:
    """An IPv4 or IPv6 address (bracketed or not) or a host name, no spaces."""
    text = _text(value)
    expected = (
        "must be an IPv4 address, an IPv6 address (with or without brackets) or a host name, "
        "without spaces or a port"
    )
    if not text or text != text.strip():
        return f"{expected} (got {value!r})"
    bare = text[1:-1] if text.startswith("[") and text.endswith("]") else text
    if bare != text and ":" not in bare:
        return f"{expected} (got {value!r}: only an IPv6 address goes in brackets)"
    if _is_ip(bare) or (
        bare == text and _HOSTNAME.match(text) and not text.replace(".", "").isdigit()
    ):
        return None
    return f"{expected} (got {value!r})"


# Each program's duration syntax: (pattern, what a good value looks like).
_DURATIONS: dict[str, tuple[re.Pattern[str], str]] = {
    # Prometheus (model.ParseDuration): units from the largest down, each at most once.
    "prometheus": (
        re.compile(
            "^" + "".join(f"([0-9]+{unit})?" for unit in ["y", "w", "d", "h", "m", "s", "ms"]) + "$"
        ),
        "a Prometheus duration such as 15s, 1h30m or 30d (units y, w, d, h, m, s, ms, "
        "largest first, no spaces)",
    ),
    # Go (time.ParseDuration): decimal numbers with units, in any order; "0" alone.
    "go": (
        re.compile(r"^[-+]?(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$"),
        "a Go duration such as 120h, 1h30m or 10s (units h, m, s, ms, us, ns; "
        "no days or weeks, no spaces)",
    ),
}


def check_duration(value: Any, check: Mapping[str, Any], syntax: str = "prometheus") -> Problem:
    """A duration in one program's syntax (kinds prometheus_duration, go_duration); "0" passes."""
    pattern, expected = _DURATIONS[syntax]
    text = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if text == "0" or (text and pattern.match(text)):
        return None
    return f"must be {expected} (got {value!r})"


def check_prometheus_size(value: Any, check: Mapping[str, Any]) -> Problem:
    """Empty, or a size such as 50GB (units B KB MB GB TB PB EB)."""
    text = _text(value)
    if text == "" or (text and _PROM_SIZE.match(text)):
        return None
    return (
        "must be empty or a size such as 512MB or 50GB (units B, KB, MB, GB, TB, PB, EB) "
        f"(got {value!r})"
    )


def check_basic_auth_users(value: Any, check: Mapping[str, Any]) -> Problem:
    """A mapping of user name to plain password; names non-empty, without ':' or spaces."""
    if not isinstance(value, Mapping):
        return "must be a mapping of user name to password"
    limit = check.get("max_users")
    if limit is not None and len(value) > int(limit):
        return f"holds at most {limit} user(s) for this program (got {len(value)})"
    for user, password in value.items():
        if (
            not isinstance(user, str)
            or not user
            or ":" in user
            or user != user.strip()
            or any(ch.isspace() or ord(ch) < 32 for ch in user)
        ):
            return (
                "user names must be non-empty, without ':', spaces or control characters "
                f"(got {user!r})"
            )
        if not isinstance(password, str) or not password:
            # Never echo the password itself.
            return f"the password of user {user!r} must be a non-empty string"
    return None


def check_tls_pair(value: Any, check: Mapping[str, Any]) -> Problem:
    """[certificate, key]: both absolute paths on the host, or both empty."""
    if not isinstance(value, Sequence) or isinstance(value, str) or len(value) != 2:
        return "must be a [certificate, key] pair"
    cert, key = (str(item or "") for item in value)
    other = check.get("pair", "its key")
    if bool(cert) != bool(key):
        return f"and {other} go together: set both (absolute paths on the host) or neither"
    for path in (cert, key):
        if path and not _PATH.match(path):
            return f"must be an absolute path on the host without spaces (got {path!r})"
    return None


def check_url(value: Any, check: Mapping[str, Any]) -> Problem:
    """An http:// or https:// URL with a host; empty when ``optional``."""
    text = _text(value)
    if text == "" and check.get("optional", True):
        return None
    if text and _URL.match(text):
        return None
    shown = "(value not shown: it may hold a secret)" if check.get("secret") else f"(got {value!r})"
    return f"must be a URL that starts with http:// or https:// and names a host {shown}"


_HOSTNAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$")


def _is_endpoint(text: str) -> bool:
    """host:port, an IPv6 address in brackets ([fd00::1]:9094), the port from 1 to 65535."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 1 <= int(port) <= 65535:
        return False
    if host.startswith("[") and host.endswith("]"):
        return ":" in host and _is_ip(host[1:-1])
    return bool(_HOSTNAME.match(host))


def check_endpoint(value: Any, check: Mapping[str, Any]) -> Problem:
    """host:port, or a list of them; empty when ``optional``."""
    items = value if isinstance(value, list) else [value]
    if value == "" and check.get("optional", False):
        return None
    bad = [item for item in items if not isinstance(item, str) or not _is_endpoint(item)]
    if not bad:
        return None
    example = check.get("example", "host.example.com:9094")
    return (
        f"must be host:port, e.g. {example}, an IPv6 address in brackets such as [fd00::1]:9094 "
        f"(got {', '.join(map(str, bad))})"
    )


def check_labels(value: Any, check: Mapping[str, Any]) -> Problem:
    """Prometheus labels: names [a-zA-Z_][a-zA-Z0-9_]* not starting with __, values scalars."""
    if not isinstance(value, Mapping):
        return "must be a mapping of label name to value"
    for name, label in value.items():
        if not isinstance(name, str) or not _LABEL_NAME.match(name) or name.startswith("__"):
            return (
                "label names must match [a-zA-Z_][a-zA-Z0-9_]* and must not start with __ "
                f"(got {name!r})"
            )
        if (
            isinstance(label, (Mapping, list, tuple, set))
            or label is None
            or isinstance(label, bool)
        ):
            return f"the value of label {name!r} must be a string or a number (got {label!r})"
    return None


# What Go's strconv.ParseBool accepts: the values a switch of Go's flag package takes.
_GO_BOOLS = frozenset(
    ["1", "0", "t", "f", "T", "F", "true", "false", "TRUE", "FALSE", "True", "False"]
)


def _switch_problem(flag: str, name: str, negated: bool, check: Mapping[str, Any]) -> str:
    version = check.get("version", "the pinned version")
    negatable = {str(n) for n in check.get("negatable") or ()}
    if negated:
        return (
            f"{flag!r}: --no-{name} is a switch of {version} and takes no value "
            f"(write --no-{name}, or --{name} to turn it on)"
        )
    if check.get("syntax") != "kingpin":
        return (
            f"{flag!r}: --{name} is a switch of {version} and takes no value other than true "
            f"or false (write --{name}, or --{name}=false to turn it off)"
        )
    other = f", or --no-{name} to turn it off" if name in negatable else ""
    return f"{flag!r}: --{name} is a switch of {version} and takes no value (write --{name}{other})"


def check_flags(value: Any, check: Mapping[str, Any]) -> Problem:
    """Flags the pinned version knows, each one argv element: --name=value or --name.

    ``known``: its flag names; ``negatable``: those that also take --no-name;
    ``switches``: those that take no value (every other known flag needs one;
    without the list values are not checked); ``syntax``: ``kingpin`` (a switch
    takes no value at all) or ``go`` (Go's flag package: a switch takes a bool
    too, --name=false).
    """
    if not isinstance(value, Sequence) or isinstance(value, str):
        return "must be a list of flags such as --log.level=debug"
    known = {str(name) for name in check.get("known") or ()}
    negatable = {str(name) for name in check.get("negatable") or ()}
    listed = check.get("switches")
    switches = None if listed is None else {str(name) for name in listed}
    for flag in value:
        if not isinstance(flag, str) or not flag.startswith("--") or flag != flag.strip():
            return f"each flag must start with -- and carry no surrounding spaces (got {flag!r})"
        head, has_value, argument = flag.partition("=")
        name = head[2:]
        if not known:
            continue
        if name in known:
            negated = False
        elif name.startswith("no-") and name[3:] in negatable:
            name, negated = name[3:], True
        else:
            version = check.get("version", "the pinned version")
            return f"{flag!r} is not a flag of {version} (see its --help)"
        if switches is None:
            continue
        if negated or name in switches:
            go_bool = check.get("syntax") != "kingpin" and not negated and argument in _GO_BOOLS
            if has_value and not go_bool:
                return _switch_problem(flag, name, negated, check)
        elif not has_value:
            return f"{flag!r} needs a value: {head}=VALUE"
    return None


def check_choices_list(value: Any, check: Mapping[str, Any]) -> Problem:
    """A list whose items (names, or {name: ...} mappings) are all in ``known``."""
    if not isinstance(value, Sequence) or isinstance(value, str):
        return "must be a list"
    known = {str(name) for name in check.get("known") or ()}
    what = check.get("what", "value")
    for item in value:
        name = item.get("name") if isinstance(item, Mapping) else item
        if known and str(name) not in known:
            version = check.get("version", "the pinned version")
            return f"{name!r} is not a {what} of {version}; known: {', '.join(sorted(known))}"
    return None


def check_disjoint(value: Any, check: Mapping[str, Any]) -> Problem:
    """[enabled, disabled]: no name (or {name: ...}) in both lists."""
    first, second = (
        {str(i.get("name") if isinstance(i, Mapping) else i) for i in v} for v in value
    )
    both = sorted(first & second)
    if both:
        other = check.get("other", "the other list")
        return f"and {other} both name {', '.join(both)}: it is one or the other"
    return None


def _is_set(value: Any) -> bool:
    """Set: anything but None, false, "" and an empty list or mapping."""
    return value is not None and value is not False and value != "" and value != [] and value != {}


def _named(names: Iterable[str]) -> str:
    return ", ".join(names) or "none"


def check_together(value: Any, check: Mapping[str, Any]) -> Problem:
    """{name: value, ...} of the check's var and its partners: all set, or none."""
    given = [name for name, item in value.items() if _is_set(item)]
    if not given or len(given) == len(value):
        return None
    others = [name for name in value if name != check["var"]]
    missing = [name for name in value if name not in given]
    return (
        f"and {_named(others)} go together: set all of them or none "
        f"(set: {_named(given)}; not set: {_named(missing)})"
    )


def check_exclusive(value: Any, check: Mapping[str, Any]) -> Problem:
    """{name: value, ...} of the var and its alternatives: at most one set (``because``: why)."""
    given = [name for name, item in value.items() if _is_set(item)]
    if len(given) <= 1:
        return None
    others = [name for name in value if name != check["var"]]
    because = f" ({check['because']})" if check.get("because") else ""
    return (
        f"and {_named(others)} exclude each other{because}: set one of them (set: {_named(given)})"
    )


def check_requires(value: Any, check: Mapping[str, Any]) -> Problem:
    """When the value is set, every entry of ``needs`` ({name: value}) must be set too."""
    if not _is_set(value):
        return None
    missing = [name for name, item in (check.get("needs") or {}).items() if not _is_set(item)]
    if not missing:
        return None
    because = f" ({check['because']})" if check.get("because") else ""
    return f"needs {_named(missing)}{because}: set it, or leave {check['var']} unset"


def check_regex(value: Any, check: Mapping[str, Any]) -> Problem:
    """A string matching ``pattern`` whole; ``expected`` says in words what that is.

    With ``secret`` the message does not show the value (a URI with a password).
    """
    text = _text(value)
    if text is not None and re.fullmatch(str(check["pattern"]), text):
        return None
    shown = "(value not shown: it may hold a secret)" if check.get("secret") else f"(got {value!r})"
    return f"must be {check.get('expected', 'a match of ' + str(check['pattern']))} {shown}"


def check_int_range(value: Any, check: Mapping[str, Any]) -> Problem:
    """A whole number (or a string of digits) from ``min`` to ``max`` (either may be absent)."""
    low, high = check.get("min"), check.get("max")
    text = (
        str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    )
    number = int(text) if re.fullmatch(r"-?[0-9]+", text) else None
    if (
        number is not None
        and (low is None or number >= int(low))
        and (high is None or number <= int(high))
    ):
        return None
    bounds = (
        f"from {low} to {high}"
        if low is not None and high is not None
        else f"of at least {low}"
        if low is not None
        else f"of at most {high}"
        if high is not None
        else ""
    )
    return f"must be a whole number {bounds}".rstrip() + f" (got {value!r})"


def check_holds(value: Any, check: Mapping[str, Any]) -> Problem:
    """A condition computed in the task (value true when it holds); ``expected`` is the message."""
    if value is True or str(value).lower() == "true":
        return None
    return str(check["expected"])


CHECKS: dict[str, Callable[[Any, Mapping[str, Any]], Problem]] = {
    "port": check_port,
    "address": check_address,
    "prometheus_duration": functools.partial(check_duration, syntax="prometheus"),
    "go_duration": functools.partial(check_duration, syntax="go"),
    "prometheus_size": check_prometheus_size,
    "basic_auth_users": check_basic_auth_users,
    "tls_pair": check_tls_pair,
    "url": check_url,
    "labels": check_labels,
    "flags": check_flags,
    "choices_list": check_choices_list,
    "disjoint": check_disjoint,
    "rollout": check_rollout,
    "endpoint": check_endpoint,
    "together": check_together,
    "exclusive": check_exclusive,
    "requires": check_requires,
    "regex": check_regex,
    "int_range": check_int_range,
    "holds": check_holds,
}


def _resolve(check: Mapping[str, Any], lists: Mapping[str, Any]) -> Mapping[str, Any]:
    """A check whose ``known``, ``negatable`` or ``switches`` names an entry of ``lists`` gets it.

    A flags check also gets the list's ``syntax`` unless it has its own. A
    ``switches`` entry the list lacks stays unset, so values go unchecked.
    """
    resolved = dict(check)
    for key in ("known", "negatable"):
        if isinstance(resolved.get(key), str):
            resolved[key] = lists.get(resolved[key]) or ()
    if isinstance(resolved.get("switches"), str):
        resolved["switches"] = lists.get(resolved["switches"])
    if resolved.get("kind") == "flags" and "syntax" not in resolved and "syntax" in lists:
        resolved["syntax"] = lists["syntax"]
    return resolved


def _truth(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "yes", "1")


def _run(
    function: Callable[[Any, Mapping[str, Any]], Problem], check: Mapping[str, Any]
) -> Problem:
    """The check on its value, or with ``each: true`` on each item of a list (the first bad one)."""
    value = check.get("value")
    if not check.get("each"):
        return function(value, check)
    if not isinstance(value, Sequence) or isinstance(value, str):
        return "must be a list"
    for item in value:
        problem = function(item, check)
        if problem:
            return f"entries {problem}" if problem.startswith("must") else problem
    return None


def input_problems(
    checks: Iterable[Mapping[str, Any]], lists: Mapping[str, Any] | None = None
) -> list[str]:
    """One message per failed check: '<var> <what is expected> (got ...)'.

    ``lists`` is a pinned release's flag list (roles/*/files/flags): a check's
    ``known: flags`` then reads its ``flags`` entry (``switches: switches`` its
    ``switches``, and a flags check its ``syntax``), so the list is read once.
    """
    problems: list[str] = []
    for raw in checks:
        check = _resolve(raw, lists or {})
        kind = str(check.get("kind", ""))
        if kind not in CHECKS:
            raise ValueError(
                f"unknown input check kind {kind!r}; known: {', '.join(sorted(CHECKS))}"
            )
        if "when" in check and not _truth(check["when"]):
            continue
        problem = _run(CHECKS[kind], check)
        if problem:
            problems.append(f"{check['var']} {problem}")
    return problems


class FilterModule:
    """Ansible filters of plugspace.monitoring for input checks."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "input_problems": input_problems,
        }
