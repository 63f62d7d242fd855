"""The PD14 cortical microcircuit in NEST 3 (``iaf_psc_exp``): the NEST peer of simnet's ``microcircuit`` model.

Run as ``python nest_microcircuit.py --json-args '{...}'`` (the protocol is in ``simnet/peers/__init__.py``); it
prints one JSON line with its measurements. It imports nothing from simnet, so the few tables of Potjans &
Diesmann (2014) it needs are written out here again (Table 5, as in the reference PyNEST implementation's
network_params.py, INM-6/microcircuit-PD14-model); the derived numbers follow the same rules as simnet's model:

- populations: N = round(N_full * scale);
- connectivity: ``fixed_total_number`` per population pair (sources and targets uniform, multapses and autapses
  allowed) with K = rint(K_full * scale * k_scale), K_full = ln(1 - C) / ln(1 - 1/(N_pre N_post)) at full scale;
- weights: J = the PSC amplitude giving a 0.15 mV PSP on the neuron below (87.81 pA), g = -4, L4E -> L23E
  doubled, J / sqrt(k_scale); normal with 10% relative SD, redrawn until the sign is kept (``nest.math.redraw``);
- delays: normal, mean 1.5 ms (excitatory sources) / 0.75 ms (inhibitory), relative SD 0.5, redrawn below half a
  step; NEST rounds them to the 0.1 ms grid as simnet does;
- background: ``poisson`` - one ``poisson_generator`` per population at round(K_ext k_scale) x 8 Hz, weight
  J / sqrt(k_scale), each target receiving its own train (the sum of K_ext independent 8 Hz inputs, as Brian2's
  ``PoissonInput``); ``dc`` - tau_syn J K_ext 8 Hz as a constant current;
- in-degree compensation (k_scale < 1): I_e = tau_syn (1 - sqrt(f)) (sum_x J_yx K_full,yx / N_y nu_x [+ J K_ext
  8 Hz with Poisson background]) with the full-scale reference rates nu_x;
- neurons: ``iaf_psc_exp`` with C_m 250 pF, tau_m 10 ms, t_ref 2 ms, E_L = V_reset = -65 mV, V_th -50 mV,
  tau_syn_ex = tau_syn_in = 0.5 ms; V_m starts at N(-58 mV, 10 mV) per neuron (simnet's initial value).

Differences that cannot be removed, stated in the result's ``notes``: the random draws (connectivity, weights,
delays, initial V_m, Poisson trains) come from NEST's generators, so the networks are statistically, not
spike-for-spike, the same; the background arrives one step (0.1 ms, NEST's minimum delay) after it is generated,
where Brian2's ``PoissonInput`` adds it in the same step; NEST's ``iaf_psc_exp`` integrates exactly on the grid,
as simnet's ``lif_exp`` does, but the order of operations within a step (input, threshold, reset) may differ.

Loop time is wall-clock around ``nest.Run`` between ``nest.Prepare`` and ``nest.Cleanup`` (the loop only, as
simnet measures it); ``simulate_wall_s`` is Prepare + Run + Cleanup, i.e. what ``nest.Simulate`` does. With
``pre_run_s`` (as the reference implementation's ``t_presim``) a first ``nest.Run`` simulates the start-up
transient untimed, and spikes, rates and the loop time cover only the run after it.
"""
import math
import os
import sys
import time

from peer_protocol import PeerFailure, serve  # this folder's protocol module; not simnet

__all__ = ["POPULATIONS", "FULL_SIZES", "FULL_EXTERNAL_IN_DEGREES", "CONNECTION_PROBABILITY", "FULL_MEAN_RATES_HZ",
           "NEURON", "PSP_MEAN_MV", "WEIGHT_REL_SD", "G", "L4E_TO_L23E_FACTOR", "DELAY_MEAN_MS", "DELAY_REL_SD",
           "BACKGROUND_RATE_HZ", "DT_MS", "NEST_CONNECTIONS_PER_MODEL_AND_THREAD", "OPTIONS", "column_numbers",
           "kernel_settings", "psp_to_current_pA", "run", "synapse_model_names"]

