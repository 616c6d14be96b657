#!/usr/bin/env python3
"""Build a local mirror of upstream GitHub release archives from Debian's packages.

The machines this project is tested on reach PyPI, npm and Debian's apt mirror, but not
GitHub. The roles download release archives from GitHub, so the tests point them at a
local mirror instead: archives shaped exactly like the upstream releases (file name, top
folder, member names, modes, checksum file), but built from Debian's packages of the
same program and version: sid's for the pinned releases, bookworm's for the previous
generation (upgrade tests, flag lists of older releases). Each pinned release also gets
its linux-arm64 archive, from Debian's arm64 build of the same package version.

The .debs are fetched with apt itself, through a private apt tree that adds the suites
used (``sid``, ``bookworm``) of the mirror this machine already uses; no mirror host
name is written anywhere.

Layout: ``<out>/<owner>/<repo>/releases/download/<tag>/<file>``, so replacing
``https://github.com`` in an upstream URL with the mirror's base URL gives the mirror URL.

Usage: ``python tests/mirror/build_mirror.py [--out .cache/mirror] [--tools .cache/bin]``
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path


class MirrorError(Exception):
    """A failure with a message meant for the person running the script."""


@dataclass(frozen=True)
class Member:
    """One file of a release archive, named relative to the archive's top folder.

    ``sources`` are candidate paths inside the unpacked .deb(s); the first that exists
    wins, and a ``.gz`` source is decompressed when the member name is not ``.gz``.
    ``generate`` instead runs another (executable) member of the same archive with the
    given arguments and stores its standard output, gzip-compressed when ``gzip_output``.
    With neither available, the member is a short placeholder text saying so.
    """

    name: str
    sources: tuple[str, ...] = ()
    executable: bool = False
    generate: tuple[str, ...] = ()
    gzip_output: bool = False


CURRENT_SUITE = "sid"
# apt's native architecture: the only one whose binaries this script runs.
NATIVE_ARCH = "amd64"
ARCHITECTURES = (NATIVE_ARCH, "arm64")


@dataclass(frozen=True)
class Component:
    """One upstream release archive; ``{version}`` and ``{arch}`` in the templates are filled in.

    Built from the ``arch`` builds of the packages (``debs``) of Debian's ``suite`` whose
    upstream version is ``version``.
    """

    program: str
    version: str
    debs: tuple[str, ...]
    repo: str
    archive: str
    top_folder: str | None
    checksum_file: str
    members: tuple[Member, ...]
    tag: str = "v{version}"
    suite: str = CURRENT_SUITE
    arch: str = NATIVE_ARCH

    def render(self, template: str) -> str:
        return template.format(version=self.version, arch=self.arch)

    @property
    def tag_name(self) -> str:
        return self.render(self.tag)

    @property
    def archive_name(self) -> str:
        return self.render(self.archive)

    @property
    def top(self) -> str | None:
        return None if self.top_folder is None else self.render(self.top_folder)

    @property
    def checksum_name(self) -> str:
        return self.render(self.checksum_file)

    @property
    def key(self) -> str:
        """Names its work dirs: two components may share a program (versions, arches)."""
        return f"{self.program}-{self.version}-{self.arch}"


def _doc(deb: str, name: str) -> str:
    return f"usr/share/doc/{deb}/{name}"


# The pinned releases, Debian sid's versions; a later one is a one-line change of `version`.
COMPONENTS: tuple[Component, ...] = (
    Component(
        program="node_exporter",
        version="1.11.1",
        debs=("prometheus-node-exporter",),
        repo="prometheus/node_exporter",
        archive="node_exporter-{version}.linux-{arch}.tar.gz",
        top_folder="node_exporter-{version}.linux-{arch}",
        checksum_file="sha256sums.txt",
        members=(
            Member("node_exporter", ("usr/bin/prometheus-node-exporter",), executable=True),
            Member("LICENSE", (_doc("prometheus-node-exporter", "copyright"),)),
            Member("NOTICE", (_doc("prometheus-node-exporter", "NOTICE"),)),
        ),
    ),
    Component(
        program="prometheus",
        version="3.5.3",
        debs=("prometheus", "promtool"),
        repo="prometheus/prometheus",
        archive="prometheus-{version}.linux-{arch}.tar.gz",
        top_folder="prometheus-{version}.linux-{arch}",
        checksum_file="sha256sums.txt",
        members=(
            Member("prometheus", ("usr/bin/prometheus",), executable=True),
            Member("promtool", ("usr/bin/promtool",), executable=True),
            Member(
                "prometheus.yml",
                (_doc("prometheus", "examples/prometheus.yml"), "etc/prometheus/prometheus.yml"),
            ),
            Member("LICENSE", (_doc("prometheus", "copyright"),)),
            Member("NOTICE", (_doc("prometheus", "NOTICE"),)),
        ),
    ),
    Component(
        program="alertmanager",
        version="0.33.1",
        debs=("prometheus-alertmanager",),
        repo="prometheus/alertmanager",
        archive="alertmanager-{version}.linux-{arch}.tar.gz",
        top_folder="alertmanager-{version}.linux-{arch}",
        checksum_file="sha256sums.txt",
        members=(
            Member("alertmanager", ("usr/bin/prometheus-alertmanager",), executable=True),
            Member("amtool", ("usr/bin/amtool",), executable=True),
            Member(
                "alertmanager.yml",
                (
                    _doc("prometheus-alertmanager", "examples/ha/alertmanager.yml"),
                    "etc/prometheus/alertmanager.yml",
                ),
            ),
            Member("LICENSE", (_doc("prometheus-alertmanager", "copyright"),)),
            Member("NOTICE", (_doc("prometheus-alertmanager", "NOTICE"),)),
        ),
    ),
    Component(
        program="blackbox_exporter",
        version="0.28.0",
        debs=("prometheus-blackbox-exporter",),
        repo="prometheus/blackbox_exporter",
        archive="blackbox_exporter-{version}.linux-{arch}.tar.gz",
        top_folder="blackbox_exporter-{version}.linux-{arch}",
        checksum_file="sha256sums.txt",
        members=(
            Member("blackbox_exporter", ("usr/bin/prometheus-blackbox-exporter",), executable=True),
            Member(
                "blackbox.yml",
                (
                    _doc("prometheus-blackbox-exporter", "examples/blackbox.yml"),
                    "etc/prometheus/blackbox.yml",
                ),
            ),
            Member("LICENSE", (_doc("prometheus-blackbox-exporter", "copyright"),)),
            Member("NOTICE", (_doc("prometheus-blackbox-exporter", "NOTICE"),)),
        ),
    ),
    Component(
        program="nginx-prometheus-exporter",
        version="1.5.1",
        debs=("prometheus-nginx-exporter",),
        repo="nginx/nginx-prometheus-exporter",
        archive="nginx-prometheus-exporter_{version}_linux_{arch}.tar.gz",
        top_folder=None,
        checksum_file="nginx-prometheus-exporter_{version}_checksums.txt",
        members=(
            Member(
                "nginx-prometheus-exporter", ("usr/bin/prometheus-nginx-exporter",), executable=True
            ),
            Member("LICENSE", (_doc("prometheus-nginx-exporter", "copyright"),)),
            Member("README.md", (_doc("prometheus-nginx-exporter", "README.md.gz"),)),
            Member(
                "completions/nginx-prometheus-exporter.bash",
                generate=("nginx-prometheus-exporter", "--completion-script-bash"),
            ),
            Member(
                "completions/nginx-prometheus-exporter.zsh",
                generate=("nginx-prometheus-exporter", "--completion-script-zsh"),
            ),
            Member(
                "manpages/nginx-prometheus-exporter.1.gz",
                generate=("nginx-prometheus-exporter", "--help-man"),
                gzip_output=True,
            ),
        ),
    ),
    Component(
        program="redis_exporter",
        version="1.86.0",
        debs=("prometheus-redis-exporter",),
        repo="oliver006/redis_exporter",
        archive="redis_exporter-v{version}.linux-{arch}.tar.gz",
        top_folder="redis_exporter-v{version}.linux-{arch}",
        checksum_file="sha256sums.txt",
        members=(
            Member("redis_exporter", ("usr/bin/prometheus-redis-exporter",), executable=True),
            Member("LICENSE", (_doc("prometheus-redis-exporter", "copyright"),)),
            Member("README.md", (_doc("prometheus-redis-exporter", "README.md.gz"),)),
        ),
    ),
)

# VictoriaMetrics: goreleaser-style archives without a folder, the binaries named
# `<program>-prod`, one checksum file per archive. Debian ships one package with all
# of them; it has no cluster binaries (vminsert, vmselect, vmstorage).
COMPONENTS += (
    Component(
        program="victoria-metrics",
        version="1.145.0",
        debs=("victoria-metrics",),
        repo="VictoriaMetrics/VictoriaMetrics",
        archive="victoria-metrics-linux-{arch}-v{version}.tar.gz",
        top_folder=None,
        checksum_file="victoria-metrics-linux-{arch}-v{version}_checksums.txt",
        members=(Member("victoria-metrics-prod", ("usr/bin/victoria-metrics",), executable=True),),
    ),
    Component(
        program="vmutils",
        version="1.145.0",
        debs=("victoria-metrics",),
        repo="VictoriaMetrics/VictoriaMetrics",
        archive="vmutils-linux-{arch}-v{version}.tar.gz",
        top_folder=None,
        checksum_file="vmutils-linux-{arch}-v{version}_checksums.txt",
        members=tuple(
            Member(f"{tool}-prod", (f"usr/bin/{tool}",), executable=True)
            for tool in (
                "vmagent",
                "vmalert",
                "vmalert-tool",
                "vmauth",
                "vmbackup",
                "vmctl",
                "vmrestore",
            )
        ),
    ),
)


def component_by_program(
    program: str,
    components: Sequence[Component],
    suite: str = CURRENT_SUITE,
    arch: str = NATIVE_ARCH,
) -> Component:
    """The ``arch`` component of ``program`` built from ``suite`` (sid: the pinned release)."""
    for component in components:
        if (component.program, component.suite, component.arch) == (program, suite, arch):
            return component
    raise MirrorError(f"no {arch} component named {program!r} from Debian {suite}")


def _previous(program: str, version: str) -> Component:
    """The pinned component of ``program`` at an older ``version``, from Debian bookworm."""
    return replace(component_by_program(program, COMPONENTS), version=version, suite="bookworm")


# Prometheus 2's archives have consoles (3.0 dropped them), Debian's has them as examples.
_PROMETHEUS_2 = _previous("prometheus", "2.42.0")
_PROMETHEUS_2_CONSOLES = tuple(
    Member(name, (_doc("prometheus", f"examples/{name}"),))
    for name in (
        "console_libraries/menu.lib",
        "console_libraries/prom.lib",
        "consoles/index.html.example",
        "consoles/node-cpu.html",
        "consoles/node-disk.html",
        "consoles/node-overview.html",
        "consoles/node.html",
        "consoles/prometheus-overview.html",
        "consoles/prometheus.html",
    )
)
# nginx-prometheus-exporter 0.x: goreleaser's older defaults (sha256sums.txt, a
# CHANGELOG.md) and Go's flag package, so no completions or man page to generate.
_NGINX_0 = _previous("nginx-prometheus-exporter", "0.11.0")
_NGINX_0_CHANGELOG = Member("CHANGELOG.md", (_doc("prometheus-nginx-exporter", "changelog.gz"),))

# The previous generation, Debian bookworm's versions: upgrade tests, older flag lists.
PREVIOUS: tuple[Component, ...] = (
    _previous("node_exporter", "1.5.0"),
    # bookworm has no promtool package: promtool is in prometheus.
    replace(
        _PROMETHEUS_2, debs=("prometheus",), members=_PROMETHEUS_2.members + _PROMETHEUS_2_CONSOLES
    ),
    _previous("alertmanager", "0.25.0"),
    _previous("blackbox_exporter", "0.23.0"),
    replace(
        _NGINX_0,
        checksum_file="sha256sums.txt",
        members=(*(m for m in _NGINX_0.members if not m.generate), _NGINX_0_CHANGELOG),
    ),
    _previous("redis_exporter", "1.45.0"),
)
COMPONENTS += PREVIOUS

# The pinned releases for arm64 too, from Debian's arm64 builds of the same versions.
ARM64 = tuple(replace(c, arch="arm64") for c in COMPONENTS if c.suite == CURRENT_SUITE)
COMPONENTS += ARM64

# Host-side tools: (program of the component, member of its archive), from sid's amd64.
TOOLS: tuple[tuple[str, str], ...] = (("prometheus", "promtool"), ("alertmanager", "amtool"))

# Test-only accommodation: Debian's Alertmanager reads its notification templates from
# disk instead of embedding them. (program, path inside its .deb, directory below <out>);
# sid's, which bookworm's Alertmanager (0.25) reads as well (they only add templates).
_AM_SHARE = "usr/share/prometheus/alertmanager"
_AM_EXTRAS = "debian-extras/alertmanager"
EXTRAS: tuple[tuple[str, str, str], ...] = (
    ("alertmanager", f"{_AM_SHARE}/default.tmpl", _AM_EXTRAS),
    ("alertmanager", f"{_AM_SHARE}/email.tmpl", _AM_EXTRAS),
)

RECIPE_FILE = ".recipe"
FIXED_MTIME = 1_704_067_200  # 2024-01-01T00:00:00Z, for reproducible archives
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
SOURCES_DIR = Path("/etc/apt/sources.list.d")
SOURCES_LIST = Path("/etc/apt/sources.list")


# --- recipe and expected outputs ---------------------------------------------------------


def recipe_fingerprint(script: bytes, components: Sequence[Component] = COMPONENTS) -> str:
    digest = hashlib.sha256(script)
    digest.update(repr((tuple(components), TOOLS, EXTRAS)).encode())
    return digest.hexdigest()


def release_dir(out: Path, component: Component) -> Path:
    owner, repo = component.repo.split("/")
    return out / owner / repo / "releases" / "download" / component.tag_name


def upstream_url(component: Component, filename: str) -> str:
    return f"https://github.com/{component.repo}/releases/download/{component.tag_name}/{filename}"


def expected_outputs(
    out: Path, tools: Path, components: Sequence[Component] = COMPONENTS
) -> list[Path]:
    paths: list[Path] = []
    for component in components:
        directory = release_dir(out, component)
        paths += [directory / component.archive_name, directory / component.checksum_name]
    paths += [tools / member for _, member in TOOLS]
    paths += [out / subdir / Path(source).name for _, source, subdir in EXTRAS]
    return paths


def is_current(out: Path, fingerprint: str, expected: Iterable[Path]) -> bool:
    recipe = out / RECIPE_FILE
    if not recipe.is_file() or recipe.read_text().strip() != fingerprint:
        return False
    return all(path.is_file() for path in expected)


# --- apt sources ---------------------------------------------------------------------------


def _wanted_uri(uri: str) -> bool:
    return "security" not in uri and not uri.startswith("cdrom:")


def parse_deb822_uris(text: str) -> list[str]:
    """URIs of enabled ``deb`` stanzas of a deb822 ``.sources`` file, minus security ones."""
    uris: list[str] = []
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line or line[:1].isspace():
                continue
            key, value = line.split(":", 1)
            fields[key.strip().lower()] = value.strip()
        if "deb" not in fields.get("types", "").split():
            continue
        if fields.get("enabled", "yes").lower() == "no":
            continue
        uris += [uri for uri in fields.get("uris", "").split() if _wanted_uri(uri)]
    return uris


def parse_sources_list_uris(text: str) -> list[str]:
    """URIs of ``deb`` lines of a one-line-style ``sources.list``, minus security ones."""
    uris: list[str] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        line = re.sub(r"\[[^\]]*\]", " ", line)
        words = line.split()
        if len(words) >= 2 and words[0] == "deb" and _wanted_uri(words[1]):
            uris.append(words[1])
    return uris


def host_mirror_uris(
    sources_dir: Path = SOURCES_DIR, sources_list: Path = SOURCES_LIST
) -> list[str]:
    uris: list[str] = []
    if sources_dir.is_dir():
        for path in sorted(sources_dir.glob("*.sources")):
            uris += parse_deb822_uris(path.read_text())
        for path in sorted(sources_dir.glob("*.list")):
            uris += parse_sources_list_uris(path.read_text())
    if sources_list.is_file():
        uris += parse_sources_list_uris(sources_list.read_text())
    unique = list(dict.fromkeys(uri.rstrip("/") for uri in uris))
    if not unique:
        raise MirrorError("no Debian mirror URI found in /etc/apt/sources.list{,.d}")
    return unique


def suite_sources(uris: Sequence[str], suite: str) -> str:
    """One deb822 stanza: ``suite``'s main component from this machine's mirrors."""
    fields = {
        "Types": "deb",
        "URIs": " ".join(uris),
        "Suites": suite,
        "Components": "main",
        "Signed-By": KEYRING,
    }
    return "".join(f"{key}: {value}\n" for key, value in fields.items())


def suites(components: Sequence[Component]) -> list[str]:
    return list(dict.fromkeys(component.suite for component in components))


# --- apt -----------------------------------------------------------------------------------


def apt_options(root: Path) -> list[str]:
    options = {
        "Dir::Etc::SourceList": "/dev/null",
        "Dir::Etc::SourceParts": str(root / "etc"),
        "Dir::Etc::Preferences": "/dev/null",
        "Dir::Etc::PreferencesParts": str(root / "preferences.d"),
        "Dir::State::Lists": str(root / "lists"),
        "Dir::Cache": str(root / "cache"),
        "Dir::State::status": "/dev/null",
        "APT::Architecture": NATIVE_ARCH,
        "APT::Architectures": ",".join(ARCHITECTURES),
        "Acquire::Languages": "none",
    }
    if os.geteuid() == 0:
        # The private tree lives in a 0700 temp dir that apt's _apt user cannot enter.
        options["APT::Sandbox::User"] = "root"
    return [arg for key, value in options.items() for arg in ("-o", f"{key}={value}")]


def prepare_apt_tree(root: Path, uris: Sequence[str], wanted_suites: Sequence[str]) -> None:
    for sub in ("etc", "preferences.d", "lists/partial", "cache/archives/partial", "debs"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for suite in wanted_suites:
        (root / "etc" / f"{suite}.sources").write_text(suite_sources(uris, suite))


def run(cmd: Sequence[str], cwd: Path | None = None) -> str:
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise MirrorError(f"command failed ({result.returncode}): {' '.join(cmd)}\n{result.stderr}")
    return result.stdout


Available = dict[tuple[str, str], list[str]]


def madison_versions(madison_output: str) -> Available:
    """Map (package, suite) -> versions (newest first) from ``apt-cache madison PKG...``.

    A line: `` prometheus | 2.42.0+ds-5+deb12u1 | http://... bookworm/main amd64 Packages``.
    A version listed for two architectures is listed once.
    """
    available: Available = {}
    for line in madison_output.splitlines():
        fields = [field.strip() for field in line.split("|")]
        if len(fields) != 3 or not fields[2].endswith(" Packages"):
            continue
        package, version, source = fields
        suite = source.split()[1].split("/", 1)[0]
        versions = available.setdefault((package, suite), [])
        if version not in versions:
            versions.append(version)
    return available


def upstream_version(debian_version: str) -> str:
    """``1:3.5.3+ds1-6`` -> ``3.5.3``: drop epoch, Debian revision and repack suffix."""
    version = debian_version.split(":", 1)[-1]
    if "-" in version:
        version = version.rsplit("-", 1)[0]
    return re.split(r"[+~]", version, maxsplit=1)[0]


def pin_version(package: str, wanted: str, suite: str, found: Sequence[str]) -> str:
    """The newest of ``suite``'s versions of ``package`` whose upstream part is ``wanted``."""
    if not found:
        raise MirrorError(f"{package}: not found in Debian {suite} (wanted upstream {wanted})")
    for version in found:
        if upstream_version(version) == wanted:
            return version
    raise MirrorError(
        f"{package}: wanted upstream version {wanted}, Debian {suite} has {', '.join(found)} "
        f"(upstream {', '.join(upstream_version(v) for v in found)}); "
        f"update COMPONENTS in {Path(__file__).name}"
    )


