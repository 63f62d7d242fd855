"""Simulator kinds: what a spike-delivery scheme does, one small record per kind, registered by name.

A kind says how spikes are exchanged between ranks once per communication interval (none, allgather, alltoall,
pairwise), who receives each spike (every rank, or the ranks holding targets), whether each thread scans every spike
of the network (NEST's 4th-generation kernel), how per-step overhead arises (Brian2's code objects, GPU kernel
launches, NEST's barriers per interval), whether plastic synapses are also updated at postsynaptic spikes, and how many
right-hand-side evaluations a Hodgkin-Huxley step costs. Every figure and rule is in ``data/simulator_kinds.csv`` with
its source; :data:`KINDS` holds the same values (a test checks that they agree). The collective costs follow Thakur,
Rabenseifner & Gropp (2005). Pure functions, no I/O.

Two kinds are *hypothetical*: simnet has no multi-node engine, so a projection of one of simnet's own runs onto
several nodes (:data:`PROJECTION_KINDS`) keeps simnet's per-node work (Brian2 standalone's code objects, integrator
and plasticity on a CPU; GeNN's on a GPU) and borrows the spike exchange of a published distributed scheme (NEST's
5th-generation alltoall to the ranks holding targets; NEST GPU's point-to-point). Projecting with NEST's own kind
would charge NEST's RKF45 integrator and spike-driven STDP to a network simnet integrates otherwise. Nothing of
them is fitted: every rule is one of the two kinds they combine, each with its source. They are never used to
score a published run.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Optional

__all__ = ["SimulatorKind", "KINDS", "PROJECTION_KINDS", "kind_named", "kind_for", "allgather_s", "alltoall_bruck_s", "pairwise_s",
           "exchange_s", "imbalance_factor", "is_hodgkin_huxley"]


@dataclass(frozen=True)
class SimulatorKind:
    """A spike-delivery scheme (see the module docstring); ``exchange`` is one of none, allgather, alltoall,
    pairwise."""

    name: str
    exchange: str
    receivers: str
    every_thread_scans_all_spikes: bool
    step_overhead: str  # code_objects, kernel_launches or barriers_per_interval
    plastic_post_updates: bool
    integrator_evaluations_hh: int
    barriers_per_interval: int = 0
    memory_per_neuron_per_thread_bytes: Optional[float] = None  # None = not known (left out, said so)
    hypothetical: str = ""  # non-empty: no engine does this; what it combines (said in every projection using it)

    @property
    def distributed(self) -> bool:
        return self.exchange != "none"


KINDS = {k.name: k for k in (
    SimulatorKind("brian2_standalone", "none", "none", False, "code_objects", True, 1),
    SimulatorKind("genn", "none", "none", False, "kernel_launches", True, 1),
    SimulatorKind("nest_4g", "allgather", "all", True, "barriers_per_interval", False, 6, barriers_per_interval=3),
    SimulatorKind("nest_5g", "alltoall", "targets", False, "barriers_per_interval", False, 6, barriers_per_interval=3,
                  memory_per_neuron_per_thread_bytes=0.0),
    SimulatorKind("nest_gpu", "pairwise", "targets", False, "kernel_launches", False, 1),
    SimulatorKind("simnet_cpu_5g_exchange", "alltoall", "targets", False, "code_objects", True, 1,
                  memory_per_neuron_per_thread_bytes=0.0,
                  hypothetical="simnet's per-node work as Brian2 standalone runs it (code objects, exponential "
                               "Euler, STDP at pre- and postsynaptic spikes) with NEST's 5th-generation alltoall "
                               "spike exchange"),
    SimulatorKind("simnet_gpu_nestgpu_exchange", "pairwise", "targets", False, "kernel_launches", True, 1,
                  hypothetical="simnet's per-GPU work as GeNN runs it (kernels per phase, the same integrator, STDP "
                               "at pre- and postsynaptic spikes) with NEST GPU's point-to-point spike exchange"),
)}
#: The kind a projection of a simnet run assumes, by (on a GPU, on several devices): simnet's own engine on one
#: device; on several, the hypothetical kinds above (simnet has no multi-node engine).
PROJECTION_KINDS = {False: {False: "brian2_standalone", True: "simnet_cpu_5g_exchange"},
                    True: {False: "genn", True: "simnet_gpu_nestgpu_exchange"}}


def kind_named(name: str) -> SimulatorKind:
    if name not in KINDS:
        raise ValueError(f"unknown simulator kind '{name}' (known: {', '.join(KINDS)})")
    return KINDS[name]


def kind_for(simulator: str, delivery_algorithm: str = "") -> tuple[Optional[SimulatorKind], str]:
    """The kind of a runs-table row: its ``delivery_algorithm`` cell if it names a kind, else read from the
    simulator's name and version; (None, why) for simulators the model has no kind for. The second item states
    any assumption made."""
    if delivery_algorithm in KINDS and not KINDS[delivery_algorithm].hypothetical:
        return KINDS[delivery_algorithm], ""
    if delivery_algorithm and delivery_algorithm not in ("", "other"):
        return None, f"no simulator kind for delivery algorithm '{delivery_algorithm}'"
    text = (simulator or "").lower()
    if text.startswith("simnet") or ("brian" in text and "genn" not in text):
        return KINDS["brian2_standalone"], ""
    if "nest gpu" in text or "neurongpu" in text:
        return KINDS["nest_gpu"], ""
    if "genn" in text:
        return KINDS["genn"], ""
    if "nest" in text:
        version = re.search(r"nest\s*(\d+)\.(\d+|x)", text)
        if version and version.group(1) == "2" and (version.group(2) == "x" or int(version.group(2)) < 16):
            return KINDS["nest_4g"], ""
        if version or re.search(r"nest\s*3", text):
            return KINDS["nest_5g"], ""
        return KINDS["nest_5g"], "NEST version not stated: the 5th-generation kernel assumed"
    return None, f"no simulator kind for '{simulator or 'an unnamed simulator'}' (kinds: {', '.join(KINDS)})"


def _rounds(ranks: int) -> int:
    return math.ceil(math.log2(ranks)) if ranks > 1 else 0


def allgather_s(ranks: int, total_bytes: float, latency_s: float, bytes_per_s: float) -> float:
    """Recursive-doubling allgather: ceil(log2 p) alpha + (p-1)/p n beta, n = every rank's bytes together."""
    if ranks <= 1:
        return 0.0
    return _rounds(ranks) * latency_s + (ranks - 1) / ranks * total_bytes / bytes_per_s


