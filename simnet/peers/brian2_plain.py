"""COBAHH as a plain Brian2 script, with none of simnet's code: the baseline for simnet's overhead.

Run as ``python brian2_plain.py --json-args '{...}'`` (the protocol is in ``simnet/peers/__init__.py``); it
prints one JSON line with its measurements. It deliberately imports nothing from simnet.

The network is written from its published definition (Brette et al. 2007, J. Comput. Neurosci. 23:349,
benchmark 3; Traub & Miles 1991 rate functions) with the parameters simnet's COBAHH model states:
HH neurons of area 20,000 um^2 (Cm 1 uF/cm^2, gl 5e-5 S/cm^2, g_na 100 mS/cm^2, g_kd 30 mS/cm^2, El -60 mV,
EK -90 mV, ENa 50 mV, VT -63 mV), exponential conductance synapses (taue 5 ms, taui 10 ms, Ee 0 mV,
Ei -80 mV), threshold -20 mV, refractory 3 ms, exponential Euler, dt 0.1 ms, 80 % excitatory. ``classic``:
p = 80/N, we 6 nS, wi 67 nS; ``benchmark``: p = 1000/N, zero weights. ``stdp``: pair STDP on the excitatory
synapses (Song, Miller & Abbott 2000; traces of 20 ms, w_max = 2 we, potentiation 0.01 w_max, depression
1.05 times potentiation).

The statements are issued in the order a reader of the definition would write them and simnet also uses (group,
synapses, connect excitatory then inhibitory, then initial values), so the same seed gives the same synapses.

Loop time is measured the way simnet measures it: in runtime mode Brian2's own timing of the loop
(``device._last_run_time``; the wall-clock around ``net.run``, which also holds code generation, is reported
as ``net_run_wall_s``); in C++ standalone mode a timestamp written by the generated program before and after
the loop (``device.insert_code``).
"""
import os
import shutil
import sys
import tempfile
import time

from peer_protocol import PeerFailure, serve  # this folder's protocol module; not simnet

__all__ = ["LOOP_MARKS_FILE", "run", "simulate_cobahh"]

LOOP_MARKS_FILE = "plain_loop_marks.txt"


def run(arguments):
    model = arguments.get("model")
    if model != "cobahh":
        raise PeerFailure(f"brian2-plain runs only cobahh, not {model!r}")
    options = dict(arguments.get("options") or {})
    unknown = sorted(set(options) - {"neurons", "mode", "plasticity"})
    if unknown:
        raise PeerFailure(f"brian2-plain does not take the option(s) {', '.join(unknown)}")
    n_neurons = int(options.get("neurons", 4000))
    mode = options.get("mode", "classic")
    plasticity = options.get("plasticity", "none")
    if mode not in ("classic", "benchmark") or plasticity not in ("none", "stdp"):
        raise PeerFailure(f"brian2-plain: unknown mode {mode!r} or plasticity {plasticity!r}")
    device_name = arguments.get("device") or "cpp_standalone"
    if device_name not in ("cpp_standalone", "runtime"):
        raise PeerFailure(f"brian2-plain runs on cpp_standalone or runtime, not {device_name!r}")
    threads = int(arguments.get("threads") or os.cpu_count() or 1)

    import brian2 as b2
    import numpy as np

    started = time.perf_counter()
    b2.prefs.core.default_float_dtype = np.float32 if arguments.get("precision") == "single" else np.float64
    build_directory = None
    if device_name == "cpp_standalone":
        build_directory = tempfile.mkdtemp(prefix="brian2-plain-", dir=arguments.get("build_root"))
        b2.prefs.codegen.cpp.headers = list(b2.prefs.codegen.cpp.headers) + ["<chrono>", "<fstream>"]
        b2.prefs.devices.cpp_standalone.openmp_threads = 0 if threads == 1 else threads
        b2.set_device("cpp_standalone", directory=build_directory, build_on_run=False)
    try:
        measured = simulate_cobahh(b2, np, n_neurons, mode, plasticity, device_name, arguments, build_directory)
    finally:
        if build_directory is not None:
            shutil.rmtree(build_directory, ignore_errors=True)
    duration_s = float(arguments["duration_s"])
    return {
        "ok": True,
        "peer": "brian2-plain",
        **measured,
        "total_s": time.perf_counter() - started,
        "neurons": n_neurons,
        "mean_rate_hz": measured["spikes"] / (n_neurons * duration_s),
        "settings": {"device": device_name, "threads": threads if device_name == "cpp_standalone" else 1,
                     "precision": arguments.get("precision") or "double"},
        "versions": {"brian2": b2.__version__, "numpy": np.__version__, "python": sys.version.split()[0]},
        "imports_simnet": any(name == "simnet" or name.startswith("simnet.") for name in sys.modules),
        "notes": [],
    }


