"""One run on a Brian2 device: the session a backend opens, and what it does to Brian2's global state.

A :class:`Session` marks phase boundaries and runs the network; :class:`SessionContext` sets Brian2's device and
preferences for the run and restores a fresh import's state afterwards, so several runs in one process do not
interfere. :class:`RuntimeSession` runs in Brian2's runtime mode (times come from Brian2 and Python);
:class:`StandaloneSession` records the calls for a standalone device (C++, brian2cuda, Brian2GeNN), builds and runs
the generated program, and reads the phase marks it writes. Which device and preferences are chosen is the
backends' business (:mod:`simnet.simulation.backends`); :class:`RunSettings` carries the per-run choices.
"""
from __future__ import annotations

import gc
import logging
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from abc import ABC, abstractmethod
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Optional

import brian2

from simnet.base import child_processes
from simnet.base.errors import SimulationFailed, UsageError
from simnet.base.progress import Progress
from simnet.simulation import parallel_delivery, phases
from simnet.simulation.build_cache import claim_project_directory, default_build_cache
from simnet.simulation.profiling import NOT_PROFILED, RUNTIME_PROFILE_CLOCK, loop_profile
from simnet.simulation.settings import RunSettings
from simnet.simulation.timestep_function import restore_timestep

__all__ = ["Session", "SessionContext", "KNOWN_BRIAN2_WARNINGS", "RuntimeSession", "StandaloneSession"]


class Session(ABC):
    """One run's use of a backend: marks phase boundaries and runs the network."""

    def __init__(self, settings: RunSettings):
        self.settings = settings
        self.timings: dict[str, float] = {}
        self.notes: list[str] = []
        #: (start, end) of the measured loop on the time.monotonic() clock, when the backend can tell
        self.loop_window_monotonic: Optional[tuple[float, float]] = None
        self.progress = Progress(settings.progress)
        #: Seconds per code object of the measured loop, when profiled (see :func:`loop_profile`)
        self.loop_profile: Optional[dict] = None
        #: Peak RSS in bytes of what ran outside simnet's process, where the backend can tell them apart:
        #: ``program_bytes`` (the generated program's own) and ``compiler_bytes`` (the build's largest process)
        self.peak_rss: dict[str, int] = {}

    @abstractmethod
    def mark(self, name: str) -> None:
        """Mark a phase boundary at this point of the run."""

    @abstractmethod
    def simulate(self, net: brian2.Network, duration, pre_run, namespace: Optional[dict] = None) -> None:
        """Run ``pre_run`` (excluded from the loop time) then ``duration`` of biological time; external names
        in the objects' code are looked up in ``namespace`` only (simnet's models carry their own)."""

    def compile_only(self, net: brian2.Network, duration, pre_run, namespace: Optional[dict] = None) -> None:
        """Generate and compile the program that would run ``net``, without running it."""
        raise UsageError("compile only needs a standalone backend (cpp, cuda, genn-cpu): runtime mode compiles "
                         "as it runs", parameter="compile_only")

    def close(self) -> None:
        """Release what the session holds (a build directory, a lock); called once the run is over."""

    def _report(self):
        return "stderr" if self.settings.progress else None


class SessionContext:
    """What :meth:`simnet.simulation.backends.Backend.session` returns: sets Brian2 up for one run on entry (``open_session``,
    the backend's device and preferences) and puts Brian2's device and preferences back on exit."""

    def __init__(self, open_session: Callable[[], Session], settings: RunSettings):
        self._open_session, self.settings = open_session, settings

    def __enter__(self) -> Session:
        # Brian2 objects of an earlier run in this process live on in reference cycles until collected; while
        # they do, Brian2 names this run's code objects with suffixes (``_1``), which changes the generated
        # files and so defeats a reused project.
        gc.collect()
        try:
            return self._enter()
        except BaseException:
            _restore_brian_defaults()
            raise

    def _enter(self) -> Session:
        _restore_brian_defaults()
        brian2.prefs.core.default_float_dtype = self.settings.float_dtype
        # Ctrl-C must abort the run (and so the record), not end the loop early and look complete; on a
        # standalone device Brian2's own handler would even swallow it while the program runs.
        if "core.stop_on_keyboard_interrupt" in brian2.prefs:  # (brian2 < 2.6 has no such preference)
            brian2.prefs.core.stop_on_keyboard_interrupt = False
        self.session = self._open_session()
        self._known_warnings = _KnownWarnings(self.session.notes)
        for handler in _brian2_handlers():
            handler.addFilter(self._known_warnings)
        return self.session

    def __exit__(self, *exc_info):
        for handler in _brian2_handlers():
            handler.removeFilter(self._known_warnings)
        self.session.progress.close()
        self.session.close()
        _restore_brian_defaults()
        return False


