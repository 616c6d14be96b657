"""Action for plugspace.monitoring.file_set: send checksums, transfer only the files that differ."""

from __future__ import annotations

import copy
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.hashing import checksum

MODULE = "plugspace.monitoring.file_set"


def checksum_cache_dir() -> Path:
    """Where controller checksums are remembered (the user's cache, never the source tree)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "plugspace.monitoring" / "checksums"


def cached_checksum(path: str, cache_dir: Path | None = None) -> str:
    """The SHA-1 of a controller file, computed once per size and mtime.

    Each host's task runs in its own worker process, so without this a run over
    N hosts would hash every binary N times on the controller.
    """
    info = Path(path).stat()
    key = f"{info.st_size}:{info.st_mtime_ns}"
    folder = cache_dir or checksum_cache_dir()
    entry = folder / hashlib.sha1(str(Path(path).resolve()).encode()).hexdigest()
    try:
        stored_key, digest = entry.read_text(encoding="ascii").split()
        if stored_key == key:
            return digest
    except (OSError, ValueError):
        pass
    digest = str(checksum(path))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=folder)
        with os.fdopen(handle, "w", encoding="ascii") as out:
            out.write(f"{key} {digest}\n")
        Path(temp).replace(entry)
    except OSError:
        pass  # a read-only cache only costs the hashing
    return digest


def module_files(files: list[dict[str, Any]], sums: dict[int, str]) -> list[dict[str, Any]]:
    """The module's view: src becomes a checksum, secret content a no_log value."""
    out = []
    for index, spec in enumerate(files):
        item = {k: v for k, v in spec.items() if k not in ("src", "secret")}
        if index in sums:
            item["checksum"] = sums[index]
        if spec.get("secret") and "content" in item:
            item["secret_content"] = item.pop("content")
        out.append(item)
    return out


def merge(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """One result from the comparing run (account, directories) and the run of the whole set."""
    merged = dict(second)
    merged.pop("upload", None)
    merged["changed"] = bool(first.get("changed") or second.get("changed"))
    merged["restart"] = bool(first.get("restart") or second.get("restart"))
    merged["changed_paths"] = list(first.get("changed_paths", [])) + list(
        second.get("changed_paths", [])
    )
    return merged


class ActionModule(ActionBase):  # type: ignore[misc]  # ansible ships no type hints
    """Run file_set once; transfer the controller files the host lacks, then place them."""

    # Files are transferred only when the host lacks them: no temporary
    # directory is made up front (that would cost three round trips per run).
    TRANSFERS_FILES = False

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        super().run(tmp, task_vars)
        return self.converge_files(dict(self._task.args), task_vars)

    def converge_files(
        self, task_args: dict[str, Any], task_vars: dict[str, Any] | None
    ) -> dict[str, Any]:
        """One file_set run on the host (two when controller files must be transferred)."""
        args = copy.deepcopy(task_args)
        files: list[dict[str, Any]] = list(args.get("files") or [])
        if not isinstance(files, list) or not all(isinstance(f, dict) for f in files):
            raise AnsibleActionFail("files must be a list of dicts")
        local: dict[int, str] = {}
        for index, spec in enumerate(files):
            if spec.get("src"):
                if "content" in spec:
                    raise AnsibleActionFail(
                        f"files[{index}] ({spec.get('dest')}): set content or src, not both"
                    )
                local[index] = self._find_needle("files", spec["src"])
        sums = {index: cached_checksum(path) for index, path in local.items()}
        args["files"] = module_files(files, sums)
        result: dict[str, Any] = self._execute_module(MODULE, module_args=args, task_vars=task_vars)
        try:
            upload = result.get("upload") or []
            if result.get("failed") or not upload or self._task.check_mode:
                return result
            if not self._connection._shell.tmpdir:
                self._make_tmp_path()
            tmpdir = self._connection._shell.tmpdir
            # The host lacks these controller files: transfer them, then run the whole
            # set again, so that its stages go live in order (binaries first).
            again = copy.deepcopy(args)
            for index in upload:
                remote = self._connection._shell.join_path(tmpdir, f"file_set_{index}")
                self._transfer_file(local[index], remote)
                again["files"][index]["upload"] = remote
            uploads = [again["files"][index]["upload"] for index in upload]
            self._fixup_perms2([tmpdir, *uploads])
            placed = self._execute_module(MODULE, module_args=again, task_vars=task_vars)
            return merge(result, placed)
        finally:
            if self._connection._shell.tmpdir:
                self._remove_tmp_path(self._connection._shell.tmpdir)
