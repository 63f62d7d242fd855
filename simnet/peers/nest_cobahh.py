"""COBAHH in NEST 3 (``hh_cond_exp_traub``): the NEST peer of simnet's COBAHH model.

Run as ``python nest_cobahh.py --json-args '{...}'`` (the protocol is in ``simnet/peers/__init__.py``); it
prints one JSON line with its measurements. It imports nothing from simnet, and running in its own process
keeps NEST's global kernel out of simnet's.

The network follows the published definition (Brette et al. 2007, benchmark 3) with the parameters simnet's
COBAHH model states. NEST's ``hh_cond_exp_traub`` is that neuron (Traub-Miles rates with the V_T offset); its
parameters for a 20,000 um^2 membrane are C_m 200 pF, g_L 10 nS, g_Na 20,000 nS, g_K 6,000 nS, E_L -60 mV,
E_K -90 mV, E_Na 50 mV, V_T -63 mV, E_ex 0 mV, E_in -80 mV, tau_syn_ex 5 ms, tau_syn_in 10 ms, and t_ref is
set to 3 ms. Connectivity: ``pairwise_bernoulli`` with p = 80/N (classic; weights 6 nS and -67 nS, NEST's sign
selecting the inhibitory conductance) or p = 1000/N with zero weights (benchmark), autapses allowed as in
Brian2's ``connect(p=...)``. STDP (``plasticity = "stdp"``): NEST's ``stdp_synapse`` with additive updates
(mu_plus = mu_minus = 0), Wmax = 2 we, lambda = 0.01, alpha = 1.05, tau_plus = tau_minus = 20 ms: the same
pair rule with hard bounds as simnet's.

Differences that cannot be removed, stated in the result's ``notes``:

- NEST integrates the HH equations with an adaptive Runge-Kutta-Fehlberg 4(5) solver (GSL) rather than
  exponential Euler, and detects a spike as a local maximum of V_m above V_T + 30 mV rather than a crossing of
  -20 mV;
- NEST's smallest synaptic delay is one step (0.1 ms); Brian2's is zero;
- ``hh_cond_exp_traub`` does not let its conductances be set, so the initial conductances of the definition
  (ge ~ N(40, 15) nS, gi ~ N(200, 120) nS, per neuron) are delivered as one input spike per neuron at 0.1 ms,
  with gi drawn from the normal distribution truncated at 0 (NEST's weight sign decides the receptor);
- the gating variables start at 0, as in Brian2 (NEST would start them at their steady state).

Loop time is wall-clock around ``nest.Run`` between ``nest.Prepare`` and ``nest.Cleanup`` (the loop only, as
simnet measures it); ``simulate_wall_s`` is Prepare + Run + Cleanup, i.e. what ``nest.Simulate`` does. With
``pre_run_s`` a first, untimed ``nest.Run`` comes before it, and spikes and rates cover the timed run only.
"""
import os
import sys
import time

from peer_protocol import PeerFailure, serve  # this folder's protocol module; not simnet

__all__ = ["run"]


