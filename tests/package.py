"""The collection as Galaxy, Automation Hub and AWX receive it: make test's package stage.

Each check works on the built tarball (``ansible-galaxy collection build``),
never on the working tree, because that is what users get:

- ``sanity``: ``ansible-test sanity`` with no ignore file, offline (see
  ``seed_pip_bootstrap``);
- ``importer``: galaxy-importer, Galaxy's own import checks, must log no error;
- ``ee``: ``ansible-builder create`` writes the execution environment's build
  context, and ``ansible-builder introspect`` finds exactly the collection's
  declared Python requirements;
- ``galaxy-user``: a fresh venv with only ansible-core and the collection's
  declared requirements, the collection installed with ``--no-deps``, a playbook
  outside the repository runs ``plugspace.monitoring.node_exporter`` against a
  systemd container, and its /metrics must answer.

usage: python tests/package.py build|sanity|importer|ee|galaxy-user
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WORK = ROOT / ".cache" / "package"
# ansible-test keeps its per-test venvs under $HOME/.ansible/test: a HOME of our own
# keeps them (and the seeded pip bootstrap) across runs, apart from the user's.
SANITY_HOME = ROOT / ".cache" / "ansible-test-home"
CONTAINER = "plugspace-galaxy-user"
# Basic auth makes the run use bcrypt_hash, so the fresh venv proves that
# requirements.txt declares what the plugins need; the password must then
# appear nowhere in the host's journal.
SCRAPE_USER = "prometheus"
SCRAPE_PASSWORD = "galaxy-user-Secret-7f3a"
IMAGE = "plugspace-systemd:bookworm"
DOCKER = "/usr/bin/docker"

# Stands in for get-pip.py, which ansible-test downloads from a host this machine
# cannot reach: pip from the interpreter's own ensurepip, then the version asked
# for from the configured package index.
GET_PIP = '''"""ansible-test's pip bootstrap, offline (written by tests/package.py)."""
import ensurepip
import subprocess
import sys

