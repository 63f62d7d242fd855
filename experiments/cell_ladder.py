"""The compartmental ladder levels on one backend, each beside the same cell on NEURON (own solver, CoreNEURON):
cost rows, dynamics checks, spike agreement, with the machine, its load before and after each level, versions and
date. Writes experiments/results/<name>.json and the counted costs that later stages read, data/cell_costs.csv
(:data:`simnet.bench.cell_ladder.CELL_COSTS_COLUMNS`); the note (say, what else kept the machine busy) is stored
with the results.

    PYTHONPATH=. python experiments/cell_ladder.py [backend] [duration_s] [name] [note]
"""
import datetime
import json
import sys
from pathlib import Path

from simnet.bench import cell_ladder
from simnet.machine.describe import cpu_load
from simnet.simulation.settings import RunSettings

LEVELS = ("ball_and_stick", "reduced_pyramidal", "detailed_pyramidal")


def main(backend: str = "cpp", duration_s: float = 0.5, name: str = "cell_ladder", note: str = "") -> dict:
    result = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "backend": backend, "duration_s": duration_s, "threads": 1, "note": note,
              "spike_tolerance_ms": cell_ladder.SPIKE_TOLERANCE_MS, "levels": {}}
    for level in LEVELS:
        load_before = cpu_load(1.0)
        # one thread, said explicitly: the default follows the machine's load, and two OpenMP threads beside a busy
        # process run many times slower (experiments/threads_under_load.py)
        record = cell_ladder.run_cell(level, duration_s=duration_s, backend=backend,
                                      settings=RunSettings(progress=False, threads=1))
        load_after_brian2 = cpu_load(1.0)
        peers = cell_ladder.neuron_peer(level, duration_s=duration_s)
        brian2_ms = record.spikes(level).times_ms
        result["machine"] = record.provenance.get("machine")
        result["versions"] = {"python": record.provenance.get("python"), "packages": record.provenance.get("packages"),
                              "simnet": record.provenance.get("simnet_version"),
                              "simnet_commit": record.provenance.get("simnet_commit")}
        result["levels"][level] = {
            "cost": cell_ladder.cost_row(record, level),
            "brian2_backend": record.backend,
            "load": {"before": load_before, "after_brian2": load_after_brian2,
                     "note": "simnet.machine.describe.cpu_load, sampled 1 s before and after the Brian2 run; the "
                             "machine is shared: loop times are measured under this load"},
            "dynamics": cell_ladder.dynamics_check(record, level),
            "brian2_spike_times_ms": [float(t) for t in brian2_ms],
            "neuron": {device: {
                "ok": peer.get("ok"), "reason": peer.get("reason"), "loop_s": peer.get("loop_s"),
                "loop_s_per_bio_s_per_cell": peer["loop_s"] / duration_s if peer.get("ok") else None,
                "loop_s_per_bio_s_per_compartment":
                    peer["loop_s"] / duration_s / peer["compartments"] if peer.get("ok") else None,
                "versions": peer.get("versions"),
                "agreement": cell_ladder.spike_agreement(brian2_ms, peer["spike_times_ms"][0])
                if peer.get("ok") else None} for device, peer in peers.items()},
        }
        print(level, json.dumps(result["levels"][level]["cost"]), flush=True)
    root = Path(__file__).resolve().parent.parent
    for path, text in ((root / "experiments" / "results" / f"{name}.json", json.dumps(result, indent=1) + "\n"),
                       (root / "data" / "cell_costs.csv",
                        cell_ladder.cell_costs_csv(result, f"experiments/results/{name}.json"))):
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(path)
    return result


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "cpp", float(sys.argv[2]) if len(sys.argv) > 2 else 0.5,
         sys.argv[3] if len(sys.argv) > 3 else "cell_ladder", sys.argv[4] if len(sys.argv) > 4 else "")
