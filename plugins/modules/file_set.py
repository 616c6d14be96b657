#!/usr/bin/python
# Copyright: (c) 2026, Plugspace platform team <platform@plugspace.io>
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Converge a service's account, directories and files in one round trip."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: file_set
short_description: Converge a service's account, directories and files in one round trip
version_added: "0.1.0"
description:
  - Ensures a system group and user, a list of directories and a list of files, and
    optionally removes files no longer managed from given directories, in a single module
    run. On a converged host that is one round trip instead of one per file, which is what
    makes a no-op run of the roles fast.
  - A file is replaced only when its content, owner, group or mode differ. New content is
    written to a temporary file next to the destination, validated there, and moved into
    place atomically.
  - Files go live in stages (O(files[].stage), then the files marked
    O(files[].validate_after_set)). Each stage is validated, then moved into place, so a
    later stage's validators use what an earlier stage installed (a new C(promtool) checks the
    new rules). A refused stage puts every earlier stage back, so a refused set leaves every
    file as it was. In check mode nothing is written into the destination's directory;
    validators check a copy in a private temporary directory.
  - With O(backup_dir), the files a run replaced or removed are kept there (RV(backups)), so
    that M(plugspace.monitoring.lifecycle) can put them back when the service fails with them.
  - Symlinks are followed, as M(ansible.builtin.file) does by default. A directory or file
    path that is a symlink is managed through its target (the target's content, owner,
    group and mode); the link itself is left as it is.
  - Modes are read the way M(ansible.builtin.file) reads them. A string is octal
    (V("0640"), V("640"), V("0o640")); an integer is the mode itself, so an unquoted YAML
    V(0640) (which YAML reads as the number 416) means V("0640"). Symbolic modes are refused.
  - Files copied from the controller (O(files[].src)) are compared by checksum first and
    transferred only when they differ.
  - Supports check mode (validators still run when the host has them) and diff mode.
    Content marked O(files[].secret) never appears in diffs or task output.
  - Runs through the action plugin of the same name, which checksums and transfers the
    controller's files. The options marked internal are set by that action plugin.
