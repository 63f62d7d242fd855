"""The one run pipeline: a model and its options, a backend and its settings -> a RunRecord.

Every simulation simnet makes (``simnet run``, each point of a benchmark, each level of the fidelity ladder, the
Python API) goes through :func:`plan_run`, which checks everything and builds nothing (model options, backend
usable here and able to run the network, settings), then :func:`execute`, which runs the plan and returns what
happened and what it cost. The phases of a run are put together here: construction (Python), code generation
and compilation, synapse creation, initialisation, the loop and collecting results, each timed by the backend's
session, plus the run's provenance. A standalone project that fails to build or run becomes
:class:`~simnet.base.errors.SimulationFailed` here.
"""
from __future__ import annotations

import datetime
import platform
import sys
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping, Optional, Sequence, Union

import brian2
import numpy as np

from simnet.base import atomic_files, version
from simnet.base.errors import SimulationFailed, UsageError
from simnet.base.units import check_seed
from simnet.cost import account
from simnet.cost.energy import EnergyMeter
from simnet.cost.memory import estimate_state_bytes
from simnet.machine import microbench
from simnet.machine.describe import available_memory, cpu_load, cpus_available, describe_machine, nvcc_path
from simnet.machine.hardware import peak_throughput, with_measured_peak
from simnet.models import get_model
from simnet.record.files import parameter_entry
from simnet.record.run_record import MonitorData, RunRecord, leaf_populations, split_group_spikes
from simnet.simulation import network_builder as network
from simnet.simulation.backends import Backend, network_features, resolve_backend
from simnet.simulation.poisson_table import tabulate_binomials
from simnet.simulation.settings import RunSettings
from simnet.specs.model_spec import ModelSpec, check_run_time, parameter_items
from simnet.specs.user_network import UserNetwork

__all__ = ["RECORD_SPIKES_LIMIT", "RECORD_CONNECTIVITY_LIMIT", "RunPlan", "plan_run", "MAX_INDEX", "plan_network", "compile_project", "execute",
           "provenance"]

#: Spikes are recorded by default when neurons x biological seconds is at most this (a few MB of spikes).
RECORD_SPIKES_LIMIT = 1e6
#: Default of ``record_connectivity``: networks with at most this many synapses keep them in the record (24 bytes
#: each: source, target, weight, delay).
RECORD_CONNECTIVITY_LIMIT = 5_000_000


@dataclass(frozen=True)
class RunPlan:
    """One run, checked and ready: nothing has been built yet. Made by :func:`plan_run` for a model of the
    library, by :func:`plan_network` for a network made by user code, or directly for a hand-made ModelSpec."""

    spec: Union[ModelSpec, UserNetwork]
    backend: Backend
    settings: RunSettings
    duration_s: float
    pre_run_s: float = 0.0
    seed: int = 1
    #: None (user networks only): decided once the network is built, by :data:`RECORD_SPIKES_LIMIT`.
    record_spikes: Optional[bool] = False
    #: What the planning found worth saying about the run (also warned about); the record keeps them.
    notes: tuple[str, ...] = ()
    #: Keep the network itself in the record (neuron models and parameters, every synapse's ids, weight and delay),
    #: for ``simnet export`` (library models only).
    record_connectivity: bool = False
    #: The machine's load when the run was planned (:func:`simnet.machine.describe.cpu_load`); the record keeps it
    #: in its provenance's machine, as ``load_at_planning``.
    load: Optional[Mapping] = None

    @property
    def model(self) -> str:
        return self.spec.name

    @property
    def default_out_path(self) -> Path:
        """Where ``simnet run`` writes the record when no path is given."""
        return Path("runs") / f"{self.model}-{self.backend.name}-seed{self.seed}.h5"