def wanted_debs(components: Sequence[Component]) -> dict[tuple[str, str, str], str]:
    """Map (package, upstream version, arch) -> the suite to take it from."""
    wanted: dict[tuple[str, str, str], str] = {}
    for component in components:
        for package in component.debs:
            key = (package, component.version, component.arch)
            suite = wanted.setdefault(key, component.suite)
            if suite != component.suite:
                raise MirrorError(
                    f"{package} {component.version}: wanted from both {suite} and {component.suite}"
                )
    return wanted


def deb_file_name(package: str, version: str, arch: str) -> str:
    """The file ``apt-get download`` saves (an epoch's colon is ``%3a``)."""
    return f"{package}_{version.replace(':', '%3a')}_{arch}.deb"


def fetch_debs(root: Path, components: Sequence[Component]) -> dict[tuple[str, str, str], Path]:
    """Download every component's .debs (pinned) into ``root/debs``.

    Map (package, upstream version, arch) -> file: a package may be wanted at two
    versions and two architectures. The version is pinned per (package, suite) from
    apt's native architecture: every architecture gets the same Debian version.
    """
    options = apt_options(root)
    run(["apt-get", *options, "update"])
    wanted = wanted_debs(components)
    packages = sorted({package for package, _, _ in wanted})
    available = madison_versions(run(["apt-cache", *options, "madison", *packages]))
    pins = {
        (package, upstream, arch): pin_version(
            package, upstream, suite, available.get((package, suite), [])
        )
        for (package, upstream, arch), suite in wanted.items()
    }
    debs = root / "debs"
    run(
        ["apt-get", *options, "download", *(f"{p}:{a}={v}" for (p, _, a), v in pins.items())],
        cwd=debs,
    )
    return {
        (package, upstream, arch): _single(debs.glob(deb_file_name(package, version, arch)))
        for (package, upstream, arch), version in pins.items()
    }


