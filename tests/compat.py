"""The collection on the oldest ansible-core it allows and on the newest release.

``meta/runtime.yml``'s ``requires_ansible`` names the oldest (make test runs it
here only when the development venv holds another release: tests/run.py); the newest is
PyPI's newest ansible-core that ``requires_ansible`` allows when the venv is
made (it needs a newer Python, found with ``pyenv`` or on PATH). Each gets its own venv under
``.cache/compat/<name>``, made once; the version it holds is printed on
every run. Two checks per ansible-core:

- ``unit``: the unit tests, on that ansible-core and its Python;
- ``stack``: the stack scenario's hosts, created and prepared by Molecule,
  then ``site.yml`` on them three times: a first converge, a no-op
  (Molecule's idempotence: nothing may change) and ``--check --diff``
  (nothing reported changed). The harness's ``preload`` callback is off:
  this is how a user runs it.

The oldest uses the community collections of the development venv (PyPI's
``ansible`` built for ansible-core 2.19); the newest installs PyPI's newest
``ansible``, as a user upgrading both would.

usage: python tests/compat.py oldest|newest unit|stack [MOLECULE STEP ...]
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / ".venv"
CACHE = ROOT / ".cache" / "compat"
# What the tests import besides ansible-core (the collection's own requirements.txt first).
TEST_PACKAGES = ["pytest", "pyyaml", "requests", "docker", "prometheus-client"]
# Unit tests of the development tools, left out: the role README generator (aar-doc pins
# its own ansible-core) and the packaging harness (it copies the development venv's
# community.docker).
TOOL_TESTS = "not aar_doc and not readme_tables_are_generated and not connection_path_holds"
SCENARIO = "stack"
MOLECULE_STEPS = ("destroy", "create", "converge", "idempotence", "side-effect", "destroy")


def requires_ansible() -> str:
    """requires_ansible of meta/runtime.yml as a pip specifier, e.g. '>=2.19.0,<2.22'."""
    text = (ROOT / "meta" / "runtime.yml").read_text(encoding="utf-8")
    found = re.search(r"^requires_ansible:\s*['\"]?([^'\"\n]+)", text, re.MULTILINE)
    if not found or not re.search(r">=\s*[0-9]", found.group(1)):
        raise SystemExit("meta/runtime.yml: requires_ansible has no >= lower bound")
    return found.group(1).replace(" ", "")


def oldest_allowed() -> str:
    """The lower bound of requires_ansible, e.g. 2.19.0."""
    return re.search(r">=([0-9][0-9.]*)", requires_ansible()).group(1)  # type: ignore[union-attr]


def newest_python() -> str:
    """The newest Python 3.12 or later here (today's ansible-core needs one): pyenv's or PATH's."""
    found = [str(path) for path in Path("~/.pyenv/versions").expanduser().glob("3.*/bin/python3")]
    found += [shutil.which(f"python3.{minor}") or "" for minor in range(12, 20)]
    usable = {}
    for path in filter(None, found):
        if "/shims/" in path:
            continue  # pyenv's shim runs whichever version is set, or none
        probe = subprocess.run(
            [path, "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        version = tuple(int(part) for part in probe.stdout.split()) if probe.returncode == 0 else ()
        if version >= (3, 12):
            usable[version] = path
    if not usable:
        raise SystemExit(
            "no Python 3.12 or newer found (pyenv or PATH): today's ansible-core needs one"
        )
    return usable[max(usable)]


def packages(which: str) -> list[str]:
    dev_pins = (ROOT / "requirements-dev.txt").read_text(encoding="utf-8")
    sdk = re.search(r"^grafana-foundation-sdk==\S+", dev_pins, re.MULTILINE)
    common = [
        "-r",
        str(ROOT / "requirements.txt"),
        *TEST_PACKAGES,
        *([sdk.group(0)] if sdk else []),
    ]
    if which == "oldest":
        return [f"ansible-core=={oldest_allowed()}", *common]
    return [f"ansible-core{requires_ansible()}", "ansible", *common]


def venv(which: str) -> Path:
    """The venv of this ansible-core, made once."""
    home = CACHE / which
    stamp = home / ".installed"
    wanted = " ".join(packages(which))
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == wanted:
        return home
    shutil.rmtree(home, ignore_errors=True)
    python = sys.executable if which == "oldest" else newest_python()
    subprocess.run([python, "-m", "venv", str(home)], check=True)
    subprocess.run([str(home / "bin" / "pip"), "install", "-q", *packages(which)], check=True)
    if which == "oldest":
        link_dev_collections(home)
    stamp.write_text(wanted, encoding="utf-8")
    return home


def link_dev_collections(home: Path) -> None:
    """The development venv's community collections, found on this venv's sys.path (Ansible
    scans it), without the rest of that venv: Molecule sets ANSIBLE_COLLECTIONS_PATH itself."""
    shelf = home / "dev-collections"
    shelf.mkdir(exist_ok=True)
    for found in DEV.glob("lib/python3*/site-packages/ansible_collections"):
        (shelf / "ansible_collections").symlink_to(found)
    for site in home.glob("lib/python3*/site-packages"):
        (site / "dev-collections.pth").write_text(f"{shelf}\n", encoding="utf-8")


def environment(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("ANSIBLE_CALLBACK_PLUGINS", "ANSIBLE_CALLBACKS_ENABLED"):
        env.pop(name, None)  # the harness's preload callback: users do not have it
    env.update(
        PATH=f"{home / 'bin'}:{DEV / 'bin'}:{env.get('PATH', '')}",
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
    )
    return env


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in ("oldest", "newest") or argv[1] not in ("unit", "stack"):
        raise SystemExit(__doc__.rsplit("usage: ", 1)[1])
    which, check = argv[:2]
    home = venv(which)
    env = environment(home)
    subprocess.run([str(home / "bin" / "ansible-playbook"), "--version"], env=env, check=True)
    if check == "unit":
        argv_ = [str(home / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        return subprocess.call([*argv_, "tests/unit", "-k", TOOL_TESTS], cwd=ROOT, env=env)
    # Molecule (the development venv's) runs the playbooks with the ansible-core first on PATH.
    molecule = str(DEV / "bin" / "molecule")
    steps = argv[2:] or MOLECULE_STEPS
    code = 0
    for step in steps:
        if code and step != "destroy":
            continue
        done = subprocess.call([molecule, step, "-s", SCENARIO], cwd=ROOT, env=env)
        code = code or done
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