#: Brian2 warnings simnet knows and keeps off the terminal: (logger, start of the message, why it is known). Each
#: one a run meets becomes one note in its record instead.
KNOWN_BRIAN2_WARNINGS = (
    ("brian2.devices.cpp_standalone.device.openmp", "OpenMP code is not yet well tested",
     "Brian2 gives it on every multi-threaded C++ standalone run"),
)


class _KnownWarnings(logging.Filter):
    """Drops the :data:`KNOWN_BRIAN2_WARNINGS` from Brian2's log output and notes each once."""

    def __init__(self, notes: list):
        super().__init__()
        self.notes, self.seen = notes, set()

    def filter(self, record: logging.LogRecord) -> bool:
        for name, start, why in KNOWN_BRIAN2_WARNINGS:
            message = record.getMessage()
            if record.name == name and message.startswith(start):
                if name not in self.seen:
                    self.seen.add(name)
                    self.notes.append(f"Brian2 warned: \"{message}\" ({name}); {why}, so simnet kept it off the "
                                      "terminal and notes it here")
                return False
        return True


def _brian2_handlers() -> list:
    """The handlers Brian2's log messages reach: those of its ``brian2`` logger and of the root logger."""
    return [*logging.getLogger("brian2").handlers, *logging.getLogger().handlers]


def _restore_brian_defaults():
    """Leave Brian2 as a fresh import would: runtime device, default preferences and clock."""
    if brian2.get_device().__class__.__name__ != "RuntimeDevice":
        brian2.device.reinit()
        brian2.set_device("runtime")
    brian2.prefs.reset_to_defaults()
    parallel_delivery.restore_templates()
    restore_timestep()
    brian2.defaultclock.dt = 0.1 * brian2.ms


class RuntimeSession(Session):
    def __init__(self, settings: RunSettings, target: str):
        super().__init__(settings)
        brian2.prefs.codegen.target = target
        self.clock = phases.PythonMarks()

    def mark(self, name: str) -> None:
        self.clock.mark(name)

    def simulate(self, net, duration, pre_run, namespace=None) -> None:
        run_kwargs = {"namespace": dict(namespace or {})}
        generation_s = 0.0
        pre_run_loop_s = None
        if pre_run is not None and float(pre_run) > 0:
            started = time.perf_counter()
            with _monitors_paused(net), self.progress.phase("generating code and running the pre-run"):
                net.run(pre_run, **run_kwargs)
            pre_run_loop_s = brian2.device._last_run_time
            generation_s += time.perf_counter() - started - pre_run_loop_s
        self.mark(phases.LOOP_START)
        started = time.perf_counter()
        with self.progress.phase("generating code and running the loop", ticking=False):
            net.run(duration, report=self._report(), report_period=self.settings.report_period_s * brian2.second,
                    profile=self.settings.profile, **run_kwargs)
        wall = time.perf_counter() - started
        self.mark(phases.LOOP_END)
        ended_monotonic = time.monotonic()
        _check_completed()
        if self.settings.profile:
            # Brian2 times each object's run() (all of its code objects together) with time.time()
            self.loop_profile = loop_profile(net, net.profiling_info, RUNTIME_PROFILE_CLOCK, keyed_by_runner=True)
        # Runtime mode generates (and, for Cython, compiles) code inside each run call before its loop starts;
        # Brian2 times the loop itself (device._last_run_time).
        loop_s = brian2.device._last_run_time
        self.loop_window_monotonic = (ended_monotonic - loop_s, ended_monotonic)
        generation_s += wall - loop_s
        self.timings.update(phases.phase_durations(self.clock.marks))
        self.timings.pop("pre_run_s", None)
        if pre_run_loop_s is not None:
            self.timings["pre_run_s"] = pre_run_loop_s
        self.timings["simulation_loop_s"] = loop_s
        self.timings["code_generation_s"] = generation_s
        self.notes.append("runtime mode: code generation and Cython compilation happen inside each run call; "
                          "both are in code_generation_s")


