"""RunRecord: everything one run produced and where it came from, and what a reader takes from it.

A record holds the model and its parameters, how and where it ran, what it did (activity counts, spikes per
population, population rates) and what it cost. :mod:`simnet.record.files` reads and writes it; this module only
holds it and answers questions about it:

* ``record.spikes("L4E")``: a population's spikes as arrays (:class:`SpikeTrains`: times in ms and node ids
  local to the population), with :meth:`SpikeTrains.to_neo` where neo is installed;
* ``record.cost``: the headline cost figures, with the names ``simnet cost --json`` prints; the full cost section
  (every code object, operator and energy sample) is ``record.cost_detail``;
* ``record.rates["exc"]``: a population's rate (:class:`PopulationRate`: its mean over the loop, as a Brian2
  quantity in ``.mean``, and in 1 ms bins);
* ``record.parameter("Cm")`` and ``record.quantities()``: the model's parameters as Brian2 quantities;
* ``record.to_pandas()``: spikes, rates and the cost table as DataFrames (needs pandas);
* ``record.monitors["mon"]``: what a monitor of an accounted script recorded (:class:`MonitorData`: arrays in SI
  units, by the script's variable name ``mon``).

Spikes are kept per *population* of the model (COBAHH's ``exc`` and ``inh``, the column's ``L23E`` ... ``L6I``),
not per Brian2 group: several populations may be slices of one group (:func:`split_group_spikes`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Optional

import numpy as np

from simnet.base.errors import UsageError
from simnet.base.units import from_si
from simnet.simulation.profiling import NOT_PROFILED

__all__ = ["SpikeTrains", "PopulationRate", "MonitorData", "RunRecord", "leaf_populations", "split_group_spikes", "cost_table"]


@dataclass(frozen=True)
class SpikeTrains:
    """The spikes of one population: parallel arrays sorted by time, and what they cover.

    ``times_ms, node_ids = record.spikes("exc")`` unpacks the two arrays.
    """

    population: str
    #: Neurons in the population (silent ones leave no spike, so the size is not in the arrays).
    size: int
    times_ms: np.ndarray
    #: Local to the population: 0 .. size - 1.
    node_ids: np.ndarray
    #: The measured loop, [t_start_ms, t_stop_ms); a pre-run comes before t_start_ms and has no spikes here.
    t_start_ms: float
    t_stop_ms: float

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter((self.times_ms, self.node_ids))

    def __len__(self) -> int:
        return len(self.times_ms)

    def per_neuron(self) -> list[np.ndarray]:
        """Spike times (ms) of each neuron, index = local node id (empty for a silent neuron)."""
        order = np.argsort(self.node_ids, kind="stable")
        ids = np.asarray(self.node_ids, dtype=np.int64)[order]
        bounds = np.searchsorted(ids, np.arange(self.size + 1))
        times = np.asarray(self.times_ms)[order]
        return [times[bounds[n]:bounds[n + 1]] for n in range(self.size)]

    def to_neo(self) -> list:
        """One ``neo.SpikeTrain`` per neuron (needs the optional package neo: ``pip install neo``)."""
        try:
            import neo
            import quantities as pq
        except ImportError:
            raise UsageError("to_neo needs the package neo: pip install neo") from None
        return [neo.SpikeTrain(times * pq.ms, t_start=self.t_start_ms * pq.ms, t_stop=self.t_stop_ms * pq.ms,
                               name=f"{self.population}[{index}]",
                               annotations={"population": self.population, "node_id": index})
                for index, times in enumerate(self.per_neuron())]


@dataclass(frozen=True, repr=False, eq=False)
class PopulationRate:
    """A population's firing rate: its mean over the measured loop and its course in bins.

    ``bin_start_ms, rate_hz = record.rates["exc"]`` unpacks the bins, as the plain pairs of older simnet did.
    """

    population: str
    #: Neurons in the population (0 where the record does not say).
    size: int
    #: Spikes per neuron per second over the loop: from the spike counts where the record has them, else the mean
    #: of the bins.
    mean_hz: float
    bin_start_ms: np.ndarray
    rate_hz: np.ndarray

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter((self.bin_start_ms, self.rate_hz))

    def __getitem__(self, index: int) -> np.ndarray:
        return (self.bin_start_ms, self.rate_hz)[index]

    def __len__(self) -> int:
        return 2

    @property
    def mean(self):
        """The mean rate as a Brian2 quantity (Hz)."""
        import brian2

        return self.mean_hz * brian2.Hz

    def __repr__(self) -> str:
        return (f"PopulationRate({self.population!r}: {self.mean_hz:.3g} Hz over {self.size} neurons, "
                f"{len(self.rate_hz)} bins)")


@dataclass(frozen=True)
class MonitorData:
    """What one of a user script's own monitors recorded (``simnet account``), kept in the record.

    ``arrays`` holds each recorded variable in SI units, as the monitor gives it: ``t`` (s) and ``i`` per event
    for a SpikeMonitor or EventMonitor (and ``count`` per neuron), ``t``, ``indices`` (the neurons recorded) and
    one ``(indices, times)`` array per variable for a StateMonitor, ``t`` and ``rate`` (Hz) for a
    PopulationRateMonitor. ``units`` names each one's SI unit (``""`` for none).
    """

    name: str
    kind: str
    #: The group the monitor watched (its name in the record, the script's variable where it had one).
    source: str
    arrays: dict[str, np.ndarray]
    units: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, variable: str) -> np.ndarray:
        return self.arrays[variable]

    def __contains__(self, variable: str) -> bool:
        return variable in self.arrays

    def keys(self):
        return self.arrays.keys()

    def quantity(self, variable: str):
        """``variable`` as a Brian2 quantity (``mon.quantity("v")`` in volts), or the bare array without a unit."""
        if variable not in self.arrays:
            raise UsageError(f"monitor {self.name} recorded no {variable!r}; it has {', '.join(self.arrays)}",
                             parameter="variable")
        unit = self.units.get(variable, "")
        return self.arrays[variable] * from_si(1.0, unit) if unit else self.arrays[variable]

    def __repr__(self) -> str:
        shapes = ", ".join(f"{name} {'x'.join(map(str, np.shape(values)))}" for name, values in self.arrays.items())
        return f"MonitorData({self.name!r}: {self.kind} of {self.source}; {shapes})"


@dataclass
class RunRecord:
    """One run: the model and its parameters, how and where it ran, what it cost, and what it did."""

    model: str
    description: str
    parameters: dict[str, dict]
    backend: dict[str, Any]
    provenance: dict[str, Any]
    duration_s: float
    dt_s: float
    pre_run_s: float = 0.0
    timings: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)
    #: The cost section as measured and stored (nested: flops, peak, peak_equivalent, utilisation, memory,
    #: energy); :attr:`cost` is its headline view.
    cost_detail: dict[str, Any] = field(default_factory=dict)
    #: population -> (timestamps in ms, population-local node ids), sorted by time; see :meth:`spikes`
    spike_trains: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    #: population -> :class:`PopulationRate` (given as (bin start in ms, rate in Hz) pairs, it is made one); a
    #: Brian2 group that the populations tile is left out, its rate being theirs.
    rates: dict[str, PopulationRate] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: The model's populations in its own order (the column's L23E, L23I, L4E, ...): the spike report's
    #: populations, and the order plots and tables show them in.
    populations: list[str] = field(default_factory=list)
    #: The network itself, where the run kept it (``record_connectivity``): ``groups`` (neuron equations,
    #: parameters, per-neuron constants) and ``projections`` (every synapse's ids, weight and delay); empty
    #: otherwise. ``simnet export`` writes it as a SONATA circuit.
    network: dict[str, Any] = field(default_factory=dict, repr=False)
    #: A user script's own monitors (``simnet account``), by the script's variable name: :class:`MonitorData`.
    monitors: dict[str, MonitorData] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self.rates = self._population_rates(self.rates)

    def _population_rates(self, given: Mapping[str, Any]) -> dict[str, PopulationRate]:
        """``given`` (pairs or :class:`PopulationRate`) as PopulationRates of the record's populations, in its
        order; names the counts do not know (nothing to judge them by) are kept after them."""
        counts = self.counts.get("populations", {})
        known = [name for name in self.populations if name in given] if self.populations else list(given)
        known += [name for name in given if name not in known and name not in counts]
        rates = {}
        for name in known:
            bins, values = (np.asarray(part, dtype=np.float64) for part in given[name])
            entry = counts.get(name, {})
            size = int(entry.get("size", 0))
            mean_hz = (entry["spikes"] / size / self.duration_s if size and "spikes" in entry and self.duration_s
                       else float(values.mean()) if len(values) else 0.0)
            rates[name] = PopulationRate(name, size, float(mean_hz), bins, values)
        return rates

    def __repr__(self) -> str:
        """A few lines: what ran, on what, how big, how active and how fast (the dataclass's own repr printed
        every spike)."""
        loop_s = self.timings.get("simulation_loop_s")
        sizes = ", ".join(f"{name} {rate.size}" for name, rate in self.rates.items() if rate.size)
        rates = ", ".join(f"{name} {rate.mean_hz:.3g} Hz" for name, rate in self.rates.items())
        return "\n".join([
            f"<RunRecord {self.model} on {self.backend.get('name', '?')} ({self.backend.get('precision', '?')}): "
            f"{self.n_neurons:,} neurons{f' ({sizes})' if sizes else ''}, {self.n_synapses:,} synapses",
            f" {self.duration_s * 1e3:g} ms simulated{f' after {self.pre_run_s * 1e3:g} ms' if self.pre_run_s else ''}"
            f"; {self.n_spikes:,} spikes{f' ({rates})' if rates else ''}",
            " loop " + (f"{loop_s:.3g} s ({loop_s / self.duration_s:.3g} s per biological second)>"
                        if loop_s is not None else "time not measured>"),
        ])

    def parameter(self, name: str):
        """The model parameter ``name`` as a Brian2 quantity (``record.parameter("Cm")`` -> 200. pF), or as its
        plain value where it has no unit (a count, a name)."""
        entry = self.parameters.get(name)
        if entry is None:
            raise UsageError(f"the {self.model} record has no parameter {name!r}; it has "
                             f"{', '.join(self.parameters) or 'none'}", parameter="name")
        return from_si(entry.get("value"), entry.get("unit", ""))

    def quantities(self) -> dict[str, Any]:
        """Every model parameter as :meth:`parameter` gives it: name -> Brian2 quantity or plain value."""
        return {name: self.parameter(name) for name in self.parameters}

    def to_pandas(self) -> dict:
        """The record as pandas DataFrames (needs the optional package pandas: ``pip install pandas``).

        ``spikes``: one row per spike (population, node_id local to it, time_ms); ``rates``: one row per
        population (size, spikes, mean_rate_hz); ``cost``: the headline cost figures (figure, value) as
        :func:`cost_table` names them; ``flops``: the counted work per code object (owner, role, category,
        element, flops_per_element, element_count). A record without spike trains or a cost section gives empty
        frames for them.
        """
        try:
            import pandas as pd
        except ImportError:
            raise UsageError("to_pandas needs the package pandas: pip install pandas") from None
        trains = [self.spikes(name) for name in self.populations] if self.spike_trains else []
        spikes = pd.DataFrame({
            "population": pd.Categorical(np.concatenate([[t.population] * len(t) for t in trains] or [[]]),
                                         categories=list(self.populations)),
            "node_id": np.concatenate([t.node_ids for t in trains] or [np.empty(0, dtype=np.uint64)]),
            "time_ms": np.concatenate([t.times_ms for t in trains] or [np.empty(0)]),
        })
        counts = self.counts.get("populations", {})
        rates = pd.DataFrame([{"population": name, "size": rate.size, "spikes": counts.get(name, {}).get("spikes"),
                               "mean_rate_hz": rate.mean_hz} for name, rate in self.rates.items()],
                             columns=["population", "size", "spikes", "mean_rate_hz"])
        table = self.cost
        scalar = {name: value for name, value in table.items() if not isinstance(value, (dict, list))}
        scalar.update({f"counts.{name}": value for name, value in table.get("counts", {}).items()})
        cost = pd.DataFrame({"figure": list(scalar), "value": list(scalar.values())})
        flops = pd.DataFrame(table.get("rows", []),
                             columns=["owner", "role", "category", "element", "flops_per_element", "element_count"])
        return {"spikes": spikes, "rates": rates, "cost": cost, "flops": flops}

    @property
    def n_neurons(self) -> int:
        pops = self.counts.get("populations", {})
        return int(sum(v["size"] for v in pops.values() if not v.get("part_of")))

    @property
    def n_synapses(self) -> int:
        return int(sum(p["synapses"] for p in self.counts.get("projections", {}).values()))

    @property
    def n_spikes(self) -> int:
        pops = self.counts.get("populations", {})
        return int(sum(v["spikes"] for v in pops.values() if not v.get("part_of")))

    @property
    def loop_window_ms(self) -> tuple[float, float]:
        """The measured loop on the run's clock, in ms (after any pre-run)."""
        start = self.pre_run_s * 1e3
        return start, start + self.duration_s * 1e3

    def population_size(self, population: str) -> int:
        entry = self.counts.get("populations", {}).get(population)
        if entry is None:
            raise UsageError(f"the {self.model} record has no population {population!r}; it has "
                             f"{', '.join(self.populations) or 'none'}", parameter="population")
        return int(entry["size"])

    def spikes(self, population: Optional[str] = None):
        """The spikes of ``population`` as :class:`SpikeTrains`; without a name, a dict of every population's.

        Raises :class:`~simnet.base.errors.UsageError` for an unknown population or a run that kept no spikes
        (``record_spikes`` off: only per-population counts are in ``counts``).
        """
        if population is None:
            return {name: self.spikes(name) for name in self.populations}
        size = self.population_size(population)
        if not self.spike_trains:
            raise UsageError(f"the {self.model} record kept no spike trains (run it with record_spikes on)")
        start, stop = self.loop_window_ms
        times, ids = self.spike_trains.get(population, (np.empty(0), np.empty(0, dtype=np.uint64)))
        return SpikeTrains(population, size, np.asarray(times, dtype=np.float64), np.asarray(ids, dtype=np.uint64),
                           start, stop)

    @property
    def cost(self) -> dict[str, Any]:
        """The headline cost figures: the names and values ``simnet cost --json`` prints (see :func:`cost_table`)."""
        return cost_table(self) if self.cost_detail else {}


