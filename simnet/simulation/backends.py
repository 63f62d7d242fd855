"""Where a network runs: one small class per Brian2 device, registered by name.

Every backend answers :meth:`Backend.availability` (usable here, or the one thing missing and how to get it)
and opens a :class:`~simnet.simulation.sessions.Session` (:mod:`simnet.simulation.sessions`): a context in which Brian2's device and
preferences are set for one run, and which puts them back afterwards. Brian2 keeps its device as global state; simnet confines it to the session so
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
(:func:`simnet.simulation.build_cache.project_name`) and kept, so the next run of the same network recompiles only what
changed.
"""
from __future__ import annotations

import importlib.util
import os
import shlex
import shutil
import sys
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Optional, Sequence

import brian2

from simnet.base.errors import UsageError
from simnet.machine.describe import nvcc_path, nvidia_gpu_names, package_version
from simnet.simulation import parallel_delivery
from simnet.simulation.build_cache import project_name
from simnet.simulation.genn_session import GennSession
from simnet.simulation.profiling import CPP_PROFILE_CLOCK_OPENMP, CPP_PROFILE_CLOCK_SERIAL
from simnet.simulation.sessions import RuntimeSession, Session, SessionContext, StandaloneSession
from simnet.simulation.settings import RunSettings
from simnet.simulation.timestep_function import use_vectorisable_timestep
from simnet.specs.model_spec import ModelSpec
from simnet.specs.user_network import UserNetwork

__all__ = ["Availability", "Backend", "BACKENDS", "get_backend", "resolve_backend",
           "choose_auto", "network_features", "NetworkFeatures"]

# brian2cuda's makefile asks for C++11; the Thrust/CUB headers of CUDA 13 need C++17, and nvcc honours the
# last -std flag it is given. brian2cuda's templates use thrust::pair without including its header, which CCCL
# 3.5 (the CUDA 13 toolkit on the package index) no longer pulls in through the others.
CUDA13_NVCC_ARGS = ["-w", "-use_fast_math", "-std=c++17", "--pre-include", "thrust/pair.h"]
CUDA13_GCC_ARGS = ["-w", "-O3", "-ffast-math", "-fno-finite-math-only", "-march=native", "-std=c++17"]


@dataclass(frozen=True)
class Availability:
    usable: bool
    #: Empty when usable; otherwise one line saying what is missing and how to get it.
    reason: str = ""


class Backend(ABC):
    """A Brian2 device simnet can run on."""

    name: ClassVar[str]
    summary: ClassVar[str]
    uses_gpu: ClassVar[bool] = False
    #: Standalone devices record the calls and run them later in a generated program.
    standalone: ClassVar[bool] = True
    #: Why this device's projects are never reused (empty: they can be, see :class:`simnet.simulation.sessions.StandaloneSession`).
    build_reuse_refusal: ClassVar[str] = ""
    #: Set by :func:`resolve_backend` when ``auto`` chose this backend: which one and why (a record note).
    selection_note: str = ""
    #: Its code objects take Brian2's ``cpp`` function implementations (so simnet's tabulated binomial sampler).
    cpp_code: ClassVar[bool] = False

    @abstractmethod
    def availability(self, compile_only: bool = False) -> Availability:
        """Whether this backend can run here (with ``compile_only``: compile a project here, to run elsewhere)."""

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
        described = {"name": self.name, "precision": settings.precision, "threads": self.threads_used(settings),
                     "synapse_order": settings.synapse_order}
        if self.cpp_code:
            # delivery is split between threads only on more than one (one thread: a note names the queue templates)
            described.update(poisson_sampler=settings.poisson_sampler, simd_math=settings.simd_math,
                             parallel_delivery=settings.parallel_delivery and (self.threads_used(settings) or 1) > 1)
        return described

    def threads_used(self, settings: RunSettings) -> Optional[int]:
        return None

    def session(self, settings: RunSettings, project: Optional[str] = None) -> SessionContext:
        """Context manager yielding a :class:`Session`; raises :class:`UsageError` when not usable.

        ``project`` names the reusable build directory of the network (:func:`project_name`); it is used only
        with ``settings.reuse_build`` on a standalone backend.
        """
        available = self.availability(compile_only=settings.compile_only)
        if not available.usable:
            raise UsageError(available.reason)
        return SessionContext(lambda: self._open(settings, project), settings)

    def project_name(self, spec: ModelSpec, settings: RunSettings) -> str:
        """The name of the reusable build directory of ``spec`` on this backend with ``settings``."""
        # profiling changes the generated code, so profiled and unprofiled builds are kept apart; the synapse
        # order changes only data files, so both orders share a project
        described = {k: v for k, v in self.describe(settings).items() if k != "synapse_order"}
        return project_name(spec, self.name, {
            "precision": settings.precision, "threads": self.threads_used(settings), "profile": settings.profile,
            "describe": described, "packages": self.package_versions(),
        })


