"""Run a few long-lived processes as one: they start together, stop together, and none outlives the supervisor.

`python -m xuanshu serve` uses it for the web server and the task worker. Each child runs in its own process
group, so Ctrl-C reaches only the supervisor, which then stops every child with its own graceful signal and,
after a timeout, kills what is left of its group. On Linux each child also gets SIGTERM if the supervisor
itself dies (PR_SET_PDEATHSIG), so even a killed supervisor leaves no stray server behind.
"""
import ctypes
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

PR_SET_PDEATHSIG = 1
POLL_SECONDS = 0.2


@dataclass(frozen=True)
class Child:
    name: str
    argv: list[str]
    stop_signal: int = signal.SIGTERM  # the child's own graceful shutdown


def _die_with_parent(parent_pid: int):
    def setup() -> None:
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        except (OSError, AttributeError):
            pass  # not Linux: the process group still lets the supervisor stop everything
        if os.getppid() != parent_pid:  # the supervisor died before prctl took effect
            os._exit(1)

    return setup


def supervise(children: list[Child], *, env: dict, stop_timeout: float = 30.0, log=print) -> int:
    """Start `children`, wait until a signal (INT, TERM, HUP) arrives or one of them exits, then stop them all.

    Returns 0 after a requested stop, else the exit status of the child that ended first (1 if that was 0).
    """
    received: list[int] = []
    previous = {sig: signal.signal(sig, lambda signum, frame: received.append(signum))
                for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    running: dict[str, subprocess.Popen] = {}
    status = 0
    try:
        for child in children:
            running[child.name] = subprocess.Popen(
                child.argv, env=env, start_new_session=True, preexec_fn=_die_with_parent(os.getpid()),
            )
            log(f"{child.name}: started (pid {running[child.name].pid})")
        while not received:
            ended = next(((name, process) for name, process in running.items() if process.poll() is not None), None)
            if ended is not None:
                name, process = ended
                status = process.returncode or 1
                log(f"{name}: exited with status {process.returncode}; stopping the others")
                break
            time.sleep(POLL_SECONDS)
        else:
            log(f"received {signal.Signals(received[0]).name}; stopping")
    finally:
        _stop(children, running, stop_timeout, log)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status


def _stop(children: list[Child], running: dict[str, subprocess.Popen], timeout: float, log) -> None:
    for child in children:
        process = running.get(child.name)
        if process is not None and process.poll() is None:
            _signal_group(process, child.stop_signal)
    deadline = time.monotonic() + timeout
    for child in children:
        process = running.get(child.name)
        if process is None:
            continue
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log(f"{child.name}: still running after {timeout:g} s; killing it")
        # Whatever it forked (gunicorn's workers) goes with it.
        _signal_group(process, signal.SIGKILL)
        process.wait()
        log(f"{child.name}: stopped")


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def python_module(module: str, *args: str) -> list[str]:
    """argv that runs `python -m module args…` with this interpreter (the virtualenv's)."""
    return [sys.executable, "-m", module, *args]