def run(arguments):
    model = arguments.get("model")
    if model != "cobahh":
        raise PeerFailure(f"the nest peer runs only cobahh so far, not {model!r}")
    options = dict(arguments.get("options") or {})
    unknown = sorted(set(options) - {"neurons", "mode", "plasticity"})
    if unknown:
        raise PeerFailure(f"the nest peer does not take the option(s) {', '.join(unknown)}")
    n_neurons = int(options.get("neurons", 4000))
    mode = options.get("mode", "classic")
    plasticity = options.get("plasticity", "none")
    if mode not in ("classic", "benchmark") or plasticity not in ("none", "stdp"):
        raise PeerFailure(f"nest peer: unknown mode {mode!r} or plasticity {plasticity!r}")
    if (arguments.get("precision") or "double") != "double":
        raise PeerFailure("NEST computes in double precision only")
    threads = int(arguments.get("threads") or os.cpu_count() or 1)
    duration_ms = float(arguments["duration_s"]) * 1000.0
    pre_run_ms = float(arguments.get("pre_run_s") or 0.0) * 1000.0

    os.environ.setdefault("PYNEST_QUIET", "1")
    try:
        import nest
    except ImportError:
        raise PeerFailure("NEST is not installed: pip install 'simnet[nest]' (nest-simulator)") from None

    started = time.perf_counter()
    _quiet(nest)
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": 0.1, "local_num_threads": threads,
                          "rng_seed": int(arguments.get("seed", 1)), "print_time": False})

    n_exc = int(n_neurons * 0.8)
    if mode == "classic":
        p, we_nS, wi_nS = min(1.0, 80.0 / n_neurons), 6.0, 67.0
    else:
        p, we_nS, wi_nS = min(1.0, 1000.0 / n_neurons), 0.0, 0.0
    neuron_params = {
        "C_m": 200.0, "g_L": 10.0, "g_Na": 20000.0, "g_K": 6000.0,
        "E_L": -60.0, "E_K": -90.0, "E_Na": 50.0, "V_T": -63.0,
        "E_ex": 0.0, "E_in": -80.0, "tau_syn_ex": 5.0, "tau_syn_in": 10.0,
        "t_ref": 3.0, "I_e": 0.0, "tau_minus": 20.0,
    }
    neurons = nest.Create("hh_cond_exp_traub", n_neurons, params=neuron_params)
    neurons.set(V_m=nest.random.normal(mean=-65.0, std=5.0), Act_m=0.0, Act_n=0.0, Inact_h=0.0)

    bernoulli = {"rule": "pairwise_bernoulli", "p": p, "allow_autapses": True}
    if plasticity == "stdp":
        exc_synapse = {"synapse_model": "stdp_synapse", "weight": we_nS, "delay": 0.1, "Wmax": 2.0 * we_nS,
                       "lambda": 0.01, "alpha": 1.05, "mu_plus": 0.0, "mu_minus": 0.0, "tau_plus": 20.0}
    else:
        exc_synapse = {"synapse_model": "static_synapse", "weight": we_nS, "delay": 0.1}
    nest.Connect(neurons[:n_exc], neurons, bernoulli, exc_synapse)
    nest.Connect(neurons[n_exc:], neurons, bernoulli,
                 {"synapse_model": "static_synapse", "weight": -wi_nS, "delay": 0.1})
    n_synapses = int(nest.GetKernelStatus("num_connections"))

    # The definition's initial conductances, delivered as one input spike per neuron (see the docstring).
    kick = nest.Create("spike_generator", params={"spike_times": [0.1]})
    positive = dict(min=0.0, max=1e12)
    nest.Connect(kick, neurons, "all_to_all",
                 {"weight": nest.math.redraw(nest.random.normal(mean=40.0, std=15.0), **positive), "delay": 0.1})
    nest.Connect(kick, neurons, "all_to_all",
                 {"weight": -1.0 * nest.math.redraw(nest.random.normal(mean=200.0, std=120.0), **positive),
                  "delay": 0.1})
    recorder = nest.Create("spike_recorder")
    nest.Connect(neurons, recorder)

    prepare_started = time.perf_counter()
    nest.Prepare()
    if pre_run_ms > 0:
        nest.Run(pre_run_ms)
    spikes_before = int(recorder.n_events)
    loop_started = time.perf_counter()
    nest.Run(duration_ms)
    loop_s = time.perf_counter() - loop_started
    nest.Cleanup()
    simulate_wall_s = time.perf_counter() - prepare_started
    n_spikes = int(recorder.n_events) - spikes_before
    return {
        "ok": True,
        "peer": "nest",
        "loop_s": loop_s,
        "simulate_wall_s": simulate_wall_s,
        "total_s": time.perf_counter() - started,
        "neurons": n_neurons,
        "synapses": n_synapses,
        "spikes": n_spikes,
        "mean_rate_hz": n_spikes / (n_neurons * duration_ms / 1000.0),
        "settings": {"threads": threads, "precision": "double", "neuron_model": "hh_cond_exp_traub",
                     "synapse_model": exc_synapse["synapse_model"], "pre_run_s": pre_run_ms / 1000.0},
        "versions": {"nest": str(getattr(nest, "__version__", "unknown")), "python": sys.version.split()[0]},
        "imports_simnet": any(name == "simnet" or name.startswith("simnet.") for name in sys.modules),
        "notes": [
            "NEST integrates hh_cond_exp_traub with adaptive RKF45 (GSL), not exponential Euler",
            "spike = local maximum of V_m above V_T + 30 mV (NEST) instead of crossing -20 mV",
            "synaptic delay 0.1 ms (NEST's minimum) instead of 0",
            "initial conductances delivered as one input spike per neuron at 0.1 ms (gi truncated at 0)",
        ],
    }


def _quiet(nest):
    # NEST 3.10 replaced set_verbosity with an attribute; earlier 3.x have only the function.
    if hasattr(nest, "VerbosityLevel"):
        nest.verbosity = nest.VerbosityLevel.ERROR
    else:
        nest.set_verbosity("M_ERROR")


if __name__ == "__main__":
    sys.exit(serve(run, __doc__.splitlines()[0]))
