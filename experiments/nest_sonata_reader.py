"""NEST's own SONATA reader (``nest.SonataNetwork``) on a circuit from ``simnet export``, beside simnet's rates and
the h5py reader (issue 27).

    python experiments/nest_sonata_reader.py CIRCUIT RUN.h5 [RUN.h5 ...] --nest-prefix PREFIX --out FILE.json
        [--nest-seeds 1 2 3] [--discard-ms 50]

CIRCUIT is the export of the first RUN; the other runs are the same model at other seeds (simnet's seed spread;
a seed draws another network too). For each NEST seed the circuit is run by simnet/peers/nest_sonata.py twice,
``--reader sonata`` and ``--reader h5py``, in a child Python that imports PREFIX's NEST (built with HDF5). Rates
are per population over discard..tstop. The file holds them side by side with the machine, the versions and the
date.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np

import simnet
from simnet.base import atomic_files

ROOT = Path(__file__).resolve().parents[1]
PEER = ROOT / "simnet" / "peers" / "nest_sonata.py"


def nest_environment(prefix: Path) -> dict:
    """The environment of a child Python that imports the NEST installed in ``prefix``."""
    found = sorted(prefix.glob("lib*/python3*/site-packages/nest/__init__.py"))
    if not found:
        sys.exit(f"nest_sonata_reader.py: no PyNEST under {prefix}")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(found[0].parents[1]), env.get("PYTHONPATH")]))
    return env


def peer(circuit: Path, env: dict, seed: int, reader: str, discard_ms: float) -> dict:
    done = subprocess.run([sys.executable, str(PEER), str(circuit), "--seed", str(seed), "--discard-ms",
                           str(discard_ms), "--reader", reader], capture_output=True, text=True, env=env, check=False)
    if done.returncode:
        sys.exit(f"nest_sonata_reader.py: the peer failed ({reader}, seed {seed}): {done.stderr[-1500:]}")
    return json.loads(done.stdout.splitlines()[-1])


def nest_build(env: dict) -> dict:
    code = ("import h5py, json, nest; info = nest.GetKernelStatus('build_info'); "
            "print(json.dumps({k: info[k] for k in ('version', 'built', 'have_hdf5', 'have_mpi', 'have_gsl', "
            "'threads_model', 'prefix')}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("circuit", type=Path)
    parser.add_argument("runs", type=Path, nargs="+")
    parser.add_argument("--nest-prefix", type=Path, required=True)
    parser.add_argument("--nest-seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--discard-ms", type=float, default=50.0)
    parser.add_argument("--nest-source", default="", help="where the NEST in --nest-prefix was built from")
    parser.add_argument("--hdf5", default="", help="the HDF5 library NEST was built against")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    env = nest_environment(args.nest_prefix)
    build = nest_build(env)
    if not build["have_hdf5"]:
        sys.exit(f"nest_sonata_reader.py: the NEST under {args.nest_prefix} has no HDF5")
    records = [simnet.read(path) for path in args.runs]
    populations = list(records[0].populations)
    rates = {name: {} for name in populations}
    for record in records:
        seed = record.provenance.get("seed")
        for name in populations:
            rates[name][f"simnet_seed{seed}"] = round(float(np.mean(
                simnet.firing_rates(record, name, discard=f"{args.discard_ms}ms"))), 3)
    runs, same_counts = {}, {}
    for seed in args.nest_seeds:
        for reader in ("sonata", "h5py"):
            result = peer(args.circuit, env, seed, reader, args.discard_ms)
            runs[f"{reader}_seed{seed}"] = {key: result[key] for key in ("reader", "connections", "seconds")}
            for name in populations:
                rates[name][f"nest_{reader}_seed{seed}"] = round(result["rates_hz"][name], 3)
        same_counts[f"seed{seed}"] = all(rates[n][f"nest_sonata_seed{seed}"] == rates[n][f"nest_h5py_seed{seed}"]
                                         for n in populations)
    sizes = {name: int(records[0].rates[name].size) for name in populations}
    columns = list(next(iter(rates.values())))
    means = {kind: {column: round(sum(rates[n][column] * sizes[n] for n in populations if n.endswith(kind))
                                  / sum(sizes[n] for n in populations if n.endswith(kind)), 3)
                    for column in columns} for kind in ("E", "I")}
    spread = {}
    for name, row in list(rates.items()) + [(f"mean_{kind}", means[kind]) for kind in ("E", "I")]:
        spread[name] = {}
        for side, prefix in (("simnet", "simnet_seed"), ("nest_sonata", "nest_sonata_seed")):
            values = [value for column, value in row.items() if column.startswith(prefix)]
            spread[name][side] = {"min": min(values), "median": round(float(np.median(values)), 3),
                                  "max": max(values), "seeds": len(values)}
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    import brian2
    import h5py
    out = {
        "what": (f"the exported circuit {args.circuit.name} ({sum(sizes.values())} neurons) run by NEST's own SONATA "
                 "reader (nest.SonataNetwork) and by h5py + nest.Connect, both in the NEST built with HDF5, at "
                 f"NEST seeds {args.nest_seeds}; beside simnet's runs of the same model at seeds "
                 f"{[r.name for r in args.runs]} (the seed spread). Rates per population over "
                 f"{args.discard_ms:g} ms to tstop (Hz); size-weighted means of the E and I populations."),
        "commands": ["python " + " ".join([str(Path(sys.argv[0]))] + [str(a) for a in (argv or sys.argv[1:])])],
        "rates_hz": rates, "mean_rates_hz": means, "spread_over_seeds_hz": spread, "sizes": sizes,
        "same_spike_counts_sonata_vs_h5py": same_counts, "nest_runs": runs,
        "nest_build": {**build, "source": args.nest_source, "hdf5": args.hdf5},
        "machine": {"hostname": platform.node(), "cpu": cpu, "cores": os.cpu_count(), "platform": platform.platform()},
        "versions": {"simnet": simnet.__version__, "simnet_commit": commit, "brian2": brian2.__version__,
                     "numpy": np.__version__, "h5py": h5py.__version__, "python": platform.python_version()},
        "date_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    atomic_files.write_text(args.out, json.dumps(out, indent=1) + "\n")
    print(json.dumps({"spread_over_seeds_hz": spread, "same": same_counts}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