def alltoall_bruck_s(ranks: int, bytes_sent: float, latency_s: float, bytes_per_s: float) -> float:
    """Bruck's alltoall: ceil(log2 p) alpha + n/2 ceil(log2 p) beta, n = the bytes one rank sends to all others."""
    if ranks <= 1:
        return 0.0
    return _rounds(ranks) * (latency_s + bytes_sent / 2.0 / bytes_per_s)


def pairwise_s(ranks: int, bytes_sent: float, latency_s: float, bytes_per_s: float) -> float:
    """Point-to-point to every other rank: (p-1) alpha + n beta."""
    if ranks <= 1:
        return 0.0
    return (ranks - 1) * latency_s + bytes_sent / bytes_per_s


def exchange_s(kind: SimulatorKind, ranks: int, bytes_sent: float, total_bytes: float, latency_s: float,
               bytes_per_s: float) -> tuple[float, float]:
    """One exchange of ``kind`` among ``ranks``: (latency part, volume part) in seconds. ``bytes_sent``: what one
    rank sends to others; ``total_bytes``: what all ranks contribute (an allgather delivers all of it to each)."""
    if kind.exchange == "allgather":
        return _rounds(ranks) * latency_s, allgather_s(ranks, total_bytes, 0.0, bytes_per_s)
    if kind.exchange == "alltoall":
        return _rounds(ranks) * latency_s, alltoall_bruck_s(ranks, bytes_sent, 0.0, bytes_per_s)
    if kind.exchange == "pairwise":
        return max(ranks - 1, 0) * latency_s, pairwise_s(ranks, bytes_sent, 0.0, bytes_per_s)
    return 0.0, 0.0


def imbalance_factor(ranks: int, mean_events_per_interval: float) -> float:
    """The slowest of ``ranks`` over the mean, for Poisson work of mean ``mu`` per rank: 1 + sqrt(2 ln p / mu)."""
    if ranks <= 1 or mean_events_per_interval <= 0:
        return 1.0
    return 1.0 + math.sqrt(2.0 * math.log(ranks) / mean_events_per_interval)


def is_hodgkin_huxley(cost_model: str) -> bool:
    """Whether an element-costs row stands for a Hodgkin-Huxley neuron (the integrator's cost differs by kind)."""
    return bool(re.search(r"(^|_)(hh|cobahh)", cost_model or ""))
