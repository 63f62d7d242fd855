"""A run's cost, put together from metrics of two kinds, each kind with one signature (as NeuroBench does).

* **Static metrics** need only the built model: ``metric(built) -> value`` (:data:`STATIC_METRICS`: the FLOPs per
  element of every code object, the bytes of state). They read the live Brian2 objects, so they are taken at the
  end of the run, before the objects go.
* **Workload metrics** need what the run did: ``metric(workload) -> value`` (:data:`WORKLOAD_METRICS`: counted
  FLOPs, peak-equivalent, utilisation, memory, energy), from a :class:`Workload` (the static metrics, activity
  counts, timings, the machine's peak, the energy metered).

:func:`cost_record` evaluates them into the cost section of a run record (``record.cost_detail``);
:func:`simnet.record.run_record.cost_table` (``record.cost``) and :func:`format_cost` present that section. Counted
figures come from Brian2's code (:mod:`simnet.cost.flops`); peak-equivalent figures are seed document 003's
method (cores x clock x flop/cycle x wall time); utilisation is their ratio.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, Optional

from simnet.cost import flops, memory, roofline
from simnet.cost.energy import Energy, per_unit
from simnet.machine import hardware
from simnet.record.run_record import cost_table as record_cost_table

__all__ = ["STATIC_METRICS", "static_measurements", "Workload", "WORKLOAD_METRICS", "cost_record", "cost_table",
           "format_cost"]


def _flop_profile_as_executed(built) -> Optional[flops.FlopProfile]:
    """The count of what the device's code executes, where its code generation turned Brian2's loop-invariant
    optimisation off (Brian2GeNN does); None where it is on, since the model's count is then that code's."""
    import brian2

    if brian2.prefs["codegen.loop_invariant_optimisations"]:
        return None
    return flops.count_network(built.net, loop_invariant_optimisations=False)


#: Static metrics: name -> metric(built network) (a :class:`simnet.simulation.network_builder.BuiltNetwork`). The model's FLOPs are
#: counted with Brian2's loop-invariant optimisation whatever the device did, so the same equations cost the same
#: on every backend; what a device's code executes differently is counted beside it.
STATIC_METRICS: dict[str, Callable[[Any], Any]] = {
    "flop_profile": lambda built: flops.count_network(built.net),
    "flop_profile_as_executed": _flop_profile_as_executed,
    "state": lambda built: memory.state_bytes([*built.groups.values(), *built.synapses.values()]),
}


def static_measurements(built) -> dict:
    """Every static metric of a network that has been run (needs the Brian2 objects)."""
    return {name: metric(built) for name, metric in STATIC_METRICS.items()}


@dataclass(frozen=True)
class Workload:
    """What a run did and what was measured around it: the input of every workload metric."""

    static: dict
    counts: dict
    timings: dict
    bio_duration_s: float
    n_neurons: int
    model_types: dict
    peak: hardware.Peak
    energy: Optional[Energy]
    energy_span: str
    gpu_memory_peak_mib: Optional[float]
    energy_whole_call: Optional[Energy] = None
    energy_whole_call_span: str = ""
    #: What the session told apart (:attr:`simnet.simulation.sessions.Session.peak_rss`): the generated program's
    #: own peak RSS and the build's, in bytes
    peak_rss: dict = field(default_factory=dict)

    @cached_property
    def flop_report(self) -> flops.FlopReport:
        return flops.apply_activity(self.static["flop_profile"], self.counts, self.bio_duration_s, self.n_neurons,
                                    model_types=self.model_types)

    @property
    def loop_s(self) -> Optional[float]:
        return self.timings.get("simulation_loop_s")


def _cells(w: Workload) -> Optional[dict]:
    """Compartmental cells (SpatialNeurons) apart: their counted work per cell and per compartment."""
    cells = {name: pop for name, pop in w.counts.get("populations", {}).items()
             if pop.get("compartments") and not pop.get("part_of")}
    if not cells:
        return None
    flops = sum(row.total_flops or 0.0 for row in w.flop_report.rows if row.owner in cells)
    n_cells = sum(pop["size"] for pop in cells.values())
    n_compartments = sum(pop["compartments"] for pop in cells.values())
    steps = sum(pop["compartment_steps"] for pop in cells.values())
    return {
        "populations": sorted(cells),
        "cells": n_cells,
        "compartments": n_compartments,
        "flops_per_cell_per_bio_s": flops / n_cells / w.bio_duration_s,
        "flops_per_compartment_per_bio_s": flops / n_compartments / w.bio_duration_s,
        "flops_per_compartment_step": flops / steps if steps else None,
        "spikes_per_cell": sum(pop["spikes"] for pop in cells.values()) / n_cells,
        "rate_per_cell_hz": sum(pop["spikes"] for pop in cells.values()) / n_cells / w.bio_duration_s,
        "note": "every code object of the cells (channels, threshold, reset, cable solver) over the cells and over "
                "their compartments; spikes are counted at the compartment each cell tests its threshold at",
    }


def _flops(w: Workload) -> dict:
    section = w.flop_report.to_dict()
    section["not_counted"] = [item.to_dict() for item in w.static["flop_profile"].skipped
                              if item.kind != "recording"]
    cells = _cells(w)
    if cells is not None:
        section["cells"] = cells
    executed = w.static.get("flop_profile_as_executed")
    if executed is not None:
        report = flops.apply_activity(executed, w.counts, w.bio_duration_s, w.n_neurons, model_types=w.model_types)
        section["as_executed"] = {
            "total_flops": report.total_flops,
            "flops_per_neuron_per_bio_s": report.flops_per_neuron_per_bio_s,
            "flops_per_neuron_per_bio_s_by_category": report.flops_per_neuron_per_bio_s_by_category,
            "loop_invariant_optimisations": False,
            "note": "this device's code generation turned Brian2's loop-invariant optimisation off, so work on "
                    "constants alone is done per element; the model's count (above) is taken with it on, as on "
                    "every other backend",
        }
    return section


def _peak_equivalent(w: Workload) -> dict:
    return hardware.peak_equivalent(w.peak, w.loop_s, w.n_neurons, w.bio_duration_s) if w.loop_s else {}


def _utilisation(w: Workload) -> Optional[float]:
    return hardware.utilisation(w.flop_report.total_flops, _peak_equivalent(w).get("peak_equivalent_flops"))


def _memory(w: Workload) -> dict:
    return {"state": w.static["state"], "peak_rss": {**memory.peak_rss_bytes(), **w.peak_rss},
            "gpu_memory_peak_mib": w.gpu_memory_peak_mib}


def _energy(w: Workload) -> dict:
    synaptic_events = sum(p["synaptic_events_pre"] for p in w.counts.get("projections", {}).values())
    section = {
        **(w.energy.to_dict() if w.energy is not None else {"joules": None, "method": "unavailable"}),
        "span": w.energy_span,
        **per_unit(w.energy, w.bio_duration_s, synaptic_events),
    }
    if w.energy_whole_call is not None:
        # The loop figure above is the one per biological second; the whole call is kept for context.
        section["whole_call"] = {**w.energy_whole_call.to_dict(), "span": w.energy_whole_call_span}
    return section


def _per_code_object(profile: Optional[dict], flop_rows: list, loop_s: Optional[float], peak: dict,
                     bandwidth_bytes_per_s: Optional[float] = None, bandwidth_source: str = "") -> Optional[dict]:
    """Per code object: measured time beside counted work (None when the loop was not profiled), against the
    bandwidth given, else the hardware table's."""
    if not profile:
        return None
    if bandwidth_bytes_per_s is None:
        bandwidth_bytes_per_s, bandwidth_source = roofline.table_bandwidth(peak)
    return roofline.code_object_rooflines(profile, flop_rows, loop_s=loop_s, peak_flops_per_s=peak.get("flops_per_s"),
                                          bandwidth_bytes_per_s=bandwidth_bytes_per_s,
                                          bandwidth_source=bandwidth_source)


