"""How far a run's loop was from the hardware's limit: a roofline bound from its own counts.

The loop cannot be faster than the larger of two times (Williams, Waterman & Patterson 2009, "Roofline: an
insightful visual performance model", CACM 52(4):65-76):

* compute: the counted FLOPs of the loop (:mod:`simnet.cost.flops`, after common-subexpression elimination, as
  a compiler would run them) divided by the peak FLOP rate the run had
  (the cores or GPU it used, at its precision; :func:`simnet.machine.hardware.peak_throughput`);
* memory: the bytes the loop must move between memory and the processor divided by the memory bandwidth.

The bytes are estimated from the run's own arrays (:func:`simnet.cost.memory.state_bytes`) and activity
counts, as a lower bound that assumes nothing stays in cache from one step to the next:

* per neuron and step: every per-neuron array of the neuron's group is read once and written once;
* per synaptic event: the synapse's own arrays (weight, indices, plasticity traces) are read once, and the
  target neuron's conductance or current is read and written (two values of the run's float size); on a
  plastic pathway the synapse's arrays are also written back;
* per event on a plastic post pathway: the synapse's arrays are read and written.

On a GPU each step also launches every per-step kernel at least once; with a stated launch latency that gives
a third bound (steps x kernels x latency). The figures are estimates derived from the record, and where the
whole working set fits in the last-level cache a DRAM bound is not the binding one: the report says both.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Optional

__all__ = ["Roofline", "bytes_moved", "bound", "roofline", "table_bandwidth", "record_roofline", "format_roofline",
           "code_object_rooflines"]


@dataclass(frozen=True)
class Roofline:
    """The bounds on one run's loop and the measured loop as a multiple of them."""

    measured_loop_s: float
    flops: float
    bytes_moved: float
    bytes_by_part: dict
    peak_flops_per_s: Optional[float]
    bandwidth_bytes_per_s: Optional[float]
    bandwidth_source: str
    compute_bound_s: Optional[float]
    memory_bound_s: Optional[float]
    launch_bound_s: Optional[float]
    launch_note: str
    bound_s: Optional[float]
    binding: str
    measured_over_bound: Optional[float]
    arithmetic_intensity_flops_per_byte: Optional[float]
    working_set_bytes: float
    notes: list

    def to_dict(self) -> dict:
        return asdict(self)


def _per_element_bytes(state: dict) -> dict[str, dict]:
    """Bytes per element of each object's own arrays: {object: {"type", "elements", "bytes_per_element"}}."""
    out = {}
    for name, entry in state.get("by_object", {}).items():
        kinds = entry.get("bytes_by_kind", {})
        elements = entry.get("elements") or 0
        if entry.get("type") == "NeuronGroup":
            own = kinds.get("per_neuron", entry.get("bytes", 0))
        else:
            own = kinds.get("per_synapse", entry.get("bytes", 0))
        out[name] = {"type": entry.get("type"), "elements": elements,
                     "bytes_per_element": own / elements if elements else 0.0}
    return out


def bytes_moved(counts: dict, state: dict, float_bytes: int) -> dict[str, float]:
    """Lower-bound bytes the loop moves, by part (see the module docstring for the rule).

    Parameters
    ----------
    counts : dict
        A record's ``counts`` (``simnet.simulation.network_builder.activity_counts``).
    state : dict
        A record's ``cost["memory"]["state"]`` (``simnet.cost.memory.state_bytes``).
    float_bytes : int
        4 (single) or 8 (double): the size of the target variable a synaptic event updates.
    """
    per_element = _per_element_bytes(state)
    parts = {"neuron_update": 0.0, "synaptic_events": 0.0, "plasticity": 0.0}
    for name, pop in counts.get("populations", {}).items():
        if pop.get("part_of") or name not in per_element:
            continue
        parts["neuron_update"] += 2.0 * per_element[name]["bytes_per_element"] * pop["neuron_steps"]
    for name, proj in counts.get("projections", {}).items():
        synapse_bytes = per_element.get(name, {}).get("bytes_per_element", 0.0)
        parts["synaptic_events"] += proj["synaptic_events_pre"] * (synapse_bytes + 2.0 * float_bytes)
        if proj.get("plastic"):
            parts["plasticity"] += proj["synaptic_events_pre"] * synapse_bytes
            parts["plasticity"] += proj["synaptic_events_post"] * 2.0 * synapse_bytes
    return parts