def _single(paths: Iterable[Path]) -> Path:
    found = sorted(paths)
    if len(found) != 1:
        raise MirrorError(f"expected exactly one downloaded .deb, found {found}")
    return found[0]


def unpack_debs(debs: Iterable[Path], tree: Path) -> None:
    tree.mkdir(parents=True, exist_ok=True)
    for deb in debs:
        run(["dpkg-deb", "-x", str(deb), str(tree)])


# --- staging an archive's members -----------------------------------------------------------


def placeholder_text(component: Component, member: Member) -> bytes:
    packages = ", ".join(component.debs)
    return (
        f"{member.name} of {component.program} {component.version}\n\n"
        f"Debian's package ({packages}) does not ship this file. This archive was built\n"
        "from Debian's package for tests only; it is not an upstream release.\n"
    ).encode()


def find_source(tree: Path, member: Member) -> Path | None:
    return next((tree / src for src in member.sources if (tree / src).is_file()), None)


def run_bytes(cmd: Sequence[str]) -> bytes:
    result = subprocess.run(cmd, capture_output=True, check=False)
    if result.returncode != 0:
        raise MirrorError(f"command failed ({result.returncode}): {' '.join(cmd)}")
    return result.stdout


def generate_output(stage: Path, member: Member) -> bytes:
    program, *args = member.generate
    data = run_bytes([str(stage / program), *args])
    return gzip.compress(data, compresslevel=9, mtime=0) if member.gzip_output else data


