"""Filters for installing release binaries: Go architecture names, cache checks, files to push."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

GOARCH = {
    "x86_64": "amd64",
    "amd64": "amd64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "armv7l": "armv7",
    "armv6l": "armv6",
    "i386": "386",
    "i686": "386",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
    "riscv64": "riscv64",
}


def goarch(machine: str) -> str:
    """Map a kernel machine name (``ansible_facts['architecture']``) to Go's GOARCH."""
    try:
        return GOARCH[machine]
    except KeyError:
        raise ValueError(
            f"unsupported architecture {machine!r}: expected one of {sorted(GOARCH)}"
        ) from None


def release_arches(machines: Iterable[str], names: Mapping[str, str] | None = None) -> list[str]:
    """The distinct architectures of the given kernel machine names, sorted, in the release's names.

    ``names`` maps a machine name to the release's name for it (a package's own
    names); empty, Go's names (``goarch``) are used. Empty machine names (hosts
    whose facts are not gathered yet) are left out.
    """
    machines = [machine for machine in machines if machine]
    if not names:
        return sorted({goarch(machine) for machine in machines})
    try:
        return sorted({names[machine] for machine in machines})
    except KeyError as missing:
        raise ValueError(
            f"no release architecture for {missing} (known: {sorted(names)})"
        ) from None


def unpacked_missing(
    arches: Iterable[str], cache: str, archive_dir: str, binaries: Iterable[str]
) -> list[str]:
    """The architectures whose binaries are not all unpacked in the controller's cache.

    ``archive_dir`` is the archive's top folder with ``{arch}`` for the architecture;
    an architecture's files live in ``<cache>/<arch>/<archive_dir>/``. Only a
    verified archive is ever unpacked there, so what is present needs no new
    download or checksum.
    """
    wanted = list(binaries)
    return [
        arch
        for arch in arches
        if not all(
            (Path(cache) / arch / archive_dir.replace("{arch}", arch) / name).is_file()
            for name in wanted
        )
    ]


def release_files(binaries: Iterable[str], src_dir: str, dest_dir: str) -> list[dict[str, Any]]:
    """plugspace.monitoring.file_set entries installing each binary from src_dir to dest_dir."""
    return [
        {"src": f"{src_dir}/{name}", "dest": f"{dest_dir}/{name}", "mode": "0755", "restart": True}
        for name in binaries
    ]


class FilterModule:
    """Ansible filters of plugspace.monitoring for release installs."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "goarch": goarch,
            "release_arches": release_arches,
            "unpacked_missing": unpacked_missing,
            "release_files": release_files,
        }
