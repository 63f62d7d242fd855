"""The fidelity ladder's compartmental levels: each cell of :mod:`simnet.models.cells` run as a single cell through
the one run pipeline (as a network made by code, :mod:`simnet.specs.user_network`), a cost row per level, its
dynamics checked, and the same cell on NEURON (CoreNEURON off and on) beside it.

The cells are Brian2 ``SpatialNeuron`` objects, which only Brian2's runtime and C++ standalone devices run:
Brian2GeNN and Brian2CUDA have no multicompartment support, so those backends are refused in one line.
"""
from __future__ import annotations

from typing import Iterable, Optional

import numpy as np

from simnet.models import get_model
from simnet.peers import PEERS, run_peer
from simnet.simulation.settings import RunSettings

__all__ = ["SPIKE_TOLERANCE_MS", "CELL_COSTS_COLUMNS", "check_backend", "run_cell", "cost_row",
           "dynamics_check", "neuron_peer", "spike_agreement", "cells_agreement", "cell_costs_csv"]

#: Brian2 against NEURON, per matched somatic spike. Both integrate the same equations at dt = 25 us, but Brian2
#: marks a spike on the step after which v is above threshold and NEURON's NetCon on the step it crosses (one dt
#: apart), and the two place the gating update half a step apart (exponential Euler at v(t) against NEURON's
#: staggered scheme), an O(dt) error per interspike interval that adds up over the run: 0.5 ms is 20 steps, a
#: small fraction of the shortest interspike interval of these cells (over 10 ms).
SPIKE_TOLERANCE_MS = 0.5


def check_backend(backend: str) -> None:
    """Refuse a backend that cannot run the cells, as the ``cells`` model does."""
    get_model("cells").check_backend(backend)


def run_cell(level_name: str, *, duration_s: float, backend: str = "cpp",
             settings: RunSettings = RunSettings(progress=False), seed: int = 1, runtime_target: Optional[str] = None):
    """One level's cell through the run pipeline; returns its RunRecord (spikes recorded)."""
    import dataclasses

    from simnet.models.cells import brian2_cell, get_cell_level
    from simnet.pipeline import execute, plan_network
    from simnet.simulation.backends import RuntimeBackend
    from simnet.specs.user_network import from_python

    check_backend(backend)
    level = get_cell_level(level_name)

    def cell():
        neuron, namespace = brian2_cell(level)
        return {"cell": neuron, **namespace}

    cell.__name__ = level.name
    plan = plan_network(from_python(cell), duration_s=duration_s, backend=backend, settings=settings, seed=seed,
                        record_spikes=True)
    if runtime_target is not None and backend == "runtime":
        plan = dataclasses.replace(plan, backend=RuntimeBackend(runtime_target))
    return execute(plan)


def dynamics_check(record, level_name: str) -> dict:
    """What the cell did, against what such a cell does: it fires repetitively under constant current (at least
    three somatic spikes, 5-300 Hz), regularly (ISI CV below 0.2 after the first spike) and throughout the run (a
    spike in its last quarter: a cell that fires a few spikes at onset and stops is not firing repetitively)."""
    times = np.asarray(record.spikes(level_name).times_ms)
    intervals = np.diff(times[1:]) if len(times) > 2 else np.array([])
    rate = len(times) / record.duration_s
    cv = float(intervals.std() / intervals.mean()) if len(intervals) > 1 else None
    sustained = len(times) > 0 and times[-1] >= 0.75 * record.duration_s * 1e3
    passed = len(times) >= 3 and 5.0 <= rate <= 300.0 and cv is not None and cv < 0.2 and sustained
    return {"spikes": int(len(times)), "rate_hz": rate, "isi_cv": cv, "sustained": bool(sustained),
            "passed": bool(passed),
            "rule": "repetitive firing under constant somatic current: >= 3 spikes, 5-300 Hz, ISI CV < 0.2, "
                    "a spike in the last quarter of the run"}


def cost_row(record, level_name: str) -> dict:
    """The level's cost row: counted FLOPs, loop time and state bytes, per cell and per compartment."""
    from simnet.models.cells import get_cell_level

    level = get_cell_level(level_name)
    cost = record.cost
    cells = cost["cells"]
    loop_per_bio_s = cost["sim_wall_s_per_bio_s"]
    return {
        "level": level_name, "backend": record.backend.get("name"), "measured_on": cost["measured_on"],
        "compartments": cells["compartments"], "sections": len(level.sections), "dt_ms": level.dt_ms,
        "flops_per_cell_per_bio_s": cells["flops_per_cell_per_bio_s"],
        "flops_per_compartment_per_bio_s": cells["flops_per_compartment_per_bio_s"],
        "flops_per_compartment_step": cells["flops_per_compartment_step"],
        "loop_s_per_bio_s_per_cell": loop_per_bio_s / cells["cells"],
        "loop_s_per_bio_s_per_compartment": loop_per_bio_s / cells["compartments"],
        "bytes_per_cell": cost["bytes_per_cell"], "bytes_per_compartment": cost["bytes_per_compartment"],
        "rate_hz": cells["rate_per_cell_hz"], "duration_s": record.duration_s, "morphology": level.morphology,
    }


