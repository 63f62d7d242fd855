"""Where a network runs: one small class per Brian2 device, registered by name.

Every backend answers :meth:`Backend.availability` (usable here, or the one thing missing and how to get it)
and opens a :class:`Session`: a context in which Brian2's device and preferences are set for one run, and
which puts them back afterwards. Brian2 keeps its device as global state; simnet confines it to the session so
callers pass a backend explicitly and several runs in one process do not interfere. Standalone backends build
each run in a fresh directory, so runs in one process or in parallel never share a project.

=========  =====================================================================================
runtime    Brian2 runtime mode (code generated to Cython or numpy and run from Python)
cpp        Brian2 C++ standalone, OpenMP threads
cuda       brian2cuda's cuda_standalone on an NVIDIA GPU
genn       Brian2GeNN on an NVIDIA GPU; ``genn-cpu`` is GeNN's single-threaded CPU backend
auto       the fastest of these that is usable here and can run the network: a GPU backend when one
           works, else ``cpp`` (:func:`resolve_backend`)
=========  =====================================================================================

What a network needs from a backend is read from its ModelSpec (:func:`network_features`); a backend that cannot
run it says why (:meth:`Backend.supports`), before anything is built. With ``RunSettings.reuse_build`` a
standalone project is built in a directory named after the network's code
(:func:`simnet.build_cache.project_name`) and kept, so the next run of the same network recompiles only what
changed.
"""
from __future__ import annotations

import gc
import importlib.util
from contextlib import contextmanager
import os
import shutil
import sys
import tempfile
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Optional, Sequence

import brian2
import numpy as np

from simnet.build_cache import claim_project_directory, default_build_cache, project_name
from simnet.cost import timing
from simnet.cost.hardware import nvidia_smi_query
from simnet.errors import UsageError
from simnet.spec import ModelSpec

PRECISIONS = {"single": np.float32, "double": np.float64}

# brian2cuda's makefile asks for C++11; the Thrust/CUB headers of CUDA 13 need C++17, and nvcc honours the
# last -std flag it is given (shared/reference/gpu_stack.md).
CUDA13_NVCC_ARGS = ["-w", "-use_fast_math", "-std=c++17"]
CUDA13_GCC_ARGS = ["-w", "-O3", "-ffast-math", "-fno-finite-math-only", "-march=native", "-std=c++17"]


@dataclass(frozen=True)
class RunSettings:
    """Per-run backend settings."""

    precision: str = "double"
    #: OpenMP threads for ``cpp`` (None: every logical CPU of this machine).
    threads: Optional[int] = None
    #: Where build directories are made (None: the system's temporary directory; with ``reuse_build``,
    #: :func:`simnet.build_cache.default_build_cache`).
    build_root: Optional[Path] = None
    keep_build: bool = False
    #: Build a standalone project in a directory named after the network's code and keep it, so the next run
    #: of the same network recompiles only changed sources (see :class:`StandaloneSession`).
    reuse_build: bool = False
    #: Print Brian2's progress reports (to stderr) during the simulation loop.
    progress: bool = True
    report_period_s: float = 10.0

    def __post_init__(self):
        if self.precision not in PRECISIONS:
            raise UsageError(f"unknown precision {self.precision!r}; choose single or double")
        if self.threads is not None and self.threads < 1:
            raise UsageError(f"--threads must be at least 1, got {self.threads}")

    @property
    def float_dtype(self):
        return PRECISIONS[self.precision]


@dataclass(frozen=True)
class Availability:
    usable: bool
    #: Empty when usable; otherwise one line saying what is missing and how to get it.
    reason: str = ""


def _package_version(name: str) -> Optional[str]:
    try:
        from importlib.metadata import version

        return version(name)
    except Exception:  # not installed, or no metadata
        return None


def _nvidia_gpus() -> list[str]:
    """GPU names reported by nvidia-smi (empty when there is no driver or no GPU)."""
    return [row["name"] for row in nvidia_smi_query(("name",)) or []]


def _nvcc() -> Optional[str]:
    cuda_path = os.environ.get("CUDA_PATH")
    if cuda_path and Path(cuda_path, "bin", "nvcc").exists():
        return str(Path(cuda_path, "bin", "nvcc"))
    return shutil.which("nvcc")


