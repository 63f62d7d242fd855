"""Running a user's script in simnet's own process so that whatever it does ends cleanly.

``simnet account my_model.py`` executes the script to make its Brian2 objects (they must be made on simnet's
device, inside the run). A script written to be run by itself may exit (``sys.exit(3)``, ``os._exit``), change the
working directory, start child processes, select a device of its own or never return. :func:`guarded` wraps the
execution so that each of these ends as the project promises: an exit is one line of bad input naming the
script; the working directory is put back (so the results file lands where it was asked for); child processes
the script started and left running are stopped; ``set_device`` is ignored (simnet's device takes over, and a
note says so); and the script's own code gets a time limit, after which the account ends with one line.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
from contextlib import contextmanager
from typing import Iterator

import brian2

from simnet.base.errors import SimulationFailed, UsageError

__all__ = ["DEFAULT_TIMEOUT_S", "Guard", "guarded", "descendants"]

#: How long a script's own code may take to make its network, unless told otherwise (``--timeout``): far more
#: than building any network that fits in memory takes in Brian2's Python, short enough that a script stuck in
#: an endless loop does not hold a terminal or a CI job for hours.
DEFAULT_TIMEOUT_S = 600.0


class _ScriptExited(BaseException):
    """The script called ``os._exit``: turned into an exception so that simnet's clean-up runs."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


class _TimedOut(BaseException):
    """The script's time limit passed (raised from SIGALRM in the main thread)."""


class Guard:
    """What happened while a script ran: notes for the record (a device it asked for, children stopped)."""

    def __init__(self):
        self.notes: list[str] = []


@contextmanager
def guarded(where: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> Iterator[Guard]:
    """Run the block (a user's script) with its exits, working-directory changes, child processes, device
    choices and run time kept in bounds; ``where`` names the script in messages."""
    guard = Guard()
    cwd = os.getcwd()
    children_before = descendants(os.getpid())
    originals = _patch_process_exits(), _patch_set_device(guard, where)
    alarm = _start_alarm(timeout_s)
    try:
        yield guard
    except (SystemExit, _ScriptExited) as exited:
        code = exited.code if exited.code is not None else 0
        how = "os._exit" if isinstance(exited, _ScriptExited) else "sys.exit"
        raise UsageError(f"{where} called {how}({code!r}) while building its network; simnet runs the network "
                         "itself: put the script's run and exit calls under `if __name__ == \"__main__\":`",
                         parameter="script") from None
    except _TimedOut:
        raise SimulationFailed(f"{where} did not finish building its network within {timeout_s:g} s (timeout); "
                               "give a longer --timeout if it is just slow") from None
    finally:
        _stop_alarm(alarm)
        _restore(originals)
        try:
            if os.getcwd() != cwd:
                guard.notes.append(f"{where} changed the working directory; simnet put it back")
        except OSError:  # the script removed the directory it moved to
            pass
        os.chdir(cwd)
        left = [pid for pid in descendants(os.getpid()) if pid not in children_before]
        if left:
            _stop(left)
            guard.notes.append(f"{where} started {len(left)} process(es) that were still running; simnet stopped "
                               "them")


def descendants(pid: int) -> list[int]:
    """The processes below ``pid`` (children, their children, ...), read from /proc; empty where there is none."""
    parents: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != b"Z":
            parents.setdefault(int(fields[1]), []).append(int(entry))
    found, pending = [], [pid]
    while pending:
        for child in parents.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


def _stop(pids: list[int]) -> None:
    """SIGTERM, a moment's grace, then SIGKILL to what is still there; each reaped if it is our child."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            for pid in pids:
                try:
                    os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    pass
            if not any(_alive(pid) for pid in pids):
                return
            time.sleep(0.02)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


def _patch_process_exits():
    original = os._exit

    def refuse(code=0):
        raise _ScriptExited(code)

    os._exit = refuse
    return ("_exit", os, original)


def _patch_set_device(guard: Guard, where: str):
    """``set_device`` from the script is ignored: simnet has set its backend's device and builds the project."""
    devices = sys.modules["brian2.devices.device"]  # the module (``brian2.devices.device`` is also an object)
    original = devices.set_device

    def ignore(device, *args, **kwargs):
        name = device if isinstance(device, str) else type(device).__name__
        guard.notes.append(f"{where} selects Brian2 device {name!r} with set_device; simnet's backend's device "
                           "took over (choose it with --backend)")

    devices.set_device = ignore
    brian2.set_device = ignore
    return ("set_device", (devices, brian2), original)


def _restore(originals) -> None:
    for name, owner, original in originals:
        for module in owner if isinstance(owner, tuple) else (owner,):
            setattr(module, name, original)


def _start_alarm(timeout_s: float):
    """A SIGALRM after ``timeout_s`` that raises :class:`_TimedOut`; only in the main thread (elsewhere signals
    cannot be handled, and there is no limit)."""
    if threading.current_thread() is not threading.main_thread() or not timeout_s:
        return None

    def expire(_number, _frame):
        raise _TimedOut()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, timeout_s)
    return previous


def _stop_alarm(previous) -> None:
    if previous is None:
        return
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)

