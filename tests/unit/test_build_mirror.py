"""Unit tests for tests/mirror/build_mirror.py: no network, no apt."""

import gzip
import subprocess
import tarfile
from collections.abc import Iterable, Sequence
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
    archive="foo_exporter-{version}.linux-{arch}.tar.gz",
    top_folder="foo_exporter-{version}.linux-{arch}",
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
    archive="bar-exporter_{version}_linux_{arch}.tar.gz",
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


def fake_tree(root: Path, package: str, binary: str, script: str = FAKE_BINARY) -> Path:
    """An unpacked .deb: binary, copyright, README.md.gz; no NOTICE."""
    (root / "usr/bin").mkdir(parents=True)
    exe = root / "usr/bin" / binary
    exe.write_text(script)
    exe.chmod(0o755)
    doc = root / "usr/share/doc" / package
    doc.mkdir(parents=True)
    (doc / "copyright").write_text("License: Apache-2.0\n")
    (doc / "README.md.gz").write_bytes(gzip.compress(b"# Foo\n"))
    return root


def build(tmp_path: Path, component: bm.Component, name: str) -> tuple[Path, str]:
    """Build one archive and its (one-line) checksum file."""
    package = component.debs[0]
    tree = fake_tree(tmp_path / name / "tree", package, package)
    out = tmp_path / name / "out"
    archive, sha = bm.build_archive(tree, component, out, tmp_path / name / "work")
    bm.write_checksums(out, [(component, sha)])
    return archive, sha


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


def test_build_archive_writes_no_checksum_file(tmp_path: Path) -> None:
    tree = fake_tree(tmp_path / "tree", "prometheus-foo-exporter", "prometheus-foo-exporter")
    archive, _ = bm.build_archive(tree, TOP, tmp_path / "out", tmp_path / "work")
    assert [path.name for path in archive.parent.iterdir()] == [archive.name]


def test_shared_checksum_file_lists_both_arches_once(tmp_path: Path) -> None:
    arm = replace(TOP, arch="arm64")
    old = replace(TOP, version="1.0.0", suite="bookworm")
    out = tmp_path / "out"
    bm.write_checksums(out, [(arm, "2" * 64), (TOP, "1" * 64), (old, "3" * 64)])
    assert (bm.release_dir(out, TOP) / "sha256sums.txt").read_text() == (
        f"{'1' * 64}  foo_exporter-1.2.3.linux-amd64.tar.gz\n"
        f"{'2' * 64}  foo_exporter-1.2.3.linux-arm64.tar.gz\n"
    )
    assert (bm.release_dir(out, old) / "sha256sums.txt").read_text() == (
        f"{'3' * 64}  foo_exporter-1.0.0.linux-amd64.tar.gz\n"
    )


def test_victoria_metrics_checksum_files_stay_one_per_archive(tmp_path: Path) -> None:
    victoria = [c for c in bm.COMPONENTS if c.repo == "VictoriaMetrics/VictoriaMetrics"]
    assert len(victoria) == 4
    bm.write_checksums(tmp_path, [(c, "0" * 64) for c in victoria])
    files = sorted(bm.release_dir(tmp_path, victoria[0]).iterdir())
    assert [path.name for path in files] == [
        "victoria-metrics-linux-amd64-v1.145.0_checksums.txt",
        "victoria-metrics-linux-arm64-v1.145.0_checksums.txt",
        "vmutils-linux-amd64-v1.145.0_checksums.txt",
        "vmutils-linux-arm64-v1.145.0_checksums.txt",
    ]
    assert [path.read_text().count("\n") for path in files] == [1, 1, 1, 1]
    assert files[1].read_text() == f"{'0' * 64}  victoria-metrics-linux-arm64-v1.145.0.tar.gz\n"


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


def test_other_arch_copies_generated_members_from_the_native_stage(tmp_path: Path) -> None:
    native, _ = build(tmp_path, FLAT, "amd64")
    arm = replace(FLAT, arch="arm64")
    # A binary this machine cannot run: running it fails the build.
    tree = fake_tree(tmp_path / "arm64/tree", "prometheus-bar-exporter", "prometheus-bar-exporter")
    (tree / "usr/bin/prometheus-bar-exporter").write_text("#!/bin/sh\nexit 1\n")
    generated = bm.stage_dir(tmp_path / "amd64/work", FLAT)
    archive, _ = bm.build_archive(tree, arm, tmp_path / "arm64/out", tmp_path / "work", generated)
    assert archive.name == "bar-exporter_4.5.6_linux_arm64.tar.gz"
    assert list(members(archive)) == list(members(native))
    for name in ("completions/bar-exporter.bash", "manpages/bar-exporter.1.gz"):
        assert read_member(archive, name) == read_member(native, name)
    assert read_member(archive, "bar-exporter") == b"#!/bin/sh\nexit 1\n"


