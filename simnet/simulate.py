"""The one run pipeline: a model and its options, a backend and its settings -> a RunRecord.

Every simulation simnet makes (``simnet run``, each point of a benchmark, each level of the fidelity ladder, the
Python API) goes through :func:`plan_run`, which checks everything and builds nothing (model options, backend
usable here and able to run the network, settings), then :func:`execute`, which runs the plan and returns what
happened and what it cost. The phases of a run are put together here: construction (Python), code generation
and compilation, synapse creation, initialisation, the loop and collecting results, each timed by the backend's
session, plus the run's provenance. A standalone project that fails to build or run becomes
:class:`~simnet.errors.SimulationFailed` here.
"""
from __future__ import annotations

import datetime
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Union

import brian2
import numpy as np

import simnet
from simnet import microbench, network, version
from simnet.backends import Backend, RunSettings, network_features, resolve_backend
from simnet.cost import account
from simnet.cost.energy import EnergyMeter
from simnet.cost.hardware import peak_throughput, with_measured_peak
from simnet.errors import SimulationFailed, UsageError
from simnet.models import get_model
from simnet.record import leaf_populations, split_group_spikes
from simnet.results import RunRecord, parameter_entry
from simnet.sampling import tabulate_binomials
from simnet.spec import ModelSpec, parameter_items
from simnet.system import describe_machine, nvcc_path
from simnet.usernet import UserNetwork

#: Spikes are recorded by default when neurons x biological seconds is at most this (a few MB of spikes).
RECORD_SPIKES_LIMIT = 1e6


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

    @property
    def model(self) -> str:
        return self.spec.name

    @property
    def default_out_path(self) -> Path:
        """Where ``simnet run`` writes the record when no path is given."""
        return Path("runs") / f"{self.model}-{self.backend.name}-seed{self.seed}.h5"


def plan_run(model: str, options: Optional[Mapping] = None, *, duration_s: float = 1.0, pre_run_s: float = 0.0,
             backend: str = "cpp", settings: RunSettings = RunSettings(), seed: int = 1,
             record_spikes: Optional[bool] = None) -> RunPlan:
    """Check a run of a library model before anything is built; bad input is a :class:`~simnet.errors.UsageError`.

    Parameters
    ----------
    model : str
        A model of the library (:func:`simnet.models.model_names`).
    options : mapping, optional
        The model's options (e.g. ``neurons``, ``mode`` for COBAHH); missing ones take the model's defaults.
    duration_s, pre_run_s : float
        Biological seconds measured in the loop, and simulated before it and left out of every figure.
    backend : str
        A backend name or ``auto`` (:func:`simnet.backends.resolve_backend`).
    settings : RunSettings
        Precision, threads and build options (with ``reuse_build``, a standalone project is built in a directory
        named after the network and kept for the next run of it).
    seed : int
        Random seed of the run.
    record_spikes : bool, optional
        Keep every spike (otherwise per-neuron counts only); default: when neurons x ``duration_s`` is at most
        :data:`RECORD_SPIKES_LIMIT`.
    """
    entry = get_model(model)
    spec = entry.build_spec(entry.parameters(**dict(options or {})))
    resolved = resolve_backend(backend, spec, pre_run=pre_run_s > 0, compile_only=settings.compile_only)
    if settings.compute_capability is not None and not settings.compile_only:
        raise UsageError("a target compute capability is for compiling only (no GPU is looked for, so nothing "
                         "could run)", parameter="compute_capability")
    if record_spikes is None:
        record_spikes = spec.n_neurons * duration_s <= RECORD_SPIKES_LIMIT
    return RunPlan(spec=spec, backend=resolved, settings=settings, duration_s=float(duration_s),
                   pre_run_s=float(pre_run_s), seed=seed, record_spikes=bool(record_spikes))


def plan_network(network: UserNetwork, *, duration_s: float = 1.0, pre_run_s: float = 0.0, backend: str = "cpp",
                 settings: RunSettings = RunSettings(), seed: int = 1,
                 record_spikes: Optional[bool] = None) -> RunPlan:
    """Check a run of a network made by user code (:mod:`simnet.usernet`), as :func:`plan_run` does a model's.

    Objects that already exist run only on the runtime backend (a standalone device records the objects as they
    are made); a standalone project is never reused (the network has no name before it is built).
    """
    resolved = resolve_backend(backend, network, pre_run=pre_run_s > 0)
    if network.prebuilt and resolved.standalone:
        raise UsageError(f"Brian2 objects made before the run can only run on the runtime backend, not "
                         f"{resolved.name}: pass a function that makes them (simnet calls it on the device)",
                         parameter="backend")
    if settings.reuse_build:
        raise UsageError("a network made by code cannot reuse a standalone project", parameter="reuse_build")
    return RunPlan(spec=network, backend=resolved, settings=settings, duration_s=float(duration_s),
                   pre_run_s=float(pre_run_s), seed=seed, record_spikes=record_spikes)


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
    try:
        with backend.session(settings, None) as session:
            built = _construct(plan, session)
            session.compile_only(built.net, plan.duration_s * brian2.second,
                                 plan.pre_run_s * brian2.second if plan.pre_run_s > 0 else None, built.namespace)
            directory = getattr(session, "directory", None)
            notes = list(session.notes) + built.notes
            timings = dict(session.timings)
    except RuntimeError as err:
        if str(err).startswith("Project "):
            raise SimulationFailed(str(err)) from None
        raise
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
        starting with "Project"); there is no result.
    """
    try:
        return _run(plan, command_line)
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
        static = account.static_measurements(built)
        timings = dict(session.timings)
        timings["collect_s"] = time.perf_counter() - collect_started
        if session.loop_profile:
            timings["loop_profile"] = session.loop_profile
        notes = ([backend.selection_note] if backend.selection_note else []) + list(session.notes) + built.notes
        loop_window = session.loop_window_monotonic
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
        gpu_memory_peak_mib=meter.gpu_memory_peak_mib,
    ))

    return RunRecord(
        model=spec.name,
        description=spec.description,
        parameters={name: parameter_entry(value) for name, value in parameter_items(spec.parameters).items()},
        backend={**backend.describe(settings), "packages": backend.package_versions(),
                 **({"project": build_project} if build_project else {})},
        provenance=provenance(seed, command_line, machine),
        duration_s=float(duration),
        dt_s=float(brian2.defaultclock.dt) if spec.dt is None else float(spec.dt),
        pre_run_s=float(pre_run) if pre_run is not None else 0.0,
        timings=timings,
        counts=counts,
        spike_trains=spikes,
        rates=rates,
        cost_detail=cost,
        notes=notes,
        populations=leaf_populations(counts, spec.display_order),
    )


def _peak(machine: dict, device_kind: str, precision: str, threads: Optional[int]):
    """The tabulated peak of the device the run uses; a device the tables lack gets a measured peak
    (:mod:`simnet.microbench`: an FMA loop built with the C++ compiler and flags Brian2 uses, on the run's threads,
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
        "simnet_version": simnet.__version__,
        **{f"simnet_{key}": value for key, value in version.commit().items()},
        "python": platform.python_version(),
        "packages": {"brian2": brian2.__version__, "numpy": np.__version__},
        "machine": machine,
        "date_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "seed": seed,
        "command_line": command_line or " ".join(sys.argv),
    }