class Session(ABC):
    """One run's use of a backend: marks phase boundaries and runs the network."""

    def __init__(self, settings: RunSettings):
        self.settings = settings
        self.timings: dict[str, float] = {}
        self.notes: list[str] = []
        #: (start, end) of the measured loop on the time.monotonic() clock, when the backend can tell
        self.loop_window_monotonic: Optional[tuple[float, float]] = None

    @abstractmethod
    def mark(self, name: str) -> None:
        """Mark a phase boundary at this point of the run."""

    @abstractmethod
    def simulate(self, net: brian2.Network, duration, pre_run) -> None:
        """Run ``pre_run`` (excluded from the loop time) then ``duration`` of biological time."""

    def _report(self):
        return "stderr" if self.settings.progress else None


class Backend(ABC):
    """A Brian2 device simnet can run on."""

    name: ClassVar[str]
    summary: ClassVar[str]
    uses_gpu: ClassVar[bool] = False
    #: Standalone devices record the calls and run them later in a generated program.
    standalone: ClassVar[bool] = True
    #: Why this device's projects are never reused (empty: they can be, see :class:`StandaloneSession`).
    build_reuse_refusal: ClassVar[str] = ""
    #: Set by :func:`resolve_backend` when ``auto`` chose this backend: which one and why (a record note).
    selection_note: str = ""

    @abstractmethod
    def availability(self) -> Availability:
        """Whether this backend can run here."""

    def supports(self, features: "NetworkFeatures") -> Availability:
        """Whether this backend can run a network with ``features`` (see :func:`network_features`).

        Needs no GPU and no optional package: it only compares the features with the device's documented
        limitations, so the choice can be made, and tested, anywhere.
        """
        return Availability(True)

    @abstractmethod
    def _open(self, settings: RunSettings, project: Optional[str]) -> Session:
        """Set Brian2's device and preferences for one run (``project``: see :meth:`session`)."""

    def package_versions(self) -> dict[str, Optional[str]]:
        return {"brian2": brian2.__version__}

    def describe(self, settings: RunSettings) -> dict:
        """The settings a run record stores for this backend."""
        return {"name": self.name, "precision": settings.precision, "threads": self.threads_used(settings)}

    def threads_used(self, settings: RunSettings) -> Optional[int]:
        return None

    def session(self, settings: RunSettings, project: Optional[str] = None) -> "_SessionContext":
        """Context manager yielding a :class:`Session`; raises :class:`UsageError` when not usable.

        ``project`` names the reusable build directory of the network (:func:`project_name`); it is used only
        with ``settings.reuse_build`` on a standalone backend.
        """
        available = self.availability()
        if not available.usable:
            raise UsageError(available.reason)
        return _SessionContext(self, settings, project)

    def project_name(self, spec: ModelSpec, settings: RunSettings) -> str:
        """The name of the reusable build directory of ``spec`` on this backend with ``settings``."""
        return project_name(spec, self.name, {
            "precision": settings.precision, "threads": self.threads_used(settings),
            "describe": self.describe(settings), "packages": self.package_versions(),
        })


class _SessionContext:
    def __init__(self, backend: Backend, settings: RunSettings, project: Optional[str]):
        self.backend, self.settings, self.project = backend, settings, project

    def __enter__(self) -> Session:
        # Brian2 objects of an earlier run in this process live on in reference cycles until collected; while
        # they do, Brian2 names this run's code objects with suffixes (``_1``), which changes the generated
        # files and so defeats a reused project.
        gc.collect()
        _restore_brian_defaults()
        brian2.prefs.core.default_float_dtype = self.settings.float_dtype
        self.session = self.backend._open(self.settings, self.project)
        return self.session

    def __exit__(self, *exc_info):
        close = getattr(self.session, "close", None)
        if close is not None:
            close()
        _restore_brian_defaults()
        return False


def _restore_brian_defaults():
    """Leave Brian2 as a fresh import would: runtime device, default preferences and clock."""
    if brian2.get_device().__class__.__name__ != "RuntimeDevice":
        brian2.device.reinit()
        brian2.set_device("runtime")
    brian2.prefs.reset_to_defaults()
    brian2.defaultclock.dt = 0.1 * brian2.ms