def bound(flops: float, bytes_moved: float, peak_flops_per_s: Optional[float],
          bandwidth_bytes_per_s: Optional[float], launch_s: Optional[float] = None
          ) -> tuple[Optional[float], Optional[float], str, Optional[float]]:
    """(compute bound s, memory bound s, which binds, the bound s) of some work: the larger known time of
    ``flops`` at the peak rate, ``bytes_moved`` at the bandwidth and (on a GPU) the kernel launches."""
    compute_s = flops / peak_flops_per_s if peak_flops_per_s else None
    memory_s = bytes_moved / bandwidth_bytes_per_s if bandwidth_bytes_per_s else None
    known = {k: v for k, v in {"compute": compute_s, "memory": memory_s, "kernel launch": launch_s}.items()
             if v is not None}
    binding = max(known, key=known.get) if known else "unknown"
    return compute_s, memory_s, binding, known.get(binding)


def roofline(*, measured_loop_s: float, flops: float, counts: dict, state: dict, precision: str,
             peak_flops_per_s: Optional[float], bandwidth_bytes_per_s: Optional[float], bandwidth_source: str,
             kernels_per_step: Optional[int] = None, launch_latency_s: Optional[float] = None) -> Roofline:
    """The roofline bound of one run's loop.

    Parameters
    ----------
    measured_loop_s : float
        The loop's measured wall-clock time.
    flops : float
        Counted FLOPs of the loop.
    counts, state : dict
        The record's activity counts and state bytes.
    precision : {"single", "double"}
        The run's float precision.
    peak_flops_per_s, bandwidth_bytes_per_s : float or None
        The hardware's peaks (None: that bound is unknown and left out).
    bandwidth_source : str
        Where the bandwidth came from (a table row, a measurement, or the user).
    kernels_per_step, launch_latency_s : optional
        On a GPU: per-step kernels and the latency of one launch (an assumption the caller states).
    """
    float_bytes = 4 if precision == "single" else 8
    parts = bytes_moved(counts, state, float_bytes)
    total_bytes = sum(parts.values())
    launch_s, launch_note = None, ""
    if kernels_per_step and launch_latency_s:
        launch_s = counts.get("n_steps", 0) * kernels_per_step * launch_latency_s
        launch_note = (f"{counts.get('n_steps', 0):,} steps x {kernels_per_step} kernels x "
                       f"{launch_latency_s * 1e6:g} us per launch (assumed)")
    compute_s, memory_s, binding, bound_s = bound(flops, total_bytes, peak_flops_per_s, bandwidth_bytes_per_s,
                                                  launch_s)
    notes = []
    working_set = float(state.get("total_bytes", 0.0))
    if memory_s is not None:
        notes.append(f"working set {working_set / 2**20:.1f} MiB of model state: where it fits in the "
                     f"last-level cache, the DRAM bound is not binding and the loop can beat it")
    if compute_s is None:
        notes.append("no peak FLOP rate known for this device: compute bound left out")
    if memory_s is None:
        notes.append("no memory bandwidth known: memory bound left out (give one, or measure it)")
    return Roofline(
        measured_loop_s=measured_loop_s, flops=flops, bytes_moved=total_bytes, bytes_by_part=parts,
        peak_flops_per_s=peak_flops_per_s, bandwidth_bytes_per_s=bandwidth_bytes_per_s,
        bandwidth_source=bandwidth_source, compute_bound_s=compute_s, memory_bound_s=memory_s,
        launch_bound_s=launch_s, launch_note=launch_note, bound_s=bound_s, binding=binding,
        measured_over_bound=measured_loop_s / bound_s if bound_s else None,
        arithmetic_intensity_flops_per_byte=flops / total_bytes if total_bytes else None,
        working_set_bytes=working_set, notes=notes,
    )


