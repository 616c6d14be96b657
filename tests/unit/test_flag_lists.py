"""The flag lists beside each role are those of its binaries (their --help).

A role with lists has one for its pinned version (defaults); any other list
is for an older release the test mirror builds (tests/mirror: Debian
bookworm's previous generation), so that setting ``<role>_version`` to it
checks flags against that release's own list. Each list is regenerated from
the binary in the test mirror (built from Debian's packages of the same
versions) and compared with the committed one. A binary the mirror cannot
have here (percona's mongodb_exporter) is skipped, saying so.
"""

import tarfile
from pathlib import Path

import pytest
import yaml

from tests.mirror import build_mirror
from tools import flag_lists

ROOT = Path(__file__).resolve().parent.parent.parent
MIRROR = ROOT / ".cache" / "mirror"
LISTS = sorted(ROOT.glob("roles/*/files/flags/*.yml"))
ROLES = sorted({path.parent.parent.parent for path in LISTS})
# (binary, version) of every executable the test mirror builds, older releases included.
MIRRORED = {
    (Path(member.name).name, component.version)
    for component in build_mirror.COMPONENTS
    for member in component.members
    if member.executable
}


def _pinned(role: Path) -> str:
    defaults = yaml.safe_load((role / "defaults" / "main.yml").read_text())
    return str(defaults[f"{role.name}_version"])


def _binary(program: str, version: str, into: Path) -> Path | None:
    # Prometheus-style names put the version first, VictoriaMetrics's the platform.
    archives = [
        *MIRROR.glob(f"**/v{version}/*{version}*linux*amd64.tar.gz"),
        *MIRROR.glob(f"**/v{version}/*linux-amd64-v{version}.tar.gz"),
    ]
    for archive in archives:
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                source = tar.extractfile(member) if member.isfile() else None
                if Path(member.name).name == program and source is not None:
                    path = into / program
                    path.write_bytes(source.read())
                    path.chmod(0o755)
                    return path
    return None


def _load(path: Path) -> dict[str, str]:
    data = yaml.safe_load(path.read_text())
    return {"program": str(data["program"]), "version": str(data["version"])}


def test_the_pinned_version_has_a_list() -> None:
    assert ROLES, "no flag lists found"
    for role in ROLES:
        lists = [_load(path) for path in role.glob("files/flags/*.yml")]
        assert len({data["program"] for data in lists}) == 1, f"{role.name}: one program's lists"
        versions = {data["version"] for data in lists}
        assert _pinned(role) in versions, f"{role.name}: no list for {_pinned(role)}"


def test_every_list_is_for_the_pinned_or_a_mirrored_version() -> None:
    for path in LISTS:
        role = path.parent.parent.parent
        data = _load(path)
        assert path.name == f"{data['program']}-{data['version']}.yml"
        assert data["version"] == _pinned(role) or (data["program"], data["version"]) in MIRRORED, (
            f"{path}: neither the pinned {role.name} version ({_pinned(role)}) "
            "nor an older release the test mirror builds (tests/mirror/build_mirror.py)"
        )


@pytest.mark.parametrize("path", LISTS, ids=lambda p: p.name)
def test_list_matches_the_binarys_help(path: Path, tmp_path: Path) -> None:
    data = yaml.safe_load(path.read_text())
    binary = _binary(data["program"], data["version"], tmp_path)
    if binary is None:
        pytest.skip(f"{data['program']} {data['version']} is not in the test mirror ({MIRROR})")
    fresh = flag_lists.parse_help(
        flag_lists.help_text(str(binary)), data["program"], data["version"]
    )
    assert fresh.as_data() == data, (
        f"{path} is stale: regenerate it with python -m tools.flag_lists"
    )


def test_kingpin_help_is_parsed() -> None:
    text = """usage: x [<flags>]

Flags:
  -h, --[no-]help   Show help.
      --web.listen-address=:9100 ...
                    Addresses (see also
                    --web.external-url.
      --collector.arp  Enable the arp collector
                    (default: enabled).
      --[no-]collector.processes  Enable the processes collector (default: disabled).
      --log.level=info  Only log messages with the given severity or above.
"""
    flags = flag_lists.parse_help(text, "x", "1.0")
    assert flags.syntax == "kingpin"
    # Only rows of the flag table count, not a flag a wrapped description names.
    assert flags.flags == [
        "help",
        "web.listen-address",
        "collector.arp",
        "collector.processes",
        "log.level",
    ]
    assert flags.negatable == ["help", "collector.arp", "collector.processes"]
    # Lines without =VALUE take no value, [no-] or not.
    assert flags.switches == ["help", "collector.arp", "collector.processes"]
    assert flags.collectors == {"arp": True, "processes": False}
    data = flags.as_data()
    assert data["syntax"] == "kingpin"
    assert data["switches"] == ["collector.arp", "collector.processes", "help"]


def test_go_flag_help_is_parsed() -> None:
    text = (
        "Usage of x:\n"
        "  -debug\n    \tVerbose output\n"
        "  -redis.addr string\n    \tAddress\n"
        "  -timeout duration\n    \tTimeout (default 15s)\n"
        "  -v\tShow the version\n"
    )
    flags = flag_lists.parse_help(text, "x", "1.0")
    assert flags.syntax == "go"
    assert flags.flags == ["debug", "redis.addr", "timeout", "v"]
    assert flags.negatable == []
    # Without a type, a flag of Go's flag package is a bool: it takes no value.
    assert flags.switches == ["debug", "v"]
    rendered = flag_lists.render(flags)
    assert "program: x" in rendered
    assert "syntax: go" in rendered
    assert yaml.safe_load(rendered)["switches"] == ["debug", "v"]


def test_victoriametrics_style_help_is_go_syntax() -> None:
    # VictoriaMetrics prints a text of its own before Go's flag lines.
    text = (
        "victoria-metrics is a time series database.\n\n"
        "  -envflag.enable\n    \tWhether to enable reading flags from environment variables\n"
        "  -httpListenAddr array\n    \tTCP addresses to listen to\n"
        "    \tSupports an array of values separated by comma or specified via multiple flags.\n"
        "  -tls array\n    \tWhether to enable TLS for incoming HTTP requests\n"
        "    \tSupports array of values separated by comma or specified via multiple flags.\n"
        "    \tEmpty values are set to false.\n"
    )
    flags = flag_lists.parse_help(text, "victoria-metrics", "1.0")
    assert flags.syntax == "go"
    assert flags.flags == ["envflag.enable", "httpListenAddr", "tls"]
    # An array of bools (-tls) is a bool flag of Go's flag package: -tls alone works.
    assert flags.switches == ["envflag.enable", "tls"]
