#!/usr/bin/python
"""Converge a service's account, directories and files in one round trip."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: file_set
short_description: Converge a service's account, directories and files in one round trip
version_added: "1.0.0"
description:
  - Ensures a system group and user, a list of directories and a list of files, and
    optionally removes files no longer managed from given directories, in a single module
    run. On a converged host that is one round trip instead of one per file, which is what
    makes a no-op run of the roles fast.
  - A file is replaced only when its content, owner, group or mode differ. New content is
    written to a temporary file next to the destination, validated there, and moved into
    place atomically. Every validator of the set runs before any file is replaced, so a
    refused file leaves every file as it was.
  - Files copied from the controller (O(files[].src)) are compared by checksum first and
    transferred only when they differ.
  - Supports check mode (validators still run when the host has them) and diff mode.
    Content marked O(files[].secret) never appears in diffs or task output.
  - Runs through the action plugin of the same name, which checksums and transfers the
    controller's files.
author: plugspace
options:
  account:
    description: A system group and system user (no login shell, no home) ensured first.
    type: dict
    suboptions:
      user:
        description: The user name; without it only the group is ensured.
        type: str
      group:
        description: Its primary group, created as a system group when missing.
        type: str
        required: true
      groups:
        description: Supplementary groups (they must exist); added to, never removed from.
        type: list
        elements: str
        default: []
      comment:
        description: The GECOS comment.
        type: str
        default: ""
      home:
        description: The home directory (not created).
        type: str
        default: /nonexistent
      shell:
        description: The login shell.
        type: str
        default: /usr/sbin/nologin
  directories:
    description: Directories to ensure, in order (missing parents are created root-owned).
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: The directory.
        type: path
        required: true
      owner:
        description: Its owner.
        type: str
        default: root
      group:
        description: Its group.
        type: str
        default: root
      mode:
        description: Its mode, as an octal string.
        type: str
        default: "0755"
  files:
    description: Files to ensure, in order; each has O(files[].content) or O(files[].src).
    type: list
    elements: dict
    default: []
    suboptions:
      dest:
        description: The destination; its directory must exist or be in O(directories).
        type: path
        required: true
      content:
        description: The file's text.
        type: str
      src:
        description:
          - A file on the controller, looked up like the copy module's C(src).
          - The action plugin sends its checksum and transfers it only when it differs.
        type: path
      secret:
        description: The content is secret, a no_log value never shown in a diff.
        type: bool
        default: false
      owner:
        description: The file's owner.
        type: str
        default: root
      group:
        description: The file's group.
        type: str
        default: root
      mode:
        description: The file's mode, as an octal string.
        type: str
        default: "0644"
      validate:
        description: A command checking the new file before it goes live; C(%s) is its path.
        type: str
      restart:
        description: A change to this file means the service must restart (see RV(restart)).
        type: bool
        default: false
      validate_after_set:
        description:
          - Validate this file after the other files of the set are in place (a main config
            whose validator reads the files it references). When it is refused, the other
            files stay in place and this one is not replaced.
        type: bool
        default: false
  service:
    description:
      - A systemd unit to report on (RV(service_state)), so the caller can skip its start
        task when nothing changed and the unit is already active and enabled.
    type: str
  purge:
    description: Directories whose files not listed in O(files) are removed (not recursive).
    type: list
    elements: path
    default: []
"""

EXAMPLES = r"""
- name: Write the service's account, directories, binaries and config
  plugspace.monitoring.file_set:
    account: {user: prometheus, group: prometheus, comment: Prometheus}
    directories:
      - {path: /etc/prometheus, group: prometheus, mode: "0750"}
    files:
      - src: /var/cache/plugspace/prometheus
        dest: /usr/local/bin/prometheus
        mode: "0755"
      - content: "{{ lookup('ansible.builtin.template', 'prometheus.yml.j2') }}"
        dest: /etc/prometheus/prometheus.yml
        group: prometheus
        mode: "0640"
        validate: /usr/local/bin/promtool check config %s
        validate_after_set: true
  register: __written
"""

