"""Issue 25, threads under load: with one core taken by another process, how much slower are two threads than one,
under OpenMP's default wait policy and under OMP_WAIT_POLICY=passive; and what passive costs on an idle machine.

PD14 column (lif_exp, n = 0.05, k = 1), 0.3 s measured after 0.1 s, cpp, each configuration in its own ``simnet
run`` (projects reused), interleaved round by round. The busy process is one Python loop that never sleeps,
started before each loaded run and stopped after it. Run on an otherwise idle machine:

    .venv/bin/python experiments/threads_under_load.py --rounds 3 --out experiments/results/threads-under-load_<machine>_<date>.json
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import simnet

CONFIGS = [  # (label, threads, OMP_WAIT_POLICY or None, busy process beside the run)
    ("idle-1t", 1, None, False), ("idle-2t", 2, None, False), ("idle-2t-passive", 2, "passive", False),
    ("busy-1t", 1, None, True), ("busy-2t", 2, None, True), ("busy-2t-passive", 2, "passive", True),
]
RUN = ["run", "microcircuit", "--scale", "0.05", "--k-scale", "1", "--duration", "0.3s", "--pre-run", "0.1s",
       "--backend", "cpp", "--reuse-build", "--no-progress", "--overwrite", "--no-record-spikes"]


def loop_s_per_bio_s(path: Path) -> float:
    record = simnet.read(path)
    return record.timings["simulation_loop_s"] / record.duration_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    results = {label: [] for label, *_ in CONFIGS}
    with tempfile.TemporaryDirectory() as tmp:
        build = Path(tmp, "build")
        build.mkdir()
        for round_ in range(args.rounds):
            order = CONFIGS if round_ % 2 == 0 else CONFIGS[::-1]
            for label, threads, policy, busy in order:
                env = dict(os.environ)
                env.pop("OMP_WAIT_POLICY", None)
                if policy:
                    env["OMP_WAIT_POLICY"] = policy
                hog = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
                try:
                    time.sleep(0.5 if busy else 0)
                    out = Path(tmp, f"{label}.h5")
                    subprocess.run([sys.executable, "-m", "simnet", *RUN, "--threads", str(threads), "--out",
                                    str(out), "--build-dir", str(build)], env=env, check=True,
                                   stdout=subprocess.DEVNULL)
                finally:
                    if hog is not None:
                        hog.kill()
                        hog.wait()
                results[label].append(loop_s_per_bio_s(out))
                print(label, f"{results[label][-1]:.3f}", flush=True)
    args.out.write_text(json.dumps({
        "format": "simnet-threads-under-load", "command": " ".join(sys.argv),
        "date_utc": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                    "loadavg_at_end": os.getloadavg()},
        "run": " ".join(RUN), "unit": "simulation loop wall-clock s per biological second",
        "configs": [{"label": label, "threads": threads, "omp_wait_policy": policy or "default", "busy_process": busy,
                     "values": results[label]} for label, threads, policy, busy in CONFIGS],
    }, indent=1) + "\n")


if __name__ == "__main__":
    main()
