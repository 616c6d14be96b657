# Copyright: (c) 2026, Plugspace platform team <platform@plugspace.io>
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The previous versions of a service's files: kept by file_set, put back by lifecycle.

file_set keeps every file it replaces or removes (a hard link, or a copy across
filesystems) in a root-only folder and lists them as ``backups``: each entry's
``path`` is the live file, ``saved`` the previous version (None: the file is new).
lifecycle puts them back when the service fails with the new ones.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path
from typing import Any


def _copy(src: str, dst: str) -> None:
    """Copy with content, mode, times and owner (a hard link cannot cross filesystems)."""
    info = Path(src).stat()
    shutil.copy2(src, dst)
    os.chown(dst, info.st_uid, info.st_gid)


def keep(live: str, saved: str) -> str | None:
    """Keep live's current version at saved; None when live does not exist."""
    if not Path(live).exists():
        return None
    try:
        os.link(live, saved)
    except OSError as error:
        if error.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
            raise
        _copy(live, saved)
    return saved


def move(src: str, dst: str) -> None:
    """Rename src over dst, copying when they are on different filesystems."""
    try:
        Path(src).replace(dst)
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        temp = f"{dst}.restoring"
        _copy(src, temp)
        Path(temp).replace(dst)
        Path(src).unlink()


def put_back(entries: list[dict[str, Any]]) -> list[str]:
    """Undo a run: previous versions return, new files go (last first); the paths touched."""
    touched = []
    for entry in reversed(entries):
        path, saved = str(entry["path"]), entry.get("saved")
        if saved:
            move(str(saved), path)
        else:
            Path(path).unlink(missing_ok=True)
        touched.append(path)
    return touched


def prepare(folder: str) -> Path:
    """The backup folder, root-only and emptied of an earlier run's backups."""
    path = Path(folder)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    for old in path.iterdir():
        if old.is_file() or old.is_symlink():
            old.unlink()
    return path


def forget(entries: list[dict[str, Any]]) -> None:
    """Drop the kept versions once the service is proven to work with the new files."""
    for entry in entries:
        if entry.get("saved"):
            Path(str(entry["saved"])).unlink(missing_ok=True)
