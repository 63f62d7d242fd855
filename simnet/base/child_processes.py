"""Child processes that never outlive simnet: the compiler, the generated program, a peer.

A child started here runs in a session (and so a process group) of its own, under a small shell that stays its
parent: the terminal's Ctrl-C reaches simnet alone, and simnet stops the child's whole group (make with its
compilers, a peer with the program it started) before it lets the interruption go on. If simnet itself is killed
outright (SIGKILL), Linux sends the shell a signal (``PR_SET_PDEATHSIG``), on which it stops its whole group the
same way, so nothing the child started runs on, orphaned. Stopping is SIGTERM first, so that make and the compiler
remove their partial and temporary files, then SIGKILL for what is left. Descriptors in ``keep_fds`` are
inherited: a lock simnet holds on one stays held until the child, and whatever it started, have exited.
"""
from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from types import ModuleType
from typing import Optional, Sequence

__all__ = ["start", "STOP_GRACE_S", "stop", "wait", "communicate", "run", "output", "tied_calls",
           "RU_MAXRSS_BYTES", "children_peak_rss_bytes"]

_PR_SET_PDEATHSIG = 1


def _find_prctl():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


# Looked up once here: between fork and exec the child should only call it, not load a library.
_PRCTL = _find_prctl()


#: The shell between simnet and a child: runs it in the background (its stderr the shell's own, the shell's job
#: reports silenced) and waits. On SIGUSR1, the signal Linux sends when simnet dies, it sends SIGTERM to its whole
#: process group, gives it two seconds, then kills what is left, itself included.
_WATCHDOG = ('exec 3>&2 2>/dev/null; trap "trap \'\' TERM USR1; kill -TERM 0; sleep 2; kill -9 0" USR1; '
             '"$@" 2>&3 3>&- & wait $!')


def _tie_to(parent: int):
    def in_child():
        if _PRCTL is not None:
            _PRCTL(_PR_SET_PDEATHSIG, signal.SIGUSR1, 0, 0, 0)
        if os.getppid() != parent:  # simnet was gone before the death signal was armed
            os._exit(1)
    return in_child


def start(args: Sequence[str], *, keep_fds: Sequence[int] = (), **popen_kwargs) -> subprocess.Popen:
    """Start ``args`` in its own process group, tied to this process's life (see the module docstring).

    The returned process is the watching shell; its exit status is the child's (128 + N when signal N ended it).
    """
    return subprocess.Popen(["/bin/sh", "-c", _WATCHDOG, "sh", *args], start_new_session=True,
                            pass_fds=tuple(keep_fds), preexec_fn=_tie_to(os.getpid()), **popen_kwargs)


#: Seconds a stopped group has to end on SIGTERM before it is killed.
STOP_GRACE_S = 5.0


def stop(proc: subprocess.Popen) -> None:
    """End ``proc``'s whole process group: SIGTERM (make and the compiler then remove their partial and temporary
    files), and SIGKILL for whatever is still there after :data:`STOP_GRACE_S`."""
    group = proc.pid
    try:
        os.killpg(group, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()
    deadline = time.monotonic() + STOP_GRACE_S
    while _group_alive(group):
        if time.monotonic() > deadline:
            os.killpg(group, signal.SIGKILL)
            break
        time.sleep(0.02)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def wait(proc: subprocess.Popen, timeout: Optional[float] = None) -> int:
    """Wait for ``proc``; whatever interrupts the wait (Ctrl-C, a timeout) first stops its whole group."""
    try:
        return proc.wait(timeout)
    except BaseException:
        stop(proc)
        raise


def communicate(proc: subprocess.Popen, timeout: Optional[float] = None) -> tuple:
    """``proc.communicate`` (its output, when piped); an interruption or timeout first stops its whole group."""
    try:
        return proc.communicate(timeout=timeout)
    except BaseException:
        stop(proc)
        raise


def run(args: Sequence[str], **kwargs) -> int:
    """Run ``args`` to the end (see :func:`start`) and return its exit status."""
    return wait(start(args, **kwargs))


def output(args: Sequence[str], timeout: Optional[float] = None, **kwargs) -> subprocess.CompletedProcess:
    """Run ``args`` to the end with its output captured as text (``subprocess.run(..., capture_output=True,
    text=True)``, tied as :func:`start` ties it); a timeout stops its group and raises ``TimeoutExpired``."""
    proc = start(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                 **kwargs)
    stdout, stderr = communicate(proc, timeout)
    return subprocess.CompletedProcess(list(args), proc.returncode, stdout, stderr)


@contextmanager
def tied_calls(module: ModuleType, keep_fds: Sequence[int] = ()):
    """While this is open, what ``module`` starts with ``subprocess.call`` or ``check_call`` (as ``subprocess.x``
    or imported by name) is started by :func:`run` instead: for a library's code that starts children (Brian2's
    C++ device its program; Brian2GeNN's GeNN's builder, make and the program)."""
    def call(args, stdout=None, **kwargs):
        return run(args, stdout=stdout, keep_fds=keep_fds, **kwargs)

    def check_call(args, **kwargs):
        status = call(args, **kwargs)
        if status:
            raise subprocess.CalledProcessError(status, args)
        return 0

    class TiedSubprocess:
        def __getattr__(self, name):
            return getattr(subprocess, name)

    tied = TiedSubprocess()
    tied.call, tied.check_call = call, check_call
    replacements = {"subprocess": tied, "call": call, "check_call": check_call}
    originals = {name: getattr(module, name) for name in replacements if hasattr(module, name)}
    for name in originals:
        setattr(module, name, replacements[name])
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(module, name, original)


#: Bytes per unit of ``getrusage``'s ``ru_maxrss``: KiB on Linux, bytes on macOS.
RU_MAXRSS_BYTES = 1 if sys.platform == "darwin" else 1024


def children_peak_rss_bytes() -> int:
    """The peak resident set size of the largest child (or grandchild) waited for so far, in bytes.

    ``RUSAGE_CHILDREN`` keeps a maximum over every finished descendant, not a sum: read between two phases (after
    compiling, before the program runs) it tells the first phase's peak apart from the second's.
    """
    import resource

    return int(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * RU_MAXRSS_BYTES)