def plan_run(model: str, options: Optional[Mapping] = None, *, duration_s: float = 1.0, pre_run_s: float = 0.0,
             backend: str = "cpp", settings: RunSettings = RunSettings(), seed: int = 1,
             record_spikes: Optional[bool] = None, skip_memory_check: bool = False,
             record_connectivity: Optional[bool] = None) -> RunPlan:
    """Check a run of a library model before anything is built; bad input is a :class:`~simnet.base.errors.UsageError`.

    Parameters
    ----------
    model : str
        A model of the library (:func:`simnet.models.model_names`).
    options : mapping, optional
        The model's options (e.g. ``neurons``, ``mode`` for COBAHH); missing ones take the model's defaults.
    duration_s, pre_run_s : float
        Biological seconds measured in the loop, and simulated before it and left out of every figure.
    backend : str
        A backend name or ``auto`` (:func:`simnet.simulation.backends.resolve_backend`).
    settings : RunSettings
        Precision, threads and build options (with ``reuse_build``, a standalone project is built in a directory
        named after the network and kept for the next run of it).
    seed : int
        Random seed of the run.
    record_spikes : bool, optional
        Keep every spike (otherwise per-neuron counts only); default: when neurons x ``duration_s`` is at most
        :data:`RECORD_SPIKES_LIMIT`.
    skip_memory_check : bool
        Build even when the network's memory (estimated before building, a lower bound) exceeds what this
        machine has available; by default that is refused.
    record_connectivity : bool, optional
        Keep the network in the record (every synapse's source, target, weight and delay, and each
        population's neuron model and parameters), which ``simnet export`` writes as a SONATA circuit; default:
        when the network has at most :data:`RECORD_CONNECTIVITY_LIMIT` synapses (expected).
    """
    seed = check_seed(seed)
    entry = get_model(model)
    spec = entry.build_spec(entry.parameters(**dict(options or {})))
    if backend != "auto":
        entry.check_backend(backend)
    notes = []
    if settings.threads is None and entry.default_threads is not None:
        settings = replace(settings, threads=entry.default_threads)
        notes.append(f"threads: {entry.default_threads}, the default of model {model} "
                     f"({entry.default_threads_reason}); ask for threads to choose yourself")
    if isinstance(spec, UserNetwork):  # a library model made by code (the compartmental cells)
        if settings.compile_only:
            raise UsageError(f"model {model} is made by code, so it cannot be compiled without running it; drop "
                             "compile-only", parameter="compile_only")
        if record_connectivity:
            raise UsageError(f"model {model} is made by code, so its record cannot keep the network for export; "
                             "drop record-connectivity", parameter="record_connectivity")
        if skip_memory_check:
            notes.append(f"skip-memory-check: model {model} is made by code, whose memory is not estimated before "
                         "it is built, so there was no check to skip")
        plan = plan_network(spec, duration_s=duration_s, pre_run_s=pre_run_s, backend=backend, settings=settings,
                            seed=seed, record_spikes=record_spikes, backends=entry.backends)
        return replace(plan, notes=tuple(notes) + plan.notes)
    check_run_time(duration_s, pre_run_s, spec.time_step_s, f"the {spec.name} model")
    resolved = resolve_backend(backend, spec, pre_run=pre_run_s > 0, compile_only=settings.compile_only,
                               among=entry.backends)
    if settings.compute_capability is not None and not settings.compile_only:
        raise UsageError("a target compute capability is for compiling only (no GPU is looked for, so nothing "
                         "could run)", parameter="compute_capability")
    if not skip_memory_check:
        _check_memory(spec, settings, duration_s + pre_run_s)
    _check_index_range(spec)
    load = cpu_load()
    settings, chosen = _default_threads(resolved, settings, load)
    notes += chosen + _check_settings(resolved, settings, load)
    if record_spikes is None:
        record_spikes = spec.n_neurons * duration_s <= RECORD_SPIKES_LIMIT
    if record_connectivity is None:
        record_connectivity = sum(spec.expected_synapses(p) or 0.0 for p in spec.projections) \
            <= RECORD_CONNECTIVITY_LIMIT
    return RunPlan(spec=spec, backend=resolved, settings=settings, duration_s=float(duration_s),
                   pre_run_s=float(pre_run_s), seed=seed, record_spikes=bool(record_spikes), notes=tuple(notes),
                   record_connectivity=bool(record_connectivity), load=load)


