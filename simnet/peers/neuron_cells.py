"""Peer: a compartmental cell run by NEURON (with CoreNEURON on or off), as a user of NEURON would write it.

Standalone (imports nothing from simnet; the protocol is ``peer_protocol.py`` beside it). The arguments' ``options``
carry the cell as plain data (``cell``: sections with name, parent, diameter_um, length_um, compartments, active,
plus the membrane, the stimulus and dt, as ``models/cells.py`` writes them), ``cells`` (how many copies, default 1)
and ``device``: ``neuron`` (NEURON's own solver) or ``coreneuron`` (the same model handed to CoreNEURON), either
with ``-tables`` (``hh`` rates from NEURON's tables, as ``hh_tables``).
``connections`` and ``synapses`` (``network_as_data`` in ``models/cells.py``) wire the copies into a network:
``[source, target, kind]`` per connected pair, and per kind the section and compartment the synapse sits on, its
conductance step, reversal potential, time constant and delay: an ``ExpSyn`` there, driven by the source's
somatic spikes through a ``NetCon``, as Brian2's ``g += w`` on a spike and ``dg/dt = -g/tau``.
``names`` (optional) names each cell: its rate and spike times are reported under that name
(``population_rates_hz``, ``population_spike_times_ms``). The arguments' ``threads`` sets NEURON's threads
(``ParallelContext.nthread``: whole cells per thread, for NEURON and CoreNEURON alike); their ``pre_run_s`` is
simulated first, untimed, and its spikes are left out of every count and train.

The membrane is NEURON's built-in ``hh`` mechanism at 6.3 degC in every section (its Na and K densities scaled by
the section's ``active`` fraction, the leak as given), tables off (``usetable_hh = 0``) so rates are computed as
written, unless ``hh_tables`` is true (NEURON's default: rates looked up in tables, faster, not Brian2's numbers);
fixed step, NEURON's default backward-Euler (``secondorder = 0``). The soma is a cylinder whose length is its
diameter (the lateral area of Brian2's spherical Soma, pi d^2); children attach at the soma's centre and at
their parent's 1-end. Spikes: a NetCon on the soma's voltage at the cell's threshold.

Result (besides the protocol's keys): ``spike_times_ms`` per cell (ms from the start of the pre-run, as Brian2's
record keeps them), ``compartments`` and ``loop_s`` around the timed ``psolve`` only.
"""
import sys
import time

from peer_protocol import PeerFailure, serve

__all__ = ["run"]


def _build(cell: dict, h):
    sections = {}
    for s in cell["sections"]:
        sec = h.Section(name=s["name"])
        sec.L, sec.diam, sec.nseg = s["length_um"], s["diameter_um"], int(s["compartments"])
        sec.Ra, sec.cm = cell["ri_ohm_cm"], cell["cm_uF_per_cm2"]
        sec.insert("hh")
        for seg in sec:
            seg.hh.gnabar = s["active"] * cell["gna_S_per_cm2"]
            seg.hh.gkbar = s["active"] * cell["gk_S_per_cm2"]
            seg.hh.gl = cell["gl_S_per_cm2"]
            seg.hh.el = cell["el_mV"]
        sec.ena, sec.ek = 50.0, -77.0
        if s["parent"]:
            parent = sections[s["parent"]]
            sec.connect(parent(0.5 if parent is sections[cell["sections"][0]["name"]] else 1.0), 0.0)
        sections[s["name"]] = sec
    return sections


def _connect(cells: list, connections: list, synapses: dict, pc, h) -> list:
    """An ExpSyn on the target's compartment per connected pair, fed by the source's spikes after the delay."""
    made = []
    for source, target, kind in connections:
        if kind not in synapses:
            raise PeerFailure(f"connection of kind {kind!r} without its synapse in 'synapses'")
        where = synapses[kind]
        section = cells[int(target)][where["section"]]
        synapse = h.ExpSyn(section((int(where["compartment"]) + 0.5) / section.nseg))
        synapse.tau, synapse.e = where["tau_ms"], where["e_mV"]
        netcon = pc.gid_connect(int(source), synapse)
        netcon.weight[0], netcon.delay = where["g_uS"], where["delay_ms"]
        made.append((synapse, netcon))
    return made


