"""Human scale with the performance model: devices by memory and time to solution against device count.

For a measured run's network (its per-element costs, rate, time step and precision) scaled to ``N`` neurons with
``K`` synapses each, and for a cluster of each reference machine (``data/hardware.csv`` rows whose
``projection_role`` is ``cluster``): the devices its state needs, then the wall-clock of :mod:`.model` from that
count upwards in factors of :data:`STEP` (a strong-scaling curve, the bottleneck at each point), the time to solution
for the biological time asked, the energy (devices x rated power x time: an estimate) and the FLOPs: counted after
common-subexpression elimination (the minimum arithmetic, the headline), as executed, and peak-equivalent (devices
x peak x wall, the documents' method). Pure functions, no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from simnet.projection.model import Machine, Network, Rates, devices_by_memory, predict

__all__ = ["STEP", "MAX_POINTS", "MAX_DEVICES", "MIN_GAIN", "LARGEST_MACHINE_NODES", "ScalingPoint", "ClusterProjection",
           "strong_scaling", "human_scale", "error_band", "answer"]

#: Device counts grow by this factor along a strong-scaling curve, for at most MAX_POINTS points, up to
#: MAX_DEVICES (six times Fugaku's 158,976 nodes, the largest count in data/hardware.csv), and stop once a step gains
#: less than MIN_GAIN (the curve has flattened: more devices buy almost nothing).
STEP = 4
MAX_POINTS = 8
MAX_DEVICES = 1_000_000
MIN_GAIN = 0.10
#: Nodes of the largest machine in data/hardware.csv (Fugaku, 158,976 nodes: its row's notes).
LARGEST_MACHINE_NODES = 158_976


@dataclass(frozen=True)
class ScalingPoint:
    """One device count of a strong-scaling curve."""

    devices: int
    wall_s_per_bio_s: float
    time_to_solution_s: float
    bottleneck: str
    terms: dict
    energy_j: float | None
    peak_equivalent_flops: float | None


@dataclass(frozen=True)
class ClusterProjection:
    """A network of ``neurons`` with ``synapses_per_neuron`` on a cluster of ``machine``."""

    machine: str
    kind: str
    machine_source: str
    neurons: float
    synapses_per_neuron: float
    bio_seconds: float
    state_bytes: float
    devices_by_memory: int | None
    flops_cse: float
    flops_executed: float
    points: tuple
    notes: tuple

    @property
    def fastest(self) -> ScalingPoint | None:
        return min(self.points, key=lambda p: p.time_to_solution_s) if self.points else None

    def to_dict(self, backtest_summary: dict | None = None) -> dict:
        """JSON-safe; with the back-test's ``backtest_summary``, every point carries its :func:`error_band`."""
        fastest = self.fastest
        points = [dict(p.__dict__, **({"band": error_band(backtest_summary, p.devices, self.kind)}
                                     if backtest_summary is not None else {})) for p in self.points]
        return {"machine": self.machine, "kind": self.kind, "machine_source": self.machine_source,
                "neurons": self.neurons,
                "synapses_per_neuron": self.synapses_per_neuron, "bio_seconds": self.bio_seconds,
                "state_bytes": self.state_bytes, "devices_by_memory": self.devices_by_memory,
                "flops_cse": self.flops_cse, "flops_executed": self.flops_executed,
                "fastest_devices": fastest.devices if fastest else None,
                "points": points, "notes": list(self.notes)}


def error_band(backtest_summary: dict | None, devices: int, device_kind: str = "") -> dict:
    """The held-out error of the regime a projected point lies in, as a factor band: the back-test's scored
    multi-node runs on the same kind of device (``cpu``, ``gpu``; any kind when not given) for a point on several
    devices, its independent held-out runs for one device. ``short`` is the band or 'none'; ``text`` says it in
    words and, with no scored run in the regime, why none was scored (the figure is then unvalidated)."""
    summary = backtest_summary or {}
    if devices > 1:
        regime = f"multi-node {device_kind}" if device_kind in ("cpu", "gpu") else "multi-node"
    else:
        regime = "held-out independent"
    s = summary.get(regime, {})
    if not s.get("runs"):
        why = ""
        if devices > 1:
            missing = summary.get("multi-node not scored", {}).get("by_device", {})
            entries = [missing[k] for k in ((device_kind,) if device_kind in missing else
                                            () if device_kind in ("cpu", "gpu") else tuple(missing))]
            reasons = {}
            for entry in entries:
                for reason, count in entry["reasons"].items():
                    reasons[reason] = reasons.get(reason, 0) + count
            rows = sum(entry["runs"] for entry in entries)
            why = (f"; the {rows} multi-node {device_kind or 'published'} rows were not scored: "
                   + "; ".join(f"{count} x {reason}" for reason, count in
                               sorted(reasons.items(), key=lambda item: -item[1])) if rows else
                   f"; data/published_multinode_runs.csv has no {device_kind or 'multi-node'} row")
        return {"regime": regime, "runs": 0, "typical_factor": None, "worst_factor": None, "short": "none",
                "text": f"none: no fully described {regime} run was back-tested, so this figure is unvalidated{why}"}
    short = f"x/ {s['geometric_mean_error_factor']:.3g} typical, x/ {s['worst_factor']:.3g} worst ({s['runs']} runs)"
    return {"regime": regime, "runs": s["runs"], "typical_factor": s["geometric_mean_error_factor"],
            "worst_factor": s["worst_factor"], "short": short,
            "text": (f"x/ {s['geometric_mean_error_factor']:.3g} typical, x/ {s['worst_factor']:.3g} worst "
                     f"({s['runs']} {regime} runs)")}


