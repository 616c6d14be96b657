import os
import socket
from pathlib import Path

from plugins.modules import run_lock


def fake_proc(root: Path, pid: int, ppid: int, cmd: str, ticks: str = "1000") -> None:
    folder = root / str(pid)
    folder.mkdir(parents=True)
    (folder / "status").write_text(f"Name:\tx\nPPid:\t{ppid}\n")
    (folder / "cmdline").write_text(cmd.replace(" ", "\0") + "\0")
    fields = ["S"] + ["0"] * 18 + [ticks] + ["0"] * 5
    (folder / "stat").write_text(f"{pid} (x y) " + " ".join(fields))


def test_the_run_is_the_topmost_ansible_playbook_process(tmp_path: Path) -> None:
    fake_proc(tmp_path, 10, 1, "bash")
    fake_proc(tmp_path, 20, 10, "/usr/bin/python3 /venv/bin/ansible-playbook site.yml")
    fake_proc(tmp_path, 30, 20, "/usr/bin/python3 /venv/bin/ansible-playbook site.yml")  # a worker
    fake_proc(tmp_path, 40, 30, "python AnsiballZ_run_lock.py")
    assert run_lock.playbook_process(40, tmp_path) == 20
    # A run started from a task of another run (molecule's verify) is its own run.
    fake_proc(tmp_path, 5, 1, "/venv/bin/ansible-playbook verify.yml")
    fake_proc(tmp_path, 6, 5, "/venv/bin/ansible-playbook verify.yml")
    fake_proc(tmp_path, 7, 6, "/bin/bash -c ansible-playbook site.yml")
    fake_proc(tmp_path, 8, 7, "python3 /venv/bin/ansible-playbook site.yml")
    fake_proc(tmp_path, 9, 8, "python3 /venv/bin/ansible-playbook site.yml")
    fake_proc(tmp_path, 11, 9, "python AnsiballZ_run_lock.py")
    assert run_lock.playbook_process(11, tmp_path) == 8
    assert run_lock.start_ticks(20, tmp_path) == "1000"
    assert run_lock.start_ticks(99, tmp_path) == ""


def me(pid: int) -> dict[str, object]:
    return {
        "host": socket.gethostname(),
        "pid": pid,
        "ticks": run_lock.start_ticks(pid),
        "since": "t",
    }


def test_a_second_run_is_refused_naming_the_first(tmp_path: Path) -> None:
    lock = tmp_path / "inv" / ".production.lock"
    first = me(os.getpid())  # a live process
    assert run_lock.take(lock, first)["changed"]
    assert run_lock.take(lock, first) == {"changed": False, "holder": first}
    refused = run_lock.take(lock, me(1))
    assert refused["failed"]
    assert f"(pid {os.getpid()}, holding it since t)" in refused["msg"]
    assert run_lock.release(lock, me(1))["changed"] is False
    assert lock.exists()
    assert run_lock.release(lock, first)["changed"]
    assert not lock.exists()


def test_a_dead_runs_lock_is_taken_over(tmp_path: Path) -> None:
    lock = tmp_path / "run.lock"
    dead = {"host": socket.gethostname(), "pid": 2**22 + 1, "ticks": "5", "since": "t"}
    run_lock.take(lock, dead)
    result = run_lock.take(lock, me(os.getpid()))
    assert result["changed"]
    assert result["taken_over"] == dead
    lock.write_text("{half")
    assert run_lock.take(lock, me(os.getpid()))["changed"]


def test_a_lock_of_another_controller_is_respected(tmp_path: Path) -> None:
    lock = tmp_path / "run.lock"
    run_lock.take(lock, {"host": "elsewhere", "pid": 1, "ticks": "1", "since": "t"})
    assert run_lock.take(lock, me(os.getpid()))["failed"]