def _loop_profile(w: Workload) -> Optional[dict]:
    return _per_code_object(w.timings.get("loop_profile"), [row.to_dict() for row in w.flop_report.rows], w.loop_s,
                            w.peak.to_dict())


#: Workload metrics: name in the record's ``cost`` section -> metric(workload).
WORKLOAD_METRICS: dict[str, Callable[[Workload], Any]] = {
    "flops": _flops,
    "peak": lambda w: w.peak.to_dict(),
    "peak_equivalent": _peak_equivalent,
    "utilisation": _utilisation,
    "memory": _memory,
    "energy": _energy,
    "loop_profile": _loop_profile,
}


def cost_record(workload: Workload) -> dict:
    """The ``cost`` section of a run record (JSON-safe nested dicts): every workload metric of ``workload``."""
    return {name: metric(workload) for name, metric in WORKLOAD_METRICS.items()}


def cost_table(record, *, bandwidth_bytes_per_s: Optional[float] = None, bandwidth_source: str = ""
               ) -> dict[str, Any]:
    """The cost table of a record (:func:`simnet.record.run_record.cost_table`, ``record.cost``).

    A profiled loop's ``loop_profile`` (each code object's time beside its counted work,
    :func:`simnet.cost.roofline.code_object_rooflines`) is the one stored at run time, against the hardware table's
    bandwidth; given ``bandwidth_bytes_per_s``, it is set against that bandwidth instead.
    """
    table = record_cost_table(record)
    if bandwidth_bytes_per_s is not None and record.timings.get("loop_profile"):
        table["loop_profile"] = _per_code_object(
            record.timings["loop_profile"], table["rows"], record.timings.get("simulation_loop_s"),
            record.cost_detail["peak"], bandwidth_bytes_per_s, bandwidth_source)
    return table


