"""NEST's own PD14 implementation (INM-6/microcircuit-PD14-model, PyNEST), run to check simnet's NEST peer.

A peer is compared at its best only once it is shown to run as fast as its own project's implementation of the
same network. That implementation is not part of simnet and is never copied into it: point the environment
variable ``SIMNET_PD14_REFERENCE`` at a checkout of the repository (its ``PyNEST/src`` folder holds the
``microcircuit`` package). This program sets only the reference's own parameter dictionaries - ``N_scaling``,
``K_scaling``, ``bg_input_type``, ``local_num_threads``, ``rng_seed`` (seed + 1, as the NEST peer),
``t_presim`` = the pre-run, ``t_sim`` = the duration, no progress printing, no metadata - and calls its
``Network`` as its example script does (create, connect, simulate the pre-run, simulate). Everything else is the
reference's: its "optimized" initial potentials, its background delay, its spike recorders writing ASCII files
(into a temporary folder, removed afterwards).

Loop time is wall-clock around the reference's second ``simulate`` (``nest.Simulate(t_sim)``, so Prepare and
Cleanup are inside it; they are milliseconds); spikes and rates cover that stretch only.
"""
import contextlib
import io
import os
import shutil
import sys
import tempfile
import time

from peer_protocol import PeerFailure, serve  # this folder's protocol module; not simnet

__all__ = ["ENVIRONMENT_VARIABLE", "OPTIONS", "run"]

ENVIRONMENT_VARIABLE = "SIMNET_PD14_REFERENCE"
OPTIONS = ("scale", "k_scale", "neuron_model", "synapse_model", "background")


def _options(arguments):
    if arguments.get("model") != "microcircuit":
        raise PeerFailure(f"nest-pd14-reference runs only the microcircuit, not {arguments.get('model')!r}")
    options = dict(arguments.get("options") or {})
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise PeerFailure(f"nest-pd14-reference does not take the option(s) {', '.join(unknown)}")
    if options.get("neuron_model", "lif_exp") != "lif_exp" or options.get("synapse_model", "static") != "static":
        raise PeerFailure("nest-pd14-reference runs the microcircuit with lif_exp (iaf_psc_exp) and static "
                          "synapses only")
    background = options.get("background", "poisson")
    if background not in ("poisson", "dc"):
        raise PeerFailure(f"nest-pd14-reference: background must be poisson or dc, got {background!r}")
    scale, k_scale = options.get("scale", 0.1), options.get("k_scale", 1.0)
    for name, value in (("scale", scale), ("k_scale", k_scale)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
            raise PeerFailure(f"nest-pd14-reference: {name} must be in (0, 1], got {value!r}")
    if (arguments.get("precision") or "double") != "double":
        raise PeerFailure("NEST computes in double precision only")
    return float(scale), float(k_scale), background


def _reference_source():
    root = os.environ.get(ENVIRONMENT_VARIABLE, "")
    source = os.path.join(root, "PyNEST", "src")
    if not root or not os.path.isfile(os.path.join(source, "microcircuit", "network.py")):
        raise PeerFailure(f"set {ENVIRONMENT_VARIABLE} to a checkout of INM-6/microcircuit-PD14-model (the folder "
                          f"holding PyNEST/src/microcircuit); got {root!r}")
    return source


def run(arguments):
    scale, k_scale, background = _options(arguments)
    source = _reference_source()
    threads = int(arguments.get("threads") or os.cpu_count() or 1)
    duration_ms = float(arguments["duration_s"]) * 1000.0
    pre_run_ms = float(arguments.get("pre_run_s") or 0.0) * 1000.0

    os.environ.setdefault("PYNEST_QUIET", "1")
    sys.path.insert(0, source)
    try:
        import nest
        from microcircuit import network, network_params, sim_params, stimulus_params
    except ImportError as missing:
        raise PeerFailure(f"nest-pd14-reference cannot import what it needs: {missing}") from None

    net_dict = dict(getattr(network_params, "default_net_dict", None) or network_params.net_dict)
    sim_dict = dict(getattr(sim_params, "default_sim_dict", None) or sim_params.sim_dict)
    stim_dict = dict(getattr(stimulus_params, "default_stim_dict", None) or stimulus_params.stim_dict)
    data_path = tempfile.mkdtemp(prefix="simnet-pd14-reference-", dir=arguments.get("build_root") or None)
    net_dict.update(N_scaling=scale, K_scaling=k_scale, bg_input_type=background)
    sim_dict.update(local_num_threads=threads, rng_seed=int(arguments.get("seed", 1)) + 1, t_presim=pre_run_ms,
                    t_sim=duration_ms, print_time=False, store_metadata=False, overwrite_files=True,
                    data_path=os.path.join(data_path, ""))
    try:
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):  # the reference prints progress; stdout is the protocol's
            net = network.Network(sim_dict, net_dict, stim_dict)
            net.create()
            net.connect()
            if pre_run_ms > 0:
                net.simulate(pre_run_ms)
            before = [int(recorder.n_events) for recorder in net.spike_recorders]
            loop_started = time.perf_counter()
            net.simulate(duration_ms)
            loop_s = time.perf_counter() - loop_started
        spikes = [int(recorder.n_events) - earlier for recorder, earlier in zip(net.spike_recorders, before)]
        sizes = [len(population) for population in net.pops]
        kernel = nest.GetKernelStatus()
    finally:
        shutil.rmtree(data_path, ignore_errors=True)

    duration_s = duration_ms / 1000.0
    names = list(net_dict["populations"])
    return {
        "ok": True,
        "peer": "nest-pd14-reference",
        "loop_s": loop_s,
        "total_s": time.perf_counter() - started,
        "neurons": sum(sizes),
        "synapses": int(kernel["num_connections"]),
        "spikes": sum(spikes),
        "mean_rate_hz": sum(spikes) / (sum(sizes) * duration_s),
        "population_sizes": dict(zip(names, sizes)),
        "population_rates_hz": {name: count / (size * duration_s) for name, count, size in zip(names, spikes, sizes)},
        "settings": {"threads": threads, "precision": "double", "background": background, "scale": scale,
                     "k_scale": k_scale, "pre_run_s": pre_run_ms / 1000.0, "V0_type": net_dict.get("V0_type"),
                     "kernel": {key: kernel[key] for key in ("resolution", "local_num_threads", "rng_seed",
                                                            "min_delay", "max_delay")},
                     "reference": source},
        "versions": {"nest": str(getattr(nest, "__version__", "unknown")), "python": sys.version.split()[0]},
        "imports_simnet": any(name == "simnet" or name.startswith("simnet.") for name in sys.modules),
        "notes": ["NEST's own PD14 implementation (INM-6/microcircuit-PD14-model), run unchanged from "
                  f"{ENVIRONMENT_VARIABLE}: its initial potentials, background delay and ASCII spike files"],
    }


if __name__ == "__main__":
    sys.exit(serve(run, __doc__.splitlines()[0]))