def _check_settings(backend: Backend, settings: RunSettings, load: Optional[Mapping] = None) -> list[str]:
    """Refuse a build directory that cannot be used; warn about a thread count the user asked for that cannot help,
    given the CPUs and the machine's ``load`` (returned as notes for the record)."""
    if settings.build_root is not None and backend.standalone:
        atomic_files.check_directory(settings.build_root, "build_dir", what="build directory", create=False)
    notes = _thread_notes(backend, settings)
    load_note = _load_note(backend, settings, load)
    said = list(notes)
    if load_note is not None:
        notes.append(load_note)
        # the default was not the user's choice, and one thread waits for no other: a warning then would depend
        # on the machine's load at the moment, so only the record keeps the note
        if settings.threads is not None and backend.threads_used(settings) > 1:
            said.append(load_note)
    for note in said:
        warnings.warn(note, stacklevel=3)
    return notes


def _check_memory(spec: ModelSpec, settings: RunSettings, simulated_s: float) -> None:
    """Refuse a network whose state alone (a lower bound, :func:`simnet.cost.memory.estimate_state_bytes`)
    exceeds the memory this machine has available now."""
    available, limit = available_memory()
    if available is None:
        return
    need = estimate_state_bytes(spec, float_bytes=np.dtype(settings.float_dtype).itemsize,
                                n_steps=int(round(simulated_s / spec.time_step_s)))
    if need["total_bytes"] <= available:
        return
    parts = f"{need['n_neurons']:,} neurons x {need['bytes_per_neuron']:.0f} B"
    if need["n_synapses"]:
        parts += f" + {need['n_synapses']:.3g} synapses x {need['bytes_per_synapse']:.0f} B"
    raise UsageError(f"the network needs at least {_bytes_text(need['total_bytes'])} of memory ({parts}, counted "
                     f"before building), more than {limit} allows here ({_bytes_text(available)}); run a smaller "
                     "network, or skip the memory check to try anyway", parameter="skip_memory_check")


def _bytes_text(n_bytes: float) -> str:
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n_bytes >= size:
            return f"{n_bytes / size:.3g} {unit}"
    return f"{n_bytes:.0f} B"


#: Brian2 indexes neurons and synapses with 32-bit signed integers.
MAX_INDEX = 2**31 - 1


def _check_index_range(spec: ModelSpec) -> None:
    """Refuse a population or projection larger than Brian2's 32-bit indices can number."""
    for pop in spec.populations:
        if pop.size > MAX_INDEX:
            raise UsageError(f"population {pop.name} would have {pop.size:,} neurons; Brian2 numbers neurons with "
                             f"32-bit integers, at most {MAX_INDEX:,} per group")
    for proj in spec.projections:
        expected = spec.expected_synapses(proj)
        if expected is not None and expected > MAX_INDEX:
            raise UsageError(f"projection {proj.name} would have about {expected:.3g} synapses; Brian2 numbers "
                             f"synapses with 32-bit integers, at most {MAX_INDEX:,} per projection")


def _thread_notes(backend: Backend, settings: RunSettings) -> list[str]:
    """What to say about a thread count the user asked for that cannot help: more threads than CPUs, or a backend
    without threads."""
    if settings.threads is None:
        return []
    used = backend.threads_used(settings)
    if used != settings.threads:
        return [f"backend {backend.name} does not run on OpenMP threads: threads={settings.threads} has no effect"]
    cpus = cpus_available()
    if used > cpus:
        return [f"threads={used} is more than the {cpus} logical CPU(s) this process may use: the extra threads "
                f"share CPUs and slow the simulation loop down"]
    return []