def neuron_peer(level_name: str, *, duration_s: float, devices: Iterable[str] = ("neuron", "coreneuron"),
                timeout_s: float = 600) -> dict:
    """The same cell on NEURON, per device: the peer's result (``ok`` false with a reason if it cannot run)."""
    from simnet.models.cells import get_cell_level

    cell = get_cell_level(level_name).to_dict()
    return {device: run_peer(PEERS["neuron"], {"model": "cell", "options": {"cell": cell}, "duration_s": duration_s,
                                              "device": device, "seed": 1}, timeout_s=timeout_s)
            for device in devices}


def spike_agreement(brian2_ms, neuron_ms, tolerance_ms: float = SPIKE_TOLERANCE_MS) -> dict:
    """Somatic spike times of the two simulators, matched in order: counts, largest difference, within tolerance,
    and ``parted_at_ms``, when the two trains first differ by more than the tolerance (a spike in one and not in
    the other counts as differing at that spike; None if they never do)."""
    a, b = np.asarray(brian2_ms, dtype=float), np.asarray(neuron_ms, dtype=float)
    n = min(len(a), len(b))
    differences = b[:n] - a[:n]
    largest = float(np.abs(differences).max()) if n else None
    apart = np.flatnonzero(np.abs(differences) > tolerance_ms)
    if len(apart):
        parted = float(min(a[apart[0]], b[apart[0]]))
    else:
        longer = a if len(a) > n else b
        parted = float(longer[n]) if len(longer) > n else None
    return {"brian2_spikes": int(len(a)), "neuron_spikes": int(len(b)), "matched": int(n),
            "max_abs_difference_ms": largest,
            "mean_difference_ms": float(differences.mean()) if n else None,
            "tolerance_ms": tolerance_ms, "parted_at_ms": parted,
            "agree": bool(len(a) == len(b) and n > 0 and largest <= tolerance_ms)}


def cells_agreement(mine: dict, theirs: dict, tolerance_ms: float = SPIKE_TOLERANCE_MS) -> Optional[dict]:
    """:func:`spike_agreement` of every cell both runs name (``{cell: spike times in ms}``, simnet's first), summed
    up: how many cells agree, the largest difference, the cells whose spike counts differ and the earliest time
    any cell's trains part. None when no cell is named by both."""
    shared = [name for name in mine if name in theirs]
    if not shared:
        return None
    per_cell = {name: spike_agreement(mine[name], theirs[name], tolerance_ms) for name in shared}
    largest = [a["max_abs_difference_ms"] for a in per_cell.values() if a["max_abs_difference_ms"] is not None]
    parted = {name: a["parted_at_ms"] for name, a in per_cell.items() if a["parted_at_ms"] is not None}
    first = min(parted, key=parted.get) if parted else None
    return {"cells_compared": len(shared), "cells_agreeing": sum(a["agree"] for a in per_cell.values()),
            "tolerance_ms": tolerance_ms,
            "max_abs_difference_ms": max(largest) if largest else None,
            "cells_with_other_spike_counts": sorted(n for n, a in per_cell.items()
                                                    if a["brian2_spikes"] != a["neuron_spikes"]),
            "cells_parting": len(parted), "earliest_parting_ms": parted.get(first), "earliest_parting_cell": first}


#: Columns of ``data/cell_costs.csv``: each level's counted cost, with where and under what load it was measured.
CELL_COSTS_COLUMNS = ("level", "compartments", "sections", "dt_ms", "flops_per_cell_per_bio_s",
                      "flops_per_compartment_step", "bytes_per_cell", "bytes_per_compartment", "rate_hz",
                      "loop_s_per_bio_s_per_cell", "backend", "measured_on", "loadavg_1min_before",
                      "busy_cpus_before", "morphology", "date")


def cell_costs_csv(ladder: dict, source: str) -> str:
    """``data/cell_costs.csv`` from a cell-ladder result (``experiments/cell_ladder.py``): one row per level, its
    leading ``#`` lines saying what each figure is and where it comes from."""
    import csv
    import io

    out = io.StringIO()
    out.write(
        f"# Counted cost of the fidelity ladder's compartmental cells (single cells, constant somatic current), from {source}\n"
        f"#  (written by experiments/cell_ladder.py, {ladder['date']}). flops_*: counted by simnet from Brian2's generated code x "
        "activity (cable solver included); bytes_*: Brian2 state variables;\n"
        "#  loop_s_per_bio_s_per_cell: the measured loop on `measured_on`, a shared machine whose load before the run is in "
        "loadavg_1min_before and busy_cpus_before (simnet.machine.describe.cpu_load).\n"
        "#  morphology: synthetic = round figures, not a reconstruction; C060114A7_statistics = grown from the statistics of "
        "that reconstruction (data/morphometry_C060114A7.csv), not its exact branching (data/cell_morphologies.md).\n")
    writer = csv.DictWriter(out, fieldnames=CELL_COSTS_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for level, entry in ladder["levels"].items():
        cost, load = entry["cost"], (entry.get("load") or {}).get("before") or {}
        writer.writerow({**{name: cost.get(name) for name in CELL_COSTS_COLUMNS if name in cost},
                         "loadavg_1min_before": load.get("loadavg_1min"), "busy_cpus_before": load.get("busy_cpus"),
                         "morphology": cost.get("morphology", "synthetic"), "date": ladder["date"][:10]})
    return out.getvalue()