def leaf_populations(counts: Mapping[str, Any], order: tuple[str, ...] = ()) -> list[str]:
    """The populations of a run: every slice of a Brian2 group that its slices tile, else the group itself.

    ``order`` (a model's own order, e.g. the column's layers) comes first; populations it does not name follow in
    the order of the counts.
    """
    populations = counts.get("populations", {})
    leaves = []
    for name, entry in populations.items():
        if entry.get("part_of"):
            if _tiled(populations, entry["part_of"]):
                leaves.append(name)
        elif not _tiled(populations, name):
            leaves.append(name)
    ranked = [name for name in order if name in leaves]
    return ranked + [name for name in leaves if name not in ranked]


def _parts(populations: Mapping[str, Any], group: str) -> list[tuple[str, int, int]]:
    """(name, start, stop) of the slices of ``group``; slices without a start tile it in the listed order."""
    parts, start = [], 0
    for name, entry in populations.items():
        if entry.get("part_of") == group:
            first = int(entry["start"]) if "start" in entry else start
            start = first + int(entry["size"])
            parts.append((name, first, start))
    return parts


def _tiled(populations: Mapping[str, Any], group: str) -> bool:
    """Whether the slices of ``group`` cover it exactly once."""
    parts = sorted(_parts(populations, group), key=lambda part: part[1])
    if not parts:
        return False
    edges = [0] + [stop for _, _, stop in parts]
    return all(start == edges[i] for i, (_, start, _) in enumerate(parts)) and \
        edges[-1] == int(populations[group]["size"])


