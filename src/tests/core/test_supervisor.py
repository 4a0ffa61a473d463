"""`python -m xuanshu serve` runs the web server and the task worker under core.supervisor: they start together and
stop together, each with its own graceful signal, and nothing outlives the supervisor.

Real processes: the supervisor runs in a process of its own (it installs signal handlers), its children are small
Python programs that record which signal stopped them.
"""
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

CHILD = textwrap.dedent("""
    import pathlib, signal, sys, time
    record = pathlib.Path(sys.argv[1])
    def stop(signum, frame):
        record.write_text(signal.Signals(signum).name)
        sys.exit(0)
    if sys.argv[2] == "graceful":
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
    elif sys.argv[2] == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    elif sys.argv[2].startswith("exit"):
        time.sleep(0.5)
        sys.exit(int(sys.argv[2][4:]))
    pathlib.Path(sys.argv[1] + ".ready").touch()
    while True:
        time.sleep(0.05)
""")

SUPERVISOR = textwrap.dedent("""
    import os, signal, sys
    from xuanshu.core.supervisor import Child, supervise
    child, web, worker, web_mode, stop_timeout = sys.argv[1:]
    children = [
        Child("web", [sys.executable, "-c", child, web, web_mode]),
        Child("worker", [sys.executable, "-c", child, worker, "graceful"], stop_signal=signal.SIGINT),
    ]
    sys.exit(supervise(children, env=dict(os.environ), stop_timeout=float(stop_timeout), log=lambda line: print(line, flush=True)))
""")


def start(tmp_path: Path, web_mode: str = "graceful", stop_timeout: float = 5.0) -> subprocess.Popen:
    argv = [sys.executable, "-c", SUPERVISOR, CHILD, str(tmp_path / "web"), str(tmp_path / "worker"), web_mode, str(stop_timeout)]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})


def wait_for(path: Path, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def finish(supervisor: subprocess.Popen) -> tuple[int, str, dict[str, int]]:
    output, _ = supervisor.communicate(timeout=20)
    pids = {name: int(pid) for name, pid in re.findall(r"^(\w+): started \(pid (\d+)\)$", output, re.MULTILINE)}
    return supervisor.returncode, output, pids


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_an_interrupt_stops_both_each_with_its_graceful_signal(tmp_path):
    supervisor = start(tmp_path)
    wait_for(tmp_path / "web.ready")
    wait_for(tmp_path / "worker.ready")
    supervisor.send_signal(signal.SIGINT)  # Ctrl-C reaches only the supervisor: its children have their own group
    status, output, pids = finish(supervisor)
    assert (status, (tmp_path / "web").read_text(), (tmp_path / "worker").read_text()) == (0, "SIGTERM", "SIGINT")
    assert output.splitlines()[2:] == ["received SIGINT; stopping", "web: stopped", "worker: stopped"]
    assert sorted(pids) == ["web", "worker"] and all(gone(pid) for pid in pids.values())


def test_when_one_child_ends_the_other_is_stopped_and_its_status_returned(tmp_path):
    supervisor = start(tmp_path, web_mode="exit3")
    status, output, pids = finish(supervisor)
    assert (status, (tmp_path / "worker").read_text()) == (3, "SIGINT")
    assert "web: exited with status 3; stopping the others" in output
    assert all(gone(pid) for pid in pids.values())


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_child_that_ignores_its_stop_signal_is_killed_after_the_timeout(tmp_path, sig):
    supervisor = start(tmp_path, web_mode="stubborn", stop_timeout=1.0)
    wait_for(tmp_path / "web.ready")
    wait_for(tmp_path / "worker.ready")
    supervisor.send_signal(sig)
    status, output, pids = finish(supervisor)
    assert (status, (tmp_path / "worker").read_text(), (tmp_path / "web").exists()) == (0, "SIGINT", False)
    assert "web: still running after 1 s; killing it" in output
    assert all(gone(pid) for pid in pids.values())


def test_killing_the_supervisor_takes_its_children_with_it(tmp_path):
    supervisor = start(tmp_path)
    wait_for(tmp_path / "web.ready")
    wait_for(tmp_path / "worker.ready")
    supervisor.kill()  # no chance to stop anything itself: the children get SIGTERM from the kernel (PR_SET_PDEATHSIG)
    _status, _output, pids = finish(supervisor)
    wait_for(tmp_path / "web")
    wait_for(tmp_path / "worker")
    assert ((tmp_path / "web").read_text(), (tmp_path / "worker").read_text()) == ("SIGTERM", "SIGTERM")
    deadline = time.monotonic() + 5
    while not all(gone(pid) for pid in pids.values()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
