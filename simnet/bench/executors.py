"""Executors: who runs the points of an experiment. One small interface, two implementations.

An executor is a context manager with ``map(function, jobs)``, which yields ``(job, result)`` as jobs finish
(``result`` is what ``function(job)`` returned, or a :class:`Failure` saying why there is none), ``describe()``,
stored in the summary's provenance, and ``notes()``, caveats for the summary's notes.

- :class:`SerialExecutor` (the default; nothing to install) runs the jobs in this process, one after another, in
  the order given.
- :class:`DaskExecutor` sends them to a Dask distributed cluster, an existing one (``scheduler`` address) or a
  ``LocalCluster`` of ``workers`` single-threaded processes on this machine. Each job holds its ``resources``
  (:func:`simnet.bench.points.point_resources`: the whole machine, and a GPU where it uses one) while it runs,
  so a worker offering ``machine=1`` runs one timed point at a time. Jobs start in the order given as workers
  become free; a job no worker offers the resources for is reported as a failure at once. A job whose worker
  dies is retried once (on another worker, or on the one its nanny restarted) and then reported as a failure
  (the scheduler's ``allowed-failures`` set to 1: simnet sets it for its own local cluster and reports the
  value an existing scheduler uses).

An interrupted run (Ctrl-C, SIGTERM, SIGHUP) ends on a local cluster as it does in this process: no point starts
any more, the running ones are stopped and clean up (:mod:`simnet.bench.dask_worker`), the workers close, anything
they started that is left is ended, and Dask says nothing (its logs are silenced, CRITICAL ones included: simnet
reports what failed itself). On an existing cluster, points already running finish on their workers.
"""
from __future__ import annotations

import logging
import os
import secrets
import shutil
import signal
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator, Optional, Sequence

from simnet.base.errors import UsageError
from simnet.bench.dask_worker import run_unless_stopped
from simnet.bench.points import GPU, MACHINE, one_line
from simnet.machine.describe import describe_gpus

__all__ = ["ALLOWED_FAILURES", "WAIT_FOR_WORKERS_S", "INTERRUPTIONS", "Failure", "SerialExecutor", "DaskExecutor",
           "open_executor"]

#: How often a point may be running on a worker that dies before it is reported as failed (1: one retry).
ALLOWED_FAILURES = 1
#: How long to wait for a first worker when the cluster has none yet.
WAIT_FOR_WORKERS_S = 30.0
#: The level of Dask's logs shown on a local cluster: none (a point stopped as simnet is interrupted may end in a
#: worker's idle thread, which Dask reports as CRITICAL).
_SILENT = logging.CRITICAL + 1
#: The environment variable that marks what the workers of a local cluster started (its value is the cluster's).
_CLUSTER_TAG = "SIMNET_DASK_CLUSTER"


@dataclass(frozen=True)
class Failure:
    """A job that returned nothing: why."""

    reason: str


