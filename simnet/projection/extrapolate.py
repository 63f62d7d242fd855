"""Projections of a measured run to human scale: FLOPs, wall-clock, memory, devices, energy and cost.

:func:`project` takes what one run measured (:class:`Measurement`) and the stated :class:`Assumptions` and
returns every figure of the projection, each labelled measured, derived or estimate with what it came from.
Pure functions, no I/O: the reference tables are read by the caller and passed in.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Optional

from simnet.base.units import SECONDS_PER_YEAR
from simnet.projection.fits import PowerLawFit

__all__ = ["FIFTEEN_YEARS_S", "HUMAN_SCALE_NEURONS", "total_flops", "wall_seconds_linear", "SYNAPTIC_CATEGORIES",
           "DEFAULT_SYNAPSES_PER_NEURON", "DEFAULT_TARGET_WALL_S", "DEFAULT_USD_PER_KWH", "DEFAULT_PRICE_SOURCE",
           "JOULES_PER_KWH", "Measurement", "measurement_from_cost_table", "ReferenceDevice",
           "reference_devices_from_rows", "MlRun", "ml_runs_from_rows", "Assumptions", "wall_seconds_power_law",
           "wall_seconds_on_device", "synapse_rescaled_flops_per_neuron_per_bio_s", "memory_bytes",
           "devices_by_memory", "devices_by_time", "energy_joules_scaled", "energy_joules_board_power",
           "electricity_cost_usd", "Figure", "Projection", "project"]

#: The documents' training horizon: 15 biological years.
FIFTEEN_YEARS_S = 15 * SECONDS_PER_YEAR
#: The documents' range of simulated cortical neurons.
HUMAN_SCALE_NEURONS = (1.3e9, 1.3e10)


def total_flops(flops_per_neuron_per_bio_s: float, neurons: float, bio_seconds: float) -> float:
    """FLOPs to simulate ``neurons`` for ``bio_seconds``, at a per-neuron cost taken as constant with size."""
    return flops_per_neuron_per_bio_s * neurons * bio_seconds


def wall_seconds_linear(sim_wall_s_per_bio_s: float, measured_neurons: float, neurons: float,
                        bio_seconds: float) -> float:
    """Wall-clock seconds on the measured device if loop time grows linearly with neurons (the documents'
    assumption), for ``bio_seconds`` of biological time at ``neurons``."""
    return sim_wall_s_per_bio_s * (neurons / measured_neurons) * bio_seconds



# --------------------------------------------------------------------------------------------------
# Inputs of a projection: what a run measured, the reference devices and ML runs, the assumptions
# --------------------------------------------------------------------------------------------------

#: Cost categories (simnet.cost.flops) whose work is done per synapse and so grows with synapses per neuron.
SYNAPTIC_CATEGORIES = ("synaptic_propagation", "plasticity")
#: Synapses per neuron shown by default: the COBAHH benchmark's 1000 (Brette et al. 2007 benchmark sizing, as
#: the issue states it) and a cortex-like 7000 (the issue's cortical range is 5,000-10,000).
DEFAULT_SYNAPSES_PER_NEURON = (1000.0, 7000.0)
#: Default time-to-solution target: one year of wall-clock time.
DEFAULT_TARGET_WALL_S = SECONDS_PER_YEAR
#: Default electricity price and where it comes from; an assumption, settable by the user.
DEFAULT_USD_PER_KWH = 0.10
DEFAULT_PRICE_SOURCE = ("assumption: 10 US cents/kWh, the price document 001 uses "
                        "('20 W x 1000 x 10c/kWh = $2/hr'); not a measured or quoted market price")
JOULES_PER_KWH = 3.6e6


@dataclass(frozen=True)
class Measurement:
    """The figures of one run that a projection starts from (see :func:`measurement_from_cost_table`).

    ``peak_flops_per_s`` and ``board_power_w`` are those of the part of the device the run used (for a
    CPU: the cores it ran on), as ``simnet.machine.hardware.peak_throughput`` found them; None when unknown.
    """

    label: str
    model: str
    backend: str
    precision: str
    measured_on: str
    neurons: float
    synapses: float
    bio_time_s: float
    sim_wall_s_per_bio_s: float
    counted_flops_per_neuron_per_bio_s: float | None
    counted_flops_per_neuron_per_bio_s_by_category: dict
    peak_equivalent_flops_per_neuron_per_bio_s: float | None
    peak_flops_per_s: float | None
    peak_source: str
    board_power_w: float | None
    bytes_per_neuron: float | None
    bytes_per_synapse: float | None
    joules_per_bio_s: float | None
    energy_method: str

    @property
    def synapses_per_neuron(self) -> float:
        return self.synapses / self.neurons

    def to_dict(self) -> dict:
        return {**asdict(self), "synapses_per_neuron": self.synapses_per_neuron}


def measurement_from_cost_table(table: dict, peak: dict | None = None, label: str | None = None) -> Measurement:
    """A :class:`Measurement` from ``simnet.cost.account.cost_table(record)`` and ``record.cost_detail["peak"]``.

    Raises
    ------
    ValueError
        When the table lacks a positive neuron count, biological time or loop wall time.
    """
    peak = peak or {}
    neurons = table.get("neurons") or 0
    bio_time_s = table.get("biological_time_s") or 0
    wall = table.get("sim_wall_s_per_bio_s") or 0
    if not (neurons > 0 and bio_time_s > 0 and wall > 0):
        raise ValueError("the run has no positive neuron count, biological time and loop wall time to project from")
    threads = f", {table['threads']} thread(s)" if table.get("threads") else ""
    return Measurement(
        label=label or f"{table.get('model')} on {table.get('backend')} ({table.get('precision')}{threads})",
        model=str(table.get("model")), backend=str(table.get("backend")), precision=str(table.get("precision")),
        measured_on=str(table.get("measured_on")),
        neurons=float(neurons), synapses=float(table.get("synapses") or 0), bio_time_s=float(bio_time_s),
        sim_wall_s_per_bio_s=float(wall),
        counted_flops_per_neuron_per_bio_s=table.get("counted_flops_per_neuron_per_bio_s"),
        counted_flops_per_neuron_per_bio_s_by_category=dict(
            table.get("counted_flops_per_neuron_per_bio_s_by_category") or {}),
        peak_equivalent_flops_per_neuron_per_bio_s=table.get("peak_equivalent_flops_per_neuron_per_bio_s"),
        peak_flops_per_s=peak.get("flops_per_s"),
        peak_source=str(table.get("peak_source") or peak.get("source") or peak.get("note") or "unknown"),
        board_power_w=peak.get("board_power_w"),
        bytes_per_neuron=table.get("bytes_per_neuron"), bytes_per_synapse=table.get("bytes_per_synapse"),
        joules_per_bio_s=table.get("joules_per_bio_s"),
        energy_method=str(table.get("energy_method") or "unavailable"),
    )


@dataclass(frozen=True)
class ReferenceDevice:
    """A device from ``data/hardware.csv`` to project onto (figures at one precision)."""

    name: str
    kind: str
    flops_per_s: float | None
    memory_bytes: float | None
    board_power_w: float | None
    source: str


def reference_devices_from_rows(rows, precision: str) -> list[ReferenceDevice]:
    """Reference devices from the rows of ``data/hardware.csv`` (``simnet.base.data_tables.read_table``), at
    ``precision`` ("single" uses fp32_tflops, "double" fp64_tflops)."""
    column = {"single": "fp32_tflops", "double": "fp64_tflops"}.get(precision)
    if column is None:
        raise ValueError(f"precision must be 'single' or 'double', not {precision!r}")

    def number(text):
        return float(text) if text not in ("", None) else None

    devices = []
    for row in rows:
        tflops, memory_gb = number(row.get(column)), number(row.get("memory_gb"))
        devices.append(ReferenceDevice(
            name=row["name"], kind=row.get("kind", ""),
            flops_per_s=tflops * 1e12 if tflops is not None else None,
            memory_bytes=memory_gb * 1e9 if memory_gb is not None else None,
            board_power_w=number(row.get("board_power_w")), source=row.get("source", "")))
    return devices


@dataclass(frozen=True)
class MlRun:
    """A reference ML training run (``data/ml_training_compute.csv``)."""

    model: str
    year: str
    training_flop: float
    confidence: str


def ml_runs_from_rows(rows) -> list[MlRun]:
    """ML training runs from the rows of ``data/ml_training_compute.csv``."""
    return [MlRun(row["model"], row.get("year", ""), float(row["training_flop"]), row.get("confidence", ""))
            for row in rows]


@dataclass(frozen=True)
class Assumptions:
    """What a projection assumes beyond the measurement; all user-settable, all printed with the result."""

    neurons: tuple[float, ...] = HUMAN_SCALE_NEURONS
    bio_seconds: float = FIFTEEN_YEARS_S
    synapses_per_neuron: tuple[float, ...] = DEFAULT_SYNAPSES_PER_NEURON
    target_wall_s: float = DEFAULT_TARGET_WALL_S
    usd_per_kwh: float = DEFAULT_USD_PER_KWH
    price_source: str = DEFAULT_PRICE_SOURCE

    def __post_init__(self):
        for name in ("bio_seconds", "target_wall_s", "usd_per_kwh"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        for name in ("neurons", "synapses_per_neuron"):
            values = getattr(self, name)
            if not values or not all(math.isfinite(v) and v > 0 for v in values):
                raise ValueError(f"{name} must be one or more positive numbers, got {values!r}")

    def to_dict(self) -> dict:
        return asdict(self)


# --------------------------------------------------------------------------------------------------
# The projections, one small function each
# --------------------------------------------------------------------------------------------------

def wall_seconds_power_law(fit: PowerLawFit, neurons: float, bio_seconds: float,
                           anchor_neurons: Optional[float] = None,
                           anchor_wall_s_per_bio_s: Optional[float] = None) -> tuple[float, float, float]:
    """(central, low, high) wall-clock seconds for ``bio_seconds`` at ``neurons`` from a fitted power law of
    wall seconds per biological second against neurons.

    Without an anchor: the fitted law itself, with the fit's confidence band. With an anchor (a run's own
    measured size and loop time): that measurement scaled by ``(neurons / anchor_neurons) ** exponent``, with
    the band from the exponent's interval. The anchored form is the one to use when the fit comes from a sweep
    of another network or machine than the run: it borrows only how the time grows, not its absolute level.
    """
    if anchor_neurons is None or anchor_wall_s_per_bio_s is None:
        central, low, high = fit.predict(neurons)
        return central * bio_seconds, low * bio_seconds, high * bio_seconds
    ratio = neurons / anchor_neurons
    base = anchor_wall_s_per_bio_s * bio_seconds
    ends = [base * ratio ** e for e in (fit.exponent_low, fit.exponent_high) if math.isfinite(e)]
    central = base * ratio ** fit.exponent
    if len(ends) < 2:
        return central, float("nan"), float("nan")
    return central, min(ends), max(ends)


def wall_seconds_on_device(wall_s_measured: float, peak_flops_per_s_measured: float,
                           peak_flops_per_s_device: float) -> float:
    """Wall-clock seconds on another device, scaled by the ratio of peaks: assumes the same utilisation
    (the same fraction of peak achieved), which a different architecture will not in general reach."""
    return wall_s_measured * peak_flops_per_s_measured / peak_flops_per_s_device


def synapse_rescaled_flops_per_neuron_per_bio_s(by_category: dict, measured_synapses_per_neuron: float,
                                                synapses_per_neuron: float) -> float:
    """Counted FLOPs per neuron per biological second with the per-synapse categories
    (:data:`SYNAPTIC_CATEGORIES`) scaled to ``synapses_per_neuron``; assumes the same firing rates."""
    factor = synapses_per_neuron / measured_synapses_per_neuron
    return sum(value * (factor if category in SYNAPTIC_CATEGORIES else 1.0)
               for category, value in by_category.items() if value is not None)


def memory_bytes(neurons: float, synapses_per_neuron: float, bytes_per_neuron: float,
                 bytes_per_synapse: float) -> float:
    """State memory of ``neurons`` neurons with ``synapses_per_neuron`` synapses each."""
    return neurons * bytes_per_neuron + neurons * synapses_per_neuron * bytes_per_synapse


def devices_by_memory(memory_bytes_needed: float, device_memory_bytes: float) -> int:
    """Devices whose memory together holds the state (no overhead, perfect partitioning)."""
    return max(1, math.ceil(memory_bytes_needed / device_memory_bytes))


def devices_by_time(wall_s_one_device: float, target_wall_s: float) -> int:
    """Devices needed to finish within ``target_wall_s``, assuming perfect parallel scaling (no
    communication cost): a lower bound."""
    return max(1, math.ceil(wall_s_one_device / target_wall_s))


def energy_joules_scaled(joules_per_bio_s: float, measured_neurons: float, neurons: float,
                         bio_seconds: float) -> float:
    """Energy from a measured J per biological second, taken as linear in neurons."""
    return joules_per_bio_s * (neurons / measured_neurons) * bio_seconds


def energy_joules_board_power(board_power_w: float, wall_s: float) -> float:
    """Energy estimated as rated board power x wall-clock time (not a measurement)."""
    return board_power_w * wall_s


def electricity_cost_usd(joules: float, usd_per_kwh: float) -> float:
    """Cost of ``joules`` of electricity at ``usd_per_kwh``."""
    return joules / JOULES_PER_KWH * usd_per_kwh


# --------------------------------------------------------------------------------------------------
# Assembling a projection: every figure with its kind and basis
# --------------------------------------------------------------------------------------------------

MEASURED, DERIVED, ESTIMATE = "measured", "derived", "estimate"


@dataclass(frozen=True)
class Figure:
    """One number of a projection, labelled.

    ``kind`` is "measured" (read from the run), "derived" (computed from measured figures and the stated
    assumptions) or "estimate" (derived from a rated figure, e.g. board power, rather than a measurement).
    ``basis`` says what it was measured on or derived from. ``low``/``high`` bound a fitted figure.
    """

    section: str
    key: str
    label: str
    value: float | None
    unit: str
    kind: str
    basis: str
    neurons: float | None = None
    synapses_per_neuron: float | None = None
    device: str | None = None
    low: float | None = None
    high: float | None = None

    def to_dict(self) -> dict:
        return {name: (None if isinstance(v, float) and not math.isfinite(v) else v)
                for name, v in asdict(self).items()}


@dataclass(frozen=True)
class Projection:
    """A run projected to the sizes and times of :class:`Assumptions`."""

    measurement: Measurement
    assumptions: Assumptions
    figures: tuple[Figure, ...]
    assumption_notes: tuple[str, ...]
    fit: PowerLawFit | None = None
    fit_label: str = ""

    def get(self, key: str, neurons: float | None = None, device: str | None = None,
            synapses_per_neuron: float | None = None) -> Figure:
        """The one figure with this key (and neurons, device, synapses per neuron where given)."""
        found = [f for f in self.figures if f.key == key
                 and (neurons is None or f.neurons == neurons)
                 and (device is None or f.device == device)
                 and (synapses_per_neuron is None or f.synapses_per_neuron == synapses_per_neuron)]
        if len(found) != 1:
            raise KeyError(f"{len(found)} figures match {key!r} (neurons={neurons}, device={device}, "
                           f"synapses_per_neuron={synapses_per_neuron})")
        return found[0]

    def to_dict(self) -> dict:
        return {
            "measurement": self.measurement.to_dict(),
            "assumptions": self.assumptions.to_dict(),
            "assumption_notes": list(self.assumption_notes),
            "fit": ({"runner": self.fit_label, **self.fit.to_dict()} if self.fit is not None else None),
            "figures": [f.to_dict() for f in self.figures],
        }


def _device_label(m: Measurement) -> str:
    return f"measured device: {m.measured_on} ({m.backend})"


def project(measurement: Measurement, assumptions: Assumptions = Assumptions(),
            reference_devices: tuple[ReferenceDevice, ...] | list[ReferenceDevice] = (),
            ml_runs: tuple[MlRun, ...] | list[MlRun] = (), fit: PowerLawFit | None = None,
            fit_label: str = "", measured_device_memory_bytes: float | None = None) -> Projection:
    """Project one run to each size in ``assumptions.neurons`` for ``assumptions.bio_seconds``.

    Parameters
    ----------
    measurement : Measurement
        What the run measured.
    assumptions : Assumptions
        Sizes, biological time, synapses per neuron, time-to-solution target, electricity price.
    reference_devices : sequence of ReferenceDevice
        Devices to project onto by peak ratio (at the run's precision).
    ml_runs : sequence of MlRun
        ML training runs to compare total FLOPs with.
    fit : PowerLawFit, optional
        Fitted wall seconds per biological second against neurons; when given, a fitted wall-clock
        projection with its band and its distance beyond the measured range is added beside the linear one.
    fit_label : str
        What the fit was measured on (runner name and source), printed with it.
    measured_device_memory_bytes : float, optional
        Memory of the measured device, for devices-by-memory on it (unknown when None).
    """
    m, a = measurement, assumptions
    figures: list[Figure] = []
    on = f"{m.measured_on}, {m.label}, {m.neurons:,.0f} neurons, {m.bio_time_s:g} s biological"
    spn_measured = m.synapses_per_neuron
    notes = [
        f"sizes: {', '.join(f'{n:.3g}' for n in a.neurons)} neurons for {a.bio_seconds:.4g} biological s "
        f"({a.bio_seconds / SECONDS_PER_YEAR:.3g} years of {SECONDS_PER_YEAR:.4g} s)",
        f"per-neuron FLOPs, loop time and energy are those measured at {m.neurons:,.0f} neurons with "
        f"{spn_measured:.4g} synapses per neuron, taken as constant with size (linear scaling) unless a fitted "
        "power law is shown",
        f"synapses per neuron for memory (and for the rescaled counted FLOPs): "
        f"{', '.join(f'{s:g}' for s in a.synapses_per_neuron)} (an assumption; the run had {spn_measured:.4g})",
        "rescaled counted FLOPs scale the per-synapse categories (synaptic propagation, plasticity) by synapses "
        "per neuron and assume the same firing rates",
        f"other devices: wall-clock scaled by the ratio of {m.precision}-precision peaks, which assumes the same "
        "utilisation (fraction of peak) as measured; a CPU measurement's peak is that of the cores it used",
        "devices by memory: state bytes / device memory, rounded up; no overhead, perfect partitioning",
        f"devices by time: wall-clock on one device / target {a.target_wall_s:.4g} s "
        f"({a.target_wall_s / SECONDS_PER_YEAR:.3g} y), rounded up; perfect parallel scaling, no "
        "communication (a lower bound)",
        "energy: measured J per biological s x neurons ratio x time where the run measured it; otherwise "
        "rated board power x wall-clock (an estimate)",
        f"electricity price {a.usd_per_kwh:g} USD/kWh ({a.price_source})",
    ]

    figures.append(Figure("measured", "sim_wall_s_per_bio_s", "loop wall per biological second",
                          m.sim_wall_s_per_bio_s, "s/s", MEASURED, on))
    figures.append(Figure("measured", "counted_flops_per_neuron_per_bio_s", "counted FLOPs per neuron per bio-s",
                          m.counted_flops_per_neuron_per_bio_s, "FLOP", MEASURED,
                          f"Brian2's generated code x activity, {on}"))
    figures.append(Figure("measured", "peak_equivalent_flops_per_neuron_per_bio_s",
                          "peak-equivalent FLOPs per neuron per bio-s", m.peak_equivalent_flops_per_neuron_per_bio_s,
                          "FLOP", DERIVED, f"peak x loop wall (document 003's method); peak: {m.peak_source}"))
    figures.append(Figure("measured", "bytes_per_neuron", "state bytes per neuron", m.bytes_per_neuron, "B",
                          MEASURED, f"Brian2 state variables, {on}"))
    figures.append(Figure("measured", "bytes_per_synapse", "state bytes per synapse", m.bytes_per_synapse, "B",
                          MEASURED, f"Brian2 state variables, {on}"))
    figures.append(Figure("measured", "joules_per_bio_s", "energy per biological second", m.joules_per_bio_s, "J",
                          ESTIMATE if m.energy_method.startswith("estimate") else MEASURED,
                          f"{m.energy_method}, {on}"))

    devices = [(_device_label(m), m.peak_flops_per_s, measured_device_memory_bytes, m.board_power_w, True,
                m.peak_source)]
    devices += [(d.name, d.flops_per_s, d.memory_bytes, d.board_power_w, False, d.source)
                for d in reference_devices]

    for n in a.neurons:
        counted = (total_flops(m.counted_flops_per_neuron_per_bio_s, n, a.bio_seconds)
                   if m.counted_flops_per_neuron_per_bio_s is not None else None)
        peak_eq = (total_flops(m.peak_equivalent_flops_per_neuron_per_bio_s, n, a.bio_seconds)
                   if m.peak_equivalent_flops_per_neuron_per_bio_s is not None else None)
        figures.append(Figure("FLOPs", "total_flops_counted", "total FLOPs, counted", counted, "FLOP", DERIVED,
                              f"measured counted FLOPs per neuron per bio-s x N x T ({on})", neurons=n))
        figures.append(Figure("FLOPs", "total_flops_peak_equivalent", "total FLOPs, peak-equivalent", peak_eq,
                              "FLOP", DERIVED, f"peak-equivalent per neuron per bio-s x N x T ({on})", neurons=n))
        if m.counted_flops_per_neuron_per_bio_s_by_category and spn_measured > 0:
            for s in a.synapses_per_neuron:
                rate = synapse_rescaled_flops_per_neuron_per_bio_s(
                    m.counted_flops_per_neuron_per_bio_s_by_category, spn_measured, s)
                figures.append(Figure(
                    "FLOPs", "total_flops_counted_rescaled", f"total FLOPs, counted, synaptic work at {s:g} syn/neuron",
                    total_flops(rate, n, a.bio_seconds), "FLOP", DERIVED,
                    f"counted FLOPs by category, per-synapse categories x {s:g}/{spn_measured:.4g} ({on})",
                    neurons=n, synapses_per_neuron=s))
        for run in ml_runs:
            for key, total, what in (("ml_ratio_counted", counted, "counted"),
                                     ("ml_ratio_peak_equivalent", peak_eq, "peak-equivalent")):
                figures.append(Figure(
                    "ML comparison", key, f"{what} total / {run.model}",
                    total / run.training_flop if total is not None else None, "x", DERIVED,
                    f"{what} total FLOPs / {run.training_flop:.3g} FLOP ({run.model}, {run.year}, "
                    f"{run.confidence}; data/ml_training_compute.csv)", neurons=n, device=run.model))
        if m.bytes_per_neuron is not None and m.bytes_per_synapse is not None:
            for s in a.synapses_per_neuron:
                figures.append(Figure(
                    "memory", "memory_bytes", f"state memory at {s:g} syn/neuron",
                    memory_bytes(n, s, m.bytes_per_neuron, m.bytes_per_synapse), "B", DERIVED,
                    f"N x {m.bytes_per_neuron:.4g} B/neuron + N x {s:g} x {m.bytes_per_synapse:.4g} B/synapse "
                    f"(measured: {on})", neurons=n, synapses_per_neuron=s))

        wall_measured = wall_seconds_linear(m.sim_wall_s_per_bio_s, m.neurons, n, a.bio_seconds)
        for name, peak, memory, power, is_measured, source in devices:
            _device_figures(figures, m, a, n, name, peak, memory, power, is_measured, source, wall_measured, on)

        if fit is not None:
            central, low, high = wall_seconds_power_law(fit, n, a.bio_seconds, m.neurons, m.sim_wall_s_per_bio_s)
            interval = (f"exponent {fit.exponent:.3g} [{fit.exponent_low:.3g}, {fit.exponent_high:.3g}] "
                        f"({fit.confidence:.0%})")
            figures.append(Figure(
                "scaling", "wall_s_power_law", "wall-clock, fitted power law", central, "s", DERIVED,
                f"this run's loop wall per bio-s at {m.neurons:,.0f} neurons x (N/{m.neurons:,.0f})^exponent, "
                f"exponent fitted to {fit.n_points} sizes {fit.x_min:.3g}-{fit.x_max:.3g} neurons ({fit_label}); "
                f"{interval}; band = the exponent's {fit.confidence:.0%} interval", neurons=n,
                low=low, high=high))
            figures.append(Figure(
                "scaling", "orders_beyond", "orders of magnitude beyond the largest measured size",
                fit.orders_beyond(n), "decades", DERIVED, f"log10(N / {fit.x_max:.3g}) ({fit_label})", neurons=n))
            figures.append(Figure(
                "scaling", "wall_s_linear", "wall-clock, linear assumption", wall_measured, "s", DERIVED,
                f"measured loop wall per bio-s x N/{m.neurons:,.0f} x T ({on})", neurons=n))
    if fit is not None:
        notes.append(f"fitted scaling from {fit_label}: wall per bio-s ~ N^{fit.exponent:.3g} (fit: "
                     f"{fit.prefactor:.3g} x N^{fit.exponent:.3g}); only the exponent is used, anchored at this run's "
                     f"own measurement; the band widens away from the measured sizes and is not a bound on the "
                     f"true cost")
    return Projection(m, a, tuple(figures), tuple(notes), fit, fit_label)


def _device_figures(figures, m, a, n, name, peak, memory, power, is_measured, source, wall_measured, on) -> None:
    """Wall-clock, device-years, device counts, energy and cost of one device at size ``n``."""
    if is_measured:
        wall = wall_measured
        wall_basis = f"measured loop wall per bio-s x N/{m.neurons:,.0f} x T (linear in N; {on})"
    elif peak is not None and m.peak_flops_per_s:
        wall = wall_seconds_on_device(wall_measured, m.peak_flops_per_s, peak)
        wall_basis = (f"measured-device wall x peak ratio {m.peak_flops_per_s:.3g}/{peak:.3g} FLOP/s "
                      f"({m.precision}; same utilisation assumed; {source})")
    else:
        wall, wall_basis = None, f"no {m.precision}-precision peak known for the measured or this device"
    kw = dict(neurons=n, device=name)
    figures.append(Figure("devices", "wall_s", "wall-clock on one device", wall, "s", DERIVED, wall_basis, **kw))
    figures.append(Figure("devices", "device_years", "device-years", wall / SECONDS_PER_YEAR if wall else None,
                          "years", DERIVED, f"wall-clock / {SECONDS_PER_YEAR:.4g} s", **kw))
    if memory and m.bytes_per_neuron is not None and m.bytes_per_synapse is not None:
        for s in a.synapses_per_neuron:
            needed = memory_bytes(n, s, m.bytes_per_neuron, m.bytes_per_synapse)
            figures.append(Figure("devices", "devices_by_memory", f"devices by memory at {s:g} syn/neuron",
                                  devices_by_memory(needed, memory), "devices", DERIVED,
                                  f"ceil({needed:.3g} B / {memory:.3g} B device memory)", synapses_per_neuron=s, **kw))
    else:
        for s in a.synapses_per_neuron:
            figures.append(Figure("devices", "devices_by_memory", f"devices by memory at {s:g} syn/neuron", None,
                                  "devices", DERIVED, "device memory not known (data/hardware.csv has no figure)",
                                  synapses_per_neuron=s, **kw))
    figures.append(Figure("devices", "devices_by_time", f"devices to finish in {a.target_wall_s:.3g} s", 
                          devices_by_time(wall, a.target_wall_s) if wall else None, "devices", DERIVED,
                          f"ceil(wall-clock / {a.target_wall_s:.4g} s target), perfect parallel scaling", **kw))
    if is_measured and m.joules_per_bio_s is not None:
        energy = energy_joules_scaled(m.joules_per_bio_s, m.neurons, n, a.bio_seconds)
        kind = ESTIMATE if m.energy_method.startswith("estimate") else MEASURED
        energy_kind = DERIVED if kind == MEASURED else ESTIMATE
        energy_basis = f"{m.joules_per_bio_s:.4g} J per bio-s ({m.energy_method}) x N/{m.neurons:,.0f} x T"
    elif power is not None and wall:
        energy, energy_kind = energy_joules_board_power(power, wall), ESTIMATE
        energy_basis = f"estimate: {power:g} W rated board power x wall-clock (not a measurement)"
    else:
        energy, energy_kind = None, ESTIMATE
        energy_basis = "no measured energy and no board power known"
    figures.append(Figure("devices", "energy_j", "energy", energy, "J", energy_kind, energy_basis, **kw))
    figures.append(Figure("devices", "cost_usd", "electricity cost",
                          electricity_cost_usd(energy, a.usd_per_kwh) if energy is not None else None, "USD",
                          energy_kind, f"energy x {a.usd_per_kwh:g} USD/kWh ({a.price_source})", **kw))