class StandaloneSession(Session):
    """A run on a Brian2 standalone device: calls are recorded, then built, compiled and run at the end.

    By default each run builds in a fresh temporary directory, removed at the end. With
    ``settings.reuse_build`` (and a ``project`` name) it builds in ``<build root>/<project>`` and keeps it: Brian2
    does not rewrite a generated file whose content is unchanged (``CPPWriter.write``, brian2 2.5 to 2.10) and
    its makefile tracks header dependencies (``make.deps``), so building the same network again recompiles only
    the sources that changed (a new seed changes ``main.cpp`` only). An exclusive lock on
    ``<project>.lock`` keeps two processes from building there at once; when it is held the run builds in a
    fresh temporary directory instead. :attr:`project` says which happened: ``"reused"`` (an earlier build was
    there), ``"new"`` (kept for the next run) or ``"temporary"``.

    On Brian2's C++ device, make and the generated program run as :mod:`simnet.base.child_processes` children (their own
    process group, stopped when simnet is interrupted and when it dies, the project's lock inherited), with
    make's output kept in ``make.log`` and its first error in the failure's one line; on Brian2GeNN's device
    (:class:`simnet.simulation.genn_session.GennSession`) GeNN's builder and the program do too. brian2cuda's device is left as it is.
    """

    def __init__(self, settings: RunSettings, device_name: str, build_args: dict, project: Optional[str] = None,
                 reuse_refusal: str = "", profile_clock: str = ""):
        super().__init__(settings)
        #: How the device times its code objects ("": it cannot, and the run is not profiled).
        self.profile_clock = profile_clock
        if settings.profile and not profile_clock:
            self.notes.append(f"{NOT_PROFILED}: simnet does not profile the {device_name} "
                              "device's code objects")
        self._lock_fd: Optional[int] = None
        self.project = "temporary"
        if settings.reuse_build and reuse_refusal:
            self.notes.append(f"standalone project not reused: {reuse_refusal}")
        elif settings.reuse_build and project:
            self._claim_reusable_directory(project)
        if self.project == "temporary":
            root = settings.build_root or Path(tempfile.gettempdir())
            try:
                Path(root).mkdir(parents=True, exist_ok=True)
                self.directory = Path(tempfile.mkdtemp(prefix=f"simnet-{device_name}-", dir=root))
            except OSError as err:
                raise UsageError(f"cannot build in {root}: {err.strerror or err}", parameter="build_dir") from None
        self.build_args = build_args
        #: Called with the session once the project is generated and built (a backend's checks of the code).
        self.after_build: list[Callable[["StandaloneSession"], None]] = []
        brian2.prefs.codegen.cpp.headers = list(brian2.prefs.codegen.cpp.headers) + ["<chrono>", "<fstream>",
                                                                                   "<sys/resource.h>"]
        # Brian2's default is an unbounded `make -j`: a network with many code objects (the microcircuit has
        # hundreds) then starts hundreds of compilers at once, each ~100 MB, and can exhaust memory.
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        brian2.prefs.devices.cpp_standalone.extra_make_args_unix = [f"-j{jobs}"]
        brian2.set_device(device_name, directory=str(self.directory), build_on_run=False)
        brian2.device.insert_code("after_start", phases.standalone_mark_code(phases.PROGRAM_START))
        brian2.device.insert_code("before_end", phases.standalone_mark_code(phases.PROGRAM_END))
        # Only Brian2's own C++ device: subclasses (brian2cuda, Brian2GeNN) manage static arrays, compilation and
        # the program's start differently.
        self._releases_set_up_arrays = type(brian2.get_device()).__name__ == "CPPStandaloneDevice"
        if self._releases_set_up_arrays:
            # the program's own peak memory, apart from the compiler's (its main includes the headers above)
            brian2.device.insert_code("before_end", phases.standalone_peak_rss_code())
            # An instance attribute, so Brian2's build calls it in place of its own (which runs make with
            # os.system: SIGINT is ignored while it waits, and make outlives a killed simnet).
            brian2.get_device().compile_source = self._compile
        self._static_arrays_before_synapses: set[str] = set()
        self._set_up_arrays: list[str] = []

    def _claim_reusable_directory(self, project: str) -> None:
        """Build in ``<root>/<project>`` if no other process does; otherwise leave a note (and a temporary
        directory is used)."""
        root = Path(self.settings.build_root) if self.settings.build_root else default_build_cache()
        fallback = "so this run built in a fresh temporary directory"
        try:
            claimed = claim_project_directory(root, project)
        except OSError as err:  # e.g. a cache folder that cannot be written
            self.notes.append(f"standalone project not reused: cannot use {root / project} "
                              f"({err.strerror or err}), {fallback}")
            return
        if claimed is None:
            self.notes.append(f"standalone project not reused: {root / project} was in use by another process "
                              f"(its lock was held), {fallback}")
            return
        self.directory, self._lock_fd, reused = claimed
        self.project = "reused" if reused else "new"
        self.notes.append(
            f"standalone project reused from {self.directory}: only sources whose generated code changed were "
            "recompiled, so compile_s is an incremental build's" if reused else
            f"standalone project built in {self.directory} and kept for reuse (no earlier build there)")
        # The generated program appends its marks; an earlier run's must not be read as this run's.
        (self.directory / phases.MARKS_FILE).unlink(missing_ok=True)

    def mark(self, name: str) -> None:
        brian2.device.insert_code("main", phases.standalone_mark_code(name))
        if not self._releases_set_up_arrays:
            return
        static_arrays = getattr(brian2.device, "static_arrays", {})
        if name == phases.SYNAPSES_START:
            self._static_arrays_before_synapses = set(static_arrays)
        elif name == phases.INIT_END:
            # The connection indices and per-synapse values handed to Brian2 between these two marks are
            # copied into the network's own arrays once, at set-up; then nothing reads them again. The
            # generated program and Python both keep them to the end by default: 24 bytes per synapse each
            # for the column, which at full scale is the difference between fitting in memory or not.
            new_arrays = set(static_arrays) - self._static_arrays_before_synapses
            self._set_up_arrays = sorted(n for n in new_arrays if n.startswith("_static_array_"))
            brian2.device.insert_code("main", _release_static_arrays_code(self._set_up_arrays))

    def _record_run_calls(self, net, duration, pre_run, namespace=None) -> bool:
        """The run calls, recorded into the project (standalone: nothing executes yet); whether they are profiled."""
        profile = bool(self.settings.profile and self.profile_clock)
        if pre_run is not None and float(pre_run) > 0:
            with _monitors_paused(net):
                net.run(pre_run, namespace=dict(namespace or {}), profile=profile)
            if profile:
                # Brian2 makes most code objects anew for each run call, but a pathway's spike-queue push once,
                # in the first: profiled from the pre-run on, every time is set back to zero as the loop starts.
                brian2.device.insert_code("main", "\n".join(
                    f"brian::{name}_profiling_info = 0.0;" for name in brian2.device.profiled_codeobjects))
        self.mark(phases.LOOP_START)
        net.run(duration, report=self._report(), report_period=self.settings.report_period_s * brian2.second,
                namespace=dict(namespace or {}), profile=profile)
        self.mark(phases.LOOP_END)
        return profile

    def compile_only(self, net, duration, pre_run, namespace=None) -> None:
        self._record_run_calls(net, duration, pre_run, namespace)
        started = time.perf_counter()
        with self._writing_project():
            brian2.device.build(directory=str(self.directory), compile=True, run=False, with_output=True,
                                **self.build_args)
        wall = time.perf_counter() - started
        compile_s = _compile_seconds()
        if compile_s is not None:
            self.timings["code_generation_s"] = wall - compile_s
            self.timings["compile_s"] = compile_s
        else:
            self.timings["build_s"] = wall

    def simulate(self, net, duration, pre_run, namespace=None) -> None:
        profile = self._record_run_calls(net, duration, pre_run, namespace)
        self._build_and_run()
        marks = phases.read_standalone_marks(self.directory)
        if not marks:
            self.notes.append("the generated program wrote no phase marks")
        self.timings.update(phases.phase_durations(marks))
        if phases.LOOP_START in marks and phases.LOOP_END in marks:
            self.loop_window_monotonic = (marks[phases.LOOP_START], marks[phases.LOOP_END])
        program_bytes = phases.program_peak_rss_bytes(marks, child_processes.RU_MAXRSS_BYTES)
        if program_bytes is not None:
            self.peak_rss["program_bytes"] = program_bytes
        if pre_run is None or float(pre_run) <= 0:
            self.timings.pop("pre_run_s", None)  # only monitor set-up lies between those marks
        _check_completed()
        if profile:
            try:
                info = net.profiling_info
            except ValueError:  # the program wrote no profile
                self.notes.append(f"{NOT_PROFILED}: the generated program wrote no profile")
            else:
                self.loop_profile = loop_profile(net, info, self.profile_clock, keyed_by_runner=False)

    def _build_and_run(self) -> None:
        """Generate, compile and run the project; record code_generation_s, compile_s and run_binary_s."""
        started = time.perf_counter()
        with self._writing_project():
            if self._releases_set_up_arrays:
                with self.progress.phase("generating code and compiling"):
                    brian2.device.build(directory=str(self.directory), compile=True, run=False, with_output=True,
                                        **self.build_args)
                # every child so far is the build's (make, the compilers): the program has not started
                self.peak_rss["compiler_bytes"] = child_processes.children_peak_rss_bytes()
                _forget_set_up_arrays(brian2.get_device(), self._set_up_arrays)
                with self.progress.phase("running the program", ticking=False), \
                        child_processes.tied_calls(sys.modules[type(brian2.get_device()).__module__], self._keep_fds()):
                    # run_args: an empty list, not None (brian2 2.5's run concatenates it to the command as is)
                    brian2.device.run(directory=str(self.directory), with_output=True, run_args=[])
            else:
                with self.progress.phase("generating code, compiling and running the program", ticking=False):
                    brian2.device.build(directory=str(self.directory), compile=True, run=True, with_output=True,
                                        **self.build_args)
        build_wall = time.perf_counter() - started
        for check in self.after_build:
            check(self)
        compile_s = _compile_seconds()
        run_binary_s = (getattr(brian2.device, "timers", {}) or {}).get("run_binary")
        if compile_s is not None and run_binary_s is not None:
            self.timings["code_generation_s"] = build_wall - compile_s - run_binary_s
            self.timings["compile_s"] = compile_s
            self.timings["run_binary_s"] = run_binary_s
        else:
            self.timings["build_and_run_s"] = build_wall
            self.notes.append("this device does not report compile and run times separately")

    @contextmanager
    def _writing_project(self):
        """Generating and building the project: an OSError there (a full disk, a file-size limit) is a failed
        simulation, said in one line. Brian2's check of the state it reads back compares it with 1e50, which
        numpy casts to the arrays' type: in single precision that cast overflows and warns, about nothing."""
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "overflow encountered in cast", RuntimeWarning)
                yield
        except OSError as err:
            raise SimulationFailed(f"cannot write the standalone project in {self.directory}: "
                                   f"{err.strerror or err}") from None

    def _keep_fds(self) -> tuple[int, ...]:
        """Descriptors the compiler and the program inherit: the project's lock, so that a reused project stays
        locked until they have exited, even if simnet is killed first."""
        return (self._lock_fd,) if self._lock_fd is not None else ()

    def _compile(self, directory, compiler, debug, clean) -> None:
        """Brian2's ``compile_source`` for the C++ device: make, in a process group tied to simnet's life, its
        output kept in ``make.log``; a failure is one line (Brian2's message, then the compiler's first error)."""
        device = brian2.get_device()
        make = shlex.split(brian2.prefs.devices.cpp_standalone.make_cmd_unix)
        make_args = list(brian2.prefs.devices.cpp_standalone.extra_make_args_unix)
        log_path = Path(directory) / "make.log"
        with open(log_path, "wb") as log:
            def run_make(*targets):
                return child_processes.run([*make, *targets], cwd=directory, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, keep_fds=self._keep_fds())
            if clean:
                run_make("clean")
            started = time.time()
            status = run_make(*make_args)
            timers = getattr(device, "timers", None)
            if isinstance(timers, dict):  # Brian2's compile_s, which the session reads back
                timers.setdefault("compile", {})["make"] = time.time() - started
        if status != 0:
            raise RuntimeError(f"Project compilation failed (make exit status {status}): "
                               f"{_first_error(log_path)}")

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the lock; the lock file stays (removing it would race)
            self._lock_fd = None
        elif not self.settings.keep_build:
            shutil.rmtree(self.directory, ignore_errors=True)


