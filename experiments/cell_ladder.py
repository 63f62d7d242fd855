"""The compartmental ladder levels on one backend, each beside the same cell on NEURON (own solver, CoreNEURON):
cost rows, dynamics checks, spike agreement, with the machine, versions and date. Writes
experiments/results/cell_ladder.json.

    PYTHONPATH=. python experiments/cell_ladder.py [backend] [duration_s]
"""
import datetime
import json
import sys
from pathlib import Path

from simnet.bench import cell_ladder

LEVELS = ("ball_and_stick", "reduced_pyramidal", "detailed_pyramidal")


def main(backend: str = "cpp", duration_s: float = 0.5) -> dict:
    result = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "backend": backend, "duration_s": duration_s, "threads": 1,
              "spike_tolerance_ms": cell_ladder.SPIKE_TOLERANCE_MS, "levels": {}}
    for level in LEVELS:
        record = cell_ladder.run_cell(level, duration_s=duration_s, backend=backend)
        peers = cell_ladder.neuron_peer(level, duration_s=duration_s)
        brian2_ms = record.spikes(level).times_ms
        result["machine"] = record.provenance.get("machine")
        result["versions"] = record.provenance.get("versions") or record.backend.get("versions")
        result["levels"][level] = {
            "cost": cell_ladder.cost_row(record, level),
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
    out = Path(__file__).parent / "results" / "cell_ladder.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    return result


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "cpp", float(sys.argv[2]) if len(sys.argv) > 2 else 0.5)
