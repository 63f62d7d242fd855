"""A network of compartmental cells through the run pipeline: :class:`simnet.models.cells.CellNetwork` (one
level's cells wired with the column's layer-4 connection probabilities), its counted cost per cell and per
compartment, its loop time, spikes and synaptic events, with the machine, its load, versions and date. Writes
experiments/results/<name>.json. With ``--neuron`` the same network also runs on NEURON, CoreNEURON off and on
(:mod:`simnet.peers.neuron_cells`, given :func:`simnet.models.cells.network_as_data`; hh's rates as written, then
from NEURON's tables, its default), and each cell's somatic spike times are set beside Brian2's
(:func:`simnet.bench.cell_ladder.spike_agreement`). ``runtime`` runs on Brian2's numpy target.

Two builds: ``per-cell`` (one SpatialNeuron per cell and one Synapses per pair, :func:`brian2_cell_network`: the
20-cell trial; C++ compiles files per object, minutes for 20 cells) and ``one-group`` (every cell in one
SpatialNeuron held apart by thin links, two Synapses, :func:`brian2_cell_network_one_group`: hundreds of cells).
In the one-group build the pipeline sees one compartmental population of all the cells; the per-cell figures
here divide its counted totals by the number of cells.

    PYTHONPATH=. python experiments/cell_network.py --backend cpp --duration 1.0 --level reduced_pyramidal \\
        --exc 160 --inh 40 --build one-group --name NAME [--note TEXT] [--neuron]
"""
import argparse
import dataclasses
import datetime
import json
import os
import resource
from pathlib import Path

import numpy as np

from simnet.machine.describe import cpu_load
from simnet.simulation.settings import RunSettings


def _affinity() -> list:
    return sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []


