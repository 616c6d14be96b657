"""Unit tests for tests/mirror/build_mirror.py: no network, no apt."""

import gzip
import subprocess
import tarfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from tests.mirror import build_mirror as bm

FAKE_BINARY = '#!/bin/sh\necho "$(basename "$0") called with: $*"\n'

TOP = bm.Component(
    program="foo_exporter",
    version="1.2.3",
    debs=("prometheus-foo-exporter",),
    repo="acme/foo_exporter",
    archive="foo_exporter-{version}.linux-amd64.tar.gz",
    top_folder="foo_exporter-{version}.linux-amd64",
    checksum_file="sha256sums.txt",
    members=(
        bm.Member("foo_exporter", ("usr/bin/prometheus-foo-exporter",), executable=True),
        bm.Member("LICENSE", ("usr/share/doc/prometheus-foo-exporter/copyright",)),
        bm.Member("NOTICE", ("usr/share/doc/prometheus-foo-exporter/NOTICE",)),
        bm.Member("README.md", ("usr/share/doc/prometheus-foo-exporter/README.md.gz",)),
    ),
)

FLAT = bm.Component(
    program="bar-exporter",
    version="4.5.6",
    debs=("prometheus-bar-exporter",),
    repo="acme/bar-exporter",
    archive="bar-exporter_{version}_linux_amd64.tar.gz",
    top_folder=None,
    checksum_file="bar-exporter_{version}_checksums.txt",
    members=(
        bm.Member("bar-exporter", ("usr/bin/prometheus-bar-exporter",), executable=True),
        bm.Member("LICENSE", ("usr/share/doc/prometheus-bar-exporter/copyright",)),
        bm.Member("completions/bar-exporter.bash", generate=("bar-exporter", "--bash")),
        bm.Member(
            "manpages/bar-exporter.1.gz", generate=("bar-exporter", "--man"), gzip_output=True
        ),
    ),
)


def fake_tree(root: Path, package: str, binary: str) -> Path:
    """An unpacked .deb: binary, copyright, README.md.gz; no NOTICE."""
    (root / "usr/bin").mkdir(parents=True)
    exe = root / "usr/bin" / binary
    exe.write_text(FAKE_BINARY)
    exe.chmod(0o755)
    doc = root / "usr/share/doc" / package
    doc.mkdir(parents=True)
    (doc / "copyright").write_text("License: Apache-2.0\n")
    (doc / "README.md.gz").write_bytes(gzip.compress(b"# Foo\n"))
    return root


def build(tmp_path: Path, component: bm.Component, name: str) -> tuple[Path, str]:
    package = component.debs[0]
    tree = fake_tree(tmp_path / name / "tree", package, package)
    return bm.build_archive(tree, component, tmp_path / name / "out", tmp_path / name / "work")


def members(archive: Path) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(archive) as tar:
        return {info.name: info for info in tar.getmembers()}


def read_member(archive: Path, name: str) -> bytes:
    with tarfile.open(archive) as tar:
        handle = tar.extractfile(name)
        assert handle is not None
        return handle.read()


# --- checksums -----------------------------------------------------------------------------


def test_checksum_line_is_sha256sum_format() -> None:
    assert bm.checksum_line("ab" * 32, "x.tar.gz") == f"{'ab' * 32}  x.tar.gz\n"


def test_checksum_text_sorted_by_file_name() -> None:
    text = bm.checksum_text([("b.tar.gz", "2" * 64), ("a.tar.gz", "1" * 64)])
    assert text == f"{'1' * 64}  a.tar.gz\n{'2' * 64}  b.tar.gz\n"