def simulate_cobahh(b2, np, n_neurons, mode, plasticity, device_name, arguments, build_directory):
    from brian2 import Network, NeuronGroup, SpikeMonitor, Synapses, cm, ms, msiemens, mV, nS, siemens, ufarad, umetre

    b2.defaultclock.dt = 0.1 * ms
    b2.seed(int(arguments.get("seed", 1)))

    # As in a plain Brian2 script, the equations find these constants among the locals of the function that
    # calls net.run (linters see them as unused).
    area = 20000 * umetre ** 2
    Cm = 1 * ufarad * cm ** -2 * area
    gl = 5e-5 * siemens * cm ** -2 * area
    El, EK, ENa, VT = -60 * mV, -90 * mV, 50 * mV, -63 * mV
    g_na = 100 * msiemens * cm ** -2 * area
    g_kd = 30 * msiemens * cm ** -2 * area
    taue, taui = 5 * ms, 10 * ms
    Ee, Ei = 0 * mV, -80 * mV
    if mode == "classic":
        p, we, wi = min(1.0, 80.0 / n_neurons), 6 * nS, 67 * nS
    else:
        p, we, wi = min(1.0, 1000.0 / n_neurons), 0 * nS, 0 * nS
    n_exc = int(n_neurons * 0.8)

    # Traub-Miles rate functions in the explicit x / (exp(x) - 1) form.
    eqs = """
    dv/dt = (gl*(El - v) + ge*(Ee - v) + gi*(Ei - v) - g_na*(m*m*m)*h*(v - ENa) - g_kd*(n*n*n*n)*(v - EK))/Cm : volt
    dm/dt = alpha_m*(1.0 - m) - beta_m*m : 1
    dn/dt = alpha_n*(1.0 - n) - beta_n*n : 1
    dh/dt = alpha_h*(1.0 - h) - beta_h*h : 1
    dge/dt = -ge*(1.0/taue) : siemens
    dgi/dt = -gi*(1.0/taui) : siemens
    alpha_m = 0.32*(mV**-1)*(13.0*mV - v + VT)/(exp((13.0*mV - v + VT)/(4.0*mV)) - 1.0)/ms : Hz
    beta_m = 0.28*(mV**-1)*(v - VT - 40.0*mV)/(exp((v - VT - 40.0*mV)/(5.0*mV)) - 1.0)/ms : Hz
    alpha_h = 0.128*exp((17.0*mV - v + VT)/(18.0*mV))/ms : Hz
    beta_h = 4.0/(1.0 + exp((40.0*mV - v + VT)/(5.0*mV)))/ms : Hz
    alpha_n = 0.032*(mV**-1)*(15.0*mV - v + VT)/(exp((15.0*mV - v + VT)/(5.0*mV)) - 1.0)/ms : Hz
    beta_n = 0.5*exp((10.0*mV - v + VT)/(40.0*mV))/ms : Hz
    """
    P = NeuronGroup(n_neurons, eqs, threshold="v > -20.0*mV", refractory=3 * ms, method="exponential_euler")
    Pe, Pi = P[:n_exc], P[n_exc:]
    if plasticity == "stdp":
        wmax = 2.0 * we
        dApre = 0.01 * wmax
        dApost = -dApre * 1.05  # tau_pre / tau_post = 1
        taupre = taupost = 20 * ms
        Ce = Synapses(
            Pe, P,
            model="""w : siemens
                     dApre/dt = -Apre / taupre : siemens (event-driven)
                     dApost/dt = -Apost / taupost : siemens (event-driven)""",
            on_pre="""ge_post += w
                      Apre += dApre_step
                      w = clip(w + Apost, 0.0*wmax, wmax)""",
            on_post="""Apost += dApost_step
                       w = clip(w + Apre, 0.0*wmax, wmax)""",
            namespace={"taupre": taupre, "taupost": taupost, "wmax": wmax, "dApre_step": dApre,
                       "dApost_step": dApost})
    else:
        Ce = Synapses(Pe, P, on_pre="ge_post += we")
    Ci = Synapses(Pi, P, on_pre="gi_post += wi")
    Ce.connect(p=p)
    Ci.connect(p=p)
    P.v = "El + (randn()*5.0 - 5.0)*mV"
    P.ge = "clip(randn()*1.5 + 4.0, 0.0, 1.0e9)*10.0*nS"  # a negative initial conductance can diverge
    P.gi = "clip(randn()*12.0 + 20.0, 0.0, 1.0e9)*10.0*nS"
    if plasticity == "stdp":
        Ce.w = we
    spikes = SpikeMonitor(P, record=bool(arguments.get("record_spikes", False)))
    net = Network(P, Ce, Ci, spikes)

    duration = float(arguments["duration_s"]) * b2.second
    if device_name == "runtime":
        run_started = time.perf_counter()
        net.run(duration)
        net_run_wall_s = time.perf_counter() - run_started
        loop_s = float(b2.device._last_run_time)
        extra = {"net_run_wall_s": net_run_wall_s}
    else:
        b2.device.insert_code("main", _timestamp_statement("loop_start"))
        net.run(duration)
        b2.device.insert_code("main", _timestamp_statement("loop_end"))
        b2.device.build(directory=build_directory, compile=True, run=True, with_output=False)
        marks = _read_marks(os.path.join(build_directory, LOOP_MARKS_FILE))
        loop_s = marks["loop_end"] - marks["loop_start"]
        extra = {}
    return {
        "loop_s": loop_s,
        **extra,
        "synapses": int(len(Ce) + len(Ci)),
        "synapses_by_projection": {"exc": int(len(Ce)), "inh": int(len(Ci))},
        "spikes": int(np.asarray(spikes.count[:]).sum()),
    }


def _timestamp_statement(name):
    """C++ statement appending ``name <steady-clock seconds>`` to the marks file of the generated program."""
    return ('{ std::ofstream marks("' + LOOP_MARKS_FILE + '", std::ios::app); marks.precision(17); '
            'marks << "' + name + ' " << std::chrono::duration<double>('
            'std::chrono::steady_clock::now().time_since_epoch()).count() << std::endl; }')


def _read_marks(path):
    marks = {}
    with open(path) as handle:
        for line in handle:
            name, _, seconds = line.strip().partition(" ")
            if seconds:
                marks[name] = float(seconds)
    if "loop_start" not in marks or "loop_end" not in marks:
        raise PeerFailure("the generated program wrote no loop timestamps")
    return marks


if __name__ == "__main__":
    sys.exit(serve(run, __doc__.splitlines()[0]))