def main(backend: str = "cpp", duration_s: float = 0.2, name: str = "cell_network", note: str = "",
         level: str = "ball_and_stick", exc: int = 16, inh: int = 4, build: str = "per-cell",
         neuron: bool = False) -> dict:
    from simnet.bench.cell_ladder import check_backend
    from simnet.models.cells import (CellNetwork, brian2_cell_network, brian2_cell_network_one_group,
                                     get_cell_level)
    from simnet.pipeline import execute, plan_network
    from simnet.specs.user_network import from_python

    check_backend(backend)
    network = CellNetwork(level=level, sizes=(("L4E", exc), ("L4I", inh)))
    cell_level = get_cell_level(level)
    layout = {}

    def cell_network():
        if build == "per-cell":
            return brian2_cell_network(network)
        from brian2 import SpikeMonitor

        made = brian2_cell_network_one_group(network)
        for key in [k for k in made if k.startswith("_")]:
            layout[key] = made.pop(key)
        # the pipeline keeps a compartmental group's spikes without their compartment: this monitor keeps which
        # soma (hence which cell) fired; recording is not counted as work
        made["soma_spikes"] = SpikeMonitor(made["cells"], name="soma_spikes")
        return made

    load_before = cpu_load(1.0)
    # one thread, said explicitly: two OpenMP threads beside a busy process run many times slower
    plan = plan_network(from_python(cell_network), duration_s=duration_s, backend=backend,
                        settings=RunSettings(progress=False, threads=1), seed=network.seed, record_spikes=True)
    if backend == "runtime":  # numpy: no compiler
        from simnet.simulation.backends import RuntimeBackend

        plan = dataclasses.replace(plan, backend=RuntimeBackend("numpy"))
    record = execute(plan)
    load_after = cpu_load(1.0)
    cost, cells = record.cost, record.cost["cells"]
    n_cells = exc + inh
    cell_compartments = n_cells * cell_level.compartments
    pairs = network.pairs()
    by_projection = {f"{s}->{t}": sum(1 for a, _, b, _ in pairs if (a, b) == (s, t))
                     for s, _ in network.sizes for t, _ in network.sizes}
    if build == "per-cell":
        spikes = {population: sum(len(record.spikes(f"{population}_{k}").times_ms) for k in range(n))
                  for population, n in network.sizes}
        per_cell_counts = None
        times_by_cell = [list(record.spikes(f"{p}_{k}").times_ms) for p, k in network.cells()]
    else:
        monitor = record.monitors["soma_spikes"].arrays
        where = {index: c for c, index in enumerate(layout["_soma_index"])}
        ids, times_ms = np.asarray(monitor["i"]), np.asarray(monitor["t"]) * 1e3
        stray = sorted(set(ids.tolist()) - set(where))
        per_cell_counts = np.bincount([where[i] for i in ids if i in where], minlength=n_cells)
        spikes = {population: int(per_cell_counts[[c for c, (p, _) in enumerate(network.cells()) if p == population]]
                                  .sum()) for population, _ in network.sizes}
        if stray:
            raise RuntimeError(f"spikes at compartments that are not somas: {stray[:5]}")
        times_by_cell = [[] for _ in range(n_cells)]
        for i, t in zip(ids, times_ms):
            times_by_cell[where[int(i)]].append(float(t))
    flop_rows = record.cost_detail.get("flops", {}).get("rows", [])
    total_cell_flops_per_bio_s = cells["flops_per_cell_per_bio_s"] * cells["cells"]
    network_flops_per_bio_s = cost["counted_flops_per_neuron_per_bio_s"] * cost["neurons"]
    memory_total = cost["bytes_per_cell"] * cells["cells"]
    projections = record.counts.get("projections", {})
    events = sum(p.get("synaptic_events_pre", 0) for p in projections.values())
    result = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "backend": record.backend, "duration_s": duration_s, "note": note, "build": build,
        "cpu_affinity": _affinity(), "nice": os.nice(0),
        "network": dataclasses.asdict(network), "level_compartments_per_cell": cell_level.compartments,
        "level_sections_per_cell": len(cell_level.sections),
        "link_compartments": layout.get("_link_compartments", 0),
        "connected_pairs": len(pairs), "pairs_by_projection": by_projection,
        "cost": {
            "cells": n_cells, "cell_compartments": cell_compartments,
            "compartments_in_groups": cells["compartments"],
            "flops_per_cell_per_bio_s": total_cell_flops_per_bio_s / n_cells,
            "flops_per_compartment_per_bio_s": total_cell_flops_per_bio_s / cell_compartments,
            "flops_per_compartment_step_all_compartments": cells["flops_per_compartment_step"],
            "network_flops_per_bio_s": network_flops_per_bio_s,
            "network_flops_per_cell_per_bio_s": network_flops_per_bio_s / n_cells,
            "synaptic_flops_per_bio_s": network_flops_per_bio_s - total_cell_flops_per_bio_s,
            "synaptic_flops_per_cell_per_bio_s": (network_flops_per_bio_s - total_cell_flops_per_bio_s) / n_cells,
            "counted_flops_per_neuron_per_bio_s_by_category":
                cost.get("counted_flops_per_neuron_per_bio_s_by_category"),
            "synapses": cost.get("synapses"),
            "synaptic_events_pre": events,
            "synaptic_events_per_bio_s": events / duration_s if events is not None else None,
            "synaptic_events_per_cell_per_bio_s": events / duration_s / n_cells if events is not None else None,
            "flops_per_synaptic_event": cost.get("flops_per_synaptic_event"),
            "unknown_operations": cost.get("unknown_operations"),
            "loop_s_per_bio_s": cost["sim_wall_s_per_bio_s"],
            "loop_s_per_bio_s_per_cell": cost["sim_wall_s_per_bio_s"] / n_cells,
            "loop_s_per_bio_s_per_compartment": cost["sim_wall_s_per_bio_s"] / cell_compartments,
            "bytes_cells_total": memory_total,
            "bytes_per_cell": memory_total / n_cells,
            "bytes_per_compartment": memory_total / cell_compartments,
            "rate_per_cell_hz": sum(spikes.values()) / n_cells / duration_s,
            "measured_on": cost["measured_on"],
        },
        "flops_by_code_object": [
            {"owner": row["owner"], "role": row["role"], "code_object": row.get("code_object"),
             "category": row["category"], "element": row["element"], "flops_per_element": row["flops_per_element"],
             "element_count": row["element_count"],
             "flops_per_cell_per_bio_s": (row["total_flops"] or 0.0) / n_cells / duration_s}
            for row in flop_rows],
        "memory_as_counted": record.cost_detail.get("memory"),
        "cost_as_the_pipeline_reports_it": {k: v for k, v in cost.items() if isinstance(v, (int, float, str))},
        "cells_as_the_pipeline_reports_them": cells,
        "spikes_by_population": spikes,
        "spikes_the_pipeline_counted": int(sum(p["spikes"] for p in record.counts["populations"].values()
                                               if not p.get("part_of"))),
        "projections": projections,
        "rate_by_population_hz": {p: spikes[p] / n / duration_s if n else None for p, n in network.sizes},
        "spikes_per_cell_min_max": ([int(per_cell_counts.min()), int(per_cell_counts.max())]
                                    if per_cell_counts is not None else None),
        "cells_silent_in_last_quarter": (None if per_cell_counts is None else int(n_cells - len(set(
            where[i] for i, t in zip(ids, times_ms) if i in where and t >= 750 * duration_s)))),
        "timings": record.timings,
        "peak_rss_bytes": {"this_process_and_children_ru_maxrss_kib": {
            "self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss},
            "note": "ru_maxrss of this Python process and of its largest finished child (the compiler or the "
                    "standalone binary, whichever was larger), KiB"},
        "counts": {k: v for k, v in record.counts.items() if isinstance(v, (int, float, str))},
        "load": {"before": load_before, "after": load_after,
                 "note": "simnet.machine.describe.cpu_load, sampled 1 s before and after the run"},
        "machine": record.provenance.get("machine"),
        "versions": {"python": record.provenance.get("python"), "packages": record.provenance.get("packages"),
                     "simnet": record.provenance.get("simnet_version"),
                     "simnet_commit": record.provenance.get("simnet_commit")},
    }
    if neuron:
        result["neuron"] = _neuron_beside(network, duration_s, times_by_cell, cell_level.compartments)
    print(json.dumps(result["cost"], default=str), json.dumps(spikes), flush=True)
    out = Path(__file__).resolve().parent / "results" / f"{name}.json"
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=1, default=str) + "\n")
    tmp.replace(out)
    return result