# Potjans & Diesmann (2014) Table 5 (the reference implementation's network_params.py).
POPULATIONS = ("L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I")
FULL_SIZES = (20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948)
FULL_EXTERNAL_IN_DEGREES = (1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100)
#: rows = target, columns = source, both in POPULATIONS order
CONNECTION_PROBABILITY = (
    (0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0),
    (0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0),
    (0.0077, 0.0059, 0.0497, 0.1350, 0.0067, 0.0003, 0.0453, 0.0),
    (0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0),
    (0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0),
    (0.0548, 0.0269, 0.0257, 0.0022, 0.0600, 0.3158, 0.0086, 0.0),
    (0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252),
    (0.0364, 0.0010, 0.0034, 0.0005, 0.0277, 0.0080, 0.0658, 0.1443),
)
#: full-scale mean rates of the reference implementation's NEST 3 run, used only by the in-degree compensation
FULL_MEAN_RATES_HZ = (0.903, 2.965, 4.414, 5.876, 7.569, 8.633, 1.105, 7.829)

NEURON = {"C_m": 250.0, "tau_m": 10.0, "t_ref": 2.0, "E_L": -65.0, "V_th": -50.0, "V_reset": -65.0,
          "tau_syn_ex": 0.5, "tau_syn_in": 0.5}
PSP_MEAN_MV = 0.15
WEIGHT_REL_SD = 0.1
G = -4.0
L4E_TO_L23E_FACTOR = 2.0
DELAY_MEAN_MS = {"E": 1.5, "I": 0.75}
DELAY_REL_SD = 0.5
BACKGROUND_RATE_HZ = 8.0
V_INIT_MEAN_MV, V_INIT_SD_MV = -58.0, 10.0
DT_MS = 0.1
#: NEST's limit on the connections of one synapse model on one virtual process (less a margin of none: 2**27 - 2)
NEST_CONNECTIONS_PER_MODEL_AND_THREAD = 134_217_726

OPTIONS = ("scale", "k_scale", "neuron_model", "synapse_model", "background")


def column_numbers(scale, k_scale, background):
    """The derived numbers of the column: sizes, synapses per pair, mean weights, K_ext and DC (pA) per population.

    Returns a dict with ``sizes`` (list), ``synapses`` (target x source lists of ints), ``mean_weights_pA``
    (target x source), ``background_weight_pA``, ``external_in_degrees`` (list) and ``dc_pA`` (list).
    """
    n = len(POPULATIONS)
    sizes = [int(round(full * scale)) for full in FULL_SIZES]
    full_numbers = [[math.log1p(-CONNECTION_PROBABILITY[t][s]) / math.log1p(-1.0 / (FULL_SIZES[t] * FULL_SIZES[s]))
                     for s in range(n)] for t in range(n)]
    # Python's round on floats is half to even, as numpy's rint with which simnet rounds the synapse numbers
    synapses = [[int(round(full_numbers[t][s] * scale * k_scale)) for s in range(n)] for t in range(n)]
    j_pA = psp_to_current_pA(PSP_MEAN_MV, NEURON["C_m"], NEURON["tau_m"], NEURON["tau_syn_ex"])
    full_weights = [[j_pA if POPULATIONS[s].endswith("E") else G * j_pA for s in range(n)] for _ in range(n)]
    full_weights[POPULATIONS.index("L23E")][POPULATIONS.index("L4E")] *= L4E_TO_L23E_FACTOR
    mean_weights = [[w / math.sqrt(k_scale) for w in row] for row in full_weights]

    tau_syn_s = NEURON["tau_syn_ex"] / 1000.0
    lost = 1.0 - math.sqrt(k_scale)
    dc = []
    for t in range(n):
        recurrent = sum(full_weights[t][s] * full_numbers[t][s] / FULL_SIZES[t] * FULL_MEAN_RATES_HZ[s]
                        for s in range(n))
        external = j_pA * FULL_EXTERNAL_IN_DEGREES[t] * BACKGROUND_RATE_HZ
        if background == "poisson":
            dc.append(tau_syn_s * lost * (recurrent + external))
        else:
            dc.append(tau_syn_s * lost * recurrent + tau_syn_s * external)
    return {
        "sizes": sizes, "synapses": synapses, "mean_weights_pA": mean_weights,
        "background_weight_pA": j_pA / math.sqrt(k_scale),
        "external_in_degrees": [int(round(k * k_scale)) for k in FULL_EXTERNAL_IN_DEGREES],
        "dc_pA": dc,
    }


def psp_to_current_pA(psp_mV, C_m_pF, tau_m_ms, tau_syn_ms):
    """PSC amplitude (pA) of an exponential current synapse whose PSP on a LIF membrane peaks at ``psp_mV``."""
    t_peak = tau_m_ms * tau_syn_ms / (tau_m_ms - tau_syn_ms) * math.log(tau_m_ms / tau_syn_ms)
    shape_ms = tau_m_ms * tau_syn_ms / (tau_m_ms - tau_syn_ms) * (
        math.exp(-t_peak / tau_m_ms) - math.exp(-t_peak / tau_syn_ms))
    return psp_mV * C_m_pF / shape_ms