class RuntimeBackend(Backend):
    name = "runtime"
    summary = "Brian2 runtime mode (Cython if a compiler works, else numpy)"
    standalone = False

    def __init__(self, target: str = "auto"):
        self.target = target

    def availability(self, compile_only: bool = False) -> Availability:
        if compile_only:
            return Availability(False, "backend runtime compiles as it runs: compile only is for the standalone "
                                       "backends (cpp, cuda, genn-cpu)")
        return Availability(True)

    def describe(self, settings):
        return {**super().describe(settings), "codegen_target": self.target}

    def threads_used(self, settings):
        return 1  # the Python process runs the loop on one core

    def _open(self, settings, project):
        return RuntimeSession(settings, self.target)


class CppBackend(Backend):
    name = "cpp"
    summary = "Brian2 C++ standalone with OpenMP"
    cpp_code = True

    def availability(self, compile_only: bool = False) -> Availability:
        # Brian2's makefile compiles with make's $(CXX): the CXX environment variable, else make's default g++
        # (a `c++` on PATH does not help it).
        compiler = os.environ.get("CXX", "").strip() or "g++"
        if shutil.which(shlex.split(compiler)[0]) is None:
            where = f"CXX={compiler}" if os.environ.get("CXX", "").strip() else "g++, make's default C++ compiler"
            return Availability(False, f"backend cpp needs the C++ compiler Brian2's makefile calls ({where}), which "
                                       "is not on PATH: install build-essential, or set CXX to a C++ compiler")
        make = shlex.split(brian2.prefs.devices.cpp_standalone.make_cmd_unix or "make")[0]
        if shutil.which(make) is None:
            return Availability(False, f"backend cpp needs {make}, which is not on PATH: install build-essential")
        return Availability(True)

    def threads_used(self, settings):
        return settings.threads or os.cpu_count() or 1

    def _open(self, settings, project):
        # Brian2 uses no OpenMP at all for 0 threads; one thread runs the same single-threaded code path.
        threads = self.threads_used(settings)
        brian2.prefs.devices.cpp_standalone.openmp_threads = 0 if threads == 1 else threads
        clock = CPP_PROFILE_CLOCK_SERIAL if threads == 1 else CPP_PROFILE_CLOCK_OPENMP
        session = StandaloneSession(settings, "cpp_standalone", {}, project, self.build_reuse_refusal,
                                    profile_clock=clock)
        if settings.simd_math:
            use_vectorisable_timestep()
            refusal = simd_math_refusal()
            if refusal:
                session.notes.append(f"simd_math not applied: {refusal}")
            else:
                use_simd_math(session.directory)
        if settings.parallel_delivery:
            # on one thread the same templates give Brian2's order and code, and keep the queues between runs
            parallel_delivery.use_parallel_delivery()
            if threads > 1:
                session.after_build.append(_note_serial_delivery)
            else:
                session.notes.append("spike queues: simnet's (one thread: Brian2's order, kept from one run to the "
                                     "next on the same synapses)")
        return session


def _note_serial_delivery(session) -> None:
    """Name in the record the synaptic event code that stayed on one thread under parallel delivery."""
    serial = parallel_delivery.serial_code_objects(session.directory)
    if serial:
        session.notes.append(f"parallel_delivery: {', '.join(serial)} touch variables of the neuron that sent "
                             "the spike and deliver on one thread, as Brian2 does")


