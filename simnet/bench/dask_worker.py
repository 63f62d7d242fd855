"""What a worker process of simnet's local Dask cluster sets up as it starts (a Dask preload), so that an interrupted
run ends there as a serial run does: at once, cleaned up, with nothing said but simnet's one line.

- The worker leaves simnet's session (``os.setsid``): Ctrl-C at the terminal, or SIGHUP when it closes, reach simnet
  alone, which then stops its cluster in order, rather than each worker dying of it with a traceback of its own.
- SIGTERM, which simnet sends its workers when it is interrupted (:class:`~simnet.bench.executors.DaskExecutor`, as
  it closes), stops the point a worker is running: :class:`PointStopped` is raised in the thread running it and what
  it started (the compiler, a generated program, a peer) gets SIGTERM, so the point cleans up as an interrupted
  serial run does, and the worker can then close normally (its Brian2 logs removed on the way out), not be killed by
  its nanny after a wait. A point that does not end within :data:`STOP_GRACE_S` (stuck in compiled code, which no
  exception interrupts: building a large network's synapses, say) ends with its worker, its Brian2 logs and what it
  started removed first.
- Brian2's console messages and Python's warnings are one line each (``simnet: warning: ...``), as in simnet itself.
- What the worker and its children (the compiler) write to stderr passes through a gate closed once its points are
  stopped: a compiler stopped mid-file has its assembler complain about the temporary file its driver just removed,
  and that is not the user's business (simnet's own line says the run was interrupted).
- Its temporary files, and its children's, go into the folder simnet names in its TMPDIR, inside the cluster's own
  directory, which simnet removes once every worker has ended: a point stopped while Brian2 removes one of its
  compiler-flag probes, or a worker that ends before its stopped point has cleaned up, leaves nothing in the user's
  TMPDIR.
"""
from __future__ import annotations

import atexit
import ctypes
import logging
import os
import signal
import sys
import tempfile
import threading
import time
import warnings

__all__ = ["PointStopped", "STOP_GRACE_S", "dask_setup", "run_unless_stopped", "stop_points"]

#: Seconds a stopped point has to end before its worker ends (Dask's nanny, closing it, kills it after 4).
STOP_GRACE_S = 2.5

#: Set once this worker's points are stopped: a point queued for it meanwhile does not start.
_stopped = threading.Event()

#: Threads already told to stop. Stopping is asked for more than once (simnet, then Dask's nanny as the cluster
#: closes, then simnet's sweep of what is left); a second exception would land in the clean-up the first one runs
#: (a ``finally``, a temporary directory being removed) and leave it half done.
_told: set[int] = set()


class PointStopped(BaseException):
    """Raised in a worker's thread running a point when simnet is interrupted. Not an ``Exception``, so that neither
    the point's own error handling (which records a failure and goes on) nor a library's fallback takes it for a
    failure to carry on from; not a ``KeyboardInterrupt``, which Dask lets through to end the worker's event loop."""

    def __init__(self, *args):
        super().__init__(*(args or ("the run was interrupted",)))


def run_unless_stopped(function, job):
    """``function(job)``, what simnet's executor runs on a worker, unless this worker's points were stopped (a point
    it was given as simnet was interrupted, before the cancellation reached it)."""
    if _stopped.is_set():
        raise PointStopped()
    return function(job)


def dask_setup(worker) -> None:
    """Called by Dask in the worker process's main thread as the worker starts."""
    try:
        os.setsid()
    except OSError:  # already the leader of a session
        pass
    # simnet started this process with Ctrl-C, SIGTERM and SIGHUP held (simnet.bench.executors). A Ctrl-C or hang-up
    # sent to simnet's process group before the line above is meant for simnet: dropped here (a signal set to be
    # ignored is discarded), not delivered.
    for number in (signal.SIGINT, getattr(signal, "SIGHUP", signal.SIGINT)):
        signal.signal(number, signal.signal(number, signal.SIG_IGN))
    signal.signal(signal.SIGTERM, lambda _number, _frame: stop_points(worker))
    # The exception may land where Python can only report it: a thread that just ended its point and went idle
    # (nothing to stop: it says nothing), or code run by the garbage collector in a point's thread (its callbacks,
    # a __del__), which would lose it: it is raised again there a moment later, once that code has returned (raised
    # from here, it would land in this hook).
    shown, reported = threading.excepthook, sys.unraisablehook

    def raise_again(thread_id):
        if thread_id in getattr(worker, "active_threads", {}):
            _raise_in(thread_id)

    def lost(args):
        if not issubclass(args.exc_type, PointStopped):
            reported(args)
        else:
            threading.Timer(0.01, raise_again, args=(threading.get_ident(),)).start()

    threading.excepthook = lambda args: None if issubclass(args.exc_type, PointStopped) else shown(args)
    sys.unraisablehook = lost
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, (signal.SIGINT, signal.SIGTERM,
                                                    getattr(signal, "SIGHUP", signal.SIGTERM)))
    _temporary_folder_as_set()
    _one_line_messages()
    _gate_stderr()