def _rounded(trains: list) -> list:
    """Spike times to 1e-4 ms (dt is 25 us): the file holds every one of them."""
    return [[round(float(t), 4) for t in train] for train in trains]


def _neuron_beside(network, duration_s: float, brian2_times: list, compartments_per_cell: int) -> dict:
    """The same network on NEURON and CoreNEURON: loop time, rate, and each cell's spike times against Brian2's."""
    from simnet.bench.cell_ladder import SPIKE_TOLERANCE_MS, spike_agreement
    from simnet.models.cells import network_as_data
    from simnet.peers import PEERS, run_peer

    data = network_as_data(network)
    out = {"tolerance_ms": SPIKE_TOLERANCE_MS, "load_before": cpu_load(1.0)}
    trains = {}  # each device's spike times, to store every distinct set once
    # hh's rates as written (Brian2's numbers), then from NEURON's tables (its default, what its users run)
    for device, tables in (("neuron", False), ("coreneuron", False), ("neuron", True), ("coreneuron", True)):
        peer = run_peer(PEERS["neuron"], {"model": "cell", "options": {**data, "hh_tables": tables},
                                          "duration_s": duration_s, "device": device, "seed": network.seed},
                        timeout_s=3600)
        key = device + (" hh tables" if tables else "")
        if not peer.get("ok"):
            out[key] = {"ok": False, "reason": peer.get("reason")}
            continue
        per_cell = [spike_agreement(b, n) for b, n in zip(brian2_times, peer["spike_times_ms"])]
        differences = [a["max_abs_difference_ms"] for a in per_cell if a["max_abs_difference_ms"] is not None]
        parted = [a["parted_at_ms"] for a in per_cell if a["parted_at_ms"] is not None]
        out[key] = {
            "ok": True, "loop_s_per_bio_s": peer["loop_s"] / duration_s,
            "loop_s_per_bio_s_per_cell": peer["loop_s"] / duration_s / data["cells"],
            "loop_s_per_bio_s_per_compartment": peer["loop_s"] / duration_s / (data["cells"] * compartments_per_cell),
            "synapses": peer["synapses"], "rate_per_cell_hz": peer["mean_rate_hz"],
            "cells_agreeing": sum(a["agree"] for a in per_cell), "cells": len(per_cell),
            "cells_with_brian2s_spike_count": sum(a["brian2_spikes"] == a["neuron_spikes"] for a in per_cell),
            "cells_silent_in_last_quarter": sum(not any(t >= 750 * duration_s for t in times)
                                                for times in peer["spike_times_ms"]),
            "spike_count_differences": sorted({a["neuron_spikes"] - a["brian2_spikes"] for a in per_cell}),
            "largest_difference_ms": max(differences) if differences else None,
            "cells_parting": len(parted), "earliest_parting_ms": min(parted, default=None),
            "versions": peer.get("versions"), "notes": peer.get("notes")}
        # every spike time, once: a device that gave the spikes of one before it names it instead
        same = next((k for k, times in trains.items() if times == peer["spike_times_ms"]), None)
        out[key]["spikes_as" if same else "spike_times_ms"] = same or _rounded(peer["spike_times_ms"])
        trains[key] = peer["spike_times_ms"]
    out["brian2_spike_times_ms"] = _rounded(brian2_times)
    out["load_after"] = cpu_load(1.0)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", default="cpp")
    parser.add_argument("--duration", type=float, default=0.2, help="biological seconds")
    parser.add_argument("--name", default="cell_network")
    parser.add_argument("--note", default="")
    parser.add_argument("--level", default="ball_and_stick")
    parser.add_argument("--exc", type=int, default=16)
    parser.add_argument("--inh", type=int, default=4)
    parser.add_argument("--build", choices=("per-cell", "one-group"), default="per-cell")
    parser.add_argument("--neuron", action="store_true", help="run the same network on NEURON and CoreNEURON too")
    args = parser.parse_args()
    main(args.backend, args.duration, args.name, args.note, args.level, args.exc, args.inh, args.build, args.neuron)