#: Loop-vectorisable math functions: glibc's libmvec (x86-64, glibc >= 2.22) has a vector variant of each.
SIMD_MATH_FUNCTIONS = {"double": ("exp", "log", "pow", "sin", "cos"), "float": ("expf", "logf", "powf", "sinf", "cosf")}
SIMD_MATH_HEADER = "simnet_simd_math.h"
#: GCC gives up vectorising a loop that needs more run-time alias checks than this (its default is 10); Brian2's
#: array pointers are globals, so a state update over 8 variables needs dozens.
SIMD_MATH_FLAGS = ("--param=vect-max-version-for-alias-checks=200",)


def simd_math_refusal() -> str:
    """Why the vector math library cannot be used here ("" when it can)."""
    import platform

    if platform.machine() not in ("x86_64", "AMD64") or platform.system() != "Linux":
        return "needs x86-64 Linux (glibc's libmvec)"
    libc, version = platform.libc_ver()
    if libc != "glibc" or tuple(int(x) for x in version.split(".")[:2]) < (2, 22):
        return f"needs glibc >= 2.22 with libmvec, found {libc or 'no glibc'} {version}".rstrip()
    return ""


def use_simd_math(directory: Path) -> None:
    """Let the compiler call glibc's vector exp, log, pow, sin and cos in loops.

    glibc declares their vector variants only under ``__FAST_MATH__``, which GCC leaves undefined with Brian2's
    ``-fno-finite-math-only``; a header in the project declares them again (with glibc's own exception
    specification, ``__THROW``), and a compiler parameter lets GCC check more pointer pairs for aliasing, so
    that loops such as a Hodgkin-Huxley update are vectorised. The vector functions differ from the scalar ones
    by a few units in the last place.
    """
    lines = ["// simnet: glibc's vector math variants (libmvec), declared as glibc does under __FAST_MATH__",
             "#include <math.h>", 'extern "C" {']
    for ctype, names in SIMD_MATH_FUNCTIONS.items():
        for name in names:
            arguments = f"{ctype}, {ctype}" if name.startswith("pow") else ctype
            lines.append(f'{ctype} {name}({arguments}) __THROW __attribute__((__simd__("notinbranch")));')
    header, text = Path(directory, SIMD_MATH_HEADER), "\n".join(lines + ["}", ""])
    if not header.exists() or header.read_text() != text:  # unchanged, it must not make a reused project rebuild
        header.write_text(text)
    brian2.prefs.codegen.cpp.headers = list(brian2.prefs.codegen.cpp.headers) + [f'"{SIMD_MATH_HEADER}"']
    brian2.prefs.codegen.cpp.extra_compile_args_gcc = (list(brian2.prefs.codegen.cpp.extra_compile_args_gcc)
                                                       + list(SIMD_MATH_FLAGS))


class CudaBackend(Backend):
    name = "cuda"
    summary = "brian2cuda cuda_standalone on an NVIDIA GPU"
    uses_gpu = True
    # Its makefile (brian2cuda 1.0b1, templates/makefile) has no header dependencies: a changed header
    # with an unchanged .cu file would link a stale object.
    build_reuse_refusal = ("brian2cuda's makefile does not track header dependencies, so a reused project could "
                           "link stale objects")

    def availability(self, compile_only: bool = False) -> Availability:
        toolchain = self._toolchain()
        if compile_only or not toolchain.usable:
            return toolchain
        if not nvidia_gpu_names():
            return Availability(False, "backend cuda needs an NVIDIA GPU to run (nvidia-smi reports none); its "
                                       "projects compile here (compile only, for a given compute capability)")
        return toolchain

    @staticmethod
    def _toolchain() -> Availability:
        """What compiling a project needs: brian2cuda (so Python >= 3.12) and nvcc."""
        if sys.version_info < (3, 12):
            return Availability(False, "backend cuda needs Python >= 3.12 (brian2cuda 1.0b1 pins brian2 2.10.1)")
        if importlib.util.find_spec("brian2cuda") is None:
            return Availability(False, "backend cuda needs brian2cuda: pip install 'simnet[cuda]'")
        if nvcc_path() is None:
            return Availability(False, "backend cuda needs the CUDA toolkit: put nvcc on PATH or set CUDA_PATH")
        return Availability(True)

    def package_versions(self):
        return {**super().package_versions(), "brian2cuda": package_version("brian2cuda")}

    def _open(self, settings, project):
        import brian2cuda  # noqa: F401  (registers the cuda_standalone device)

        cuda = brian2.prefs.devices.cuda_standalone.cuda_backend
        cuda.extra_compile_args_nvcc = list(CUDA13_NVCC_ARGS)
        brian2.prefs.codegen.cpp.extra_compile_args_gcc = list(CUDA13_GCC_ARGS)
        if settings.compute_capability is not None:
            # compile for the given GPU, without looking for one (brian2cuda needs gpu_id too when it does not)
            cuda.detect_gpus = False
            cuda.gpu_id = 0
            cuda.compute_capability = float(settings.compute_capability)
        return StandaloneSession(settings, "cuda_standalone", {}, project, self.build_reuse_refusal)