def run(arguments: dict) -> dict:
    try:
        from neuron import h
    except ImportError:
        raise PeerFailure("NEURON is not installed: pip install neuron (or simnet's neuron extra)") from None
    options = arguments.get("options") or {}
    cell = options["cell"]
    n_cells = int(options.get("cells", 1))
    names = options.get("names") or []
    if names and len(names) != n_cells:
        raise PeerFailure(f"{len(names)} names for {n_cells} cells")
    device = arguments.get("device") or "neuron"
    solver = device[: -len("-tables")] if device.endswith("-tables") else device
    if solver not in ("neuron", "coreneuron"):
        raise PeerFailure(f"unknown device {device!r}: neuron or coreneuron, either with -tables")
    started = time.perf_counter()
    h.load_file("stdrun.hoc")
    h.celsius = 6.3
    tables = bool(options.get("hh_tables", False)) or device.endswith("-tables")
    h.usetable_hh = 1 if tables else 0
    h.dt = cell["dt_ms"]
    h.steps_per_ms = 1.0 / cell["dt_ms"]
    pc = h.ParallelContext()
    threads = int(arguments.get("threads") or 1)
    if threads < 1:
        raise PeerFailure(f"threads must be at least 1, got {threads}")
    cells, stimuli, netcons = [], [], []
    for gid in range(n_cells):
        sections = _build(cell, h)
        soma = sections[cell["sections"][0]["name"]]
        stim = h.IClamp(soma(0.5))
        stim.delay, stim.dur, stim.amp = 0.0, 1e9, cell["current_nA"]
        pc.set_gid2node(gid, pc.id())
        nc = h.NetCon(soma(0.5)._ref_v, None, sec=soma)
        nc.threshold = cell["threshold_mV"]
        pc.cell(gid, nc)
        cells.append(sections)
        stimuli.append(stim)
        netcons.append(nc)
    synapses = _connect(cells, options.get("connections") or [], options.get("synapses") or {}, pc, h)
    spike_t, spike_gid = h.Vector(), h.Vector()
    pc.spike_record(-1, spike_t, spike_gid)
    h.cvode.active(0)
    if solver == "coreneuron":
        from neuron import coreneuron

        h.cvode.cache_efficient(1)
        coreneuron.enable = True
        coreneuron.verbose = 0
    pc.nthread(threads)  # after the cells exist: NEURON deals whole cells to its threads
    pc.set_maxstep(10)
    h.finitialize(cell["v_init_mV"])
    pre_run_ms = float(arguments.get("pre_run_s") or 0.0) * 1e3
    if pre_run_ms > 0:
        pc.psolve(pre_run_ms)
    loop_start = time.perf_counter()
    pc.psolve(pre_run_ms + arguments["duration_s"] * 1e3)
    loop_s = time.perf_counter() - loop_start
    if solver == "coreneuron":
        from neuron import coreneuron

        coreneuron.enable = False
    times = [[] for _ in range(n_cells)]
    for t, gid in zip(spike_t, spike_gid):
        if t >= pre_run_ms:
            times[int(gid)].append(float(t))
    import neuron

    compartments = sum(int(s["compartments"]) for s in cell["sections"])
    return {"ok": True, "loop_s": loop_s, "total_s": time.perf_counter() - started, "neurons": n_cells,
            "synapses": len(synapses), "compartments": compartments * n_cells, "spikes": sum(map(len, times)),
            "mean_rate_hz": sum(map(len, times)) / n_cells / arguments["duration_s"],
            "population_rates_hz": {name: len(ts) / arguments["duration_s"] for name, ts in zip(names, times)},
            "spike_times_ms": [sorted(ts) for ts in times],
            "population_spike_times_ms": {name: sorted(ts) for name, ts in zip(names, times)},
            "device": device, "threads": threads,
            "versions": {"neuron": neuron.__version__, "python": sys.version.split()[0]},
            "notes": [f"NEURON built-in hh at 6.3 degC, tables {'on' if tables else 'off'}, fixed step backward Euler"],
            "imports_simnet": any(name == "simnet" or name.startswith("simnet.") for name in sys.modules)}


if __name__ == "__main__":
    sys.exit(serve(run, "a compartmental cell on NEURON / CoreNEURON"))