RETURN = r"""
changed_paths:
  description:
    - The paths created, replaced, re-permissioned or removed.
    - C(group:NAME) and C(user:NAME) for changes to the account.
  returned: always
  type: list
  elements: str
restart:
  description: Whether a file marked O(files[].restart), or the account, changed.
  returned: always
  type: bool
service_state:
  description: Whether the O(service) unit is known to systemd (loaded), active and enabled.
  returned: when O(service) is set
  type: dict
  sample: {loaded: true, active: true, enabled: true}
upload:
  description: Indexes into O(files) of controller files the host lacks (for the action plugin).
  returned: when a file given by O(files[].src) differs
  type: list
  elements: int
"""

import grp
import hashlib
import os
import pwd
import shlex
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ansible.module_utils.basic import AnsibleModule

DIFF_LIMIT = 256 * 1024


@dataclass
class Staged:
    """A file whose new content waits in a temporary file next to its destination."""

    index: int
    dest: str
    temp: str
    spec: dict[str, Any]


@dataclass
class Outcome:
    """What a run changed, would change, or must fetch first."""

    changed: list[str] = field(default_factory=list)
    restart: bool = False
    diff: list[dict[str, str]] = field(default_factory=list)
    upload: list[int] = field(default_factory=list)


def sha1_of(path: str) -> str | None:
    """The SHA-1 of a regular file (ansible's own checksum), or None when there is none."""
    try:
        with Path(path).open("rb") as handle:
            digest = hashlib.sha1()
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def text_of(path: str) -> str:
    """The current text of a file for a diff ('' when absent, binary or large)."""
    try:
        if Path(path).stat().st_size > DIFF_LIMIT:
            return ""
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def ids(owner: str, group: str) -> tuple[int, int] | None:
    """Numeric owner and group, or None when either does not exist (yet)."""
    try:
        return pwd.getpwnam(owner).pw_uid, grp.getgrnam(group).gr_gid
    except KeyError:
        return None


def attrs_differ(path: str, wanted: tuple[int, int] | None, mode: int) -> bool:
    """True when path's owner, group or permission bits are not the wanted ones."""
    info = Path(path).lstat()
    owned = (info.st_uid, info.st_gid) == wanted
    return not owned or stat.S_IMODE(info.st_mode) != mode


def account_commands(account: dict[str, Any]) -> list[list[str]]:
    """The groupadd/useradd/usermod commands that make the account match (none when it does)."""
    user, group = account["user"], account["group"]
    commands: list[list[str]] = []
    try:
        gid: int | None = grp.getgrnam(group).gr_gid
    except KeyError:
        commands.append(["groupadd", "--system", group])
        gid = None
    if user is None:
        return commands
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        add = ["useradd", "--system", "--gid", group, "--no-create-home"]
        add += ["--home-dir", account["home"], "--shell", account["shell"]]
        add += ["--comment", account["comment"]]
        if account["groups"]:
            add += ["--groups", ",".join(account["groups"])]
        return [*commands, [*add, user]]
    change: list[str] = []
    if entry.pw_gid != gid:
        change += ["--gid", group]
    if entry.pw_dir != account["home"]:
        change += ["--home", account["home"]]
    if entry.pw_shell != account["shell"]:
        change += ["--shell", account["shell"]]
    if entry.pw_gecos != account["comment"]:
        change += ["--comment", account["comment"]]
    member_of = {g.gr_name for g in grp.getgrall() if user in g.gr_mem}
    missing = [g for g in account["groups"] if g not in member_of]
    if missing:
        change += ["--append", "--groups", ",".join(missing)]
    if change:
        commands.append(["usermod", *change, user])
    return commands


def fail_ids(module: AnsibleModule, path: str, spec: dict[str, Any]) -> None:
    module.fail_json(msg=f"{path}: owner {spec['owner']} or group {spec['group']} does not exist")


def ensure_account(module: AnsibleModule, account: dict[str, Any], outcome: Outcome) -> None:
    for command in account_commands(account):
        kind = "group" if command[0] == "groupadd" else "user"
        outcome.changed.append(f"{kind}:{command[-1]}")
        outcome.restart = True
        if module.check_mode:
            continue
        rc, _out, err = module.run_command(command)
        if rc != 0:
            msg = f"{command[0]} failed for {command[-1]}: {err.strip()}"
            module.fail_json(msg=msg, changed_paths=outcome.changed)