class SerialExecutor:
    """Every job in this process, one at a time, in the order given (Ctrl-C stops at once)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def map(self, function: Callable, jobs: Sequence) -> Iterator[tuple[object, object]]:
        for job in jobs:
            try:
                yield job, function(job)
            except Exception as err:  # the function's own failure, kept as the job's result
                yield job, Failure(one_line(err))

    def describe(self) -> dict:
        return {"kind": "serial", "where": "this process, one point at a time, in the listed order"}

    def notes(self) -> list[str]:
        return []


class DaskExecutor:
    """Jobs on a Dask cluster: ``scheduler`` (e.g. ``tcp://host:8786``) or a local cluster of ``workers``."""

    def __init__(self, scheduler: Optional[str] = None, workers: Optional[int] = None):
        """Checks the arguments (and that Dask is installed); nothing is started until the executor is entered."""
        if (scheduler is None) == (workers is None):
            raise UsageError("give a scheduler address or a number of local workers (one of the two)",
                             parameter="scheduler")
        if workers is not None and workers < 1:
            raise UsageError(f"workers must be at least 1, got {workers}", parameter="workers")
        try:
            from distributed.comm.addressing import parse_address, parse_host_port
        except ImportError:
            raise UsageError("running points on a Dask cluster needs dask and distributed: "
                             "pip install 'simnet[dask]'", parameter="scheduler" if scheduler else "workers") \
                from None
        if scheduler is not None:
            try:
                protocol, location = parse_address(scheduler)
                if protocol in ("tcp", "tls"):
                    parse_host_port(location)
            except ValueError:
                raise UsageError(f"scheduler must be an address such as tcp://host:8786, got {scheduler!r}",
                                 parameter="scheduler") from None
            _check_reachable_kind(protocol, scheduler)
        self.scheduler, self.workers = scheduler, workers
        self._client = self._cluster = None
        self._allowed_failures: Optional[int] = None
        self._entered = 0
        self._pending: dict = {}  # futures submitted and not yet reported
        self._scratch: Optional[str] = None  # the local cluster's working folder
        self._tag = ""

    def __enter__(self):
        """Connect (or start the local cluster); entered again while open, the same cluster serves (so one cluster
        can run several experiments), and it closes when the outermost ``with`` ends."""
        import dask.config
        from distributed import Client, LocalCluster

        self._entered += 1
        if self._client is not None:
            return self
        if self.workers is not None:
            resources = {MACHINE: 1, **({GPU: 1} if describe_gpus() else {})}
            self._tag = secrets.token_hex(8)
            self._scratch = tempfile.mkdtemp(prefix="simnet-dask-")
            # the workers' temporary files (and their children's) live here, removed with the cluster
            workers_tmp = os.path.join(self._scratch, "tmp")
            os.mkdir(workers_tmp)
            try:
                _start_resource_tracker()
                # A cluster half made cannot be closed: an interruption meanwhile is held until it is up (and is
                # then handled as in a run). The workers start with it held, and let it go once on their own.
                with _interruptions_held(), dask.config.set({
                        "distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
                        "temporary-directory": self._scratch}):
                    # No memory limit: a point may need most of the machine, and the nanny would kill it.
                    self._cluster = LocalCluster(
                        n_workers=self.workers, threads_per_worker=1, processes=True, resources=resources,
                        memory_limit=0, dashboard_address=None, host="127.0.0.1", silence_logs=_SILENT,
                        local_directory=self._scratch, preload=["simnet.bench.dask_worker"],
                        env={_CLUSTER_TAG: self._tag, "TMPDIR": workers_tmp})
                    self._client = Client(self._cluster, set_as_default=False)
            except BaseException:  # interrupted while it started, or it could not: nothing of it is left
                self._entered -= 1
                self._close(stop_points=True)
                raise
        else:
            try:
                self._client = Client(self.scheduler, timeout="10s", set_as_default=False)
            except Exception as err:  # noqa: BLE001 -- OSError, TimeoutError, or distributed's own, by protocol
                self._entered -= 1
                raise UsageError(f"cannot reach a Dask scheduler at {self.scheduler}: {one_line(err)}",
                                 parameter="scheduler") from None
        try:
            self._allowed_failures = self._client.run_on_scheduler(
                lambda dask_scheduler: dask_scheduler.allowed_failures)
        except Exception:  # an older or locked-down scheduler: the value stays unknown, and is reported so
            self._allowed_failures = None
        return self

    def __exit__(self, exc_type, *exc) -> None:
        """Close the cluster (or the connection) when the outermost ``with`` ends; when it ends on an exception (an
        interruption), the local cluster's running points are stopped first, not waited for."""
        self._entered -= 1
        if exc_type is not None:
            self._cancel_pending()
        if self._entered > 0:
            return
        self._close(stop_points=exc_type is not None)

    def _cancel_pending(self) -> None:
        """Nothing submitted and not yet reported should start any more."""
        if self._pending and self._client is not None:
            self._client.cancel(list(self._pending))
        self._pending = {}

    def _close(self, stop_points: bool) -> None:
        try:
            self._cancel_pending()
            if stop_points and self._cluster is not None:
                self._stop_local_points()
            if self._client is not None:
                self._client.close()
            if self._cluster is not None:
                self._cluster.close()
        finally:
            self._client = self._cluster = None
            self._pending = {}
            if self._tag:
                _end_processes_tagged(self._tag)
            if self._scratch:
                shutil.rmtree(self._scratch, ignore_errors=True)
            self._tag, self._scratch = "", None

    def _stop_local_points(self) -> None:
        """SIGTERM to each worker process of the local cluster, which stops the point it runs
        (:func:`simnet.bench.dask_worker.stop_points`)."""
        import psutil

        try:  # the scheduler runs in this process: it answers while the workers are busy
            pids = self._client.run_on_scheduler(
                lambda dask_scheduler: [state.pid for state in dask_scheduler.workers.values()])
        except Exception:  # noqa: BLE001 -- the scheduler gone: the workers close with the cluster, or are ended
            return
        for pid in pids:
            try:
                worker = psutil.Process(pid)
                if worker.ppid() == os.getpid():  # a worker process of this cluster, not a recycled number
                    worker.send_signal(signal.SIGTERM)
            except (psutil.Error, TypeError, ValueError):
                continue

    def _workers(self) -> dict:
        return self._client.scheduler_info(n_workers=-1)["workers"]

    def _unplaceable(self, jobs: Sequence) -> dict[int, str]:
        """Jobs no worker offers the resources for (they would wait for ever), by index, with why; refuses the
        whole lot when no job can be placed (a cluster with no worker, or none started with the resources)."""
        where = f"at {self.scheduler}" if self.scheduler else "on this machine"
        if not self._workers():
            try:  # workers still starting (or restarting after a death) are waited for a while
                self._client.wait_for_workers(1, timeout=WAIT_FOR_WORKERS_S)
            except TimeoutError:
                raise UsageError(f"the Dask cluster {where} has no workers (waited {WAIT_FOR_WORKERS_S:g} s)",
                                 parameter="scheduler") from None
        offered = [w.get("resources") or {} for w in self._workers().values()]
        refused = {}
        for index, job in enumerate(jobs):
            if not any(all(have.get(name, 0) >= amount for name, amount in job.resources.items())
                       for have in offered):
                wanted = ",".join(f"{name}={amount}" for name, amount in sorted(job.resources.items()))
                refused[index] = (f"no worker of the Dask cluster {where} offers the resources it needs: start "
                                  f"workers with `dask worker {self.scheduler or 'ADDRESS'} --nthreads 1 "
                                  f"--resources {wanted}`")
        if len(refused) == len(jobs):
            raise UsageError(next(iter(refused.values())), parameter="scheduler")
        return refused

    def map(self, function: Callable, jobs: Sequence) -> Iterator[tuple[object, object]]:
        from distributed import KilledWorker, as_completed

        if not jobs:
            return
        refused = self._unplaceable(jobs)
        session = secrets.token_hex(4)
        # Higher priority starts first: the listed order, as workers become free.
        futures = self._pending = {
            self._client.submit(run_unless_stopped, function, job, key=f"simnet-point-{session}-{index}",
                                pure=False, resources=job.resources, priority=len(jobs) - index): job
            for index, job in enumerate(jobs) if index not in refused}
        try:
            for index, reason in refused.items():
                yield jobs[index], Failure(reason)
            for future in as_completed(futures, loop=self._client.loop):
                job = futures.pop(future)
                try:
                    yield job, future.result()
                except KilledWorker:
                    yield job, Failure(f"the worker running it died, and so did the one it was retried on "
                                       f"(retries after a worker's death: {self._retries_text()})")
                except Exception as err:
                    yield job, Failure(one_line(err))
        finally:
            if futures:  # interrupted: nothing left should start (a running point is stopped as the executor closes)
                self._cancel_pending()

    def _retries_text(self) -> str:
        return "unknown" if self._allowed_failures is None else str(self._allowed_failures)

    def describe(self) -> dict:
        workers = self._workers() if self._client is not None else {}
        return {
            "kind": "dask",
            "scheduler": self.scheduler or "local cluster on this machine",
            "local_workers": self.workers,
            "workers": [{"address": address, "nthreads": w.get("nthreads"), "resources": w.get("resources") or {},
                         "memory_limit_bytes": w.get("memory_limit") or None}
                        for address, w in sorted(workers.items())],
            "allowed_failures": self._allowed_failures,
            "where": "points start in the listed order as workers become free and run side by side, one per "
                     "worker holding machine=1",
        }

    def notes(self) -> list[str]:
        """What a reader of the summary must know about this cluster's retry policy."""
        if self._allowed_failures == ALLOWED_FAILURES:
            return []
        return [f"the Dask scheduler retries a point whose worker died {self._retries_text()} time(s) "
                f"(simnet asks for {ALLOWED_FAILURES}: start the scheduler with "
                f"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES={ALLOWED_FAILURES})"]


def _check_reachable_kind(protocol: str, scheduler: str) -> None:
    """Refuse at once an address no scheduler can answer on from here, rather than waiting for a timeout:
    ``inproc://`` (a scheduler inside this very process, which has none), ``ucx://`` without ucx-py, and
    ``tls://`` without the certificates Dask's TLS needs (``distributed.comm.tls`` in its configuration)."""
    import importlib.util

    import dask.config

    if protocol == "inproc":
        raise UsageError(f"{scheduler} names a scheduler inside this same process, and there is none: give the "
                         "address of a running scheduler (tcp://host:8786), or --workers", parameter="scheduler")
    if protocol == "ucx" and importlib.util.find_spec("ucp") is None:
        raise UsageError(f"{scheduler} is a UCX address, and UCX (ucx-py) is not installed: use tcp://",
                         parameter="scheduler")
    if protocol == "tls" and not dask.config.get("distributed.comm.tls.client.cert", None):
        raise UsageError(f"{scheduler} is a TLS address, and no client certificate is configured "
                         "(distributed.comm.tls.client.cert in Dask's configuration): configure TLS or use tcp://",
                         parameter="scheduler")


#: What interrupts a run, held while a local cluster starts.
INTERRUPTIONS = (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", signal.SIGTERM))


@contextmanager
def _interruptions_held():
    """Hold Ctrl-C, SIGTERM and SIGHUP while the block runs and deliver one sent meanwhile as it ends (as if sent
    then). Python's handlers run in the main thread, whichever thread the signal reached, so they are replaced by
    one that notes it; and the signals are blocked in this thread, so that the threads and processes started
    meanwhile start with them blocked (the workers release them themselves: :mod:`simnet.bench.dask_worker`)."""
    noted, previous = [], {}
    try:
        for number in INTERRUPTIONS:
            previous[number] = signal.signal(number, lambda number, _frame: noted.append(number))
    except ValueError:  # not the main thread, where Python's handlers run: the signals are only blocked
        pass
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, INTERRUPTIONS) if hasattr(signal, "pthread_sigmask") else None
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)
        if mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        for number in dict.fromkeys(noted):
            signal.raise_signal(number)


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker (the process to which Dask's workers report what they hold) with
    SIGHUP blocked: it ignores Ctrl-C and SIGTERM itself, but a hang-up sent to simnet's process group would end it
    under the cluster, and its restart says a warning and a traceback per resource."""
    from multiprocessing import resource_tracker

    with _interruptions_held():  # what is sent meanwhile waits, it is not lost
        resource_tracker.ensure_running()


def _end_processes_tagged(tag: str) -> None:
    """End what is left of what a local cluster's workers started (their environment carries the cluster's tag):
    SIGTERM, then SIGKILL for what is still there after :data:`~simnet.base.child_processes.STOP_GRACE_S`."""
    import psutil

    from simnet.base.child_processes import STOP_GRACE_S

    left = []
    for process in psutil.process_iter():
        try:
            if process.environ().get(_CLUSTER_TAG) == tag:
                process.terminate()
                left.append(process)
        except psutil.Error:  # another user's, or ended meanwhile
            continue
    _, alive = psutil.wait_procs(left, timeout=STOP_GRACE_S)
    for process in alive:
        try:
            process.kill()
        except psutil.Error:
            pass


def open_executor(scheduler: Optional[str] = None, workers: Optional[int] = None):
    """The serial executor, or a Dask one when a scheduler address or a number of local workers is given."""
    if scheduler is None and workers is None:
        return SerialExecutor()
    if scheduler is not None and workers is not None:
        raise UsageError("give a scheduler address or a number of local workers, not both", parameter="workers")
    return DaskExecutor(scheduler=scheduler, workers=workers)
