"""One run, end to end: ModelSpec -> backend session -> Brian2 network -> RunRecord.

This is where the phases of a run are put together: construction (Python), code generation and compilation,
synapse creation, initialisation, the loop and collecting results, each timed by the backend's session, plus
the run's provenance. Cost figures derived from the record live in :mod:`simnet.cost`.
"""
from __future__ import annotations

import datetime
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

import brian2
import numpy as np

import simnet
from simnet import network
from simnet.backends import Backend, RunSettings, network_features
from simnet.cost import account
from simnet.cost.energy import EnergyMeter
from simnet.cost.hardware import describe_machine, peak_throughput
from simnet.errors import UsageError
from simnet.results import RunRecord, parameter_entry
from simnet.spec import ModelSpec, parameter_items


def run_model(
    spec: ModelSpec,
    backend: Backend,
    settings: RunSettings,
    duration: brian2.Quantity,
    *,
    seed: int,
    record_spikes: bool,
    pre_run: Optional[brian2.Quantity] = None,
    command_line: str = "",
) -> RunRecord:
    """Simulate ``spec`` for ``duration`` on ``backend`` and return what happened and what it cost.

    Parameters
    ----------
    spec : ModelSpec
        The model.
    backend : Backend
        Where to run it; must be usable and able to run ``spec`` (else :class:`simnet.errors.UsageError`,
        raised before anything is built).
    settings : RunSettings
        Precision, threads and build options (with ``reuse_build``, a standalone project is built in a directory
        named after the network and kept for the next run of it).
    duration : Quantity
        Biological time measured in the loop.
    seed : int
        Random seed of the run.
    record_spikes : bool
        Keep every spike (otherwise per-neuron counts only).
    pre_run : Quantity, optional
        Biological time simulated before ``duration`` and excluded from the loop time (start-up transient).
    command_line : str
        Stored in the record's provenance.
    """
    supported = backend.supports(network_features(spec, pre_run=pre_run is not None and float(pre_run) > 0))
    if not supported.usable:
        raise UsageError(supported.reason)
    project = backend.project_name(spec, settings) if settings.reuse_build and backend.standalone else None
    started = time.perf_counter()
    machine = describe_machine()
    device_kind = "gpu" if backend.uses_gpu else "cpu"
    peak = peak_throughput(machine, device_kind, settings.precision, cores_used=backend.threads_used(settings))
    meter = EnergyMeter(device_kind, peak=peak)
    with backend.session(settings, project) as session:
        construction_started = time.perf_counter()
        built = network.build(spec, seed=seed, record_spikes=record_spikes, mark=session.mark)
        construction_s = time.perf_counter() - construction_started
        with meter:
            session.simulate(built.net, duration, pre_run)
        collect_started = time.perf_counter()
        counts = network.activity_counts(built, duration)
        spikes = network.spike_trains(built)
        rates = network.population_rates(built)
        static = account.static_measurements(built)
        timings = dict(session.timings)
        timings["collect_s"] = time.perf_counter() - collect_started
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
    cost = account.cost_record(
        static=static, counts=counts, timings=timings, bio_duration_s=float(duration),
        n_neurons=spec.n_neurons, model_types={p.name: p.model_type for p in spec.populations if p.model_type},
        peak=peak, energy=loop_energy or meter.energy,
        energy_span="the simulation loop" if loop_energy else whole_span,
        energy_whole_call=meter.energy if loop_energy else None, energy_whole_call_span=whole_span,
        gpu_memory_peak_mib=meter.gpu_memory_peak_mib,
    )

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
        spikes=spikes,
        rates=rates,
        cost=cost,
        notes=notes,
    )


def provenance(seed: int, command_line: str, machine: dict) -> dict:
    """Who, what and where: versions, machine, date, seed and command line of a run."""
    return {
        "simnet_version": simnet.__version__,
        "simnet_commit": _git_commit(),
        "python": platform.python_version(),
        "packages": {"brian2": brian2.__version__, "numpy": np.__version__},
        "machine": machine,
        "date_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "seed": seed,
        "command_line": command_line or " ".join(sys.argv),
    }


def _git_commit() -> str:
    """The commit simnet runs from when it runs from a git checkout, else ""."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(simnet.__file__).parent,
                             capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""