def ensure_directory(module: AnsibleModule, spec: dict[str, Any], outcome: Outcome) -> None:
    path, mode = Path(spec["path"]), int(spec["mode"], 8)
    wanted = ids(spec["owner"], spec["group"])
    exists = path.is_dir()
    if exists and not attrs_differ(str(path), wanted, mode):
        return
    outcome.changed.append(str(path))
    if module.check_mode:
        return
    if wanted is None:
        fail_ids(module, str(path), spec)
        return
    path.mkdir(mode=0o755, parents=True, exist_ok=True)
    os.chown(path, *wanted)
    path.chmod(mode)


def stage(
    dest: str, source: str | None, data: bytes | None, wanted: tuple[int, int], mode: int
) -> str:
    """Write the new file next to dest (same filesystem), with its final owner and mode."""
    target = Path(dest)
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            if source is not None:
                with Path(source).open("rb") as src:
                    shutil.copyfileobj(src, out, 1 << 20)
            else:
                out.write(data or b"")
            out.flush()
            os.fsync(out.fileno())
        os.chown(temp, *wanted)
        Path(temp).chmod(mode)
    except BaseException:
        Path(temp).unlink()
        raise
    return temp


def fix_attrs(module: AnsibleModule, spec: dict[str, Any], wanted: tuple[int, int] | None) -> None:
    """Give an up-to-date file its owner, group and mode."""
    if module.check_mode:
        return
    if wanted is None:
        fail_ids(module, spec["dest"], spec)
        return
    os.chown(spec["dest"], *wanted)
    Path(spec["dest"]).chmod(int(spec["mode"], 8))


def plan_file(
    module: AnsibleModule, index: int, spec: dict[str, Any], outcome: Outcome
) -> Staged | None:
    """Compare one file: fix its attributes in place, or stage its new content (returned)."""
    dest, mode = spec["dest"], int(spec["mode"], 8)
    wanted = ids(spec["owner"], spec["group"])
    secret = spec["secret_content"] is not None
    text = spec["secret_content"] if secret else spec["content"]
    data = text.encode("utf-8") if text is not None else None
    want_sum = hashlib.sha1(data).hexdigest() if data is not None else spec["checksum"]
    if sha1_of(dest) == want_sum:
        if attrs_differ(dest, wanted, mode):
            outcome.changed.append(dest)
            fix_attrs(module, spec, wanted)
        return None
    if data is None and spec["upload"] is None and not module.check_mode:
        outcome.upload.append(index)
        return None
    outcome.changed.append(dest)
    outcome.restart = outcome.restart or spec["restart"]
    if module._diff and not secret and text is not None:
        before = text_of(dest)
        outcome.diff.append(
            {"before_header": dest, "after_header": dest, "before": before, "after": text}
        )
    if module.check_mode:
        # Validators run in check mode too (when they can), so --check refuses what a run would.
        if not spec["validate"] or wanted is None or data is None or not Path(dest).parent.is_dir():
            return None
        return Staged(index, dest, stage(dest, None, data, wanted, mode), spec)
    if wanted is None:
        fail_ids(module, dest, spec)
        return None
    if spec["upload"] is not None and sha1_of(spec["upload"]) != want_sum:
        module.fail_json(
            msg=f"{dest}: the transferred file does not match the controller's checksum"
        )
    return Staged(index, dest, stage(dest, spec["upload"], data, wanted, mode), spec)


def validate(module: AnsibleModule, staged: Staged) -> str | None:
    """None when the staged file passes its validator, else the validator's complaint."""
    command = staged.spec["validate"]
    if not command:
        return None
    if "%s" not in command:
        module.fail_json(msg=f"{staged.dest}: validate must contain %s (the file to check)")
    program = shlex.split(command)[0]
    if not os.access(program, os.X_OK) and not shutil.which(program):
        if module.check_mode:
            return None  # not installed yet: the real run installs it before it validates
        return f"{staged.dest}: the validator {program} is not installed"
    rc, out, err = module.run_command(command % staged.temp)
    if rc == 0:
        return None
    said = " ".join(part.strip() for part in (out, err) if part.strip())
    said = said.replace(staged.temp, staged.dest)
    return f"{staged.dest} did not validate: `{command % staged.dest}` (rc {rc}) said: {said}"


def refusals(module: AnsibleModule, staged: list[Staged]) -> list[str]:
    return [msg for msg in (validate(module, item) for item in staged) if msg]