def write_member(
    stage: Path, member: Member, tree: Path, component: Component, generated: Path | None
) -> None:
    """Write one member; a generated one is copied from the stage ``generated``, if given."""
    target = stage / member.name
    target.parent.mkdir(parents=True, exist_ok=True)
    source = find_source(tree, member)
    if member.generate and generated is not None:
        shutil.copyfile(generated / member.name, target)
    elif member.generate:
        target.write_bytes(generate_output(stage, member))
    elif source is None and member.executable:
        raise MirrorError(f"{component.program}: {member.name} not found, tried {member.sources}")
    elif source is None:
        target.write_bytes(placeholder_text(component, member))
    elif source.suffix == ".gz" and not member.name.endswith(".gz"):
        target.write_bytes(gzip.decompress(source.read_bytes()))
    else:
        shutil.copyfile(source, target)
    target.chmod(0o755 if member.executable else 0o644)


def stage_component(
    tree: Path, component: Component, stage: Path, generated: Path | None = None
) -> None:
    """Lay out the archive's members under ``stage`` (generated members last).

    ``generated``: the stage to copy generated members from instead of running a binary
    (one this machine cannot run: another architecture's).
    """
    stage.mkdir(parents=True, exist_ok=True)
    ordered = sorted(component.members, key=lambda member: bool(member.generate))
    for member in ordered:
        write_member(stage, member, tree, component, generated)


