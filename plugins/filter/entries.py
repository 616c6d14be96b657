"""Build plugspace.monitoring.file_set entries from names and contents."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


def file_entries(
    pairs: Iterable[tuple[str, str]] | dict[str, str], directory: str, **attrs: Any
) -> list[dict[str, Any]]:
    """One file_set entry per (name, content) pair, written into directory with attrs.

    ``{'a.yml': 'x'} | plugspace.monitoring.file_entries('/etc/p', mode='0640')`` gives
    ``[{'dest': '/etc/p/a.yml', 'content': 'x', 'mode': '0640'}]``. Names must be plain
    file names, so an entry can never land outside directory.
    """
    items = pairs.items() if isinstance(pairs, dict) else pairs
    entries = []
    for name, content in items:
        if not name or "/" in name or name in (".", ".."):
            raise ValueError(f"{name!r} is not a plain file name")
        entries.append({"dest": f"{directory.rstrip('/')}/{name}", "content": content, **attrs})
    return entries


class FilterModule:
    """Ansible filters of plugspace.monitoring for file_set entries."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"file_entries": file_entries}