def _default_threads(backend: Backend, settings: RunSettings, load: Optional[Mapping]) -> tuple[RunSettings, list]:
    """The thread count when the user gave none: every logical CPU, but no more than other processes left free
    when the run was planned (at least one). OpenMP's threads wait for each other at every step, so a thread that
    shares a core with a busy process holds up all the others (measured in docs/results/performance.md,
    "Threads"). Returns the settings and the record's note."""
    used, free = backend.threads_used(settings), (load or {}).get("free_cpus")
    if settings.threads is not None or used is None or used <= 1 or free is None or free >= used:
        return settings, []
    chosen = max(1, int(free))
    note = (f"threads: {chosen} rather than every logical CPU ({used}), the default, since other processes kept "
            f"{load['busy_cpus']:g} of {load['cpus']} CPU(s) busy when the run was planned (1-minute load average "
            f"{load.get('loadavg_1min')}); ask for threads to choose yourself")
    return replace(settings, threads=chosen), [note]


def _load_note(backend: Backend, settings: RunSettings, load: Optional[Mapping]) -> Optional[str]:
    """More threads, asked for or the default, than CPUs other processes left free when the run was planned:
    OpenMP's threads wait for each other every step, so one thread sharing a core with a busy process holds up
    all the others (None when the threads fit, or the load or thread count is unknown)."""
    used = backend.threads_used(settings)
    free = (load or {}).get("free_cpus")
    if used is None or free is None or used <= free or (settings.threads is not None and used != settings.threads) \
            or used > cpus_available():
        return None
    cpus = cpus_available()
    asked = f"threads={used}" if settings.threads is not None else f"the default of {used} thread(s)"
    advice = (f"threads that share a core with a busy process hold up the others at every step; fewer threads "
              f"(threads={max(1, free)}) may well be faster" if used > 1 else
              "the run shares its core, so its times are not those of an idle machine")
    return (f"{asked} is more than the {free} of {cpus} CPU(s) other processes left free when the run was planned "
            f"(busy CPUs {load['busy_cpus']:g}, 1-minute load average {load['loadavg_1min']:g}): {advice}")


def plan_network(network: UserNetwork, *, duration_s: float = 1.0, pre_run_s: float = 0.0, backend: str = "cpp",
                 settings: RunSettings = RunSettings(), seed: int = 1,
                 record_spikes: Optional[bool] = None, backends: Optional[Sequence[str]] = None) -> RunPlan:
    """Check a run of a network made by user code (:mod:`simnet.specs.user_network`), as :func:`plan_run` does a model's.

    Objects that already exist run only on the runtime backend (a standalone device records the objects as they
    are made); a standalone project is never reused (the network has no name before it is built). ``backends``
    limits what ``auto`` may choose (a library model that runs on some only).
    """
    seed = check_seed(seed)
    if network.dt_s is not None:
        check_run_time(duration_s, pre_run_s, network.dt_s, f"the network of {network.name}")
    resolved = resolve_backend(backend, network, pre_run=pre_run_s > 0, among=backends)
    if network.prebuilt and resolved.standalone:
        raise UsageError(f"Brian2 objects made before the run can only run on the runtime backend, not "
                         f"{resolved.name}: pass a function that makes them (simnet calls it on the device)",
                         parameter="backend")
    if settings.reuse_build:
        raise UsageError("a network made by code cannot reuse a standalone project", parameter="reuse_build")
    load = cpu_load()
    settings, chosen = _default_threads(resolved, settings, load)
    notes = chosen + _check_settings(resolved, settings, load)
    return RunPlan(spec=network, backend=resolved, settings=settings, duration_s=float(duration_s),
                   pre_run_s=float(pre_run_s), seed=seed, record_spikes=record_spikes, notes=tuple(notes), load=load)


def _construct(plan: RunPlan, session) -> network.BuiltNetwork:
    """The plan's network on the session's device, made as the settings ask (synapse order, Poisson sampler)."""
    settings = plan.settings
    if isinstance(plan.spec, UserNetwork):
        record_spikes = plan.record_spikes if plan.record_spikes is not None else (
            lambda n_neurons: n_neurons * plan.duration_s <= RECORD_SPIKES_LIMIT)
        built = network.adopt(plan.spec, seed=plan.seed, record_spikes=record_spikes, mark=session.mark)
    else:
        built = network.build(plan.spec, seed=plan.seed, record_spikes=plan.record_spikes, mark=session.mark,
                              synapse_order=settings.synapse_order)
    if settings.poisson_sampler == "table" and plan.backend.cpp_code:
        for poisson_input in built.inputs.values():
            tabulate_binomials(poisson_input)
    return built