ensurepip.bootstrap()
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "pip", "install", *args])
'''

PLAYBOOK = """---
- name: Install node_exporter from the collection, as a Galaxy user would
  hosts: node_exporter
  gather_facts: true
  roles:
    - role: plugspace.monitoring.node_exporter
  post_tasks:
    - name: Ask node_exporter for its metrics on the host
      ansible.builtin.uri:
        url: http://127.0.0.1:9100/metrics
        url_username: "{{ scrape_user }}"
        url_password: "{{ node_exporter_web_basic_auth_users[scrape_user] }}"
        force_basic_auth: true
        return_content: true
      register: __metrics
      failed_when: "'node_exporter_build_info' not in __metrics.content"
"""


def run(
    argv: Sequence[str], cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command, echoing it and its output; stop the check when it fails."""
    print("+", " ".join(argv), flush=True)
    done = subprocess.run(argv, cwd=cwd, env=env, text=True, capture_output=True, check=False)
    print(done.stdout, end="")
    print(done.stderr, end="", file=sys.stderr, flush=True)
    if done.returncode != 0:
        raise SystemExit(f"failed (exit {done.returncode}): {' '.join(argv)}")
    return done


def galaxy_version() -> str:
    match = re.search(r"^version:\s*(\S+)", (ROOT / "galaxy.yml").read_text(), re.MULTILINE)
    if not match:
        raise SystemExit("galaxy.yml has no version")
    return match.group(1).strip("'\"")


def build() -> Path:
    """Build the collection tarball into .cache/package; its path."""
    WORK.mkdir(parents=True, exist_ok=True)
    run([str(BIN / "ansible-galaxy"), "collection", "build", "--force", "--output-path", str(WORK)])
    return WORK / f"plugspace-monitoring-{galaxy_version()}.tar.gz"


def tarball() -> Path:
    """The built tarball (building it when missing)."""
    path = WORK / f"plugspace-monitoring-{galaxy_version()}.tar.gz"
    return path if path.is_file() else build()


def unpack(archive: Path, parent: Path) -> Path:
    """Unpack the tarball as parent/ansible_collections/plugspace/monitoring; that path."""
    target = parent / "ansible_collections" / "plugspace" / "monitoring"
    target.mkdir(parents=True)
    with tarfile.open(archive) as tar:
        tar.extractall(target)  # our own build (Python 3.11.2 has no extraction filter)
    return target


def tool_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}:{env.get('PATH', '/usr/bin:/bin')}"
    env.pop("ANSIBLE_CONFIG", None)  # the repository's ansible.cfg is not the user's
    # Nor is the test harness's preload callback (tests/run.py enables it for every check).
    env.pop("ANSIBLE_CALLBACK_PLUGINS", None)
    env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
    env.update(extra)
    return env


def pip_bootstrap_version() -> str:
    """The pip version ansible-test bootstraps into its venvs (read from ansible-test)."""
    import ansible_test

    source = Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
    match = re.search(r"pip='([0-9.]+)'", source.read_text())
    if not match:
        raise SystemExit(f"no pip version found in {source}")
    return match.group(1)


def seed_pip_bootstrap(home: Path) -> Path:
    """Put the offline get-pip stand-in where ansible-test looks before it downloads."""
    version = pip_bootstrap_version().replace(".", "_")
    script = home / ".ansible" / "test" / "cache" / f"get_pip_{version}.py"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(GET_PIP)
    return script


@contextmanager
def scratch(prefix: str) -> Iterator[Path]:
    """A temporary directory outside the repository (ansible-test and the Galaxy user need it)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def sanity() -> None:
    """ansible-test sanity on the unpacked tarball, every test, no ignore file."""
    archive = tarball()
    seed_pip_bootstrap(SANITY_HOME)
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    with scratch("plugspace-sanity-") as parent:
        collection = unpack(archive, parent)
        ignores = list((collection / "tests").glob("sanity/ignore-*.txt"))
        if ignores:
            raise SystemExit(f"sanity ignore files are not allowed: {ignores}")
        run(
            [str(BIN / "ansible-test"), "sanity", "--venv", "--python", python, "--color", "no"],
            cwd=collection,
            env=tool_env(HOME=str(SANITY_HOME)),
        )


def importer() -> None:
    """galaxy-importer on the tarball: it must finish and log no error."""
    archive = tarball()
    with scratch("plugspace-importer-") as folder:
        done = run(
            [str(BIN / "python"), "-m", "galaxy_importer.main", str(archive)],
            cwd=folder,
            env=tool_env(),
        )
    errors = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if re.match(r"^\s*(ERROR|CRITICAL)\b", line)
    ]
    if errors:
        raise SystemExit("galaxy-importer reported errors:\n" + "\n".join(errors))


def ee() -> None:
    """The execution environment's build context, and the requirements it will install."""
    context = WORK / "ee-context"
    shutil.rmtree(context, ignore_errors=True)
    run(
        [
            *[str(BIN / "ansible-builder"), "create", "-f", "execution-environment.yml"],
            *["-c", str(context), "--output-filename", "Containerfile"],
        ],
        cwd=ROOT,
        env=tool_env(),
    )
    requirements = (context / "_build" / "requirements.yml").read_text()
    if "plugspace.monitoring" not in requirements or not (context / "Containerfile").is_file():
        raise SystemExit(f"the build context does not install the collection:\n{requirements}")
    with scratch("plugspace-ee-") as parent:
        unpack(tarball(), parent)
        found = run([str(BIN / "ansible-builder"), "introspect", str(parent)], env=tool_env())
    python = re.findall(r"^- '?([A-Za-z0-9_.-]+)", found.stdout.split("system:")[0], re.MULTILINE)
    if python != ["bcrypt", "cryptography"]:
        raise SystemExit(
            f"introspection found Python requirements {python}, expected ['bcrypt', 'cryptography']"
        )
    print("The image itself is not built here: no base image can be pulled on this machine.")


def pinned_ansible_core() -> str:
    for line in (ROOT / "requirements-dev.txt").read_text().splitlines():
        if line.startswith("ansible-core=="):
            return line.strip()
    raise SystemExit("requirements-dev.txt pins no ansible-core")


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    if check:
        return run([DOCKER, *args])
    return subprocess.run([DOCKER, *args], text=True, capture_output=True, check=False)


def start_container() -> None:
    """A systemd container like Molecule's (molecule/shared/create.yml), replacing a leftover."""
    docker("rm", "-f", CONTAINER, check=False)
    docker(
        *["run", "-d", "--name", CONTAINER, "--hostname", "galaxy-user"],
        *["--cap-add", "SYS_ADMIN", "--cgroupns", "host", "--security-opt", "seccomp=unconfined"],
        *["--tmpfs", "/run", "--tmpfs", "/run/lock", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw"],
        *["--stop-signal", "SIGRTMIN+3", "-e", "container=docker", IMAGE],
    )
    deadline = time.monotonic() + 60
    while True:  # until systemd's bus is up, then until it has booted
        state = docker("exec", CONTAINER, "systemctl", "is-system-running", "--wait", check=False)
        if state.stdout.strip() in ("running", "degraded"):
            return
        if time.monotonic() > deadline:
            raise SystemExit(
                f"systemd did not come up in {CONTAINER}: {state.stdout}{state.stderr}"
            )
        time.sleep(0.5)


def fresh_venv(folder: Path, collection: Path) -> Path:
    """A new venv with ansible-core and the requirements the collection itself declares."""
    venv = folder / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    pip = [str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check"]
    run([*pip, pinned_ansible_core(), "-r", str(collection / "requirements.txt")])
    return venv


def user_project(folder: Path, collections: Path, connection: Path) -> None:
    """The user's own project: ansible.cfg, inventory and playbook, outside the repository."""
    mirror = os.environ.get("PLUGSPACE_MIRROR_URL", "")
    (folder / "ansible.cfg").write_text(
        "[defaults]\n"
        f"collections_path = {collections}:{connection}\n"
        "inject_facts_as_vars = False\n"
        "interpreter_python = /usr/bin/python3\n"
        "[connection]\npipelining = True\n"
    )
    (folder / "inventory.yml").write_text(
        "---\nnode_exporter:\n  hosts:\n    galaxy-user:\n"
        f"      ansible_connection: community.docker.docker\n"
        f"      ansible_host: {CONTAINER}\n"
        f"      binary_service_mirror_url: {mirror!r}\n"
        f"      scrape_user: {SCRAPE_USER}\n"
        f"      node_exporter_web_basic_auth_users: {{{SCRAPE_USER}: {SCRAPE_PASSWORD}}}\n"
    )
    (folder / "site.yml").write_text(PLAYBOOK)


def connection_only(folder: Path) -> Path:
    """A collections path holding only community.docker, for the test's docker connection.

    The connection is the test's, not the collection's: the CLI one (``docker exec``)
    needs no Python package, so the fresh venv stays ansible-core plus requirements.txt.
    """
    import ansible_collections.community.docker as community_docker

    path = folder / "connection"
    (path / "ansible_collections" / "community").mkdir(parents=True)
    source = Path(community_docker.__path__[0])
    (path / "ansible_collections" / "community" / "docker").symlink_to(source)
    return path


def galaxy_user() -> None:
    """Build, install --no-deps into a fresh venv, run node_exporter, ask its /metrics."""
    archive = tarball()
    with scratch("plugspace-galaxy-user-") as folder:
        unpacked = unpack(archive, folder / "unpacked")
        venv = fresh_venv(folder, unpacked)
        collections = folder / "collections"
        env = {
            "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
            "HOME": str(folder / "home"),
            "ANSIBLE_CONFIG": str(folder / "ansible.cfg"),
            "ANSIBLE_NOCOLOR": "1",
        }
        (folder / "home").mkdir()
        user_project(folder, collections, connection_only(folder))
        galaxy = str(venv / "bin" / "ansible-galaxy")
        run(
            [galaxy, "collection", "install", "--no-deps", "-p", str(collections), str(archive)],
            cwd=folder,
            env=env,
        )
        start_container()
        try:
            started = time.monotonic()
            run(
                [str(venv / "bin" / "ansible-playbook"), "-i", "inventory.yml", "site.yml"],
                cwd=folder,
                env=env,
            )
            print(f"converged in {time.monotonic() - started:.1f} s")
            check_metrics()
            check_journal()
        finally:
            docker("rm", "-f", CONTAINER, check=False)


def check_metrics() -> None:
    """node_exporter answers with basic auth, and refuses without."""
    url = "http://127.0.0.1:9100/metrics"
    auth = f"{SCRAPE_USER}:{SCRAPE_PASSWORD}"
    metrics = docker("exec", CONTAINER, "curl", "-sf", "-u", auth, url, check=False)
    if "node_exporter_build_info" not in metrics.stdout:
        raise SystemExit(f"node_exporter's {url} does not answer: {metrics.stderr}")
    anonymous = docker(
        "exec", CONTAINER, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", url
    )
    if anonymous.stdout.strip() != "401":
        raise SystemExit(f"{url} without credentials answered {anonymous.stdout}, not 401")
    print(f"{url} answers in {CONTAINER} with basic auth, 401 without")


def check_journal() -> None:
    """The scrape password reached no log on the host."""
    journal = docker("exec", CONTAINER, "journalctl", "--no-pager", "-o", "verbose", check=False)
    if SCRAPE_PASSWORD in journal.stdout:
        raise SystemExit(f"the scrape password is in {CONTAINER}'s journal")
    if "Invoked with" not in journal.stdout:
        raise SystemExit(f"no module invocation in {CONTAINER}'s journal: nothing was checked")
    print(f"{CONTAINER}'s journal holds module invocations, and not the password")


CHECKS: dict[str, Callable[[], object]] = {
    "build": build,
    "sanity": sanity,
    "importer": importer,
    "ee": ee,
    "galaxy-user": galaxy_user,
}


def main(argv: Sequence[str]) -> int:
    if len(argv) != 1 or argv[0] not in CHECKS:
        print(__doc__.splitlines()[-1], file=sys.stderr)
        return 2
    CHECKS[argv[0]]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
