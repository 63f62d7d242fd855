"""A performance model of spiking-network simulation on real machines: named terms, each with its inputs and sources.

The wall-clock per biological second of a network (:class:`Network`) on ``P`` devices of one kind (:class:`Machine`, a
row of ``data/hardware.csv``) is the sum of five terms (a time step's phases run one after another, and the exchange
of spikes waits for them):

* **compute**: for each phase (neuron update, synaptic events, plastic updates) that is compute-bound, its counted
  FLOPs (:class:`simnet.cost.elements.ElementCosts`, after common-subexpression elimination) over the sustained FLOP
  rate, ``compute_fraction x peak`` of the cores or GPUs used;
* **memory traffic**: for each phase that is memory-bound, its bytes over the sustained bandwidth: the neuron state
  is streamed (read and written every step, ``stream_fraction x bandwidth``); a synaptic event reads its synapse and
  reads and writes its target, scattered (``event_fraction x bandwidth``); a phase is bound by the larger of its
  compute and memory times (a roofline per phase, Williams et al. 2009);
* **per-step overhead**: on a CPU, one OpenMP fork-join per code object per step, its cost measured and taken to grow
  with log2(threads) as a tree or dissemination barrier's does; on a GPU, one kernel per phase per step, launched back
  to back, and one wait per step (measured launch latencies);
* **spike scanning** (NEST's 4th-generation kernel only): every thread walks every spike of the network and looks
  its source up (one 8-byte scattered read per spike per thread, at the sustained event bandwidth);
* **load imbalance** (``P > 1``): the spike-driven phases wait for the slowest rank
  (:func:`simnet.projection.kinds.imbalance_factor`);
* **communication latency** and **volume** (``P > 1`` nodes, or several ranks on one node): per communication
  interval (the minimum delay, or the step without delays) one exchange by the kind's collective
  (:mod:`.kinds`: allgather, alltoall or pairwise, Thakur et al. 2005), with the interconnect's latency and injection
  bandwidth; among the ranks of one node, the measured intra-node collective latency (``data/mpi_microbench.csv``).
  Each spike is 8 bytes (neuron id and time); under a targeted exchange it goes to the
  ``(P - 1) x (1 - (1 - 1/P)^K)`` devices that hold at least one of its ``K`` targets.

The simulator kind (:class:`simnet.projection.kinds.SimulatorKind`) decides the per-step overhead (Brian2's code
objects, GPU launches or NEST's barriers per interval), whether plastic synapses are updated at postsynaptic spikes,
and the Hodgkin-Huxley integrator's cost (NEST's RKF45: 6 right-hand sides per step).

**Capacity** is not a time: the devices needed = state bytes (neurons x bytes per neuron + synapses x bytes per
synapse) over device memory. The **bottleneck** is the largest term. Every parameter carries where it came from
(:class:`Rates` and :class:`Machine` keep a source per figure). Pure functions, no I/O.

The sustained fractions are per kind of device (``cpu``, ``gpu``) and are measured from runs (:mod:`.backtest`
calibrates them on a stated subset); :class:`Rates` takes them, so a rate measured per code object (wall time per
code object next to its FLOPs and bytes) can replace a calibrated one without changing the model.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from typing import Optional

from simnet.cost.elements import ElementCosts
from simnet.projection.kinds import (KINDS, PROJECTION_KINDS, SimulatorKind, exchange_s, imbalance_factor,
                                     is_hodgkin_huxley)

__all__ = ["BYTES_PER_SPIKE", "SCAN_BYTES_PER_SPIKE", "DEFAULT_KINDS", "TERMS", "Network", "Machine", "Rates", "Term", "Prediction", "phase_time",
           "devices_reached", "collective_rounds", "devices_by_memory", "step_overhead_s", "predict"]

#: Bytes sent per spike between devices (a 4-byte neuron index and a 4-byte time stamp or lag).
BYTES_PER_SPIKE = 8.0
#: Term names, in the order they are reported; they add up to the predicted wall-clock.
TERMS = ("compute", "memory traffic", "per-step overhead", "spike scanning", "load imbalance", "communication latency",
         "communication volume")
#: The kind assumed for a published run whose row names no simulator, by (on a GPU, on several devices): Brian2 or
#: GeNN on one device; NEST's 5th-generation kernel or NEST GPU (the distributed schemes of today) on several. A
#: projection of a simnet run assumes :data:`~.kinds.PROJECTION_KINDS` instead.
DEFAULT_KINDS = {False: {False: "brian2_standalone", True: "nest_5g"}, True: {False: "genn", True: "nest_gpu"}}
#: Bytes a 4th-generation NEST thread reads to look up one received spike's source (one pointer of its table).
SCAN_BYTES_PER_SPIKE = 8.0


@dataclass(frozen=True)
class Network:
    """What is simulated: sizes, activity and time steps, and the per-element costs that stand for its model."""

    label: str
    neurons: float
    synapses: float
    mean_rate_hz: float
    dt_s: float
    min_delay_s: float
    costs: ElementCosts
    plastic_synapses: float = 0.0
    precision: str = "double"

    @property
    def steps_per_bio_s(self) -> float:
        return 1.0 / self.dt_s

    @property
    def interval_s(self) -> float:
        """The communication interval: the minimum delay, or the step when spikes act within it."""
        return max(self.min_delay_s, self.dt_s)

    @property
    def out_degree(self) -> float:
        return self.synapses / self.neurons

    def counts_per_bio_s(self) -> dict[str, float]:
        """Elements per biological second: neuron-steps, spikes, synaptic events, plastic pre and post updates."""
        spikes = self.neurons * self.mean_rate_hz
        return {"neuron_steps": self.neurons * self.steps_per_bio_s, "spikes": spikes,
                "synaptic_events": self.synapses * self.mean_rate_hz,
                "plastic_pre_updates": self.plastic_synapses * self.mean_rate_hz,
                "plastic_post_updates": self.plastic_synapses * self.mean_rate_hz}

    def state_bytes(self) -> float:
        return (self.neurons * self.costs.neuron_bytes(self.precision)
                + self.synapses * self.costs.synapse_bytes(self.precision))

    def flops_per_bio_s(self, cse: bool = True) -> float:
        """Counted FLOPs per biological second: after common-subexpression elimination, or as executed."""
        c, n = self.costs, self.counts_per_bio_s()
        suffix = "_cse" if cse else ""
        return (n["neuron_steps"] * getattr(c, "neuron_flops_per_step" + suffix) + n["spikes"] * c.flops_per_spike
                + n["synaptic_events"] * getattr(c, "event_flops" + suffix)
                + n["plastic_pre_updates"] * getattr(c, "plastic_flops_per_pre_event" + suffix)
                + n["plastic_post_updates"] * getattr(c, "plastic_flops_per_post_event" + suffix))


@dataclass(frozen=True)
class Machine:
    """One device of a cluster (a GPU, a CPU socket or a whole node), from a row of ``data/hardware.csv``.

    Figures are None where the table has none; ``sources`` says where each known one came from.
    """

    name: str
    kind: str
    peak_flops_per_s: dict
    mem_bandwidth_bytes_per_s: Optional[float]
    memory_bytes: Optional[float]
    board_power_w: Optional[float]
    cores: Optional[int]
    injection_bytes_per_s: Optional[float]
    latency_s: Optional[float]
    sources: dict = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: dict) -> "Machine":
        def number(key, scale=1.0):
            text = (row.get(key) or "").strip()
            return float(text) * scale if text else None

        cores = number("cores")
        where = row.get("figure_sources") or row.get("source") or "data/hardware.csv"
        return cls(name=row["name"], kind=row.get("kind", ""),
                   peak_flops_per_s={"single": number("fp32_tflops", 1e12), "double": number("fp64_tflops", 1e12)},
                   mem_bandwidth_bytes_per_s=number("mem_bandwidth_gb_s", 1e9), memory_bytes=number("memory_gb", 1e9),
                   board_power_w=number("board_power_w"), cores=int(cores) if cores else None,
                   injection_bytes_per_s=number("injection_bandwidth_gb_s", 1e9),
                   latency_s=number("internode_latency_us", 1e-6),
                   sources={"row": f"data/hardware.csv '{row['name']}'", "figures": where})


@dataclass(frozen=True)
class Rates:
    """What a kind of device sustains on simulation code, with where each figure came from.

    ``compute_fraction``, ``stream_fraction`` and ``event_fraction``: of the peak FLOP rate, and of the memory
    bandwidth for streamed neuron state and for scattered synaptic events; ``measured`` names those that were
    measured (the others are calibrated). CPU: ``forkjoin_s`` (seconds of one OpenMP parallel region) =
    ``forkjoin_base_s + forkjoin_per_doubling_s x log2(threads)``. GPU: ``launch_sync_s`` (an empty kernel launched
    and waited for) and ``launch_queued_s`` (one more launched back to back).
    """

    kind: str
    compute_fraction: float
    stream_fraction: float
    event_fraction: float
    forkjoin_base_s: float = 0.0
    forkjoin_per_doubling_s: float = 0.0
    launch_sync_s: float = 0.0
    launch_queued_s: float = 0.0
    measured: tuple = ()
    sources: dict = field(default_factory=dict)

    def forkjoin_s(self, threads: int) -> float:
        return self.forkjoin_base_s + self.forkjoin_per_doubling_s * math.log2(max(threads, 1))

    def with_fractions(self, source: str, **fractions) -> "Rates":
        """These rates with some of ``compute``, ``stream``, ``event`` fractions set, from ``source``."""
        return replace(self, **{f"{name}_fraction": value for name, value in fractions.items()},
                       sources={**self.sources, **{f"{name}_fraction": source for name in fractions}})

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Term:
    """One term of a prediction: seconds of wall-clock per biological second, and how it was obtained."""

    name: str
    seconds: Optional[float]
    basis: str


@dataclass(frozen=True)
class Prediction:
    """A network on ``devices`` machines: the terms, their sum, the bottleneck and the devices memory needs."""

    network: Network
    machine: Machine
    devices: int
    threads: Optional[int]
    terms: tuple
    phases: dict
    wall_s_per_bio_s: Optional[float]
    bottleneck: str
    devices_by_memory: Optional[int]
    notes: tuple

    def term(self, name: str) -> Term:
        return next(t for t in self.terms if t.name == name)


# --------------------------------------------------------------------------------------------------
# The terms, one small function each
# --------------------------------------------------------------------------------------------------

def phase_time(count: float, flops: float, bytes_: float, flop_rate: Optional[float],
               byte_rate: Optional[float]) -> dict:
    """A phase's compute and memory times and the larger of them (a roofline for one phase).

    Unknown rates give None for that bound; the phase is then bound by the other (or unknown)."""
    compute = count * flops / flop_rate if flop_rate else None
    memory = count * bytes_ / byte_rate if byte_rate else None
    known = {k: v for k, v in (("compute", compute), ("memory traffic", memory)) if v is not None}
    binding = max(known, key=known.get) if known else "unknown"
    return {"count": count, "flops_per_element": flops, "bytes_per_element": bytes_, "compute_s": compute,
            "memory_s": memory, "binding": binding, "seconds": known.get(binding)}


def devices_reached(devices: int, out_degree: float) -> float:
    """Other devices a spike must reach when its ``out_degree`` targets are spread at random over ``devices``."""
    if devices <= 1:
        return 0.0
    return (devices - 1) * (1.0 - (1.0 - 1.0 / devices) ** out_degree)


def collective_rounds(devices: int) -> int:
    """Latency-bound rounds of one spike exchange among ``devices`` (recursive doubling: ceil(log2 P))."""
    return math.ceil(math.log2(devices)) if devices > 1 else 0


def devices_by_memory(state_bytes: float, device_memory_bytes: float) -> int:
    """Devices whose memory together holds the state (perfect partitioning, no other use of memory)."""
    return max(1, math.ceil(state_bytes / device_memory_bytes))


def step_overhead_s(rates: Rates, steps: float, code_objects: int, phases_with_work: int,
                    threads: Optional[int]) -> tuple[float, str]:
    """Per-step overhead per biological second and its basis (see :class:`Rates`)."""
    if rates.kind == "gpu":
        per_step = rates.launch_sync_s + max(phases_with_work - 1, 0) * rates.launch_queued_s
        return steps * per_step, (f"{steps:.4g} steps x ({rates.launch_sync_s * 1e6:.3g} us launch and wait + "
                                  f"{max(phases_with_work - 1, 0)} x {rates.launch_queued_s * 1e6:.3g} us queued "
                                  f"launch): one kernel per phase per step")
    threads = threads or 1
    per_region = rates.forkjoin_s(threads)
    return steps * code_objects * per_region, (f"{steps:.4g} steps x {code_objects} code objects x "
                                               f"{per_region * 1e6:.3g} us fork-join at {threads} thread(s)")


def predict(network: Network, machine: Machine, devices: int, rates: Rates, threads: Optional[int] = None,
            kind: Optional[SimulatorKind] = None, ranks_per_node: int = 1,
            intra_node_latency_s: Optional[float] = None) -> Prediction:
    """Wall-clock per biological second of ``network`` on ``devices`` of ``machine`` (see the module docstring).

    ``threads``: CPU threads per device (default: every core of the device); a CPU run on ``c`` of a device's
    ``C`` cores gets ``c/C`` of its peak and of its bandwidth (exact where bandwidth is bound by each core's
    outstanding misses, an over-estimate of the loss where one core can draw most of a socket's bandwidth).
    ``kind``: the simulator kind; by default a projection of a simnet run (:data:`~.kinds.PROJECTION_KINDS`):
    Brian2 standalone on a CPU, GeNN on a GPU, and on several devices the hypothetical kind that keeps that
    per-device work and borrows a published exchange (said in the notes);
    ``ranks_per_node`` MPI ranks share a node and exchange at ``intra_node_latency_s`` per collective round.
    """
    if devices < 1:
        raise ValueError(f"devices must be at least 1, got {devices}")
    precision, costs, notes = network.precision, network.costs, []
    if kind is None:
        kind = KINDS[PROJECTION_KINDS[machine.kind == "gpu"][devices > 1]]
    if kind.hypothetical and devices > 1:
        notes.append(f"hypothetical simulator kind {kind.name}: simnet has no multi-node engine; assumed "
                     f"{kind.hypothetical} (data/simulator_kinds.csv)")
    if devices > 1 and not kind.distributed:
        raise ValueError(f"a {kind.name} run on {devices} devices: that kind runs on one device only")
    share = 1.0
    if machine.kind == "cpu":
        if threads is None or not machine.cores:
            threads = threads or machine.cores
        else:
            share = min(threads, machine.cores) / machine.cores
    peak = machine.peak_flops_per_s.get(precision)
    bandwidth = machine.mem_bandwidth_bytes_per_s
    flop_rate = rates.compute_fraction * peak * share if peak else None
    stream_rate = rates.stream_fraction * bandwidth * share if bandwidth else None
    event_rate = rates.event_fraction * bandwidth * share if bandwidth else None
    if peak is None:
        notes.append(f"no {precision}-precision peak for {machine.name}: compute left out")
    if bandwidth is None:
        notes.append(f"no memory bandwidth for {machine.name}: memory traffic left out")

    n = {k: v / devices for k, v in network.counts_per_bio_s().items()}
    if not kind.plastic_post_updates:
        n["plastic_post_updates"] = 0.0
    evaluations = kind.integrator_evaluations_hh if is_hodgkin_huxley(costs.model) else 1
    float_bytes = 4.0 if precision == "single" else 8.0
    synapse_bytes = costs.synapse_bytes(precision)
    plastic_updates = n["plastic_pre_updates"] + n["plastic_post_updates"]
    plastic_flops = ((n["plastic_pre_updates"] * costs.plastic_flops_per_pre_event_cse
                      + n["plastic_post_updates"] * costs.plastic_flops_per_post_event_cse) / plastic_updates
                     if plastic_updates else 0.0)
    phases = {
        "neuron update": phase_time(n["neuron_steps"], costs.neuron_flops_per_step_cse * evaluations
                                    + costs.flops_per_spike * network.mean_rate_hz * network.dt_s,
                                    2.0 * costs.neuron_bytes(precision), flop_rate, stream_rate),
        "synaptic events": phase_time(n["synaptic_events"], costs.event_flops_cse, synapse_bytes + 2.0 * float_bytes,
                                      flop_rate, event_rate),
        "plastic updates": phase_time(plastic_updates, plastic_flops, 2.0 * synapse_bytes, flop_rate, event_rate),
    }
    if evaluations > 1:
        notes.append(f"{kind.name}: Hodgkin-Huxley integrated by RKF45, {evaluations} right-hand sides per step "
                     "(data/simulator_kinds.csv)")
    compute = sum(p["compute_s"] for p in phases.values() if p["binding"] == "compute")
    memory = sum(p["memory_s"] for p in phases.values() if p["binding"] == "memory traffic")
    with_work = sum(1 for p in phases.values() if p["count"] > 0)
    intervals = 1.0 / network.interval_s
    if kind.step_overhead == "barriers_per_interval":
        per = rates.forkjoin_s(threads or 1)
        overhead = intervals * kind.barriers_per_interval * per
        overhead_basis = (f"{intervals:.4g} intervals x {kind.barriers_per_interval} barriers x {per * 1e6:.3g} us "
                          f"at {threads or 1} thread(s) ({kind.name})")
    else:
        overhead, overhead_basis = step_overhead_s(rates, network.steps_per_bio_s, costs.code_objects_per_step,
                                                   with_work, threads)
    spikes_total = network.counts_per_bio_s()["spikes"]
    if kind.every_thread_scans_all_spikes:
        scanners = threads or 1
        if event_rate:
            scan = spikes_total * scanners * SCAN_BYTES_PER_SPIKE / event_rate
            scan_basis = (f"{spikes_total:.4g} spikes of the whole network x {scanners} threads x "
                          f"{SCAN_BYTES_PER_SPIKE:g} B / {event_rate / 1e9:.4g} GB/s sustained events ({kind.name})")
        else:
            scan, scan_basis = None, "unknown: no memory bandwidth to scan the spike buffer with"
    else:
        scan, scan_basis = 0.0, f"{kind.name}: a thread sees only the spikes with its targets"
    spike_driven = sum(p["seconds"] or 0.0 for name, p in phases.items() if name != "neuron update")
    factor = imbalance_factor(devices, n["synaptic_events"] * network.interval_s)
    imbalance = (factor - 1.0) * spike_driven
    imbalance_basis = (f"slowest of {devices} ranks x{factor:.4g} on {spike_driven:.3g} s of spike-driven work "
                       f"({n['synaptic_events'] * network.interval_s:.4g} events per rank per interval, Poisson)"
                       if devices > 1 else "one device: no imbalance between ranks")
    reach = (devices - 1.0 if kind.receivers == "all" else devices_reached(devices, network.out_degree))
    bytes_sent = n["spikes"] * BYTES_PER_SPIKE * reach
    latency_parts, latency_bits, volume, volume_basis = [], [], 0.0, "one device: no exchange between nodes"
    if devices > 1:
        if machine.latency_s is None or machine.injection_bytes_per_s is None:
            latency_parts.append(None)
            latency_bits.append(f"unknown: no interconnect latency or injection bandwidth for {machine.name}")
            volume, volume_basis = None, f"unknown: no interconnect figures for {machine.name} in data/hardware.csv"
        else:
            per_latency, per_volume = exchange_s(kind, devices, bytes_sent * network.interval_s,
                                                 spikes_total * BYTES_PER_SPIKE * network.interval_s,
                                                 machine.latency_s, machine.injection_bytes_per_s)
            latency_parts.append(intervals * per_latency)
            latency_bits.append(f"{intervals:.4g} intervals x {kind.exchange} among {devices} nodes "
                                f"({per_latency * 1e6:.3g} us at {machine.latency_s * 1e6:.3g} us per message)")
            volume = intervals * per_volume
            volume_basis = (f"{kind.exchange} of {n['spikes']:.4g} spikes per node x {BYTES_PER_SPIKE:g} B "
                            f"(to {reach:.4g} nodes) over {machine.injection_bytes_per_s / 1e9:.4g} GB/s injection "
                            "(Thakur et al. 2005)")
    if ranks_per_node > 1:
        rounds = math.ceil(math.log2(ranks_per_node))
        if intra_node_latency_s is None:
            latency_parts.append(None)
            latency_bits.append("unknown: no measured intra-node collective latency")
        else:
            latency_parts.append(intervals * rounds * intra_node_latency_s)
            latency_bits.append(f"{intervals:.4g} intervals x {rounds} round(s) among {ranks_per_node} ranks of a "
                                f"node x {intra_node_latency_s * 1e6:.3g} us (measured, data/mpi_microbench.csv)")
    if not latency_bits:
        latency, latency_basis = 0.0, "one rank: no exchange"
    else:
        latency = None if None in latency_parts else sum(latency_parts)
        latency_basis = "; ".join(latency_bits)

    def phase_text(binding):
        parts = [f"{name} {p[('compute_s' if binding == 'compute' else 'memory_s')]:.3g} s" for name, p in
                 phases.items() if p["binding"] == binding and p["count"] > 0]
        return "; ".join(parts) or "no phase bound by it"

    terms = (
        Term("compute", compute if flop_rate else None,
             f"{phase_text('compute')} (at {rates.compute_fraction:.3g} x {_g(peak)} FLOP/s peak x {share:.3g})"),
        Term("memory traffic", memory if bandwidth else None,
             f"{phase_text('memory traffic')} (stream {rates.stream_fraction:.3g}, events {rates.event_fraction:.3g}"
             f" x {_g(bandwidth)} B/s x {share:.3g})"),
        Term("per-step overhead", overhead, overhead_basis),
        Term("spike scanning", scan, scan_basis),
        Term("load imbalance", imbalance, imbalance_basis),
        Term("communication latency", latency, latency_basis),
        Term("communication volume", volume, volume_basis),
    )
    known = [t for t in terms if t.seconds is not None]
    unknown = [t.name for t in terms if t.seconds is None]
    if unknown:
        notes.append("left out (unknown inputs): " + ", ".join(unknown) + "; the total is a lower bound")
    total = sum(t.seconds for t in known) if known else None
    bottleneck = max(known, key=lambda t: t.seconds).name if known else "unknown"
    needed = devices_by_memory(network.state_bytes(), machine.memory_bytes) if machine.memory_bytes else None
    if needed is not None and needed > devices:
        notes.append(f"capacity: {network.state_bytes() / 1e9:.3g} GB of state (simnet's bytes per neuron and synapse) "
                     f"needs {needed} devices of {machine.memory_bytes / 1e9:.3g} GB; the run used {devices}")
    if kind.memory_per_neuron_per_thread_bytes is None and kind.distributed:
        notes.append(f"{kind.name}: the per-thread memory that grows with the total number of neurons has no figure "
                     "in data/simulator_kinds.csv; capacity leaves it out")
    return Prediction(network, machine, devices, threads, terms, phases, total, bottleneck, needed, tuple(notes))


def _g(value) -> str:
    return "unknown" if value is None else f"{value:.3g}"