def test_build_does_native_arch_first_and_shares_checksum_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arm = replace(FLAT, arch="arm64")

    def fake_fetch(_: Path, components: Sequence[bm.Component]) -> dict[tuple[str, str, str], Path]:
        return {(c.debs[0], c.version, c.arch): tmp_path / f"{c.arch}.deb" for c in components}

    def fake_unpack(debs: Iterable[Path], tree: Path) -> None:
        (deb,) = debs
        script = FAKE_BINARY if deb.name == "amd64.deb" else "#!/bin/sh\nexit 1\n"
        fake_tree(tree, "prometheus-bar-exporter", "prometheus-bar-exporter", script)

    monkeypatch.setattr(bm, "host_mirror_uris", lambda: ["http://mirror.example/debian"])
    monkeypatch.setattr(bm, "fetch_debs", fake_fetch)
    monkeypatch.setattr(bm, "unpack_debs", fake_unpack)
    monkeypatch.setattr(bm, "install_tools", lambda *_: None)
    monkeypatch.setattr(bm, "install_extras", lambda *_: None)
    out = tmp_path / "out"
    bm.build(out, tmp_path / "bin", "fingerprint", [arm, FLAT])  # arm64 listed first
    directory = bm.release_dir(out, FLAT)
    archives = [directory / c.archive_name for c in (FLAT, arm)]
    bash = "completions/bar-exporter.bash"
    assert read_member(archives[1], bash) == read_member(archives[0], bash)
    assert (directory / "bar-exporter_4.5.6_checksums.txt").read_text() == bm.checksum_text(
        (path.name, bm.sha256_file(path)) for path in archives
    )
    assert (out / bm.RECIPE_FILE).read_text() == "fingerprint\n"


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
    by_program = {c.program: c for c in bm.COMPONENTS if c.suite == "sid" and c.arch == "amd64"}
    redis = by_program["redis_exporter"]
    assert bm.upstream_url(redis, redis.archive_name) == (
        "https://github.com/oliver006/redis_exporter/releases/download/v1.86.0/"
        "redis_exporter-v1.86.0.linux-amd64.tar.gz"
    )
    nginx = by_program["nginx-prometheus-exporter"]
    assert nginx.top is None
    assert nginx.checksum_name == "nginx-prometheus-exporter_1.5.1_checksums.txt"
    assert by_program["node_exporter"].top == "node_exporter-1.11.1.linux-amd64"


def test_arm64_names_match_upstream() -> None:
    arm64 = {c.program: c for c in bm.ARM64}
    assert {c.arch for c in bm.ARM64} == {"arm64"}
    assert {p: c.archive_name for p, c in arm64.items()} == {
        "node_exporter": "node_exporter-1.11.1.linux-arm64.tar.gz",
        "prometheus": "prometheus-3.5.3.linux-arm64.tar.gz",
        "alertmanager": "alertmanager-0.33.1.linux-arm64.tar.gz",
        "blackbox_exporter": "blackbox_exporter-0.28.0.linux-arm64.tar.gz",
        "nginx-prometheus-exporter": "nginx-prometheus-exporter_1.5.1_linux_arm64.tar.gz",
        "redis_exporter": "redis_exporter-v1.86.0.linux-arm64.tar.gz",
        "victoria-metrics": "victoria-metrics-linux-arm64-v1.145.0.tar.gz",
        "vmutils": "vmutils-linux-arm64-v1.145.0.tar.gz",
    }
    assert arm64["node_exporter"].top == "node_exporter-1.11.1.linux-arm64"
    assert arm64["redis_exporter"].top == "redis_exporter-v1.86.0.linux-arm64"
    assert arm64["nginx-prometheus-exporter"].top is None
    assert arm64["prometheus"].checksum_name == "sha256sums.txt"
    assert arm64["nginx-prometheus-exporter"].checksum_name == (
        "nginx-prometheus-exporter_1.5.1_checksums.txt"
    )
    assert arm64["victoria-metrics"].checksum_name == (
        "victoria-metrics-linux-arm64-v1.145.0_checksums.txt"
    )
    redis = arm64["redis_exporter"]
    assert bm.upstream_url(redis, redis.archive_name) == (
        "https://github.com/oliver006/redis_exporter/releases/download/v1.86.0/"
        "redis_exporter-v1.86.0.linux-arm64.tar.gz"
    )