def compile_project(plan: RunPlan) -> dict:
    """Generate and compile ``plan``'s standalone project without running it (``settings.compile_only``).

    For a GPU backend no GPU need be present (``settings.compute_capability`` names the target). Returns what was
    built and how long it took; there is no run, so no record. The project is kept with ``keep_build``.
    """
    if not plan.settings.compile_only:
        raise UsageError("compile_project needs settings with compile_only", parameter="compile_only")
    spec, backend, settings = plan.spec, plan.backend, plan.settings
    started = time.perf_counter()
    with _failures_said():
        with backend.session(settings, None) as session:
            built = _construct(plan, session)
            session.compile_only(built.net, plan.duration_s * brian2.second,
                                 plan.pre_run_s * brian2.second if plan.pre_run_s > 0 else None, built.namespace)
            directory = getattr(session, "directory", None)
            notes = list(plan.notes) + list(session.notes) + built.notes
            timings = dict(session.timings)
    timings["total_s"] = time.perf_counter() - started
    return {
        "model": spec.name, "description": spec.description, "neurons": spec.n_neurons,
        "backend": backend.describe(settings), "compute_capability": settings.compute_capability,
        "timings": timings, "project": str(directory) if directory is not None and settings.keep_build else None,
        "notes": notes,
    }


def execute(plan: RunPlan, *, command_line: str = "") -> RunRecord:
    """Run ``plan``: what happened and what it cost, as a record (not written anywhere).

    Raises
    ------
    UsageError
        When the plan's backend cannot run its network (checked before anything is built).
    SimulationFailed
        When the generated standalone project fails to compile or run (Brian2 reports it as a RuntimeError
        starting with "Project"), or memory runs out; there is no result.
    """
    with _failures_said(), _user_code_said(plan):
        return _run(plan, command_line)


@contextmanager
def _user_code_said(plan: RunPlan):
    """For a network made by user code, Brian2's refusal of one of its objects when the run prepares it (wrong
    units in an equation, an undefined name) is the user's to fix: one line of bad input naming the object."""
    if not isinstance(plan.spec, UserNetwork):
        yield
        return
    try:
        yield
    except brian2.core.base.BrianObjectException as err:
        cause = err.__cause__ or err.__context__ or err
        text = " ".join(str(cause if cause is not err else getattr(err, "_brian_message", err)).split())
        owner = getattr(err, "_brian_objname", "an object")
        raise UsageError(f"{plan.spec.name}: Brian2 cannot run {owner}: {type(cause).__name__}: "
                         f"{text[:300]}", parameter="script") from None


@contextmanager
def _failures_said():
    """A standalone project that failed to compile or run (Brian2 says so in a RuntimeError starting with
    "Project"), or memory running out, as :class:`~simnet.base.errors.SimulationFailed`."""
    try:
        yield
    except MemoryError:
        raise SimulationFailed("out of memory while building or running the network (the estimate checked before "
                               "building is a lower bound); run a smaller network") from None
    except RuntimeError as err:
        if str(err).startswith("Project "):
            raise SimulationFailed(str(err)) from None
        raise