def _compile_seconds() -> Optional[float]:
    """Seconds the standalone device spent compiling in its last build, when it reports them."""
    timers = getattr(brian2.device, "timers", {}) or {}
    return sum(v for v in (timers.get("compile") or {}).values() if v is not None) or None


def _first_error(log_path: Path) -> str:
    """The line of a build log that says what went wrong: the first error, else the last line."""
    lines = [line.strip() for line in log_path.read_text(errors="replace").splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower() or "not found" in line.lower()]
    return (errors or lines or ["make printed nothing"])[0]


def _release_static_arrays_code(names: list[str]) -> str:
    """C++ freeing Brian2 static arrays early, in the form Brian2's own clean-up expects (pointer zeroed)."""
    return "\n".join(f"if({name}!=0){{ delete [] {name}; {name} = 0; }}" for name in names)


def _forget_set_up_arrays(device, static_names: list[str]) -> None:
    """Drop Python's copies of the set-up arrays once the project is written (the program has its own).

    Brian2 keeps each static array and, in its value cache, the connection indices (``sources``, ``targets``,
    ``_synaptic_pre``/``_post``) of every ``Synapses``: 40 bytes per synapse in all, held while the program
    runs. A cleared cache entry makes Brian2 read the value from the program's results files instead.
    """
    for name in static_names:
        device.static_arrays.pop(name, None)
    cache = getattr(device, "array_cache", {})
    for var in list(cache):
        try:
            of_synapses = isinstance(getattr(var, "owner", None), brian2.Synapses)
        except ReferenceError:  # the owner of an earlier run's variable is gone (weak proxy)
            of_synapses = False
        if of_synapses:
            cache[var] = None
    gc.collect()


@contextmanager
def _monitors_paused(net: brian2.Network):
    """Monitors record nothing during the pre-run: the record's spikes, rates and activity counts (and so the
    activity-driven FLOPs) then cover exactly the measured loop. Standalone devices honour ``active`` per run."""
    monitors = [obj for obj in net.objects
                if isinstance(obj, (brian2.SpikeMonitor, brian2.PopulationRateMonitor, brian2.StateMonitor))
                and obj.active]
    for monitor in monitors:
        monitor.active = False
    try:
        yield
    finally:
        for monitor in monitors:
            monitor.active = True


def _check_completed():
    fraction = getattr(brian2.device, "_last_run_completed_fraction", 1.0)
    if fraction is not None and fraction < 1.0:
        raise KeyboardInterrupt(f"the simulation stopped at {fraction:.0%} of its duration")