def _fmt(value, spec: str = ".3g", unit: str = "") -> str:
    if value is None:
        return "unknown"
    return f"{value:{spec}}{unit}"


def format_cost(table: dict[str, Any]) -> str:
    """Plain-text rendering of :func:`cost_table`."""
    threads = f", {table['threads']} thread(s)" if table.get("threads") else ""
    cells = table.get("cells")
    lines = [
        f"cost of {table['model']} on {table['backend']} ({table['precision']}{threads}), measured on "
        f"{table['measured_on']}",
        f"  {table['neurons']:,} neurons, {table['synapses']:,} synapses, {table['biological_time_s']:g} s "
        "biological",
        *([f"  of which {cells['cells']:,} compartmental cell(s) of {cells['compartments']:,} compartments in all "
           f"({', '.join(cells['populations'])}): a cell is one neuron"] if cells else []),
        f"  loop wall per biological second (measured)        {table['sim_wall_s_per_bio_s']:.4g} s/s",
        "  FLOPs per neuron per biological second:",
        f"    counted from Brian2's code x activity            {_fmt(table['counted_flops_per_neuron_per_bio_s'])}",
    ]
    for category, value in table["counted_flops_per_neuron_per_bio_s_by_category"].items():
        lines.append(f"      {category:<46s} {_fmt(value)}")
    lines += [
        f"    dense-equivalent (every synapse every step)      {_fmt(table['dense_flops_per_neuron_per_bio_s'])}",
        *([f"    as this device's code executes them              "
           f"{_fmt(table['executed_flops_per_neuron_per_bio_s'])}",
           f"      ({table['executed_flops_note']})"] if table.get("executed_flops_per_neuron_per_bio_s") else []),
        f"    peak-equivalent (document 003's method)          "
        f"{_fmt(table['peak_equivalent_flops_per_neuron_per_bio_s'])}",
        f"      from: {table['peak_source']}",
        *([f"      nominal peak {_fmt(table['peak_nominal_flops_per_s'])} FLOP/s; measured peak "
           f"{_fmt(table['peak_measured_flops_per_s'])} FLOP/s ({table['peak_measured_source']})"]
          if table.get("peak_measured_flops_per_s") else []),
        f"    utilisation = counted / peak-equivalent          {_fmt(table['utilisation'], '.2%')}",
        f"  FLOPs per synaptic event (counted)                 {_fmt(table['flops_per_synaptic_event'])}",
    ]
    if cells:
        lines += [
            "  compartmental cells (counted from Brian2's code x activity, cable solver included):",
            f"    FLOPs per cell per biological second             {_fmt(cells['flops_per_cell_per_bio_s'])}",
            f"    FLOPs per compartment per biological second      {_fmt(cells['flops_per_compartment_per_bio_s'])}",
            f"    FLOPs per compartment per step                   {_fmt(cells['flops_per_compartment_step'])}",
            f"    spikes per cell (at its threshold compartment)   {cells['spikes_per_cell']:g}, "
            f"{cells['rate_per_cell_hz']:.4g} Hz",
            f"    state bytes per cell {_fmt(table.get('bytes_per_cell'), '.1f')}, per compartment "
            f"{_fmt(table.get('bytes_per_compartment'), '.1f')} (Brian2 variables, cable solver's included)",
        ]
    for model in table["neuron_models"]:
        if model.get("izhikevich_flops_per_ms") is None:
            continue  # subpopulations and models without a type in Izhikevich's figure
        lines.append(f"  {model.get('population', '?')}: counted {_fmt(model.get('flops_per_neuron_per_ms'))} "
                     f"FLOPs per neuron per ms; Izhikevich (2004, Fig. 2) gives "
                     f"{_fmt(model['izhikevich_flops_per_ms'])} for {model.get('izhikevich_model_type')} "
                     "(a reference for scale, not a target)")
    for item in table.get("not_counted") or []:
        lines.append(f"  NOT COUNTED: {item['name']} ({item['kind']}): {item['reason']}")
    if table["unknown_operations"]:
        names = sorted({op.get("operation", str(op)) for op in table["unknown_operations"]})
        lines.append(f"  operations with no FLOP weight (not counted): {', '.join(names)}")
    counts = table["counts"]
    lines += [
        f"  activity: {counts['neuron_steps']:,} neuron-steps, {counts['spikes']:,} spikes, "
        f"{counts['synaptic_events_pre']:,} synaptic events (pre), {counts['synaptic_events_post']:,} (post)",
        f"  memory: {_fmt(table['bytes_per_neuron'], '.1f')} B state per neuron, "
        f"{_fmt(table['bytes_per_synapse'], '.1f')} B per synapse (Brian2 variables); peak RSS "
        f"{_fmt(_mib(table['peak_rss_bytes'].get('self_bytes')), '.0f')} MiB (simnet's Python process), "
        + (f"{_fmt(_mib(table['peak_rss_bytes']['program_bytes']), '.0f')} MiB (the simulation program), "
           f"{_fmt(_mib(table['peak_rss_bytes'].get('compiler_bytes')), '.0f')} MiB (the compiler)"
           if table['peak_rss_bytes'].get("program_bytes") is not None else
           f"{_fmt(_mib(table['peak_rss_bytes'].get('children_bytes')), '.0f')} MiB (largest child process: the "
           "compiler or the program)"),
        f"  energy: {_fmt(table['energy_joules'], '.4g', ' J')} ({table['energy_method']}; {table['energy_span']}); "
        f"{_fmt(table['joules_per_bio_s'], '.4g', ' J')} per biological second, "
        f"{_fmt(table['uJ_per_synaptic_event'], '.4g', ' uJ')} per synaptic event",
    ]
    if table.get("energy_whole_call_joules") is not None:
        lines.append(f"    (the whole simulate call, compilation included: {table['energy_whole_call_joules']:.4g} J)")
    if table.get("gpu_memory_peak_mib") is not None:
        lines.append(f"  GPU memory in use (peak while sampling): {table['gpu_memory_peak_mib']:.0f} MiB")
    lines.append("  per code object (counted FLOPs per element x elements):")
    for row in table["rows"]:
        lines.append(f"    {row['owner'] + '.' + row['role']:<40s} {row['category']:<22s} "
                     f"{_fmt(row['flops_per_element'], '.4g'):>9s} x {_fmt(row['element_count'], '.4g'):>9s} "
                     f"{row['element']}")
    if table.get("loop_profile"):
        lines += _format_loop_profile(table["loop_profile"])
    elif table.get("loop_profile_note"):
        lines.append(f"  loop time per code object: {table['loop_profile_note']}")
    return "\n".join(lines)