def _run(plan: RunPlan, command_line: str) -> RunRecord:
    spec, backend, settings, seed = plan.spec, plan.backend, plan.settings, plan.seed
    duration = plan.duration_s * brian2.second
    pre_run = plan.pre_run_s * brian2.second if plan.pre_run_s > 0 else None
    supported = backend.supports(network_features(spec, pre_run=pre_run is not None))
    if not supported.usable:
        raise UsageError(supported.reason)
    reusable = settings.reuse_build and backend.standalone and isinstance(spec, ModelSpec)
    project = backend.project_name(spec, settings) if reusable else None
    started = time.perf_counter()
    machine = describe_machine()
    if plan.load is not None:
        machine = {**machine, "load_at_planning": dict(plan.load)}
    device_kind = "gpu" if backend.uses_gpu else "cpu"
    peak = _peak(machine, device_kind, settings.precision, backend.threads_used(settings))
    meter = EnergyMeter(device_kind, peak=peak)
    with backend.session(settings, project) as session:
        construction_started = time.perf_counter()
        with session.progress.phase(f"constructing {spec.name}"):
            built = _construct(plan, session)
        spec = built.spec  # a user network's description, read back from its objects
        construction_s = time.perf_counter() - construction_started
        with meter:
            session.simulate(built.net, duration, pre_run, built.namespace)
        collect_started = time.perf_counter()
        counts = network.activity_counts(built, duration)
        spikes = split_group_spikes(counts, network.spike_trains(built), spec.display_order)
        rates = network.population_rates(built)
        monitors = {name: MonitorData(name, **data) for name, data in network.monitor_data(built).items()}
        described = _network_description(built) if plan.record_connectivity and isinstance(plan.spec, ModelSpec) \
            else {}
        static = account.static_measurements(built)
        timings = dict(session.timings)
        timings["collect_s"] = time.perf_counter() - collect_started
        if session.loop_profile:
            timings["loop_profile"] = session.loop_profile
        notes = (([backend.selection_note] if backend.selection_note else []) + list(plan.notes) + list(session.notes)
                 + built.notes)
        loop_window = session.loop_window_monotonic
        peak_rss = dict(session.peak_rss)
        # Standalone runs: "reused", "new" or "temporary" build directory (see StandaloneSession); a reused one
        # explains a small compile_s.
        build_project = getattr(session, "project", None)
    whole_span = "the whole simulate call" + (
        " (standalone: code generation, compilation and the program)" if backend.standalone else "")
    loop_energy = meter.window(*loop_window, what="the simulation loop") if loop_window else None
    if loop_energy is None:
        notes.append(f"energy covers {whole_span}, not only the loop: the loop's start and end were not "
                     f"known on the meter's clock")
    if not backend.standalone:
        # In runtime mode synapse creation and initialisation ran inside network.build.
        construction_s -= timings.get("synapse_creation_s", 0.0) + timings.get("initialisation_s", 0.0)
    timings["model_construction_s"] = construction_s
    timings["total_s"] = time.perf_counter() - started
    cost = account.cost_record(account.Workload(
        static=static, counts=counts, timings=timings, bio_duration_s=float(duration),
        n_neurons=spec.n_neurons, model_types={p.name: p.model_type for p in spec.populations if p.model_type},
        peak=peak, energy=loop_energy or meter.energy,
        energy_span="the simulation loop" if loop_energy else whole_span,
        energy_whole_call=meter.energy if loop_energy else None, energy_whole_call_span=whole_span,
        gpu_memory_peak_mib=meter.gpu_memory_peak_mib, peak_rss=peak_rss,
    ))

    return RunRecord(
        model=spec.name,
        description=spec.description,
        parameters={name: parameter_entry(value) for name, value in parameter_items(spec.parameters).items()},
        backend={**backend.describe(settings), "packages": backend.package_versions(),
                 **({"project": build_project} if build_project else {})},
        provenance=provenance(seed, command_line, machine),
        duration_s=float(duration),
        dt_s=spec.time_step_s,
        pre_run_s=float(pre_run) if pre_run is not None else 0.0,
        timings=timings,
        counts=counts,
        spike_trains=spikes,
        rates=rates,
        cost_detail=cost,
        notes=notes,
        populations=leaf_populations(counts, spec.display_order),
        network=described,
        monitors=monitors,
    )