# --- reproducible archives and checksums ----------------------------------------------------


def archive_entries(stage: Path, top: str | None) -> list[tuple[str, Path]]:
    """(name in archive, path on disk), sorted; directories only under a top folder.

    Upstream Prometheus tarballs are ``tar -czf`` of a directory (directory entries
    included); goreleaser archives without a folder list files only.
    """
    entries: list[tuple[str, Path]] = []
    if top is not None:
        entries.append((top, stage))
    for path in sorted(stage.rglob("*")):
        relative = path.relative_to(stage).as_posix()
        if path.is_dir() and top is None:
            continue
        entries.append((relative if top is None else f"{top}/{relative}", path))
    return sorted(entries, key=lambda entry: entry[0])


def tar_info(name: str, path: Path) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.mtime = FIXED_MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if path.is_dir():
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
    else:
        info.size = path.stat().st_size
        info.mode = 0o755 if path.stat().st_mode & 0o111 else 0o644
    return info


def write_tar_gz(entries: Sequence[tuple[str, Path]], dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    with (
        partial.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as tar,
    ):
        for name, path in entries:
            _add_entry(tar, tar_info(name, path), path)
    partial.replace(dest)


def _add_entry(tar: tarfile.TarFile, info: tarfile.TarInfo, path: Path) -> None:
    if info.isdir():
        tar.addfile(info)
        return
    with path.open("rb") as handle:
        tar.addfile(info, handle)


def sha256_file(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def checksum_line(sha256: str, filename: str) -> str:
    """One line as ``sha256sum`` prints it: digest, two spaces, file name."""
    return f"{sha256}  {filename}\n"


def checksum_text(entries: Iterable[tuple[str, str]]) -> str:
    return "".join(checksum_line(sha, name) for name, sha in sorted(entries))


def write_text_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text)
    partial.replace(path)


def tree_dir(work: Path, component: Component) -> Path:
    """Where a component's .debs are unpacked."""
    return work / "tree" / component.key


def stage_dir(work: Path, component: Component) -> Path:
    """Where a component's members are laid out (inside its top folder, if any)."""
    root = work / "stage" / component.key
    return root if component.top is None else root / component.top


def build_archive(
    tree: Path, component: Component, out: Path, work: Path, generated: Path | None = None
) -> tuple[Path, str]:
    """Stage and archive one component; return (archive path, sha256)."""
    stage = stage_dir(work, component)
    stage_component(tree, component, stage, generated)
    archive = release_dir(out, component) / component.archive_name
    write_tar_gz(archive_entries(stage, component.top), archive)
    return archive, sha256_file(archive)


def write_checksums(out: Path, built: Iterable[tuple[Component, str]]) -> None:
    """Write each checksum file once, listing all its release's archives (both arches)."""
    files: dict[Path, list[tuple[str, str]]] = {}
    for component, sha in built:
        path = release_dir(out, component) / component.checksum_name
        files.setdefault(path, []).append((component.archive_name, sha))
    for path, entries in files.items():
        write_text_atomic(path, checksum_text(entries))


# --- tools and extras -----------------------------------------------------------------------


def install_file(source: Path, dest: Path, mode: int) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    shutil.copyfile(source, partial)
    partial.chmod(mode)
    partial.replace(dest)


def install_tools(work: Path, tools: Path, components: Sequence[Component]) -> None:
    for program, member in TOOLS:
        stage = stage_dir(work, component_by_program(program, components))
        install_file(stage / member, tools / member, 0o755)


def install_extras(work: Path, out: Path, components: Sequence[Component]) -> None:
    for program, source, subdir in EXTRAS:
        path = tree_dir(work, component_by_program(program, components)) / source
        if not path.is_file():
            raise MirrorError(f"{program}: {source} not found in its Debian package")
        install_file(path, out / subdir / path.name, 0o644)


# --- main -----------------------------------------------------------------------------------


def build(out: Path, tools: Path, fingerprint: str, components: Sequence[Component]) -> None:
    (out / RECIPE_FILE).unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="build-mirror-") as tmp:
        work = Path(tmp)
        prepare_apt_tree(work / "apt", host_mirror_uris(), suites(components))
        debs = fetch_debs(work / "apt", components)

        def one(component: Component) -> tuple[Path, str]:
            tree = tree_dir(work, component)
            keys = ((package, component.version, component.arch) for package in component.debs)
            unpack_debs((debs[key] for key in keys), tree)
            twin = replace(component, arch=NATIVE_ARCH)  # same program and version
            generated = None if component == twin else stage_dir(work, twin)
            return build_archive(tree, component, out, work, generated)

        # dpkg-deb and zlib release the GIL: threads use every core. The other
        # architectures come second: they copy generated members from the native stages.
        native = [c for c in components if c.arch == NATIVE_ARCH]
        others = [c for c in components if c.arch != NATIVE_ARCH]
        built: list[tuple[Component, str]] = []
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            for group in (native, others):
                for component, (archive, sha) in zip(group, pool.map(one, group), strict=True):
                    print(f"{sha}  {archive}")
                    built.append((component, sha))
        write_checksums(out, built)
        install_tools(work, tools, components)
        install_extras(work, out, components)
    write_text_atomic(out / RECIPE_FILE, fingerprint + "\n")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path(".cache/mirror"), help="mirror root")
    parser.add_argument("--tools", type=Path, default=Path(".cache/bin"), help="promtool, amtool")
    parser.add_argument("--force", action="store_true", help="rebuild even when current")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    out: Path = args.out
    tools: Path = args.tools
    fingerprint = recipe_fingerprint(Path(__file__).read_bytes())
    if not args.force and is_current(out, fingerprint, expected_outputs(out, tools)):
        print("mirror is current")
        return 0
    try:
        build(out, tools, fingerprint, COMPONENTS)
    except MirrorError as error:
        print(f"build_mirror: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
