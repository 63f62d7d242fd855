"""Construction time of the PD14 column (Brian2's cpp_standalone device; nothing compiled or run) by whichever
simnet is importable, so that two checkouts can be timed in turn on one machine: one JSON line per run on stdout.

Usage: python experiments/construction_time.py --scale 0.2 [--k-scale 1] [--seed 1]
Run it alternately from two checkouts (e.g. with PYTHONPATH pointing at each) to compare them interleaved.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, required=True)
    parser.add_argument("--k-scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import brian2
    import simnet
    from simnet import api
    if (Path(simnet.__file__).parent / "simulation").is_dir():  # the layout since 2026-12-07
        from simnet.simulation.network_builder import build
    else:  # before it
        from simnet.network import build

    run_plan = api.plan("microcircuit", scale=args.scale, k_scale=args.k_scale, backend="cpp", threads=1,
                        duration="1ms")
    with tempfile.TemporaryDirectory(prefix="simnet-construction-") as directory:
        brian2.set_device("cpp_standalone", build_on_run=False, directory=directory)
        started = time.perf_counter()
        marks = []
        build(run_plan.spec, seed=args.seed, record_spikes=False,
              mark=lambda name: marks.append([name, round(time.perf_counter() - started, 3)]))
        build_s = time.perf_counter() - started
    checkout = Path(simnet.__file__).resolve().parents[1]
    commit = subprocess.run(["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    print(json.dumps({"commit": commit, "checkout": str(checkout), "scale": args.scale, "k_scale": args.k_scale,
                      "seed": args.seed, "build_s": round(build_s, 3), "marks": marks,
                      "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2),
                      "loadavg": os.getloadavg()}), flush=True)


if __name__ == "__main__":
    main()