def answer(cluster: ClusterProjection, backtest_summary: dict | None) -> dict | None:
    """A curve's answer: its fastest point (None when the model could not predict any), whether it is only a
    lower bound (a term's inputs unknown), whether it needs more nodes than the largest machine built, and its
    :func:`error_band`."""
    fastest = cluster.fastest
    if fastest is None:
        return None
    unknown = [name for name, seconds in fastest.terms.items() if seconds is None]
    return {"machine": cluster.machine, "neurons": cluster.neurons, "synapses_per_neuron": cluster.synapses_per_neuron,
            "bio_seconds": cluster.bio_seconds, "devices_by_memory": cluster.devices_by_memory,
            "devices": fastest.devices, "wall_s_per_bio_s": fastest.wall_s_per_bio_s,
            "time_to_solution_s": fastest.time_to_solution_s, "bottleneck": fastest.bottleneck,
            "unknown_terms": unknown, "lower_bound": bool(unknown),
            "beyond_largest_machine": fastest.devices > LARGEST_MACHINE_NODES,
            "band": error_band(backtest_summary, fastest.devices, cluster.kind)}


def strong_scaling(network: Network, machine: Machine, rates: Rates, bio_seconds: float) -> ClusterProjection:
    """The strong-scaling curve of ``network`` on ``machine``: from the devices its memory needs upwards."""
    notes = []
    needed = devices_by_memory(network.state_bytes(), machine.memory_bytes) if machine.memory_bytes else None
    if needed is None:
        notes.append(f"no memory figure for {machine.name}: the curve starts at one device")
    start = needed or 1
    peak = machine.peak_flops_per_s.get(network.precision)
    points = []
    for k in range(MAX_POINTS):
        devices = start * STEP ** k
        if devices > MAX_DEVICES and points:
            notes.append(f"curve stopped at {MAX_DEVICES:,} devices")
            break
        prediction = predict(network, machine, devices, rates)
        wall = prediction.wall_s_per_bio_s
        if wall is None:
            notes.extend(prediction.notes)
            break
        time = wall * bio_seconds
        points.append(ScalingPoint(
            devices=devices, wall_s_per_bio_s=wall, time_to_solution_s=time, bottleneck=prediction.bottleneck,
            terms={t.name: t.seconds for t in prediction.terms},
            energy_j=devices * machine.board_power_w * time if machine.board_power_w else None,
            peak_equivalent_flops=devices * peak * time if peak else None))
        if len(points) >= 2 and points[-1].wall_s_per_bio_s > (1.0 - MIN_GAIN) * points[-2].wall_s_per_bio_s:
            break  # flat or past the fastest point: more devices buy little or only add communication
    notes.extend(n for n in predict(network, machine, start, rates).notes if n not in notes)
    return ClusterProjection(machine.name, machine.kind, machine.sources.get("figures", ""), network.neurons,
                             network.synapses / network.neurons,
                             bio_seconds, network.state_bytes(), needed, network.flops_per_bio_s(True) * bio_seconds,
                             network.flops_per_bio_s(False) * bio_seconds, tuple(points), tuple(notes))


def human_scale(network: Network, neurons: tuple, synapses_per_neuron: tuple, machines: list[Machine],
                rates: dict[str, Rates], bio_seconds: float) -> list[ClusterProjection]:
    """:func:`strong_scaling` of ``network`` at every size and in-degree, on every machine whose kind has rates.

    The network keeps its per-element costs, mean rate, time step, minimum delay, precision and plastic share of
    synapses; only its size and in-degree change."""
    plastic_share = network.plastic_synapses / network.synapses if network.synapses else 0.0
    out = []
    for n in neurons:
        for k in synapses_per_neuron:
            scaled = replace(network, neurons=n, synapses=n * k, plastic_synapses=plastic_share * n * k)
            out += [strong_scaling(scaled, machine, rates[machine.kind], bio_seconds) for machine in machines
                    if machine.kind in rates]
    return out