def test_every_current_component_has_an_arm64_twin_and_no_previous_one() -> None:
    current = [c for c in bm.COMPONENTS if c.suite == bm.CURRENT_SUITE and c.arch == "amd64"]
    assert list(bm.ARM64) == [replace(c, arch="arm64") for c in current]
    assert bm.COMPONENTS[-len(bm.ARM64) :] == bm.ARM64
    assert {c.arch for c in bm.PREVIOUS} == {"amd64"}
    assert {c.suite for c in bm.COMPONENTS if c.arch == "arm64"} == {bm.CURRENT_SUITE}


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


def test_each_release_once_and_one_per_program_suite_and_arch() -> None:
    releases = [(c.program, c.version, c.arch) for c in bm.COMPONENTS]
    assert len(set(releases)) == len(releases)
    triples = [(c.program, c.suite, c.arch) for c in bm.COMPONENTS]
    assert len(set(triples)) == len(triples)
    archives = [bm.release_dir(Path("m"), c) / c.archive_name for c in bm.COMPONENTS]
    assert len(set(archives)) == len(archives)
    keys = [c.key for c in bm.COMPONENTS]
    assert len(set(keys)) == len(keys)
    assert set(bm.PREVIOUS) <= set(bm.COMPONENTS)
    assert set(bm.ARM64) <= set(bm.COMPONENTS)


def test_tools_and_extras_refer_to_sid_entries() -> None:
    for program, member in bm.TOOLS:
        component = bm.component_by_program(program, bm.COMPONENTS)
        assert (component.suite, component.arch) == ("sid", "amd64")
        assert member in {m.name for m in component.members if m.executable}
    for program, _, _ in bm.EXTRAS:
        component = bm.component_by_program(program, bm.COMPONENTS)
        assert (component.suite, component.arch) == ("sid", "amd64")


def test_component_by_program_picks_the_suite_and_arch() -> None:
    old = replace(TOP, version="1.0.0", suite="bookworm")
    arm = replace(TOP, arch="arm64")
    assert bm.component_by_program("foo_exporter", [arm, old, TOP]) is TOP
    assert bm.component_by_program("foo_exporter", [arm, old, TOP], "bookworm") is old
    assert bm.component_by_program("foo_exporter", [arm, old, TOP], arch="arm64") is arm
    with pytest.raises(bm.MirrorError, match="no amd64 component named 'bar-exporter' from"):
        bm.component_by_program("bar-exporter", [old, TOP])
    with pytest.raises(bm.MirrorError, match="no arm64 component named 'foo_exporter' from"):
        bm.component_by_program("foo_exporter", [old, TOP], "bookworm", "arm64")


def test_work_dirs_are_keyed_by_program_version_and_arch() -> None:
    old = replace(TOP, version="1.0.0", suite="bookworm")
    work = Path("w")
    assert bm.tree_dir(work, TOP) == Path("w/tree/foo_exporter-1.2.3-amd64")
    assert bm.tree_dir(work, old) == Path("w/tree/foo_exporter-1.0.0-amd64")
    assert bm.tree_dir(work, replace(TOP, arch="arm64")) == Path("w/tree/foo_exporter-1.2.3-arm64")
    assert bm.stage_dir(work, TOP) == Path(
        "w/stage/foo_exporter-1.2.3-amd64/foo_exporter-1.2.3.linux-amd64"
    )
    assert bm.stage_dir(work, FLAT) == Path("w/stage/bar-exporter-4.5.6-amd64")
    assert bm.stage_dir(work, replace(FLAT, arch="arm64")) == Path(
        "w/stage/bar-exporter-4.5.6-arm64"
    )


def test_expected_outputs_cover_archives_checksums_tools_extras() -> None:
    paths = bm.expected_outputs(Path("m"), Path("b"), [TOP])
    assert paths[:2] == [
        Path("m/acme/foo_exporter/releases/download/v1.2.3/foo_exporter-1.2.3.linux-amd64.tar.gz"),
        Path("m/acme/foo_exporter/releases/download/v1.2.3/sha256sums.txt"),
    ]
    assert Path("b/promtool") in paths
    assert Path("m/debian-extras/alertmanager/default.tmpl") in paths