def _format_loop_profile(profile: dict) -> list[str]:
    """The measured time of each code object beside its counted FLOPs and estimated bytes."""
    bandwidth = profile.get("bandwidth_bytes_per_s")
    lines = [
        f"  loop time per code object (measured; {profile['clock']}):",
        f"    {'code object':<44s} {'s':>8s} {'loop':>6s} {'GFLOP/s':>8s} {'GB/s':>7s} {'x compute':>9s} "
        f"{'x memory':>8s}  bound",
    ]
    for entry in profile["code_objects"]:
        if entry.get("counted"):
            rates = (f"{_fmt(_giga(entry['achieved_flops_per_s']), '.3g'):>8s} "
                     f"{_fmt(_giga(entry['achieved_bytes_per_s']), '.3g'):>7s} "
                     f"{_fmt(entry['measured_over_compute_bound'], '.3g'):>9s} "
                     f"{_fmt(entry['measured_over_memory_bound'], '.3g'):>8s}  {entry['binding']}")
        else:
            rates = f"{'(no counted work: ' + (entry['runner'] or 'not a counted object') + ')'}"
        share = _fmt(entry["share_of_loop"], ".1%")
        lines.append(f"    {entry['code_object']:<44s} {entry['seconds']:8.4f} {share:>6s} {rates}")
    if profile.get("unprofiled_s") is not None:
        lines.append(f"    {'(loop outside any profiled code object)':<44s} {profile['unprofiled_s']:8.4f}")
    lines.append("    GFLOP/s: counted FLOPs as written / measured time; x compute, x memory: measured time over the "
                 "time of its CSE FLOPs at peak and of its estimated bytes at "
                 + (f"{bandwidth / 1e9:.1f} GB/s ({profile['bandwidth_source']})" if bandwidth
                    else "an unknown bandwidth (give one)"))
    return lines


def _giga(value):
    return value / 1e9 if value is not None else None


def _mib(value):
    return value / 2**20 if value is not None else None
