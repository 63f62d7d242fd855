"""Run a SONATA circuit written by ``simnet export`` in NEST 3 and print its population rates as JSON:
``python nest_sonata.py CIRCUIT_DIR [--seed N] [--discard-ms T] [--threads N] [--reader auto|sonata|h5py]``.

A standalone program (imports nothing from simnet). ``sonata``: NEST's own SONATA reader, ``nest.SonataNetwork``,
builds nodes, edges, weights and delays from the files; it needs a NEST built with HDF5, which the pip wheel of
NEST 3.10 is not ("SonataNetwork unavailable because NEST was compiled without 'HDF5' support"). ``h5py``: the
same files read with h5py and built with ``nest.Create`` and ``nest.Connect`` (one-to-one arrays of sources,
targets, weights and delays). ``auto`` (the default) takes ``sonata`` where NEST has HDF5, else ``h5py``;
``reader`` in the output says which was used. What SONATA cannot carry, the initial membrane potential drawn per
neuron (Brian2 code in ``simnet_network.json``, e.g. ``-58.0*mV + 10.0*mV*randn()``), is drawn here from the same
normal distribution (numpy, seeded by ``--seed``), so both readers start from the same potentials.
Rates are spikes / neurons / (tstop - discard), after the discarded opening.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

__all__ = ["READERS", "NoSonataReader", "run_circuit", "main"]

_NORMAL_V = re.compile(r"^\s*([-+.\d]+)\*mV\s*\+\s*([-+.\d]+)\*mV\*randn\(\)\s*$")


READERS = ("auto", "sonata", "h5py")
SONATA_READER = "nest.SonataNetwork"
H5PY_READER = "h5py + nest.Create/nest.Connect"


class NoSonataReader(RuntimeError):
    """``--reader sonata`` asked of a NEST built without HDF5."""


def run_circuit(circuit: Path, seed: int = 1, discard_ms: float = 0.0, threads: int = 1,
                reader: str = "auto") -> dict:
    """Build, connect and simulate the circuit in NEST; rates per population and how long each phase took."""
    # h5py first: a NEST built with HDF5 loads its libraries globally, and h5py's wheel, whose own HDF5 would
    # then bind to NEST's (another version), fails to import ("Not a datatype")
    import h5py  # noqa: F401
    import nest
    import numpy as np

    nest.ResetKernel()
    if hasattr(nest, "VerbosityLevel"):  # NEST 3.10 warns on set_verbosity, kept for older versions
        nest.verbosity = nest.VerbosityLevel.ERROR
    else:
        nest.set_verbosity("M_ERROR")
    nest.SetKernelStatus({"rng_seed": seed, "local_num_threads": threads})
    started = time.perf_counter()
    simulation = json.loads((circuit / "simulation_config.json").read_text())
    tstop, dt = simulation["run"]["tstop"], simulation["run"]["dt"]
    have_hdf5 = bool(nest.GetKernelStatus("build_info").get("have_hdf5"))
    if reader == "sonata" and not have_hdf5:
        raise NoSonataReader(f"NEST {nest.__version__} at {Path(nest.__file__).parent} was built without HDF5, so "
                             "it has no nest.SonataNetwork: use --reader h5py, or a NEST built with -Dwith-hdf5=ON")
    if reader == "h5py" or not have_hdf5:
        network, used = None, H5PY_READER + ("" if have_hdf5 else " (this NEST has no HDF5)")
        nest.SetKernelStatus({"resolution": dt})
    else:
        network = nest.SonataNetwork(circuit / "circuit_config.json", sim_config=circuit / "simulation_config.json")
        used = SONATA_READER
    populations = network.Create() if network else _create(nest, circuit)
    extras = json.loads((circuit / "simnet_network.json").read_text())["populations"]
    rng = np.random.default_rng(seed)
    for name, nodes in populations.items():
        match = _NORMAL_V.match(extras.get(name, {}).get("initial_values", {}).get("v", ""))
        if match:
            nodes.V_m = list(float(match.group(1)) + float(match.group(2)) * rng.standard_normal(len(nodes)))
    created = time.perf_counter()
    if network:
        network.Connect()
    else:
        _connect(nest, circuit, populations)
    connected = time.perf_counter()
    recorders = {}
    for name, nodes in populations.items():
        recorders[name] = nest.Create("spike_recorder", params={"start": float(discard_ms)})
        nest.Connect(nodes, recorders[name])
    if network:
        network.Simulate()
    else:
        nest.Simulate(tstop)
    simulated = time.perf_counter()
    rates = {name: recorders[name].n_events / len(nodes) / ((tstop - discard_ms) * 1e-3)
             for name, nodes in populations.items()}
    return {"rates_hz": rates, "sizes": {name: len(nodes) for name, nodes in populations.items()},
            "connections": nest.GetKernelStatus("num_connections"), "tstop_ms": tstop, "discard_ms": discard_ms,
            "seed": seed, "nest_version": nest.__version__, "nest_have_hdf5": have_hdf5, "reader": used,
            "seconds": {"create": created - started, "connect": connected - created,
                        "simulate": simulated - connected}}


def _create(nest, circuit: Path) -> dict:
    """The node populations of nodes.h5, each with its node type's NEST model and parameters."""
    import h5py

    types = {}
    for line in (circuit / "network" / "node_types.csv").read_text().splitlines()[1:]:
        type_id, _, template, params, _ = line.split()
        types[int(type_id)] = (template.replace("nest:", ""), params)
    populations = {}
    with h5py.File(circuit / "network" / "nodes.h5", "r") as f:
        for name, group in f["nodes"].items():
            type_ids = group["node_type_id"][()]
            model, params = types[int(type_ids[0])]
            values = json.loads((circuit / "components" / "point_neuron_models" / params).read_text())
            populations[name] = nest.Create(model, n=len(type_ids), params=values)
    return populations


def _connect(nest, circuit: Path, populations: dict) -> None:
    """Every edge population of edges.h5 as one-to-one connections with its weights and delays."""
    import h5py
    import numpy as np

    with h5py.File(circuit / "network" / "edges.h5", "r") as f:
        for group in f["edges"].values():
            source = populations[group["source_node_id"].attrs["node_population"]]
            target = populations[group["target_node_id"].attrs["node_population"]]
            first_source, first_target = source[0].global_id, target[0].global_id
            nest.Connect(np.asarray(group["source_node_id"][()], dtype=np.int64) + first_source,
                         np.asarray(group["target_node_id"][()], dtype=np.int64) + first_target,
                         "one_to_one", {"synapse_model": "static_synapse", "weight": group["0/syn_weight"][()],
                                        "delay": group["0/delay"][()]})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("circuit", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--discard-ms", type=float, default=0.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--reader", choices=READERS, default="auto",
                        help="sonata: nest.SonataNetwork (NEST with HDF5); h5py: h5py and nest.Connect")
    args = parser.parse_args(argv)
    if not (args.circuit / "circuit_config.json").is_file():
        print(f"nest_sonata.py: no circuit_config.json in {args.circuit}: give a folder written by simnet export",
              file=sys.stderr)
        return 2
    try:
        result = run_circuit(args.circuit, args.seed, args.discard_ms, args.threads, args.reader)
    except NoSonataReader as err:
        print(f"nest_sonata.py: {err}", file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