author: Plugspace platform team (@plugspace)
attributes:
  check_mode:
    support: full
    description: Reports what would change; validators check a copy when the host has them.
  diff_mode:
    support: full
    description: Diffs text content, never the content of O(files[].secret) files.
  platform:
    support: full
    platforms: posix
    description: Needs systemd only for O(service).
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
        description:
          - Its mode, an octal string or an integer, read as M(ansible.builtin.file) reads
            its O(ansible.builtin.file#module:mode).
        type: raw
        default: "0755"
      only_create:
        description:
          - Create it with this owner, group and mode when it is missing, and leave an
            existing one as it is (a shared directory such as C(/usr/local/bin)).
        type: bool
        default: false
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
        description:
          - The content is secret. The action plugin passes it as O(files[].secret_content),
            a no_log value never shown in a diff, in task output or in the host's log.
        type: bool
        default: false
      secret_content:
        description: Internal, set by the action plugin from O(files[].content) when secret.
        type: str
      checksum:
        description: Internal, the SHA-1 of O(files[].src) as the action plugin computed it.
        type: str
      upload:
        description: Internal, where the action plugin transferred O(files[].src) on the host.
        type: path
      owner:
        description: The file's owner.
        type: str
        default: root
      group:
        description: The file's group.
        type: str
        default: root
      mode:
        description:
          - The file's mode, an octal string or an integer, read as M(ansible.builtin.file) reads
            its O(ansible.builtin.file#module:mode).
        type: raw
        default: "0644"
      validate:
        description: A command checking the new file before it goes live; C(%s) is its path.
        type: str
      restart:
        description: A change to this file means the service must restart (see RV(restart)).
        type: bool
        default: false
      stage:
        description:
          - The stage this file goes live in; stages are validated and moved into place in
            increasing order, each after the earlier ones are in place.
        type: int
        default: 1
      validate_after_set:
        description:
          - Validate this file after every other file of the set is in place (a main config
            whose validator reads the files it references), the last stage. When it is
            refused, every other file is put back as it was (new ones removed) and this one
            is not replaced, so a refused set never stays half applied.
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
  backup_dir:
    description:
      - A directory (made root-only) where the previous version of every file this run
        replaces or removes is kept until the next run, as RV(backups) lists. Its earlier
        content is dropped first.
    type: path
  inputs:
    description: The inputs the files are made from, named when a validator refuses one.
    type: str
    default: ""
  verified_file:
    description:
      - Where M(plugspace.monitoring.lifecycle) recorded the O(service) unit's invocation when it
        last proved it.
      - A unit started again since (a crash systemd healed between two runs) is reported as a
        warning naming the unit and its restart count, once.
    type: path
  ports:
    description:
      - TCP ports the O(service) listens on, looked at before anything changes (with C(ss)). A port
        held by a process that is not the O(service) unit (Debian's package of the same program,
        another role's install, anything else) fails the run naming the port, O(ports[].name) and
        the process, and nothing is written. In check mode too.
    type: list
    elements: dict
    default: []
    suboptions:
      port:
        description: The port.
        type: int
        required: true
      name:
        description: The variable that sets it, named in the failure.
        type: str
  takeover:
    description:
      - The first look at the host. The same program installed by other means, each as the
        unit it runs (Debian's package, another role's install), looked at before anything
        changes, in check mode too; each one found is reported as a warning saying what the
        run does about it (RV(takeover)).
      - A unit of another name is to be stopped and masked; one of the O(service) unit's own
        name (Debian's C(prometheus.service) in C(/lib)) is to be stopped, ours takes its name.
        A unit file of the O(service)'s name in C(/etc/systemd/system) that the collection did
        not write is replaced like any other file; its user is left in place.
      - The ports such an install holds are not refused by O(ports), since the run takes them over.
    type: list
    elements: dict
    default: []
    suboptions:
      unit:
        description: The unit name of the other install.
        type: str
        required: true
      package:
        description: The Debian package that installs it, named in the report with its version.
        type: str
      data:
        description:
          - Its data folder. Each entry the O(data_dir) lacks is to be moved there (renamed).
        type: path
      entries:
        description:
          - Entries of O(takeover[].data) the program writes only when it stops (Alertmanager's
            C(silences) and C(nflog)), moved too.
        type: list
        elements: str
        default: []
  data_dir:
    description: The O(service)'s own data folder, where O(takeover[].data) is moved.
    type: path
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
backups:
  description:
    - With O(backup_dir), each file this run replaced, created or removed, and where its
      previous version is kept (null for a file that did not exist).
  returned: when O(backup_dir) is set
  type: list
  elements: dict
  sample:
    - path: /etc/prometheus/prometheus.yml
      saved: /var/lib/plugspace.monitoring/prometheus/previous/0
takeover:
  description:
    - What the run does about other installs of the program (O(takeover)) - C(units) to stop,
      each with C(mask); C(moves), each a C(src) renamed to C(dest); C(found), the report.
  returned: always
  type: dict
  sample:
    units: [{unit: prometheus-node-exporter.service, mask: true}]
    moves: []
    found:
      - "prometheus-node-exporter.service (Debian's package prometheus-node-exporter
        1.5.0-1+b6, active, user prometheus): stopped and masked"
upload:
  description:
    - Indexes into O(files) of controller files the host lacks (for the action plugin). When
      any is listed, the run only compared and changed no file; the action plugin transfers
      them and runs the whole set again.
  returned: when a file given by O(files[].src) differs
  type: list
  elements: int
"""

import grp
import hashlib
import json
import os
import pwd
import re
import shlex
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.parameters import remove_values

from ..module_utils import listeners, previous, takeover

DIFF_LIMIT = 256 * 1024
OCTAL = re.compile(r"(0o)?[0-7]{1,4}")


class FileSetModule(AnsibleModule):  # type: ignore[misc]  # ansible ships no type hints
    """AnsibleModule whose invocation log (the host's journal) never holds a no_log value.

    AnsibleModule masks no_log values inside the repr() of a list option such as
    ``files``, where a secret holding a newline or a quote is escaped and no longer
    matches, so it would reach the journal. Masking the structure first keeps it out.
    """

    params: dict[str, Any]
    no_log_values: set[str]

    def _log_invocation(self) -> None:
        params = self.params
        self.params = remove_values(params, self.no_log_values)
        try:
            super()._log_invocation()
        finally:
            self.params = params


def parse_mode(value: Any, where: str) -> int:
    """A mode read as ansible.builtin.file reads it: an int as is, a string as octal."""
    if isinstance(value, int) and not isinstance(value, bool):
        mode = value
    elif isinstance(value, str) and OCTAL.fullmatch(value.strip()):
        mode = int(value.strip(), 8)
    else:
        raise ValueError(
            f"{where}: mode {value!r} is not an octal mode such as '0640'"
            " (symbolic modes are not supported)"
        )
    if not 0 <= mode <= 0o7777:
        raise ValueError(f"{where}: mode {value!r} is out of range (0 to 0o7777)")
    return mode


def read_modes(params: dict[str, Any]) -> list[str]:
    """Turn every mode of the set into an int; the complaints about those that are invalid."""
    problems = []
    entries = [(f"directories[{i}] ({d['path']})", d) for i, d in enumerate(params["directories"])]
    entries += [(f"files[{i}] ({f['dest']})", f) for i, f in enumerate(params["files"])]
    for where, entry in entries:
        try:
            entry["mode"] = parse_mode(entry["mode"], where)
        except ValueError as error:
            problems.append(str(error))
    return problems


@dataclass
class Staged:
    """A file whose new content waits in a temporary file (beside its live path)."""

    index: int
    dest: str
    live: str
    temp: str
    spec: dict[str, Any]


@dataclass
class Outcome:
    """What a run changed, would change, or must fetch first."""

    changed: list[str] = field(default_factory=list)
    restart: bool = False
    diff: list[dict[str, str]] = field(default_factory=list)
    upload: list[int] = field(default_factory=list)
    backups: list[dict[str, Any]] | None = None
    takeover: takeover.Plan = field(default_factory=takeover.Plan)


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
    info = Path(path).stat()
    owned = (info.st_uid, info.st_gid) == wanted
    return not owned or stat.S_IMODE(info.st_mode) != mode


def account_commands(account: dict[str, Any]) -> list[list[str]]:
    """The groupadd/useradd/usermod commands that make the account match (none when it does).

    An existing user keeps its home: it may be another install's user that a run takes over
    (Debian's ``prometheus``, home /var/lib/prometheus), and usermod refuses to change the
    home of a user whose processes run.
    """
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
    path, mode = Path(spec["path"]), spec["mode"]
    wanted = ids(spec["owner"], spec["group"])
    exists = path.is_dir()
    if exists and (spec.get("only_create") or not attrs_differ(str(path), wanted, mode)):
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
    folder: Path,
    name: str,
    source: str | None,
    data: bytes | None,
    owner: tuple[int, int],
    mode: int,
) -> str:
    """Write a new file into folder, with its final owner and mode; its path."""
    handle, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            if source is not None:
                with Path(source).open("rb") as src:
                    shutil.copyfileobj(src, out, 1 << 20)
            else:
                out.write(data or b"")
            out.flush()
            os.fsync(out.fileno())
        os.chown(temp, *owner)
        Path(temp).chmod(mode)
    except BaseException:
        Path(temp).unlink()
        raise
    return temp


def fix_attrs(
    module: AnsibleModule, spec: dict[str, Any], live: str, wanted: tuple[int, int] | None
) -> None:
    """Give an up-to-date file its owner, group and mode."""
    if module.check_mode:
        return
    if wanted is None:
        fail_ids(module, spec["dest"], spec)
        return
    os.chown(live, *wanted)
    Path(live).chmod(spec["mode"])


def will_exist(module: AnsibleModule, folder: Path) -> bool:
    """Whether a file's directory exists, or is made by this set's directories."""
    if folder.is_dir():
        return True
    listed = [Path(d["path"]) for d in module.params["directories"]]
    return any(d == folder or folder in d.parents for d in listed)


@dataclass
class Scratch:
    """A private temporary directory, made on first use (check mode stages files there)."""

    path: str | None = None

    def folder(self) -> Path:
        if self.path is None:
            self.path = tempfile.mkdtemp(prefix="file_set-")
        return Path(self.path)

    def remove(self) -> None:
        if self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)


def plan_file(
    module: AnsibleModule, index: int, spec: dict[str, Any], outcome: Outcome, scratch: Scratch
) -> Staged | None:
    """Compare one file: fix its attributes in place, or stage its new content (returned)."""
    dest, mode = spec["dest"], spec["mode"]
    live = os.path.realpath(dest)  # symlinks are followed: the target is what is managed
    if Path(live).is_dir():
        module.fail_json(msg=f"{dest}: is a directory, not a file", changed_paths=outcome.changed)
    if not will_exist(module, Path(live).parent):
        module.fail_json(
            msg=f"{dest}: its directory {Path(live).parent} does not exist;"
            " create it first or list it in directories",
            changed_paths=outcome.changed,
        )
    wanted = ids(spec["owner"], spec["group"])
    secret = spec["secret_content"] is not None
    text = spec["secret_content"] if secret else spec["content"]
    data = text.encode("utf-8") if text is not None else None
    want_sum = hashlib.sha1(data).hexdigest() if data is not None else spec["checksum"]
    if sha1_of(live) == want_sum:
        if attrs_differ(live, wanted, mode):
            outcome.changed.append(dest)
            fix_attrs(module, spec, live, wanted)
        return None
    if data is None and spec["upload"] is None and not module.check_mode:
        outcome.upload.append(index)
        return None
    outcome.changed.append(dest)
    outcome.restart = outcome.restart or spec["restart"]
    if module._diff and not secret and text is not None:
        before = text_of(live)
        outcome.diff.append(
            {"before_header": dest, "after_header": dest, "before": before, "after": text}
        )
    name = Path(live).name
    if module.check_mode:
        # Validators run in check mode too (when they can), so --check refuses what a run
        # would; the copy they check lies in a private directory, never beside the live file.
        if not spec["validate"] or data is None:
            return None
        owner = wanted or (os.getuid(), os.getgid())
        return Staged(
            index, dest, live, stage(scratch.folder(), name, None, data, owner, mode), spec
        )
    if wanted is None:
        fail_ids(module, dest, spec)
        return None
    if spec["upload"] is not None and sha1_of(spec["upload"]) != want_sum:
        module.fail_json(
            msg=f"{dest}: the transferred file does not match the controller's checksum"
        )
    # Beside the live file (same filesystem), so that it goes live by an atomic rename.
    temp = stage(Path(live).parent, name, spec["upload"], data, wanted, mode)
    return Staged(index, dest, live, temp, spec)


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


class Previous:
    """The previous versions of the files a run replaces or removes.

    Kept beside the live files while the set goes live (so a refused stage puts every
    earlier one back), then in ``backup_dir`` when given, for lifecycle's undo.
    """

    def __init__(self, backup_dir: str | None, check_mode: bool) -> None:
        self.folder = previous.prepare(backup_dir) if backup_dir and not check_mode else None
        self.entries: list[dict[str, Any]] = []

    def keep(self, live: str, beside: str) -> None:
        saved = str(self.folder / str(len(self.entries))) if self.folder else f"{beside}.previous"
        self.entries.append({"path": live, "saved": previous.keep(live, saved)})

    def swap_in(self, items: list[Staged]) -> None:
        """Move each staged file into place, keeping the one it replaces."""
        for item in items:
            self.keep(item.live, item.temp)
            Path(item.temp).replace(item.live)

    def remove(self, path: Path) -> None:
        """Remove a file no longer managed, keeping it."""
        self.keep(str(path), str(path.parent / f".{path.name}.purged"))
        path.unlink()

    def put_back(self) -> None:
        previous.put_back(self.entries)
        self.entries = []

    def finish(self) -> list[dict[str, Any]] | None:
        """The backups for lifecycle (with backup_dir), else drop them."""
        if self.folder is not None:
            return self.entries
        previous.forget(self.entries)
        return None


def discard(staged: list[Staged]) -> None:
    for item in staged:
        Path(item.temp).unlink(missing_ok=True)


def purge(
    module: AnsibleModule,
    directories: list[str],
    keep: set[str],
    outcome: Outcome,
    kept: Previous,
) -> None:
    for directory in map(Path, directories):
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            if str(path) in keep or (path.is_dir() and not path.is_symlink()):
                continue
            outcome.changed.append(str(path))
            if not module.check_mode:
                kept.remove(path)


def stages(staged: list[Staged]) -> list[list[Staged]]:
    """The staged files in the order they go live: by stage, validate_after_set last."""
    order = sorted({(bool(i.spec["validate_after_set"]), i.spec["stage"]) for i in staged})
    return [
        [i for i in staged if (bool(i.spec["validate_after_set"]), i.spec["stage"]) == key]
        for key in order
    ]


def refused_message(module: AnsibleModule, refused: list[str], put_back: bool) -> str:
    inputs = module.params["inputs"]
    prefix = f"{inputs} were refused: " if inputs else ""
    undone = " (the earlier stages of the set were put back)" if put_back else ""
    service = module.params["service"]
    keeps = f" The running {service} keeps its previous files." if service else ""
    return f"{prefix}{'; '.join(refused)}. No file was replaced{undone}.{keeps}"


def read_verified(path: str | None) -> dict[str, Any]:
    """What lifecycle recorded when it last proved the service (empty when nothing)."""
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def restarted_since(props: dict[str, str], verified: dict[str, Any]) -> str | None:
    """A warning when the unit was started again since it was last proved, else None."""
    if not verified or props.get("ActiveState") != "active":
        return None
    same = props.get("InvocationID") == verified.get("invocation")
    if same and props.get("NRestarts") == str(verified.get("nrestarts")):
        return None
    return (
        f"restarted since it was last verified ({verified.get('at', 'at an earlier run')}): "
        f"systemd restarted it {props.get('NRestarts', '?')} time(s) after it exited "
        f"(NRestarts), running since {props.get('ActiveEnterTimestamp') or 'unknown'}; "
        "read journalctl -u for why"
    )


def service_state(module: AnsibleModule, unit: str) -> dict[str, bool]:
    """Whether a systemd unit is known to systemd, active and enabled (one systemctl call).

    With ``verified_file``, a unit started again since lifecycle last proved it (a crash
    that systemd healed between runs) is reported as a warning, once.
    """
    properties = "LoadState,ActiveState,UnitFileState,InvocationID,NRestarts,ActiveEnterTimestamp"
    rc, out, _err = module.run_command(["systemctl", "show", f"--property={properties}", unit])
    props = dict(line.split("=", 1) for line in out.splitlines() if "=" in line) if rc == 0 else {}
    verified_file = module.params.get("verified_file")
    verified = read_verified(verified_file)
    moved = restarted_since(props, verified)
    if moved and verified_file:
        module.warn(f"{unit} {moved}")
        if not module.check_mode:
            record_verified(verified_file, props, str(verified.get("at", "")))
    return {
        "loaded": props.get("LoadState") == "loaded",
        "active": props.get("ActiveState") == "active",
        "enabled": props.get("UnitFileState") == "enabled",
    }


def record_verified(path: str, props: dict[str, str], at: str) -> None:
    """Remember the unit's invocation (seen at a run), so a restart is reported once."""
    try:
        Path(path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        record = {"invocation": props.get("InvocationID"), "nrestarts": props.get("NRestarts")}
        Path(path).write_text(json.dumps({**record, "at": at}), encoding="utf-8")
    except OSError:
        pass


def check_ports(module: AnsibleModule, taken: frozenset[int] = frozenset()) -> None:
    """Refuse, before anything changes, a port the service needs that another process holds.

    ``taken``: the uids of the other installs this run takes over (their ports are ours).
    """
    wanted = module.params["ports"]
    if not wanted:
        return
    ss = module.get_bin_path("ss")
    if not ss:
        module.warn(
            "ss (iproute2) is not installed: the ports the service needs were not looked at"
        )
        return
    rc, out, err = module.run_command([ss, "-Hltnpe"])
    if rc != 0:
        module.warn(f"ss -Hltnpe failed ({err.strip()}): the ports were not looked at")
        return
    found = listeners.parse_ss(out)
    service, account = module.params["service"], module.params["account"] or {}
    try:
        owner_uid: int | None = (
            pwd.getpwnam(account["user"]).pw_uid if account.get("user") else None
        )
    except KeyError:
        owner_uid = None  # not created yet: nothing of the service can listen
    anonymous = any(not (listener.processes or listener.uid is not None) for listener in found)
    active = bool(service) and anonymous and service_state(module, service)["active"]
    held = listeners.held_ports(
        found, wanted, service, owner_uid=owner_uid, service_active=active, taken=taken
    )
    if held:
        module.fail_json(msg="; ".join(held) + ". Nothing was changed.", changed_paths=[])


def converge(module: AnsibleModule) -> Outcome:
    params = module.params
    outcome = Outcome()
    outcome.takeover = takeover.look(
        module.run_command, params["service"] or "", params["takeover"], params["data_dir"] or ""
    )
    for found in outcome.takeover.found:
        module.warn(found)
    check_ports(module, takeover.uids(outcome.takeover.users, pwd.getpwnam))
    problems = read_modes(params)
    if problems:
        module.fail_json(msg="; ".join(problems), changed_paths=[])
    if params["account"]:
        ensure_account(module, params["account"], outcome)
    for directory in params["directories"]:
        ensure_directory(module, directory, outcome)
    prepared = (list(outcome.changed), outcome.restart)
    staged: list[Staged] = []
    scratch = Scratch()
    try:
        for index, spec in enumerate(params["files"]):
            item = plan_file(module, index, spec, outcome, scratch)
            if item is not None:
                staged.append(item)
        if outcome.upload:
            # The action plugin transfers these and runs the whole set again, so
            # that every stage goes live in order or not at all.
            outcome.changed, outcome.restart = prepared
            outcome.diff = []
            return outcome
        kept = Previous(params["backup_dir"], module.check_mode)
        for group in stages(staged):
            refused = refusals(module, group)
            if refused:
                put_back = bool(kept.entries)
                kept.put_back()
                module.fail_json(
                    msg=refused_message(module, refused, put_back), changed_paths=outcome.changed
                )
            if not module.check_mode:
                kept.swap_in(group)
        keep = {spec["dest"] for spec in params["files"]}
        keep |= {os.path.realpath(path) for path in keep}
        purge(module, params["purge"], keep, outcome, kept)
        outcome.backups = kept.finish()
    finally:
        discard(staged)
        scratch.remove()
    return outcome


def os_error_message(error: OSError) -> str:
    """An OSError as one line that names the path, for fail_json."""
    where = f"{error.filename}: " if error.filename else ""
    return f"{where}{error.strerror or error}"


def main() -> None:
    module = FileSetModule(
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
                    "mode": {"type": "raw", "default": "0755"},
                    "only_create": {"type": "bool", "default": False},
                },
            },
            "files": {
                "type": "list",
                "elements": "dict",
                "default": [],
                "options": {
                    "dest": {"type": "path", "required": True},
                    "content": {"type": "str"},
                    # src and secret are the action plugin's; it turns them into checksum
                    # and secret_content, so they never reach the module on a host.
                    "src": {"type": "path"},
                    "secret": {"type": "bool", "default": False},
                    "secret_content": {"type": "str", "no_log": True},
                    "checksum": {"type": "str"},
                    "upload": {"type": "path"},
                    "owner": {"type": "str", "default": "root"},
                    "group": {"type": "str", "default": "root"},
                    "mode": {"type": "raw", "default": "0644"},
                    "validate": {"type": "str"},
                    "validate_after_set": {"type": "bool", "default": False},
                    "stage": {"type": "int", "default": 1},
                    "restart": {"type": "bool", "default": False},
                },
                "required_one_of": [["content", "secret_content", "checksum"]],
                "mutually_exclusive": [["content", "secret_content", "checksum"]],
            },
            "purge": {"type": "list", "elements": "path", "default": []},
            "service": {"type": "str"},
            "backup_dir": {"type": "path"},
            "inputs": {"type": "str", "default": ""},
            "verified_file": {"type": "path"},
            "ports": {
                "type": "list",
                "elements": "dict",
                "default": [],
                "options": {
                    "port": {"type": "int", "required": True},
                    "name": {"type": "str"},
                },
            },
            "takeover": {
                "type": "list",
                "elements": "dict",
                "default": [],
                "options": {
                    "unit": {"type": "str", "required": True},
                    "package": {"type": "str"},
                    "data": {"type": "path"},
                    "entries": {"type": "list", "elements": "str", "default": []},
                },
            },
            "data_dir": {"type": "path"},
        },
        supports_check_mode=True,
    )
    try:
        outcome = converge(module)
    except OSError as error:
        module.fail_json(msg=os_error_message(error))
    result: dict[str, Any] = {
        "changed": bool(outcome.changed),
        "changed_paths": outcome.changed,
        "restart": outcome.restart,
        "takeover": outcome.takeover.result(),
    }
    if module.params["service"]:
        result["service_state"] = service_state(module, module.params["service"])
    if outcome.upload:
        result["upload"] = outcome.upload
    if outcome.backups is not None:
        result["backups"] = outcome.backups
    if outcome.diff:
        result["diff"] = outcome.diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