def split_group_spikes(counts: Mapping[str, Any], group_spikes: Mapping[str, tuple],
                       order: tuple[str, ...] = ()) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Spikes per Brian2 group (group-wide ids) -> spikes per population (local ids), in population order.

    A group whose slices tile it (``part_of``, ``start`` and ``size`` in the counts) is split into them; any other
    group is kept whole. Time order is kept.
    """
    populations = counts.get("populations", {})
    if not group_spikes:
        return {}
    split = {}
    for name in leaf_populations(counts, order):
        owner = populations[name].get("part_of") or name
        times, ids = group_spikes.get(owner, (np.empty(0), np.empty(0, dtype=np.uint64)))
        times, ids = np.asarray(times, dtype=np.float64), np.asarray(ids, dtype=np.uint64)
        if owner == name:
            split[name] = (times, ids)
            continue
        first = next(start for part, start, _ in _parts(populations, owner) if part == name)
        stop = first + int(populations[name]["size"])
        inside = (ids >= first) & (ids < stop)
        split[name] = (times[inside], ids[inside] - np.uint64(first))
    return split


def cost_table(record: RunRecord) -> dict[str, Any]:
    """The headline cost figures of a record, each with what it was measured on or derived from.

    These are the names ``simnet cost --json`` prints and :attr:`RunRecord.cost` returns; they are read from the
    stored cost section (:attr:`RunRecord.cost_detail`, written by :mod:`simnet.cost.account`).
    """
    cost = record.cost_detail
    fl, peak_eq, mem, en = cost["flops"], cost.get("peak_equivalent", {}), cost["memory"], cost["energy"]
    machine = record.provenance.get("machine", {})
    projections = record.counts.get("projections", {})
    return {
        "model": record.model,
        "backend": record.backend.get("name"),
        "precision": record.backend.get("precision"),
        "threads": record.backend.get("threads"),
        "measured_on": machine.get("cpu_model") if not (machine.get("gpus") or []) else
        ", ".join(g.get("name", "?") for g in machine["gpus"]),
        "neurons": record.n_neurons,
        "synapses": record.n_synapses,
        "biological_time_s": record.duration_s,
        "sim_wall_s_per_bio_s": (record.timings.get("simulation_loop_s") or 0.0) / record.duration_s,
        "counted_flops_per_neuron_per_bio_s": fl["flops_per_neuron_per_bio_s"],
        "counted_flops_per_neuron_per_bio_s_by_category": fl["flops_per_neuron_per_bio_s_by_category"],
        "flops_per_synaptic_event": fl["flops_per_synaptic_event"],
        "dense_flops_per_neuron_per_bio_s": fl["dense_flops_per_neuron_per_bio_s"],
        "executed_flops_per_neuron_per_bio_s": (fl.get("as_executed") or {}).get("flops_per_neuron_per_bio_s"),
        "executed_flops_note": (fl.get("as_executed") or {}).get("note"),
        "peak_equivalent_flops_per_neuron_per_bio_s": peak_eq.get("peak_equivalent_flops_per_neuron_per_bio_s"),
        "peak_source": cost["peak"].get("source") or cost["peak"].get("note"),
        # a measured peak (simnet.machine.microbench) beside the tabulated one, where both are known
        **({"peak_nominal_flops_per_s": cost["peak"]["nominal_flops_per_s"],
            "peak_measured_flops_per_s": cost["peak"]["measured_flops_per_s"],
            "peak_measured_source": cost["peak"].get("measured_source", "")}
           if cost["peak"].get("measured_flops_per_s") and cost["peak"].get("nominal_flops_per_s") else {}),
        "utilisation": cost.get("utilisation"),
        "unknown_operations": fl["unknown_operations"],
        # Subpopulations share their population's code, so their own rows would read as zero work.
        "neuron_models": [m for m in fl["neuron_models"]
                          if not record.counts["populations"].get(m.get("population"), {}).get("part_of")],
        "bytes_per_neuron": mem["state"].get("bytes_per_neuron"),
        "bytes_per_synapse": mem["state"].get("bytes_per_synapse"),
        "peak_rss_bytes": mem["peak_rss"],
        "gpu_memory_peak_mib": mem.get("gpu_memory_peak_mib"),
        "energy_joules": en.get("joules"),
        "energy_method": en.get("method"),
        "energy_span": en.get("span"),
        "joules_per_bio_s": en.get("joules_per_bio_s"),
        "uJ_per_synaptic_event": en.get("uJ_per_synaptic_event"),
        "energy_whole_call_joules": (en.get("whole_call") or {}).get("joules"),
        "counts": {
            "neuron_steps": sum(p["neuron_steps"] for p in record.counts["populations"].values()
                                if not p.get("part_of")),
            "spikes": record.n_spikes,
            "synaptic_events_pre": sum(p["synaptic_events_pre"] for p in projections.values()),
            "synaptic_events_post": sum(p["synaptic_events_post"] for p in projections.values()),
        },
        "rows": fl["rows"],
        # compartmental cells apart (simnet.cost.account); code objects neither counted nor recording
        "cells": fl.get("cells"),
        "bytes_per_cell": mem["state"].get("bytes_per_cell"),
        "bytes_per_compartment": mem["state"].get("bytes_per_compartment"),
        "not_counted": fl.get("not_counted", []),
        # each code object's measured loop time beside its counted work (a profiled run; simnet.cost.account)
        "loop_profile": cost.get("loop_profile"),
        # why a run that asked for them has none (e.g. a device Brian2 cannot profile)
        "loop_profile_note": next((note for note in record.notes if note.startswith(NOT_PROFILED)), None),
    }