def table_bandwidth(peak: dict) -> tuple[Optional[float], str]:
    """The memory bandwidth a record's ``cost["peak"]`` took from ``data/hardware.csv``, and that source."""
    if not peak.get("mem_bandwidth_bytes_per_s"):
        return None, ""
    return peak["mem_bandwidth_bytes_per_s"], f"data/hardware.csv ({peak.get('device_name') or 'matched row'})"


def record_roofline(record, *, bandwidth_bytes_per_s: Optional[float] = None, bandwidth_source: str = "",
                    launch_latency_s: Optional[float] = None) -> Roofline:
    """:func:`roofline` for a :class:`simnet.record.run_record.RunRecord` (its peak, counts, state and loop time).

    A bandwidth given here replaces the record's table bandwidth (e.g. a measured one).
    """
    cost = record.cost_detail
    peak = cost.get("peak", {})
    if bandwidth_bytes_per_s is None:
        bandwidth_bytes_per_s, bandwidth_source = table_bandwidth(peak)
    kernels = None
    if record.backend.get("name") in ("cuda", "genn"):
        kernels = sum(1 for row in cost["flops"].get("rows", []) if row.get("element") == "neuron_step") or None
    return roofline(
        measured_loop_s=float(record.timings.get("simulation_loop_s") or 0.0),
        # After common-subexpression elimination, as an optimising compiler runs it: the smaller, safer count
        # for a bound.
        flops=float(cost["flops"].get("total_flops_cse") or cost["flops"].get("total_flops") or 0.0),
        counts=record.counts, state=cost["memory"]["state"],
        precision=record.backend.get("precision", "double"),
        peak_flops_per_s=peak.get("flops_per_s"), bandwidth_bytes_per_s=bandwidth_bytes_per_s,
        bandwidth_source=bandwidth_source or "unknown",
        kernels_per_step=kernels, launch_latency_s=launch_latency_s if kernels else None,
    )


def _seconds(value: Optional[float]) -> str:
    return "unknown" if value is None else f"{value:.4g} s"


def format_roofline(bound: Roofline, record) -> str:
    """Plain-text rendering of a :class:`Roofline` for one record."""
    bandwidth = ("unknown" if bound.bandwidth_bytes_per_s is None
                 else f"{bound.bandwidth_bytes_per_s / 1e9:.1f} GB/s ({bound.bandwidth_source})")
    peak = "unknown" if bound.peak_flops_per_s is None else f"{bound.peak_flops_per_s / 1e9:.1f} GFLOP/s"
    machine = record.provenance.get("machine", {})
    gpus = machine.get("gpus") or []
    where = ", ".join(g.get("name", "?") for g in gpus) if record.backend.get("name") in ("cuda", "genn") and gpus \
        else machine.get("cpu_model", "?")
    lines = [
        f"roofline of the {record.model} loop on {record.backend.get('name')} "
        f"({record.backend.get('precision')}), measured on {where}",
        f"  measured loop                        {_seconds(bound.measured_loop_s)}",
        f"  counted FLOPs (after CSE)            {bound.flops:.4g}   (peak {peak}, the cores/GPU the run used)",
        f"  bytes moved (lower-bound estimate)   {bound.bytes_moved:.4g}   ("
        + ", ".join(f"{k} {v:.3g}" for k, v in bound.bytes_by_part.items()) + ")",
        "  arithmetic intensity                 "
        + ("unknown" if bound.arithmetic_intensity_flops_per_byte is None
           else f"{bound.arithmetic_intensity_flops_per_byte:.3g} FLOP/byte"),
        f"  memory bandwidth                     {bandwidth}",
        f"  compute bound                        {_seconds(bound.compute_bound_s)}",
        f"  memory bound                         {_seconds(bound.memory_bound_s)}",
    ]
    if bound.launch_bound_s is not None:
        lines.append(f"  kernel-launch bound                  {_seconds(bound.launch_bound_s)}   ({bound.launch_note})")
    ratio = "unknown" if bound.measured_over_bound is None else f"{bound.measured_over_bound:.3g}x"
    lines.append(f"  measured / bound                     {ratio}   ({bound.binding}-bound)")
    lines += [f"  note: {note}" for note in bound.notes]
    return "\n".join(lines)


