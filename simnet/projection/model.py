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
* **communication latency** (``P > 1``): per communication interval (the minimum delay, or the step without delays)
  a spike exchange modelled as a collective of ``ceil(log2 P)`` latency-bound rounds (recursive doubling), each the
  interconnect latency of the hardware row;
* **communication volume** (``P > 1``): each spike (8 bytes: neuron id and time) is sent to every other device that
  holds at least one of its targets, ``(P - 1) x (1 - (1 - 1/P)^K)`` devices for an out-degree ``K`` spread at random,
  over the node's injection bandwidth.

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

__all__ = ["BYTES_PER_SPIKE", "TERMS", "Network", "Machine", "Rates", "Term", "Prediction", "phase_time",
           "devices_reached", "collective_rounds", "devices_by_memory", "step_overhead_s", "predict"]

#: Bytes sent per spike between devices (a 4-byte neuron index and a 4-byte time stamp or lag).
BYTES_PER_SPIKE = 8.0
#: Term names, in the order they are reported; they add up to the predicted wall-clock.
TERMS = ("compute", "memory traffic", "per-step overhead", "communication latency", "communication volume")


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


def predict(network: Network, machine: Machine, devices: int, rates: Rates,
            threads: Optional[int] = None) -> Prediction:
    """Wall-clock per biological second of ``network`` on ``devices`` of ``machine`` (see the module docstring).

    ``threads``: CPU threads per device (default: every core of the device); a CPU run on ``c`` of a device's
    ``C`` cores gets ``c/C`` of its peak and of its bandwidth (exact where bandwidth is bound by each core's
    outstanding misses, an over-estimate of the loss where one core can draw most of a socket's bandwidth).
    """
    if devices < 1:
        raise ValueError(f"devices must be at least 1, got {devices}")
    precision, costs, notes = network.precision, network.costs, []
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
    float_bytes = 4.0 if precision == "single" else 8.0
    synapse_bytes = costs.synapse_bytes(precision)
    phases = {
        "neuron update": phase_time(n["neuron_steps"], costs.neuron_flops_per_step_cse
                                    + costs.flops_per_spike * network.mean_rate_hz * network.dt_s,
                                    2.0 * costs.neuron_bytes(precision), flop_rate, stream_rate),
        "synaptic events": phase_time(n["synaptic_events"], costs.event_flops_cse, synapse_bytes + 2.0 * float_bytes,
                                      flop_rate, event_rate),
        "plastic updates": phase_time(n["plastic_pre_updates"] + n["plastic_post_updates"],
                                      (costs.plastic_flops_per_pre_event_cse + costs.plastic_flops_per_post_event_cse)
                                      / 2.0, 2.0 * synapse_bytes, flop_rate, event_rate),
    }
    compute = sum(p["compute_s"] for p in phases.values() if p["binding"] == "compute")
    memory = sum(p["memory_s"] for p in phases.values() if p["binding"] == "memory traffic")
    with_work = sum(1 for p in phases.values() if p["count"] > 0)
    overhead, overhead_basis = step_overhead_s(rates, network.steps_per_bio_s, costs.code_objects_per_step,
                                               with_work, threads)
    intervals = 1.0 / network.interval_s
    rounds = collective_rounds(devices)
    if devices == 1:
        latency, latency_basis = 0.0, "one device: no exchange"
    elif machine.latency_s is None:
        latency, latency_basis = None, f"unknown: no interconnect latency for {machine.name} in data/hardware.csv"
    else:
        latency = intervals * rounds * machine.latency_s
        latency_basis = (f"{intervals:.4g} intervals x ceil(log2 {devices}) = {rounds} rounds x "
                         f"{machine.latency_s * 1e6:.3g} us")
    reach = devices_reached(devices, network.out_degree)
    volume_bytes = n["spikes"] * BYTES_PER_SPIKE * reach
    if devices == 1:
        volume, volume_basis = 0.0, "one device: no exchange"
    elif machine.injection_bytes_per_s is None:
        volume, volume_basis = None, f"unknown: no injection bandwidth for {machine.name} in data/hardware.csv"
    else:
        volume = volume_bytes / machine.injection_bytes_per_s
        volume_basis = (f"{n['spikes']:.4g} spikes x {BYTES_PER_SPIKE:g} B x {reach:.4g} devices reached / "
                        f"{machine.injection_bytes_per_s / 1e9:.4g} GB/s injection")

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
    return Prediction(network, machine, devices, threads, terms, phases, total, bottleneck, needed, tuple(notes))


def _g(value) -> str:
    return "unknown" if value is None else f"{value:.3g}"
