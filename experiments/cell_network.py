"""A network of compartmental cells through the run pipeline: :class:`simnet.models.cells.CellNetwork` (tens of one
level's cells, the column's layer-4 connection probabilities), its counted cost per cell and per compartment, its
loop time, spikes and synaptic events, with the machine, its load, versions and date. Writes
experiments/results/<name>.json. No NEURON peer runs it (the peer runs single cells only). ``runtime`` runs on
Brian2's numpy target.

    PYTHONPATH=. python experiments/cell_network.py [backend] [duration_s] [name] [note]
"""
import dataclasses
import datetime
import json
import sys
from pathlib import Path

from simnet.machine.describe import cpu_load
from simnet.simulation.settings import RunSettings


def main(backend: str = "cpp", duration_s: float = 0.2, name: str = "cell_network", note: str = "") -> dict:
    from simnet.bench.cell_ladder import check_backend
    from simnet.models.cells import CellNetwork, brian2_cell_network
    from simnet.pipeline import execute, plan_network
    from simnet.specs.user_network import from_python

    check_backend(backend)
    network = CellNetwork()

    def cell_network():
        return brian2_cell_network(network)

    load_before = cpu_load(1.0)
    # one thread, said explicitly: two OpenMP threads beside a busy process run many times slower
    plan = plan_network(from_python(cell_network), duration_s=duration_s, backend=backend,
                        settings=RunSettings(progress=False, threads=1), seed=network.seed, record_spikes=True)
    if backend == "runtime":  # numpy: no compiler (the C++ build of 20 cells and 35 synapse groups takes minutes)
        from simnet.simulation.backends import RuntimeBackend

        plan = dataclasses.replace(plan, backend=RuntimeBackend("numpy"))
    record = execute(plan)
    load_after = cpu_load(1.0)
    cost, cells = record.cost, record.cost["cells"]
    spikes = {population: sum(len(record.spikes(f"{population}_{k}").times_ms) for k in range(n))
              for population, n in network.sizes}
    pairs = network.pairs()
    result = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "backend": record.backend, "duration_s": duration_s, "note": note,
        "network": dataclasses.asdict(network), "connected_pairs": len(pairs),
        "pairs_by_projection": {f"{s}->{t}": sum(1 for a, _, b, _ in pairs if (a, b) == (s, t))
                                for s, _ in network.sizes for t, _ in network.sizes},
        "cost": {
            "cells": cells["cells"], "compartments": cells["compartments"],
            "flops_per_cell_per_bio_s": cells["flops_per_cell_per_bio_s"],
            "flops_per_compartment_per_bio_s": cells["flops_per_compartment_per_bio_s"],
            "flops_per_compartment_step": cells["flops_per_compartment_step"],
            "neurons": cost.get("neurons"), "synapses": cost.get("synapses"),
            "network_flops_per_bio_s": cost["counted_flops_per_neuron_per_bio_s"] * cost["neurons"],
            "counted_flops_per_neuron_per_bio_s_by_category":
                cost.get("counted_flops_per_neuron_per_bio_s_by_category"),
            "synaptic_events_pre": cost.get("synaptic_events_pre"),
            "flops_per_synaptic_event": cost.get("flops_per_synaptic_event"),
            "unknown_operations": cost.get("unknown_operations"),
            "loop_s_per_bio_s": cost["sim_wall_s_per_bio_s"],
            "loop_s_per_bio_s_per_cell": cost["sim_wall_s_per_bio_s"] / cells["cells"],
            "loop_s_per_bio_s_per_compartment": cost["sim_wall_s_per_bio_s"] / cells["compartments"],
            "bytes_per_cell": cost["bytes_per_cell"], "bytes_per_compartment": cost["bytes_per_compartment"],
            "rate_per_cell_hz": cells["rate_per_cell_hz"], "measured_on": cost["measured_on"],
        },
        "spikes_by_population": spikes,
        "timings": record.timings,
        "counts": {k: v for k, v in record.counts.items() if isinstance(v, (int, float, str))},
        "load": {"before": load_before, "after": load_after,
                 "note": "simnet.machine.describe.cpu_load, sampled 1 s before and after the run"},
        "machine": record.provenance.get("machine"),
        "versions": {"python": record.provenance.get("python"), "packages": record.provenance.get("packages"),
                     "simnet": record.provenance.get("simnet_version"),
                     "simnet_commit": record.provenance.get("simnet_commit")},
    }
    print(json.dumps(result["cost"]), json.dumps(spikes), flush=True)
    out = Path(__file__).resolve().parent / "results" / f"{name}.json"
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=1, default=str) + "\n")
    tmp.replace(out)
    return result


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "cpp", float(sys.argv[2]) if len(sys.argv) > 2 else 0.2,
         sys.argv[3] if len(sys.argv) > 3 else "cell_network", sys.argv[4] if len(sys.argv) > 4 else "")