def test_checksum_file_verifies_with_sha256sum(tmp_path: Path) -> None:
    archive, sha = build(tmp_path, TOP, "one")
    checksums = archive.parent / "sha256sums.txt"
    assert checksums.read_text() == f"{sha}  {archive.name}\n"
    result = subprocess.run(
        ["sha256sum", "--check", "--strict", checksums.name],
        cwd=archive.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- archive layout ------------------------------------------------------------------------


def test_archive_with_top_folder_has_upstream_members_and_modes(tmp_path: Path) -> None:
    archive, _ = build(tmp_path, TOP, "one")
    assert archive.name == "foo_exporter-1.2.3.linux-amd64.tar.gz"
    infos = members(archive)
    top = "foo_exporter-1.2.3.linux-amd64"
    assert list(infos) == [top] + [
        f"{top}/{name}" for name in ("LICENSE", "NOTICE", "README.md", "foo_exporter")
    ]
    assert infos[top].isdir()
    assert infos[f"{top}/foo_exporter"].mode == 0o755
    assert infos[f"{top}/LICENSE"].mode == 0o644
    assert {(i.uid, i.gid, i.mtime) for i in infos.values()} == {(0, 0, bm.FIXED_MTIME)}


def test_member_contents_copied_decompressed_or_placeholder(tmp_path: Path) -> None:
    archive, _ = build(tmp_path, TOP, "one")
    top = "foo_exporter-1.2.3.linux-amd64"
    assert read_member(archive, f"{top}/LICENSE") == b"License: Apache-2.0\n"
    assert read_member(archive, f"{top}/README.md") == b"# Foo\n"
    assert read_member(archive, f"{top}/foo_exporter") == FAKE_BINARY.encode()
    notice = read_member(archive, f"{top}/NOTICE").decode()
    assert "NOTICE of foo_exporter 1.2.3" in notice
    assert "built\nfrom Debian's package for tests" in notice


def test_flat_archive_has_no_folder_and_generated_members(tmp_path: Path) -> None:
    archive, _ = build(tmp_path, FLAT, "one")
    assert list(members(archive)) == [
        "LICENSE",
        "bar-exporter",
        "completions/bar-exporter.bash",
        "manpages/bar-exporter.1.gz",
    ]
    assert read_member(archive, "completions/bar-exporter.bash") == (
        b"bar-exporter called with: --bash\n"
    )
    man = read_member(archive, "manpages/bar-exporter.1.gz")
    assert gzip.decompress(man) == b"bar-exporter called with: --man\n"
    checksums = archive.parent / "bar-exporter_4.5.6_checksums.txt"
    assert checksums.read_text().endswith("  bar-exporter_4.5.6_linux_amd64.tar.gz\n")


@pytest.mark.parametrize("component", [TOP, FLAT], ids=["top-folder", "flat"])
def test_rebuild_is_byte_identical(tmp_path: Path, component: bm.Component) -> None:
    first, first_sha = build(tmp_path, component, "one")
    second, second_sha = build(tmp_path, component, "two")
    assert first != second
    assert first_sha == second_sha == bm.sha256_file(second)


def test_missing_binary_is_an_error(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    with pytest.raises(bm.MirrorError, match="foo_exporter not found"):
        bm.build_archive(tree, TOP, tmp_path / "out", tmp_path / "work")


# --- mirror paths --------------------------------------------------------------------------


def test_release_dir_mirrors_github_path() -> None:
    out = Path("/srv/mirror")
    path = bm.release_dir(out, TOP) / TOP.archive_name
    assert path == Path(
        "/srv/mirror/acme/foo_exporter/releases/download/v1.2.3/"
        "foo_exporter-1.2.3.linux-amd64.tar.gz"
    )
    url = bm.upstream_url(TOP, TOP.archive_name)
    assert url.replace("https://github.com", "file:///srv/mirror") == path.as_uri()


def test_real_table_names_match_upstream() -> None:
    by_program = {c.program: c for c in bm.COMPONENTS if c.suite == "sid"}
    redis = by_program["redis_exporter"]
    assert bm.upstream_url(redis, redis.archive_name) == (
        "https://github.com/oliver006/redis_exporter/releases/download/v1.86.0/"
        "redis_exporter-v1.86.0.linux-amd64.tar.gz"
    )
    nginx = by_program["nginx-prometheus-exporter"]
    assert nginx.top is None
    assert nginx.checksum_name == "nginx-prometheus-exporter_1.5.1_checksums.txt"
    assert by_program["node_exporter"].top == "node_exporter-1.11.1.linux-amd64"


def test_previous_generation_names_match_upstream() -> None:
    previous = {c.program: c for c in bm.PREVIOUS}
    assert {c.suite for c in bm.PREVIOUS} == {"bookworm"}
    assert {p: c.version for p, c in previous.items()} == {
        "node_exporter": "1.5.0",
        "prometheus": "2.42.0",
        "alertmanager": "0.25.0",
        "blackbox_exporter": "0.23.0",
        "nginx-prometheus-exporter": "0.11.0",
        "redis_exporter": "1.45.0",
    }
    # bookworm ships promtool in the prometheus package.
    prometheus = previous["prometheus"]
    assert prometheus.debs == ("prometheus",)
    assert prometheus.top == "prometheus-2.42.0.linux-amd64"
    assert "consoles/node.html" in {m.name for m in prometheus.members}
    # nginx-prometheus-exporter 0.x: goreleaser's sha256sums.txt, nothing generated.
    nginx = previous["nginx-prometheus-exporter"]
    assert bm.upstream_url(nginx, nginx.checksum_name) == (
        "https://github.com/nginx/nginx-prometheus-exporter/releases/download/v0.11.0/"
        "sha256sums.txt"
    )
    assert nginx.archive_name == "nginx-prometheus-exporter_0.11.0_linux_amd64.tar.gz"
    assert sorted(m.name for m in nginx.members) == [
        "CHANGELOG.md",
        "LICENSE",
        "README.md",
        "nginx-prometheus-exporter",
    ]
    redis = previous["redis_exporter"]
    assert redis.archive_name == "redis_exporter-v1.45.0.linux-amd64.tar.gz"


def test_each_release_once_and_one_per_program_and_suite() -> None:
    releases = [(c.program, c.version) for c in bm.COMPONENTS]
    assert len(set(releases)) == len(releases)
    pairs = [(c.program, c.suite) for c in bm.COMPONENTS]
    assert len(set(pairs)) == len(pairs)
    assert set(bm.PREVIOUS) <= set(bm.COMPONENTS)


def test_tools_and_extras_refer_to_sid_entries() -> None:
    for program, member in bm.TOOLS:
        component = bm.component_by_program(program, bm.COMPONENTS)
        assert component.suite == "sid"
        assert member in {m.name for m in component.members if m.executable}
    for program, _, _ in bm.EXTRAS:
        assert bm.component_by_program(program, bm.COMPONENTS).suite == "sid"


def test_component_by_program_picks_the_suite() -> None:
    old = replace(TOP, version="1.0.0", suite="bookworm")
    assert bm.component_by_program("foo_exporter", [old, TOP]) is TOP
    assert bm.component_by_program("foo_exporter", [old, TOP], "bookworm") is old
    with pytest.raises(bm.MirrorError, match="no component named 'bar-exporter' from Debian sid"):
        bm.component_by_program("bar-exporter", [old, TOP])


def test_work_dirs_are_keyed_by_program_and_version() -> None:
    old = replace(TOP, version="1.0.0", suite="bookworm")
    work = Path("w")
    assert bm.tree_dir(work, TOP) == Path("w/tree/foo_exporter-1.2.3")
    assert bm.tree_dir(work, old) == Path("w/tree/foo_exporter-1.0.0")
    assert bm.stage_dir(work, TOP) == Path(
        "w/stage/foo_exporter-1.2.3/foo_exporter-1.2.3.linux-amd64"
    )
    assert bm.stage_dir(work, FLAT) == Path("w/stage/bar-exporter-4.5.6")


def test_expected_outputs_cover_archives_checksums_tools_extras() -> None:
    paths = bm.expected_outputs(Path("m"), Path("b"), [TOP])
    assert paths[:2] == [
        Path("m/acme/foo_exporter/releases/download/v1.2.3/foo_exporter-1.2.3.linux-amd64.tar.gz"),
        Path("m/acme/foo_exporter/releases/download/v1.2.3/sha256sums.txt"),
    ]
    assert Path("b/promtool") in paths
    assert Path("m/debian-extras/alertmanager/default.tmpl") in paths


# --- apt sources ---------------------------------------------------------------------------

DEB822 = """\
Types: deb
# http://snapshot.example/archive/debian/20250520T000000Z
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main

Types: deb-src
URIs: http://src.example/debian
Suites: bookworm

Types: deb
URIs: http://disabled.example/debian
Suites: bookworm
Enabled: no

Types: deb deb-src
URIs: https://a.example/debian http://b.example/debian/
Suites: bookworm
"""

SOURCES_LIST = """\
# deb http://commented.example/debian bookworm main
deb http://mirror.example/debian bookworm main contrib
deb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] http://opts.example/debian bookworm main
deb-src http://src.example/debian bookworm main
deb http://security.example/debian-security bookworm-security main
deb cdrom:[Debian GNU/Linux 12]/ bookworm main
"""


def test_parse_deb822_uris_skips_security_src_disabled_and_comments() -> None:
    assert bm.parse_deb822_uris(DEB822) == [
        "http://mirror.example/debian",
        "https://a.example/debian",
        "http://b.example/debian/",
    ]


def test_parse_sources_list_uris_handles_options_and_skips_others() -> None:
    assert bm.parse_sources_list_uris(SOURCES_LIST) == [
        "http://mirror.example/debian",
        "http://opts.example/debian",
    ]


def test_host_mirror_uris_reads_both_styles_and_dedups(tmp_path: Path) -> None:
    parts = tmp_path / "sources.list.d"
    parts.mkdir()
    (parts / "debian.sources").write_text(DEB822)
    (parts / "other.list").write_text("deb http://mirror.example/debian/ sid main\n")
    (parts / "ignored.list.disabled").write_text("deb http://ignored.example/debian sid main\n")
    main_list = tmp_path / "sources.list"
    main_list.write_text(SOURCES_LIST)
    assert bm.host_mirror_uris(parts, main_list) == [
        "http://mirror.example/debian",
        "https://a.example/debian",
        "http://b.example/debian",
        "http://opts.example/debian",
    ]


def test_host_mirror_uris_without_any_source_fails(tmp_path: Path) -> None:
    with pytest.raises(bm.MirrorError, match="no Debian mirror URI"):
        bm.host_mirror_uris(tmp_path / "missing.d", tmp_path / "missing.list")


def test_suite_sources_adds_the_suites_main_with_debian_keyring() -> None:
    text = bm.suite_sources(["http://a.example/debian", "http://b.example/debian"], "sid")
    assert text == (
        "Types: deb\n"
        "URIs: http://a.example/debian http://b.example/debian\n"
        "Suites: sid\n"
        "Components: main\n"
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
    )


def test_apt_tree_has_one_stanza_per_suite_used(tmp_path: Path) -> None:
    old = replace(TOP, version="1.0.0", suite="bookworm")
    assert bm.suites([TOP, FLAT, old]) == ["sid", "bookworm"]
    assert bm.suites(bm.COMPONENTS) == ["sid", "bookworm"]
    bm.prepare_apt_tree(tmp_path, ["http://a.example/debian"], ["sid", "bookworm"])
    sources = sorted((tmp_path / "etc").iterdir())
    assert [path.name for path in sources] == ["bookworm.sources", "sid.sources"]
    assert "Suites: bookworm\n" in sources[0].read_text()
    assert "Suites: sid\n" in sources[1].read_text()


def test_apt_options_isolate_from_host_state(tmp_path: Path) -> None:
    options = bm.apt_options(tmp_path)
    pairs = dict(arg.split("=", 1) for arg in options[1::2])
    assert set(options[::2]) == {"-o"}
    assert pairs["Dir::Etc::SourceList"] == "/dev/null"
    assert pairs["Dir::Etc::SourceParts"] == str(tmp_path / "etc")
    assert pairs["Dir::State::Lists"] == str(tmp_path / "lists")
    assert pairs["Dir::Cache"] == str(tmp_path / "cache")
    assert pairs["Dir::State::status"] == "/dev/null"
    assert pairs["APT::Architectures"] == "amd64"


# --- version pinning -----------------------------------------------------------------------

MADISON = """\
prometheus | 3.5.3+ds1-6 | http://mirror.example/debian sid/main amd64 Packages
prometheus | 2.42.0+ds-5+deb12u1 | http://mirror.example/debian bookworm/main amd64 Packages
prometheus | 2.42.0+ds-5 | http://mirror.example/debian bookworm/main amd64 Packages
prometheus | 3.5.3+ds1-6 | http://mirror.example/debian sid/main Sources
promtool | 3.5.3+ds1-6 | http://mirror.example/debian sid/main amd64 Packages
prometheus-blackbox-exporter | 1:0.28.0-2 | http://mirror.example/debian sid/main amd64 Packages
N: Unable to locate package nothing
"""


def test_madison_versions_maps_package_and_suite_to_versions() -> None:
    assert bm.madison_versions(MADISON) == {
        ("prometheus", "sid"): ["3.5.3+ds1-6"],
        ("prometheus", "bookworm"): ["2.42.0+ds-5+deb12u1", "2.42.0+ds-5"],
        ("promtool", "sid"): ["3.5.3+ds1-6"],
        ("prometheus-blackbox-exporter", "sid"): ["1:0.28.0-2"],
    }


@pytest.mark.parametrize(
    ("debian", "upstream"),
    [
        ("1.11.1-3", "1.11.1"),
        ("3.5.3+ds1-6", "3.5.3"),
        ("1:0.28.0-2", "0.28.0"),
        ("2.0~rc1", "2.0"),
    ],
)
def test_upstream_version(debian: str, upstream: str) -> None:
    assert bm.upstream_version(debian) == upstream


def test_pin_version_accepts_matching_upstream() -> None:
    assert bm.pin_version("prometheus", "3.5.3", "sid", ["3.5.3+ds1-6"]) == "3.5.3+ds1-6"


def test_pin_version_takes_the_newest_matching_of_the_suite() -> None:
    available = bm.madison_versions(MADISON)
    bookworm = available["prometheus", "bookworm"]
    assert bm.pin_version("prometheus", "2.42.0", "bookworm", bookworm) == "2.42.0+ds-5+deb12u1"
    found = ["2.43.0-1", "2.42.0+ds-5", "2.41.0-1"]
    assert bm.pin_version("prometheus", "2.42.0", "bookworm", found) == "2.42.0+ds-5"


def test_pin_version_names_package_wanted_suite_and_found() -> None:
    with pytest.raises(bm.MirrorError) as error:
        bm.pin_version("prometheus", "3.5.3", "sid", ["3.6.0+ds1-1"])
    message = str(error.value)
    assert "prometheus" in message
    assert "3.5.3" in message
    assert "Debian sid has 3.6.0+ds1-1" in message


def test_pin_version_missing_package() -> None:
    with pytest.raises(bm.MirrorError, match="promtool: not found in Debian bookworm"):
        bm.pin_version("promtool", "2.42.0", "bookworm", [])


def test_wanted_debs_maps_package_and_version_to_suite() -> None:
    old = replace(TOP, version="1.0.0", suite="bookworm")
    assert bm.wanted_debs([TOP, old, FLAT]) == {
        ("prometheus-foo-exporter", "1.2.3"): "sid",
        ("prometheus-foo-exporter", "1.0.0"): "bookworm",
        ("prometheus-bar-exporter", "4.5.6"): "sid",
    }
    # Two archives of one package and version (VictoriaMetrics's) share the .deb.
    assert bm.wanted_debs([TOP, replace(TOP, program="other")]) == {
        ("prometheus-foo-exporter", "1.2.3"): "sid"
    }
    with pytest.raises(bm.MirrorError, match="wanted from both sid and bookworm"):
        bm.wanted_debs([TOP, replace(TOP, program="other", suite="bookworm")])


def test_deb_file_name_encodes_an_epoch() -> None:
    assert bm.deb_file_name("prometheus", "3.5.3+ds1-6") == "prometheus_3.5.3+ds1-6_"
    assert bm.deb_file_name("bb", "1:0.28.0-2") == "bb_1%3a0.28.0-2_"


def test_fetch_debs_pins_each_suite_and_maps_package_and_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prometheus = bm.component_by_program("prometheus", bm.COMPONENTS)
    components = [
        replace(prometheus, debs=("prometheus",)),
        replace(prometheus, version="2.42.0", suite="bookworm", debs=("prometheus",)),
    ]
    options = bm.apt_options(tmp_path)
    calls: list[list[str]] = []

    def fake_run(cmd: Sequence[str], cwd: Path | None = None) -> str:
        args = [cmd[0], *cmd[1 + len(options) :]]
        calls.append(args)
        if args[1] == "madison":
            return MADISON
        if args[1] == "download":
            assert cwd is not None
            for pin in args[2:]:
                package, version = pin.split("=")
                (cwd / f"{package}_{version.replace(':', '%3a')}_amd64.deb").write_text(pin)
        return ""

    (tmp_path / "debs").mkdir()
    monkeypatch.setattr(bm, "run", fake_run)
    debs = bm.fetch_debs(tmp_path, components)
    assert calls[1] == ["apt-cache", "madison", "prometheus"]
    assert calls[2] == [
        "apt-get",
        "download",
        "prometheus=3.5.3+ds1-6",
        "prometheus=2.42.0+ds-5+deb12u1",
    ]
    assert debs == {
        ("prometheus", "3.5.3"): tmp_path / "debs/prometheus_3.5.3+ds1-6_amd64.deb",
        ("prometheus", "2.42.0"): tmp_path / "debs/prometheus_2.42.0+ds-5+deb12u1_amd64.deb",
    }


# --- recipe --------------------------------------------------------------------------------


def test_fingerprint_changes_with_script_and_table() -> None:
    base = bm.recipe_fingerprint(b"script", [TOP])
    assert base == bm.recipe_fingerprint(b"script", [TOP])
    assert base != bm.recipe_fingerprint(b"script2", [TOP])
    assert base != bm.recipe_fingerprint(b"script", [TOP, FLAT])
    assert base != bm.recipe_fingerprint(b"script", [replace(TOP, suite="bookworm")])


def make_current(out: Path, tools: Path, fingerprint: str) -> list[Path]:
    expected = bm.expected_outputs(out, tools)
    for path in expected:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    (out / bm.RECIPE_FILE).write_text(fingerprint + "\n")
    return expected


def test_is_current_needs_same_fingerprint_and_all_files(tmp_path: Path) -> None:
    out, tools = tmp_path / "mirror", tmp_path / "bin"
    expected = make_current(out, tools, "abc")
    assert bm.is_current(out, "abc", expected)
    assert not bm.is_current(out, "other", expected)
    expected[0].unlink()
    assert not bm.is_current(out, "abc", expected)


def test_is_current_false_without_recipe(tmp_path: Path) -> None:
    assert not bm.is_current(tmp_path, "abc", [])


def test_main_fast_path_when_current(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out, tools = tmp_path / "mirror", tmp_path / "bin"
    make_current(out, tools, bm.recipe_fingerprint(Path(bm.__file__).read_bytes()))

    def no_build(*_: object) -> None:
        raise AssertionError("must not rebuild")

    monkeypatch.setattr(bm, "build", no_build)
    assert bm.main(["--out", str(out), "--tools", str(tools)]) == 0
    assert capsys.readouterr().out == "mirror is current\n"


def test_main_rebuilds_when_recipe_differs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out, tools = tmp_path / "mirror", tmp_path / "bin"
    make_current(out, tools, "stale")
    calls: list[tuple[Path, Path]] = []

    def fake_build(out_: Path, tools_: Path, *_: object) -> None:
        calls.append((out_, tools_))

    monkeypatch.setattr(bm, "build", fake_build)
    assert bm.main(["--out", str(out), "--tools", str(tools)]) == 0
    assert calls == [(out, tools)]


def test_main_reports_mirror_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def failing_build(*_: object) -> None:
        raise bm.MirrorError("prometheus: wanted upstream version 3.5.3, Debian sid has 3.6.0-1")

    monkeypatch.setattr(bm, "build", failing_build)
    assert bm.main(["--out", str(tmp_path / "m"), "--tools", str(tmp_path / "b")]) == 1
    assert "wanted upstream version 3.5.3" in capsys.readouterr().err


def test_default_paths() -> None:
    args = bm.parse_args([])
    assert (args.out, args.tools, args.force) == (Path(".cache/mirror"), Path(".cache/bin"), False)