class RuntimeSession(Session):
    def __init__(self, settings: RunSettings, target: str):
        super().__init__(settings)
        brian2.prefs.codegen.target = target
        # Ctrl-C must abort the run (and so the record), not end the loop early and look complete.
        brian2.prefs.core.stop_on_keyboard_interrupt = False
        self.clock = timing.PythonMarks()

    def mark(self, name: str) -> None:
        self.clock.mark(name)

    def simulate(self, net, duration, pre_run) -> None:
        run_kwargs = {"namespace": {}}
        generation_s = 0.0
        pre_run_loop_s = None
        if pre_run is not None and float(pre_run) > 0:
            started = time.perf_counter()
            with _monitors_paused(net):
                net.run(pre_run, **run_kwargs)
            pre_run_loop_s = brian2.device._last_run_time
            generation_s += time.perf_counter() - started - pre_run_loop_s
        self.mark(timing.LOOP_START)
        started = time.perf_counter()
        net.run(duration, report=self._report(), report_period=self.settings.report_period_s * brian2.second,
                **run_kwargs)
        wall = time.perf_counter() - started
        self.mark(timing.LOOP_END)
        ended_monotonic = time.monotonic()
        _check_completed()
        # Runtime mode generates (and, for Cython, compiles) code inside each run call before its loop starts;
        # Brian2 times the loop itself (device._last_run_time).
        loop_s = brian2.device._last_run_time
        self.loop_window_monotonic = (ended_monotonic - loop_s, ended_monotonic)
        generation_s += wall - loop_s
        self.timings.update(timing.phase_durations(self.clock.marks))
        self.timings.pop("pre_run_s", None)
        if pre_run_loop_s is not None:
            self.timings["pre_run_s"] = pre_run_loop_s
        self.timings["simulation_loop_s"] = loop_s
        self.timings["code_generation_s"] = generation_s
        self.notes.append("runtime mode: code generation and Cython compilation happen inside each run call; "
                          "both are in code_generation_s")


