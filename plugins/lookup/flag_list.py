# Copyright: (c) 2026, Plugspace platform team <platform@plugspace.io>
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The flag list of a pinned release, read from the role's files/flags."""

from __future__ import annotations

DOCUMENTATION = r"""
---
name: flag_list
author: Plugspace platform team (@plugspace)
short_description: The flag list of a release, from the role's files/flags
version_added: "0.1.0"
description:
  - Reads C(files/flags/<program>-<version>.yml) from the role's files search path (made by
    C(python -m tools.flag_lists) from the release's C(--help)) and returns it as a mapping
    (C(program), C(version), C(syntax), C(flags), ...), for
    P(plugspace.monitoring.input_problems#filter).
  - A version without a list gives an empty mapping, so that only the form of its flags is checked.
options:
  _terms:
    description: The program (its binary's name, e.g. C(node_exporter)), then its version (no C(v)).
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: The pinned node_exporter's flags and collectors
  ansible.builtin.debug:
    msg: "{{ lookup('plugspace.monitoring.flag_list', 'node_exporter', node_exporter_version) }}"
"""

RETURN = r"""
_raw:
  description: The flag list as one mapping; empty when the version has none.
  type: list
  elements: dict
"""

from pathlib import Path
from typing import Any

import yaml
from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase


def flag_list_path(program: str, version: str) -> str | None:
    """Where a release's flag list sits below a role's files/; None for a value that names
    no file (the role's own checks tell the user about a bad version)."""
    if not program or not version or "/" in program + version:
        return None
    return f"flags/{program}-{version}.yml"


# libyaml's loader when PyYAML has it: ten times faster on a flag list (1 ms, not
# 11), and read once per host and component on every run.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_flag_list(text: str, source: str) -> dict[str, Any]:
    """The list's mapping; a file that is not one names itself."""
    data = yaml.load(text, Loader=SAFE_LOADER) if text.strip() else {}  # a safe loader
    if not isinstance(data, dict):
        raise AnsibleLookupError(f"{source} is not a mapping: regenerate it with tools.flag_lists")
    return data


class LookupModule(LookupBase):  # type: ignore[misc]  # ansible ships no type hints
    def run(
        self, terms: list[Any], variables: dict[str, Any] | None = None, **kwargs: Any
    ) -> list[dict[str, Any]]:
        if len(terms) != 2:
            raise AnsibleLookupError("flag_list takes two terms: the program and its version")
        relative = flag_list_path(str(terms[0]), str(terms[1]))
        found = relative and self.find_file_in_search_path(
            variables or {}, "files", relative, ignore_missing=True
        )
        if not found:
            return [{}]
        return [parse_flag_list(Path(found).read_text(encoding="utf-8"), found)]