def _network_description(built) -> dict:
    """The network as built, for export: per Brian2 group its equations, threshold, reset, refractory period,
    parameters (the namespace's scalars, as :func:`parameter_entry` stores them), per-neuron constants (initial
    values given as arrays, in SI units) and per-neuron expressions (initial values given as Brian2 code, e.g. a
    random membrane potential); per projection every synapse's group-local source and target index, its ``w``
    (if the synapses have one; after the run, so a plastic one's final weight) and its delay."""
    groups = {}
    for pop in built.spec.populations:
        constants, expressions = {}, {}
        for name, value in pop.initial_values.items():
            if isinstance(value, str):
                expressions[name] = value
            elif isinstance(value, brian2.Quantity) or np.ndim(value):
                entry = parameter_entry(value if np.ndim(value) == 0 else value[0])
                constants[name] = {"values": np.broadcast_to(np.asarray(value, dtype=np.float64), (pop.size,)).copy(),
                                   "unit": entry["unit"]}
        groups[pop.name] = {
            "size": pop.size, "model_type": pop.model_type, "equations": pop.equations,
            "threshold": pop.threshold or "", "reset": pop.reset or "", "method": pop.method,
            "refractory": parameter_entry(pop.refractory) if not isinstance(pop.refractory, str) and
            pop.refractory is not None else {"value": pop.refractory or "", "unit": "", "display": pop.refractory or ""},
            "parameters": {name: parameter_entry(value) for name, value in pop.namespace.items()
                           if isinstance(value, (brian2.Quantity, int, float)) and np.ndim(value) == 0},
            "constants": constants, "expressions": expressions,
            "subpopulations": {name: [int(start), int(stop)] for name, (start, stop) in pop.subpopulations.items()},
        }
    projections = {}
    for proj in built.spec.projections:
        synapses = built.synapses[proj.name]
        entry = {"source": proj.source, "target": proj.target, "on_pre": proj.on_pre or "",
                 "source_index": np.asarray(synapses.i[:], dtype=np.int64),
                 "target_index": np.asarray(synapses.j[:], dtype=np.int64),
                 "delay_s": np.asarray(synapses.delay[:] / brian2.second, dtype=np.float64)}
        if "w" in synapses.variables:
            w = synapses.w[:]
            entry["weight"] = np.asarray(w, dtype=np.float64)
            entry["weight_unit"] = parameter_entry(w[0] if len(w) else 0.0 * brian2.get_unit(w.dim))["unit"] \
                if isinstance(w, brian2.Quantity) else ""
        projections[proj.name] = entry
    return {"groups": groups, "projections": projections}


def _peak(machine: dict, device_kind: str, precision: str, threads: Optional[int]):
    """The tabulated peak of the device the run uses; a device the tables lack gets a measured peak
    (:mod:`simnet.machine.microbench`: an FMA loop built with the C++ compiler and flags Brian2 uses, on the run's threads,
    or a CUDA kernel on the GPU). A GPU is measured even when the tables know it (a GPU run compiles for minutes;
    the kernel takes seconds), and both peaks are shown."""
    peak = peak_throughput(machine, device_kind, precision, cores_used=threads)
    if peak.flops_per_s is not None and device_kind == "cpu":
        return peak
    if device_kind == "cpu":
        measured, why = microbench.cpu_peak(peak.cores_used or threads or 1, precision,
                                            flags=tuple(brian2.prefs.codegen.cpp.extra_compile_args_gcc))
    else:
        figures, why = microbench.gpu_measurements(nvcc_path())
        measured = figures.get(precision)
    return with_measured_peak(peak, measured.value if measured else None,
                              f"{measured.method}, {measured.date_utc}" if measured else why)


def provenance(seed: int, command_line: str, machine: dict) -> dict:
    """Who, what and where: versions, machine, date, seed and command line of a run."""
    return {
        "simnet_version": version.version(),
        **{f"simnet_{key}": value for key, value in version.commit().items()},
        "python": platform.python_version(),
        "packages": {"brian2": brian2.__version__, "numpy": np.__version__},
        "machine": machine,
        "date_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "seed": seed,
        "command_line": command_line or " ".join(sys.argv),
    }