class RuntimeBackend(Backend):
    name = "runtime"
    summary = "Brian2 runtime mode (Cython if a compiler works, else numpy)"
    standalone = False

    def __init__(self, target: str = "auto"):
        self.target = target

    def availability(self) -> Availability:
        return Availability(True)

    def describe(self, settings):
        return {**super().describe(settings), "codegen_target": self.target}

    def threads_used(self, settings):
        return 1  # the Python process runs the loop on one core

    def _open(self, settings, project):
        return RuntimeSession(settings, self.target)


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
    """

    def __init__(self, settings: RunSettings, device_name: str, build_args: dict, project: Optional[str] = None,
                 reuse_refusal: str = ""):
        super().__init__(settings)
        self._lock_fd: Optional[int] = None
        self.project = "temporary"
        if settings.reuse_build and reuse_refusal:
            self.notes.append(f"standalone project not reused: {reuse_refusal}")
        elif settings.reuse_build and project:
            self._claim_reusable_directory(project)
        if self.project == "temporary":
            root = settings.build_root or Path(tempfile.gettempdir())
            Path(root).mkdir(parents=True, exist_ok=True)
            self.directory = Path(tempfile.mkdtemp(prefix=f"simnet-{device_name}-", dir=root))
        self.build_args = build_args
        brian2.prefs.codegen.cpp.headers = list(brian2.prefs.codegen.cpp.headers) + ["<chrono>", "<fstream>"]
        # Brian2's default is an unbounded `make -j`: a network with many code objects (the microcircuit has
        # hundreds) then starts hundreds of compilers at once, each ~100 MB, and can exhaust memory.
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        brian2.prefs.devices.cpp_standalone.extra_make_args_unix = [f"-j{jobs}"]
        brian2.set_device(device_name, directory=str(self.directory), build_on_run=False)
        brian2.device.insert_code("after_start", timing.standalone_mark_code(timing.PROGRAM_START))
        brian2.device.insert_code("before_end", timing.standalone_mark_code(timing.PROGRAM_END))
        # Only Brian2's own C++ device: subclasses (brian2cuda, Brian2GeNN) manage static arrays differently.
        self._releases_set_up_arrays = type(brian2.get_device()).__name__ == "CPPStandaloneDevice"
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
        (self.directory / timing.MARKS_FILE).unlink(missing_ok=True)

    def mark(self, name: str) -> None:
        brian2.device.insert_code("main", timing.standalone_mark_code(name))
        if not self._releases_set_up_arrays:
            return
        static_arrays = getattr(brian2.device, "static_arrays", {})
        if name == timing.SYNAPSES_START:
            self._static_arrays_before_synapses = set(static_arrays)
        elif name == timing.INIT_END:
            # The connection indices and per-synapse values handed to Brian2 between these two marks are
            # copied into the network's own arrays once, at set-up; then nothing reads them again. The
            # generated program and Python both keep them to the end by default: 24 bytes per synapse each
            # for the column, which at full scale is the difference between fitting in memory or not.
            new_arrays = set(static_arrays) - self._static_arrays_before_synapses
            self._set_up_arrays = sorted(n for n in new_arrays if n.startswith("_static_array_"))
            brian2.device.insert_code("main", _release_static_arrays_code(self._set_up_arrays))

    def simulate(self, net, duration, pre_run) -> None:
        if pre_run is not None and float(pre_run) > 0:
            with _monitors_paused(net):
                net.run(pre_run, namespace={})
        self.mark(timing.LOOP_START)
        net.run(duration, report=self._report(), report_period=self.settings.report_period_s * brian2.second,
                namespace={})
        self.mark(timing.LOOP_END)
        started = time.perf_counter()
        if self._releases_set_up_arrays:
            brian2.device.build(directory=str(self.directory), compile=True, run=False, with_output=True,
                                **self.build_args)
            _forget_set_up_arrays(brian2.get_device(), self._set_up_arrays)
            brian2.device.run(directory=str(self.directory), with_output=True, run_args=None)
        else:
            brian2.device.build(directory=str(self.directory), compile=True, run=True, with_output=True,
                                **self.build_args)
        build_wall = time.perf_counter() - started
        timers = getattr(brian2.device, "timers", {}) or {}
        compile_s = sum(v for v in (timers.get("compile") or {}).values() if v is not None) or None
        run_binary_s = timers.get("run_binary")
        if compile_s is not None and run_binary_s is not None:
            self.timings["code_generation_s"] = build_wall - compile_s - run_binary_s
            self.timings["compile_s"] = compile_s
            self.timings["run_binary_s"] = run_binary_s
        else:
            self.timings["build_and_run_s"] = build_wall
            self.notes.append("this device does not report compile and run times separately")
        marks = timing.read_standalone_marks(self.directory)
        if not marks:
            self.notes.append("the generated program wrote no phase marks")
        self.timings.update(timing.phase_durations(marks))
        if timing.LOOP_START in marks and timing.LOOP_END in marks:
            self.loop_window_monotonic = (marks[timing.LOOP_START], marks[timing.LOOP_END])
        if pre_run is None or float(pre_run) <= 0:
            self.timings.pop("pre_run_s", None)  # only monitor set-up lies between those marks
        _check_completed()

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the lock; the lock file stays (removing it would race)
            self._lock_fd = None
        elif not self.settings.keep_build:
            shutil.rmtree(self.directory, ignore_errors=True)


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


class CppBackend(Backend):
    name = "cpp"
    summary = "Brian2 C++ standalone with OpenMP"

    def availability(self) -> Availability:
        compiler = os.environ.get("CXX") or "g++"
        if shutil.which(compiler.split()[0]) is None and shutil.which("c++") is None:
            return Availability(False, "backend cpp needs a C++ compiler (g++): install build-essential")
        return Availability(True)

    def threads_used(self, settings):
        return settings.threads or os.cpu_count() or 1

    def _open(self, settings, project):
        # Brian2 uses no OpenMP at all for 0 threads; one thread runs the same single-threaded code path.
        threads = self.threads_used(settings)
        brian2.prefs.devices.cpp_standalone.openmp_threads = 0 if threads == 1 else threads
        return StandaloneSession(settings, "cpp_standalone", {}, project, self.build_reuse_refusal)


class CudaBackend(Backend):
    name = "cuda"
    summary = "brian2cuda cuda_standalone on an NVIDIA GPU"
    uses_gpu = True
    # Its makefile (brian2cuda 1.0b1, templates/makefile) has no header dependencies: a changed header
    # with an unchanged .cu file would link a stale object.
    build_reuse_refusal = ("brian2cuda's makefile does not track header dependencies, so a reused project could "
                           "link stale objects")

    def availability(self) -> Availability:
        if not _nvidia_gpus():
            return Availability(False, "backend cuda needs an NVIDIA GPU (nvidia-smi reports none)")
        if _nvcc() is None:
            return Availability(False, "backend cuda needs the CUDA toolkit: put nvcc on PATH or set CUDA_PATH")
        if sys.version_info < (3, 12):
            return Availability(False, "backend cuda needs Python >= 3.12 (brian2cuda 1.0b1 pins brian2 2.10.1)")
        if importlib.util.find_spec("brian2cuda") is None:
            return Availability(False, "backend cuda needs brian2cuda: pip install 'simnet[cuda]'")
        return Availability(True)

    def package_versions(self):
        return {**super().package_versions(), "brian2cuda": _package_version("brian2cuda")}

    def _open(self, settings, project):
        import brian2cuda  # noqa: F401  (registers the cuda_standalone device)

        brian2.prefs.devices.cuda_standalone.cuda_backend.extra_compile_args_nvcc = list(CUDA13_NVCC_ARGS)
        brian2.prefs.codegen.cpp.extra_compile_args_gcc = list(CUDA13_GCC_ARGS)
        return StandaloneSession(settings, "cuda_standalone", {}, project, self.build_reuse_refusal)


class GennBackend(Backend):
    summary = "Brian2GeNN (GeNN 4.x) on an NVIDIA GPU"
    uses_gpu = True
    build_reuse_refusal = ("Brian2GeNN regenerates the GeNN model and runs 'make clean' before every build, so "
                           "nothing would be saved")

    def __init__(self, use_gpu: bool = True):
        self.use_gpu = use_gpu
        self.name = "genn" if use_gpu else "genn-cpu"
        if not use_gpu:
            self.summary = "Brian2GeNN with GeNN's single-threaded CPU backend"
            self.uses_gpu = False

    def availability(self) -> Availability:
        if self.use_gpu and not _nvidia_gpus():
            return Availability(False, f"backend {self.name} needs an NVIDIA GPU (nvidia-smi reports none)")
        if self.use_gpu and _nvcc() is None:
            return Availability(False, f"backend {self.name} needs the CUDA toolkit: set CUDA_PATH (nvcc)")
        if importlib.util.find_spec("brian2genn") is None:
            return Availability(False, f"backend {self.name} needs Brian2GeNN 1.7 with brian2 2.5.x in its own "
                                       "environment: pip install 'simnet[genn]' (see README)")
        if not brian2.__version__.startswith("2.5."):
            return Availability(False, f"backend {self.name} needs brian2 2.5.x (Brian2GeNN 1.7), "
                                       f"this environment has {brian2.__version__}")
        genn_path = os.environ.get("GENN_PATH")
        if not genn_path or not Path(genn_path).is_dir():
            return Availability(False, f"backend {self.name} needs a GeNN 4.x source tree: set GENN_PATH to it")
        return Availability(True)

    def package_versions(self):
        return {**super().package_versions(), "brian2genn": _package_version("brian2genn")}

    def describe(self, settings):
        return {**super().describe(settings), "use_gpu": self.use_gpu}

    def supports(self, features):
        # Brian2GeNN 1.7's documented exclusions (docs_sphinx/introduction/exclusions.rst) and what its device
        # refuses (brian2genn/device.py): one delay per Synapses object, given to its constructor; multiple
        # synapses per neuron pair end the run (exit code 222); a single run statement.
        problems = []
        if features.per_synapse_delays:
            problems.append(f"per-synapse delays (projections {', '.join(features.per_synapse_delays)}; "
                            "Brian2GeNN takes one delay per projection, given when it is created)")
        if features.repeated_pairs:
            problems.append(f"several synapses per neuron pair (projections {', '.join(features.repeated_pairs)})")
        if features.separate_pre_run:
            problems.append("a pre-run (Brian2GeNN supports a single run call)")
        if problems:
            return Availability(False, f"backend {self.name} cannot run this network: " + "; ".join(problems))
        return Availability(True)

    def _open(self, settings, project):
        import brian2genn  # noqa: F401  (registers the genn device)

        return StandaloneSession(settings, "genn", {"use_GPU": self.use_gpu}, project, self.build_reuse_refusal)


#: Registry: name -> factory.
BACKENDS = {
    "runtime": RuntimeBackend,
    "cpp": CppBackend,
    "cuda": CudaBackend,
    "genn": lambda: GennBackend(use_gpu=True),
    "genn-cpu": lambda: GennBackend(use_gpu=False),
}

#: The order ``auto`` tries: fastest first (measured, shared/reference/gpu_stack.md: GeNN and brian2cuda
#: beat 16 CPU threads by an order of magnitude at 64,000 neurons; GeNN was faster than brian2cuda there).
AUTO_ORDER = ("genn", "cuda", "cpp")


def get_backend(name: str) -> Backend:
    """The backend registered as ``name``; ``auto`` is the fastest one usable here, whatever the network (to
    choose for a network, and check that a named backend can run it, use :func:`resolve_backend`)."""
    if name == "auto":
        for candidate in AUTO_ORDER:
            backend = BACKENDS[candidate]()
            if backend.availability().usable:
                return backend
        return BACKENDS["cpp"]()
    if name not in BACKENDS:
        raise UsageError(f"unknown backend {name!r}; choose one of {', '.join([*BACKENDS, 'auto'])}")
    return BACKENDS[name]()


def resolve_backend(name: str, *specs: ModelSpec, pre_run: bool = False) -> Backend:
    """The backend ``name`` for running ``specs``, checked before anything is built.

    A named backend that cannot run one of the networks, or is not usable here, is a :class:`UsageError`
    (the network first: installing a backend does not help a network it cannot run). ``auto`` is the first of
    :data:`AUTO_ORDER` that can run every network and is usable here (``cpp`` when none is); its
    :attr:`Backend.selection_note` says which it chose and why.

    Parameters
    ----------
    name : str
        A registered backend name or ``auto``.
    *specs : ModelSpec
        The networks the backend will run.
    pre_run : bool
        Each run simulates a pre-run before its measured loop (a second run call).
    """
    features = network_features(*specs, pre_run=pre_run)
    if name != "auto":
        backend = get_backend(name)
        for verdict in (backend.supports(features), backend.availability()):
            if not verdict.usable:
                raise UsageError(verdict.reason)
        return backend
    candidates = []
    for candidate in AUTO_ORDER:
        backend = BACKENDS[candidate]()
        network = backend.supports(features)
        # Availability may query nvidia-smi; a backend that cannot run the network need not be asked.
        here = backend.availability() if network.usable else Availability(False, "not asked")
        candidates.append((candidate, here, network))
    chosen, note = choose_auto(candidates)
    backend = BACKENDS[chosen]()
    backend.selection_note = note
    return backend


def choose_auto(candidates: Sequence[tuple[str, Availability, Availability]], fallback: str = "cpp"
                ) -> tuple[str, str]:
    """Which backend ``auto`` runs: the first candidate usable here that can run the network.

    Parameters
    ----------
    candidates : sequence of (name, usable here, can run the network)
        In order of preference (fastest first).
    fallback : str
        Chosen when no candidate qualifies (its own checks then say what is wrong).

    Returns
    -------
    (name, note)
        The note says which backend was chosen and why the ones before it were passed over.
    """
    passed_over = []
    for name, here, network in candidates:
        if not network.usable:
            passed_over.append(network.reason)
        elif not here.usable:
            passed_over.append(here.reason)
        else:
            return name, _auto_note(name, candidates, passed_over)
    return fallback, _auto_note(fallback, candidates, passed_over)


def _auto_note(chosen: str, candidates, passed_over: list[str]) -> str:
    order = ", ".join(name for name, _, _ in candidates)
    note = f"backend auto chose {chosen} (order of preference: {order})"
    return note + (": " + "; ".join(passed_over) if passed_over else "")


@dataclass(frozen=True)
class NetworkFeatures:
    """What one or more networks ask of a backend beyond plain neurons and synapses, read from their
    ModelSpecs alone (nothing is built or drawn)."""

    #: Projections whose delays are set per synapse. network.build assigns a projection's delay after creating
    #: its synapses, which makes it a per-synapse variable even when every value is the same; a projection drawn
    #: by a function (``arrays``) is counted too, since its spec does not say which values the function draws
    #: (the PD14 column's draw delays).
    per_synapse_delays: tuple[str, ...] = ()
    #: Projections that can connect one pair of neurons more than once: ``total_number`` draws pairs with
    #: replacement, and a function-drawn one may (the PD14 column's do).
    repeated_pairs: tuple[str, ...] = ()
    #: Each run makes two run calls: a pre-run, then the measured loop.
    separate_pre_run: bool = False


def network_features(*specs: ModelSpec, pre_run: bool = False) -> NetworkFeatures:
    """The :class:`NetworkFeatures` of ``specs`` together (a pure function of the specs)."""
    delays, repeated = [], []
    for spec in specs:
        for proj in spec.projections:
            if proj.delay is not None or proj.arrays is not None:
                delays.append(proj.name)
            if proj.total_number is not None or proj.arrays is not None:
                repeated.append(proj.name)
    return NetworkFeatures(per_synapse_delays=tuple(dict.fromkeys(delays)),
                           repeated_pairs=tuple(dict.fromkeys(repeated)), separate_pre_run=bool(pre_run))