class GennBackend(Backend):
    summary = "Brian2GeNN (GeNN 4.x) on an NVIDIA GPU"
    uses_gpu = True
    build_reuse_refusal = ("Brian2GeNN regenerates the GeNN model and runs 'make clean' before every build, so "
                           "nothing would be saved")

    def __init__(self, use_gpu: bool = True):
        self.use_gpu = use_gpu
        #: The GeNN tree found by availability() (None before it is asked).
        self.genn_path: Optional[str] = None
        self.name = "genn" if use_gpu else "genn-cpu"
        if not use_gpu:
            self.summary = "Brian2GeNN with GeNN's single-threaded CPU backend"
            self.uses_gpu = False

    def availability(self, compile_only: bool = False) -> Availability:
        if compile_only and self.use_gpu:
            return Availability(False, "backend genn compiles only where it runs (Brian2GeNN finds the GPU as it "
                                       "builds); genn-cpu can compile only")
        if self.use_gpu and not nvidia_gpu_names():
            return Availability(False, f"backend {self.name} needs an NVIDIA GPU (nvidia-smi reports none)")
        if self.use_gpu and not _genn_cuda_path():
            # Brian2GeNN builds with CUDA_PATH (or its preference), not with an nvcc found on PATH
            return Availability(False, f"backend {self.name} needs the CUDA toolkit: set CUDA_PATH to it (nvcc "
                                       "under bin/)")
        if importlib.util.find_spec("brian2genn") is None:
            return Availability(False, f"backend {self.name} needs Brian2GeNN 1.7 with brian2 2.5.x in its own "
                                       "environment: pip install 'simnet[genn]' (see docs/guide/backends.md)")
        if not brian2.__version__.startswith("2.5."):
            return Availability(False, f"backend {self.name} needs brian2 2.5.x (Brian2GeNN 1.7), "
                                       f"this environment has {brian2.__version__}")
        self.genn_path = genn_path = _genn_path()
        if not genn_path or not Path(genn_path).is_dir():
            return Availability(False, f"backend {self.name} needs a GeNN 4.x source tree: set GENN_PATH (or "
                                       "Brian's preference devices.genn.path) to it")
        return Availability(True)

    def package_versions(self):
        return {**super().package_versions(), "brian2genn": package_version("brian2genn")}

    def describe(self, settings):
        return {**super().describe(settings), "use_gpu": self.use_gpu}

    def threads_used(self, settings):
        return None if self.use_gpu else 1  # GeNN's CPU backend is single-threaded

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
        if features.made_by_code:
            problems.append(f"a network made by code ({', '.join(features.made_by_code)}), which cannot be checked "
                            "against Brian2GeNN's exclusions before it is built")
        if problems:
            return Availability(False, f"backend {self.name} cannot run this network: " + "; ".join(problems))
        return Availability(True)

    def _open(self, settings, project):
        import brian2genn  # noqa: F401  (registers the genn device)

        # The tree availability() found (session() asks it first): the session has just reset Brian's
        # preferences to their defaults, which clears a devices.genn.path set before it.
        brian2.prefs.devices.genn.path = self.genn_path
        return GennSession(settings, self.use_gpu, project, self.build_reuse_refusal)