def _temporary_folder_as_set() -> None:
    """Temporary files where this process's TMPDIR says (the cluster's folder, :mod:`simnet.bench.executors`), even
    if :mod:`tempfile` chose its folder before the worker's environment was set."""
    tempfile.tempdir = None


def _gate_stderr() -> None:
    """Route file descriptor 2 (this process's and, inherited, its children's) through a pipe that a thread
    copies to the real stderr until :data:`_stopped` is set, and drops after."""
    try:
        real = os.dup(2)
        read_end, write_end = os.pipe()
    except OSError:  # no stderr to gate: nothing to hide either
        return
    sys.stderr.flush()
    os.dup2(write_end, 2)
    os.close(write_end)

    def copy():
        while True:
            try:
                chunk = os.read(read_end, 65536)
            except OSError:
                return
            if not chunk:
                return
            if not _stopped.is_set():
                try:
                    os.write(real, chunk)
                except OSError:
                    pass

    copier = threading.Thread(target=copy, daemon=True, name="simnet: stderr gate")
    copier.start()

    def ungate():
        """At exit: fd 2 back to the real stderr (the pipe then ends once children holding it have), and what is
        in the pipe copied out first."""
        try:
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        os.dup2(real, 2)
        copier.join(timeout=0.5)

    atexit.register(ungate)


def stop_points(worker) -> None:
    """Stop the points ``worker`` is running: :class:`PointStopped` in each thread running one (once: see
    :data:`_told`), then SIGTERM to what this worker started (raised first, so that a thread waiting for such a
    process stops when it ends rather than going on, e.g. to a fallback after its compiler failed)."""
    _stopped.set()  # first: a point starting from now on ends at once
    running = [thread_id for thread_id in getattr(worker, "active_threads", {}) if thread_id not in _told]
    for thread_id in running:
        _told.add(thread_id)
        _raise_in(thread_id)
    _signal_children(signal.SIGTERM)
    if running:
        threading.Thread(target=_end_if_still_running, args=(worker, running), daemon=True,
                         name="simnet: stop points").start()


def _raise_in(thread_id: int) -> None:
    """Raise :class:`PointStopped` in thread ``thread_id`` when it next runs Python code."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(PointStopped))


def _signal_children(number: int) -> None:
    """Send ``number`` to everything this worker started, as Ctrl-C at a terminal reaches a whole job at once (the
    compiler's driver removes its temporary files on it; its subprocesses end with it, not after it), and to the
    whole process group of one that has its own (a :mod:`simnet.base.child_processes` child)."""
    import psutil

    try:
        children = psutil.Process().children(recursive=True)
    except psutil.Error:
        return
    for child in children:
        try:
            if os.getpgid(child.pid) == child.pid:
                os.killpg(child.pid, number)
            else:
                child.send_signal(number)
        except (psutil.Error, OSError):  # ended meanwhile
            pass


def _end_if_still_running(worker, threads: list) -> None:
    """End this worker if a stopped point is still running after :data:`STOP_GRACE_S`, as its nanny would
    (SIGKILL) a moment later, but removing Brian2's logs and what the point started first."""
    deadline = time.monotonic() + STOP_GRACE_S
    while time.monotonic() < deadline:
        if not set(threads) & set(getattr(worker, "active_threads", {})):
            return
        time.sleep(0.05)
    try:
        from brian2.utils.logger import clean_up_logging

        clean_up_logging()  # what Brian2 does at a normal exit: its debug log and copy of the script removed
    except Exception:  # noqa: BLE001 -- ending is what matters now
        pass
    _signal_children(signal.SIGKILL)
    os._exit(128 + signal.SIGTERM)


def _one_line_messages() -> None:
    """Python's warnings and Brian2's console messages in the worker as simnet's own process shows them
    (:func:`simnet.cli.outcome.warnings_as_lines`): one line per warning, Brian2's below ERROR kept to its log."""
    def show(message, category, *_args, **_kwargs):
        if not issubclass(category, (DeprecationWarning, PendingDeprecationWarning)):
            print(f"simnet: warning: {message}", file=sys.stderr, flush=True)

    from brian2.utils.logger import BrianLogger  # its import routes warnings into its log: undone below

    logging.captureWarnings(False)
    warnings.showwarning = show
    if getattr(BrianLogger, "console_handler", None) is not None:
        BrianLogger.console_handler.setLevel(logging.ERROR)