def kernel_settings(threads, seed):
    """What NEST's kernel is given, as the reference implementation's ``__setup_nest`` gives it (sim_params.py):
    the resolution, the threads and the seed (NEST refuses seed 0, which experiment files allow; seed + 1 keeps
    distinct seeds distinct), no progress printing; everything else at NEST's defaults there as here (the
    reference's ``overwrite_files`` concerns its ASCII spike files, which the peer does not write)."""
    return {"resolution": DT_MS, "local_num_threads": int(threads), "rng_seed": int(seed) + 1, "print_time": False}


def synapse_model_names(total_synapses, threads):
    """The synapse model of each source population: ``static_synapse``, as in the reference implementation,
    unless a thread could hold more connections of one model than NEST stores per virtual process and synapse
    model (134,217,726: the full column on two threads, 1.5e8 each); then one copy per source population (the
    same synapse, counted apart)."""
    if total_synapses / max(1, int(threads)) <= NEST_CONNECTIONS_PER_MODEL_AND_THREAD:
        return ["static_synapse"] * len(POPULATIONS)
    return [f"static_synapse_from_{name}" for name in POPULATIONS]


def _options(arguments):
    model = arguments.get("model")
    if model != "microcircuit":
        raise PeerFailure(f"nest_microcircuit runs only the microcircuit, not {model!r}")
    options = dict(arguments.get("options") or {})
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise PeerFailure(f"the nest peer does not take the option(s) {', '.join(unknown)} for the microcircuit")
    scale = options.get("scale", 0.1)
    k_scale = options.get("k_scale", 1.0)
    for name, value in (("scale", scale), ("k_scale", k_scale)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
            raise PeerFailure(f"nest peer: {name} must be in (0, 1], got {value!r}")
    neuron_model = options.get("neuron_model", "lif_exp")
    if neuron_model != "lif_exp":
        raise PeerFailure(f"the nest peer runs the microcircuit with lif_exp (iaf_psc_exp) only, "
                          f"not {neuron_model!r}")
    synapse_model = options.get("synapse_model", "static")
    if synapse_model != "static":
        raise PeerFailure(f"the nest peer runs the microcircuit with static synapses only, not {synapse_model!r}")
    background = options.get("background", "poisson")
    if background not in ("poisson", "dc"):
        raise PeerFailure(f"nest peer: background must be poisson or dc, got {background!r}")
    if any(round(full * scale) < 1 for full in FULL_SIZES):
        raise PeerFailure(f"nest peer: scale {scale} leaves a population with no neurons")
    if (arguments.get("precision") or "double") != "double":
        raise PeerFailure("NEST computes in double precision only")
    return float(scale), float(k_scale), background


def run(arguments):
    scale, k_scale, background = _options(arguments)
    threads = int(arguments.get("threads") or os.cpu_count() or 1)
    duration_ms = float(arguments["duration_s"]) * 1000.0
    pre_run_ms = float(arguments.get("pre_run_s") or 0.0) * 1000.0
    column = column_numbers(scale, k_scale, background)

    os.environ.setdefault("PYNEST_QUIET", "1")
    try:
        import nest
    except ImportError:
        raise PeerFailure("NEST is not installed: pip install 'simnet[nest]' (nest-simulator)") from None

    started = time.perf_counter()
    _quiet(nest)
    nest.ResetKernel()
    # NEST refuses seed 0, which experiment files allow; seed + 1 keeps distinct seeds distinct.
    nest.SetKernelStatus(kernel_settings(threads, int(arguments.get("seed", 1))))

    populations = []
    for name, size, dc_pA in zip(POPULATIONS, column["sizes"], column["dc_pA"]):
        population = nest.Create("iaf_psc_exp", size, params={**NEURON, "I_e": dc_pA})
        population.set(V_m=nest.random.normal(mean=V_INIT_MEAN_MV, std=V_INIT_SD_MV))
        populations.append(population)

    synapse_models = synapse_model_names(sum(map(sum, column["synapses"])), threads)
    for model in set(synapse_models) - {"static_synapse"}:
        nest.CopyModel("static_synapse", model)
    for t, target in enumerate(populations):
        for s, source in enumerate(populations):
            count = column["synapses"][t][s]
            if count == 0:
                continue
            mean_pA = column["mean_weights_pA"][t][s]
            sign_bounds = {"min": 0.0, "max": math.inf} if mean_pA > 0 else {"min": -math.inf, "max": 0.0}
            delay_ms = DELAY_MEAN_MS[POPULATIONS[s][-1]]
            nest.Connect(
                source, target,
                {"rule": "fixed_total_number", "N": count, "allow_autapses": True, "allow_multapses": True},
                {"synapse_model": synapse_models[s],
                 "weight": nest.math.redraw(nest.random.normal(mean=mean_pA, std=abs(mean_pA) * WEIGHT_REL_SD),
                                            **sign_bounds),
                 "delay": nest.math.redraw(nest.random.normal(mean=delay_ms, std=delay_ms * DELAY_REL_SD),
                                           min=0.5 * DT_MS, max=math.inf)})
    n_synapses = int(nest.GetKernelStatus("num_connections"))

    if background == "poisson":
        for population, k_ext in zip(populations, column["external_in_degrees"]):
            if k_ext == 0:
                continue
            generator = nest.Create("poisson_generator", params={"rate": k_ext * BACKGROUND_RATE_HZ})
            nest.Connect(generator, population, "all_to_all",
                         {"weight": column["background_weight_pA"], "delay": DT_MS})
    recorders = []
    for population in populations:
        recorder = nest.Create("spike_recorder")
        nest.Connect(population, recorder)
        recorders.append(recorder)

    kernel_status = nest.GetKernelStatus()
    prepare_started = time.perf_counter()
    nest.Prepare()
    if pre_run_ms > 0:
        nest.Run(pre_run_ms)
    before = [int(recorder.n_events) for recorder in recorders]
    loop_started = time.perf_counter()
    nest.Run(duration_ms)
    loop_s = time.perf_counter() - loop_started
    nest.Cleanup()
    simulate_wall_s = time.perf_counter() - prepare_started

    duration_s = duration_ms / 1000.0
    spikes = [int(recorder.n_events) - earlier for recorder, earlier in zip(recorders, before)]
    n_neurons = sum(column["sizes"])
    notes = [
        "microcircuit in NEST: connectivity, weights, delays, initial V_m and Poisson trains drawn by NEST's "
        "generators (statistically, not spike-for-spike, the same network)",
        "NEST iaf_psc_exp: exact integration on the 0.1 ms grid as lif_exp; order of input/threshold/reset "
        "within a step may differ",
    ]
    if background == "poisson":
        notes.append("microcircuit in NEST: Poisson background delivered with a 0.1 ms delay (NEST's minimum); "
                     "Brian2's PoissonInput acts in the same step")
    return {
        "ok": True,
        "peer": "nest",
        "loop_s": loop_s,
        "simulate_wall_s": simulate_wall_s,
        "total_s": time.perf_counter() - started,
        "neurons": n_neurons,
        "synapses": n_synapses,
        "spikes": sum(spikes),
        "mean_rate_hz": sum(spikes) / (n_neurons * duration_s),
        "population_sizes": dict(zip(POPULATIONS, column["sizes"])),
        "population_rates_hz": {name: count / (size * duration_s)
                                for name, count, size in zip(POPULATIONS, spikes, column["sizes"])},
        "settings": {"threads": threads, "precision": "double", "neuron_model": "iaf_psc_exp",
                     "synapse_model": synapse_models[0] if len(set(synapse_models)) == 1 else
                     "static_synapse (a copy per source population)", "background": background,
                     "scale": scale, "k_scale": k_scale, "pre_run_s": pre_run_ms / 1000.0,
                     "kernel": {key: kernel_status[key] for key in ("resolution", "local_num_threads", "rng_seed",
                                                                     "print_time", "min_delay", "max_delay")}},
        "versions": {"nest": str(getattr(nest, "__version__", "unknown")), "python": sys.version.split()[0]},
        "imports_simnet": any(name == "simnet" or name.startswith("simnet.") for name in sys.modules),
        "notes": notes,
    }


def _quiet(nest):
    # NEST 3.10 replaced set_verbosity with an attribute; earlier 3.x have only the function.
    if hasattr(nest, "VerbosityLevel"):
        nest.verbosity = nest.VerbosityLevel.ERROR
    else:
        nest.set_verbosity("M_ERROR")


if __name__ == "__main__":
    sys.exit(serve(run, __doc__.splitlines()[0]))