def test_expected_outputs_and_fingerprint_cover_arm64() -> None:
    paths = bm.expected_outputs(Path("m"), Path("b"))
    for component in bm.ARM64:
        directory = bm.release_dir(Path("m"), component)
        assert directory / component.archive_name in paths
        assert directory / component.checksum_name in paths
    assert (
        Path(
            "m/prometheus/node_exporter/releases/download/v1.11.1/node_exporter-1.11.1.linux-arm64.tar.gz"
        )
        in paths
    )
    without = bm.COMPONENTS[: -len(bm.ARM64)]
    assert bm.recipe_fingerprint(b"s") != bm.recipe_fingerprint(b"s", without)


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
    assert pairs["APT::Architecture"] == "amd64"
    assert pairs["APT::Architectures"] == "amd64,arm64"


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


def test_madison_versions_lists_a_version_of_two_arches_once() -> None:
    both = (
        "prometheus | 3.5.3+ds1-7 | http://m.example/debian sid/main amd64 Packages\n"
        "prometheus | 3.5.3+ds1-7 | http://m.example/debian sid/main arm64 Packages\n"
        "prometheus | 3.5.3+ds1-6 | http://m.example/debian sid/main arm64 Packages\n"
    )
    assert bm.madison_versions(both) == {("prometheus", "sid"): ["3.5.3+ds1-7", "3.5.3+ds1-6"]}


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


def test_wanted_debs_maps_package_version_and_arch_to_suite() -> None:
    old = replace(TOP, version="1.0.0", suite="bookworm")
    arm = replace(TOP, arch="arm64")
    assert bm.wanted_debs([TOP, old, FLAT, arm]) == {
        ("prometheus-foo-exporter", "1.2.3", "amd64"): "sid",
        ("prometheus-foo-exporter", "1.0.0", "amd64"): "bookworm",
        ("prometheus-bar-exporter", "4.5.6", "amd64"): "sid",
        ("prometheus-foo-exporter", "1.2.3", "arm64"): "sid",
    }
    # Two archives of one package and version (VictoriaMetrics's) share the .deb.
    assert bm.wanted_debs([TOP, replace(TOP, program="other")]) == {
        ("prometheus-foo-exporter", "1.2.3", "amd64"): "sid"
    }
    with pytest.raises(bm.MirrorError, match="wanted from both sid and bookworm"):
        bm.wanted_debs([TOP, replace(TOP, program="other", suite="bookworm")])


def test_deb_file_name_encodes_an_epoch_and_names_the_arch() -> None:
    assert (
        bm.deb_file_name("prometheus", "3.5.3+ds1-6", "amd64") == "prometheus_3.5.3+ds1-6_amd64.deb"
    )
    assert bm.deb_file_name("bb", "1:0.28.0-2", "arm64") == "bb_1%3a0.28.0-2_arm64.deb"


def test_fetch_debs_pins_each_suite_and_maps_package_version_and_arch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prometheus = replace(bm.component_by_program("prometheus", bm.COMPONENTS), debs=("prometheus",))
    components = [
        prometheus,
        replace(prometheus, version="2.42.0", suite="bookworm"),
        replace(prometheus, arch="arm64"),
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
                package_arch, version = pin.split("=")
                package, arch = package_arch.split(":")
                (cwd / f"{package}_{version.replace(':', '%3a')}_{arch}.deb").write_text(pin)
        return ""

    (tmp_path / "debs").mkdir()
    monkeypatch.setattr(bm, "run", fake_run)
    debs = bm.fetch_debs(tmp_path, components)
    assert calls[1] == ["apt-cache", "madison", "prometheus"]
    assert calls[2] == [
        "apt-get",
        "download",
        "prometheus:amd64=3.5.3+ds1-6",
        "prometheus:amd64=2.42.0+ds-5+deb12u1",
        "prometheus:arm64=3.5.3+ds1-6",
    ]
    debs_dir = tmp_path / "debs"
    assert debs == {
        ("prometheus", "3.5.3", "amd64"): debs_dir / "prometheus_3.5.3+ds1-6_amd64.deb",
        ("prometheus", "2.42.0", "amd64"): debs_dir / "prometheus_2.42.0+ds-5+deb12u1_amd64.deb",
        ("prometheus", "3.5.3", "arm64"): debs_dir / "prometheus_3.5.3+ds1-6_arm64.deb",
    }


# --- recipe --------------------------------------------------------------------------------


def test_fingerprint_changes_with_script_and_table() -> None:
    base = bm.recipe_fingerprint(b"script", [TOP])
    assert base == bm.recipe_fingerprint(b"script", [TOP])
    assert base != bm.recipe_fingerprint(b"script2", [TOP])
    assert base != bm.recipe_fingerprint(b"script", [TOP, FLAT])
    assert base != bm.recipe_fingerprint(b"script", [replace(TOP, suite="bookworm")])
    assert base != bm.recipe_fingerprint(b"script", [replace(TOP, arch="arm64")])


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