def _genn_path() -> Optional[str]:
    """The GeNN tree Brian2GeNN builds with, looked for as it does (``GeNNDevice.compile_source``): Brian's
    preference ``devices.genn.path``, else ``GENN_PATH``, else the tree whose ``bin`` holds ``genn-buildmodel.sh``
    on PATH. (The preference can only be set from Python, after importing brian2genn: Brian refuses a preference
    file that names it, since it validates the files before Brian2GeNN registers its preferences.)"""
    import brian2genn  # noqa: F401  (registers the devices.genn preferences)

    genn_path = brian2.prefs["devices.genn.path"] or os.environ.get("GENN_PATH")
    if not genn_path:
        buildmodel = shutil.which("genn-buildmodel.sh")
        genn_path = str(Path(buildmodel).resolve().parent.parent) if buildmodel else None
    return genn_path


def _genn_cuda_path() -> Optional[str]:
    """The CUDA toolkit Brian2GeNN compiles with: ``CUDA_PATH`` when it holds ``bin/nvcc``."""
    cuda_path = os.environ.get("CUDA_PATH")
    return cuda_path if cuda_path and Path(cuda_path, "bin", "nvcc").exists() else None


#: Registry: name -> factory.
BACKENDS = {
    "runtime": RuntimeBackend,
    "cpp": CppBackend,
    "cuda": CudaBackend,
    "genn": lambda: GennBackend(use_gpu=True),
    "genn-cpu": lambda: GennBackend(use_gpu=False),
}

#: The order ``auto`` tries: fastest first (measured by hand on an H100, docs/guide/backends.md: GeNN and brian2cuda
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


def resolve_backend(name: str, *specs: ModelSpec, pre_run: bool = False, compile_only: bool = False,
                    among: Optional[Sequence[str]] = None) -> Backend:
    """The backend ``name`` for running ``specs``, checked before anything is built.

    A named backend that cannot run one of the networks, or is not usable here, is a :class:`UsageError`
    (the network first: installing a backend does not help a network it cannot run). ``auto`` is the first of
    :data:`AUTO_ORDER` (only those in ``among``, where not empty) that can run every network and is usable here
    (``cpp`` when none is, or the last of ``among`` without ``cpp``); its :attr:`Backend.selection_note` says
    which it chose and why.

    Parameters
    ----------
    name : str
        A registered backend name or ``auto``.
    *specs : ModelSpec
        The networks the backend will run.
    pre_run : bool
        Each run simulates a pre-run before its measured loop (a second run call).
    compile_only : bool
        The project is to be compiled here, not run: a GPU backend needs no GPU for that.
    among : sequence of str, optional
        The backends ``auto`` may choose from (a model that runs on some only, e.g. the compartmental cells).
    """
    features = network_features(*specs, pre_run=pre_run)
    if name != "auto":
        backend = get_backend(name)
        for verdict in (backend.supports(features), backend.availability(compile_only=compile_only)):
            if not verdict.usable:
                raise UsageError(verdict.reason)
        return backend
    candidates = []
    for candidate in (c for c in AUTO_ORDER if not among or c in among):
        backend = BACKENDS[candidate]()
        network = backend.supports(features)
        # Availability may query nvidia-smi; a backend that cannot run the network need not be asked.
        here = backend.availability(compile_only=compile_only) if network.usable else Availability(False, "not asked")
        candidates.append((candidate, here, network))
    chosen, note = choose_auto(candidates, fallback="cpp" if not among or "cpp" in among else among[-1])
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
    #: Networks made by user code, whose features are known only once they are built.
    made_by_code: tuple[str, ...] = ()


def network_features(*specs: ModelSpec, pre_run: bool = False) -> NetworkFeatures:
    """The :class:`NetworkFeatures` of ``specs`` together (a pure function of the specs)."""
    delays, repeated, made_by_code = [], [], []
    for spec in specs:
        if isinstance(spec, UserNetwork):
            made_by_code.append(spec.name)
            continue
        for proj in spec.projections:
            if proj.delay is not None or proj.arrays is not None:
                delays.append(proj.name)
            if proj.total_number is not None or proj.arrays is not None:
                repeated.append(proj.name)
    return NetworkFeatures(per_synapse_delays=tuple(dict.fromkeys(delays)),
                           repeated_pairs=tuple(dict.fromkeys(repeated)), separate_pre_run=bool(pre_run),
                           made_by_code=tuple(made_by_code))