def discard(staged: list[Staged]) -> None:
    for item in staged:
        Path(item.temp).unlink(missing_ok=True)


def purge(module: AnsibleModule, directories: list[str], keep: set[str], outcome: Outcome) -> None:
    for directory in map(Path, directories):
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            if str(path) in keep or (path.is_dir() and not path.is_symlink()):
                continue
            outcome.changed.append(str(path))
            if not module.check_mode:
                path.unlink()


def service_state(module: AnsibleModule, unit: str) -> dict[str, bool]:
    """Whether a systemd unit is known to systemd, active and enabled (one systemctl call)."""
    rc, out, _err = module.run_command(
        ["systemctl", "show", "--property=LoadState,ActiveState,UnitFileState", unit]
    )
    props = dict(line.split("=", 1) for line in out.splitlines() if "=" in line) if rc == 0 else {}
    return {
        "loaded": props.get("LoadState") == "loaded",
        "active": props.get("ActiveState") == "active",
        "enabled": props.get("UnitFileState") == "enabled",
    }


def converge(module: AnsibleModule) -> Outcome:
    params = module.params
    outcome = Outcome()
    if params["account"]:
        ensure_account(module, params["account"], outcome)
    for directory in params["directories"]:
        ensure_directory(module, directory, outcome)
    staged: list[Staged] = []
    try:
        for index, spec in enumerate(params["files"]):
            item = plan_file(module, index, spec, outcome)
            if item is not None:
                staged.append(item)
        first = [item for item in staged if not item.spec["validate_after_set"]]
        last = [item for item in staged if item.spec["validate_after_set"]]
        refused = refusals(module, first)
        if refused:
            msg = "; ".join(refused) + ". No file was replaced."
            module.fail_json(msg=msg, changed_paths=outcome.changed)
        if not module.check_mode:
            for item in first:
                Path(item.temp).replace(item.dest)
        refused = refusals(module, last)
        if refused:
            msg = "; ".join(refused) + ". It was not replaced; the rest of the set was."
            module.fail_json(msg=msg, changed_paths=outcome.changed)
        if not module.check_mode:
            for item in last:
                Path(item.temp).replace(item.dest)
    finally:
        discard(staged)
    purge(module, params["purge"], {spec["dest"] for spec in params["files"]}, outcome)
    return outcome


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "account": {
                "type": "dict",
                "options": {
                    "user": {"type": "str"},
                    "group": {"type": "str", "required": True},
                    "groups": {"type": "list", "elements": "str", "default": []},
                    "comment": {"type": "str", "default": ""},
                    "home": {"type": "str", "default": "/nonexistent"},
                    "shell": {"type": "str", "default": "/usr/sbin/nologin"},
                },
            },
            "directories": {
                "type": "list",
                "elements": "dict",
                "default": [],
                "options": {
                    "path": {"type": "path", "required": True},
                    "owner": {"type": "str", "default": "root"},
                    "group": {"type": "str", "default": "root"},
                    "mode": {"type": "str", "default": "0755"},
                },
            },
            "files": {
                "type": "list",
                "elements": "dict",
                "default": [],
                "options": {
                    "dest": {"type": "path", "required": True},
                    "content": {"type": "str"},
                    "secret_content": {"type": "str", "no_log": True},
                    "checksum": {"type": "str"},
                    "upload": {"type": "path"},
                    "owner": {"type": "str", "default": "root"},
                    "group": {"type": "str", "default": "root"},
                    "mode": {"type": "str", "default": "0644"},
                    "validate": {"type": "str"},
                    "validate_after_set": {"type": "bool", "default": False},
                    "restart": {"type": "bool", "default": False},
                },
                "required_one_of": [["content", "secret_content", "checksum"]],
                "mutually_exclusive": [["content", "secret_content", "checksum"]],
            },
            "purge": {"type": "list", "elements": "path", "default": []},
            "service": {"type": "str"},
        },
        supports_check_mode=True,
    )
    outcome = converge(module)
    result: dict[str, Any] = {
        "changed": bool(outcome.changed),
        "changed_paths": outcome.changed,
        "restart": outcome.restart,
    }
    if module.params["service"]:
        result["service_state"] = service_state(module, module.params["service"])
    if outcome.upload:
        result["upload"] = outcome.upload
    if outcome.diff:
        result["diff"] = outcome.diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