def code_object_rooflines(loop_profile: dict, flop_rows: list, *, loop_s: Optional[float],
                          peak_flops_per_s: Optional[float], bandwidth_bytes_per_s: Optional[float],
                          bandwidth_source: str) -> dict:
    """Each profiled code object's measured time beside its counted work: achieved rates and roofline bounds.

    Parameters
    ----------
    loop_profile : dict
        A record's ``timings["loop_profile"]`` (:func:`simnet.simulation.profiling.loop_profile`): the clock and, per code
        object, its name, its runner and the seconds it took over the loop.
    flop_rows : list of dict
        A record's ``cost_detail["flops"]["rows"]`` (one per code object and category, each naming its code object).
    loop_s : float or None
        The measured loop, for each code object's share of it.
    peak_flops_per_s, bandwidth_bytes_per_s : float or None
        The run's peak rate and the memory bandwidth (None: that bound is left out).
    bandwidth_source : str
        Where the bandwidth came from.

    Returns
    -------
    dict
        The clock, the loop and the part of it no code object accounts for, and per code object (slowest first):
        seconds, share of the loop, elements and seconds per element, counted FLOPs (as written and after CSE) and
        estimated bytes (``CodeObjectCost.bytes_per_element``), achieved FLOP/s (as written) and
        bytes/s, the compute and memory bounds (:func:`bound`; CSE FLOPs, as for the whole loop) and the measured
        time as a multiple of each. A code object with no counted rows (a monitor, a spike queue's push) has
        its time only.
    """
    by_code_object: dict[str, list] = {}
    for row in flop_rows:
        if row.get("code_object") and row.get("element_count") is not None:
            by_code_object.setdefault(row["code_object"], []).append(row)
    entries = []
    for measured in loop_profile.get("code_objects", []):
        seconds = float(measured["seconds"])
        rows = by_code_object.get(measured["code_object"], [])
        entry = {"code_object": measured["code_object"], "runner": measured.get("runner", ""), "seconds": seconds,
                 "share_of_loop": seconds / loop_s if loop_s else None, "counted": bool(rows)}
        if rows:
            flops = sum(r.get("total_flops") or 0.0 for r in rows)
            flops_cse = sum(r.get("total_flops_cse") or 0.0 for r in rows)
            moved = sum(r.get("total_bytes") or 0.0 for r in rows)
            elements = float(rows[0]["element_count"])
            compute_s, memory_s, binding, bound_s = bound(flops_cse, moved, peak_flops_per_s, bandwidth_bytes_per_s)
            per_time = (lambda amount: amount / seconds if seconds > 0 else None)
            over = (lambda limit: seconds / limit if limit else None)
            entry.update(
                owner=rows[0].get("owner", ""), role=rows[0].get("role", ""),
                categories="+".join(dict.fromkeys(r.get("category", "") for r in rows)),
                element=rows[0].get("element", ""), elements=elements,
                seconds_per_element=seconds / elements if elements else None,
                flops=flops, flops_cse=flops_cse, bytes=moved,
                achieved_flops_per_s=per_time(flops), achieved_bytes_per_s=per_time(moved),
                compute_bound_s=compute_s, memory_bound_s=memory_s, binding=binding, bound_s=bound_s,
                measured_over_compute_bound=over(compute_s), measured_over_memory_bound=over(memory_s),
                measured_over_bound=over(bound_s),
            )
        entries.append(entry)
    entries.sort(key=lambda entry: -entry["seconds"])
    profiled_s = sum(entry["seconds"] for entry in entries)
    return {
        "clock": loop_profile.get("clock", ""),
        "loop_s": loop_s,
        "profiled_s": profiled_s,
        "unprofiled_s": loop_s - profiled_s if loop_s is not None else None,
        "peak_flops_per_s": peak_flops_per_s,
        "bandwidth_bytes_per_s": bandwidth_bytes_per_s,
        "bandwidth_source": bandwidth_source if bandwidth_bytes_per_s else "",
        "code_objects": entries,
    }
