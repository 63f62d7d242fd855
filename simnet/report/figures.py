"""Figures: a run's raster and rates, the scaling fit with its measurements and band, the orders-of-magnitude
ladder, cost versus fidelity, time to solution against devices.

This module only draws what it is given (records, measured points, fits from :mod:`simnet.projection.fits`, ladder
entries); it never simulates and never opens result files. Every figure is written as PNG and SVG, each to a temporary
file beside the target and then renamed into place, so an interrupted run never leaves a half-written figure.
"""
from __future__ import annotations

import math
import os
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import matplotlib

# No screen on the machines this runs on; Agg renders to files only. Set before pyplot is imported anywhere, unless
# the user chose a backend (a notebook's kernel sets MPLBACKEND to its inline one) or already uses pyplot: forcing
# Agg there would stop their own figures from showing.
if "MPLBACKEND" not in os.environ and "matplotlib.pyplot" not in sys.modules:
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from simnet.base import atomic_files  # noqa: E402

__all__ = ["FIGURE_FORMATS", "FIT_OVERHANG_DECADES", "plot_scaling", "plot_ladder", "plot_cost_vs_fidelity",
           "BOTTLENECK_MARKERS", "plot_time_to_solution", "RASTER_MAX_NEURONS", "RATE_SMOOTHING_MS",
           "activity_figure", "plot_activity", "save_figure", "figure_paths"]

if TYPE_CHECKING:
    from simnet.projection.fits import PowerLawFit
    from simnet.projection.ladder import LadderEntry

#: Formats every figure is written in.
FIGURE_FORMATS = ("png", "svg")
#: How far (in orders of magnitude) the fitted line and band are drawn beyond the measured range on each side.
FIT_OVERHANG_DECADES = 0.3


def figure_paths(out_stem: Path) -> list[Path]:
    """The files a figure saved at ``out_stem`` is written to, one per format of :data:`FIGURE_FORMATS`."""
    return [Path(out_stem).parent / f"{Path(out_stem).name}.{fmt}" for fmt in FIGURE_FORMATS]


def save_figure(fig, out_stem: Path, parameter: str = "out") -> list[Path]:
    """Write ``fig`` as ``out_stem.<fmt>`` for each of :data:`FIGURE_FORMATS`, atomically; the paths written. A
    directory that cannot be made is an error naming ``parameter``."""
    return _save_atomically(fig, out_stem, parameter)


def _save_atomically(fig, out_stem: Path, parameter: str = "figures_dir") -> list[Path]:
    """Write ``fig`` as ``out_stem.<fmt>`` for each format; temp file then rename, so no partial files."""
    out_stem = Path(out_stem)
    atomic_files.check_directory(out_stem.parent, parameter, what="figures directory")
    written = []
    for fmt, target in zip(FIGURE_FORMATS, figure_paths(out_stem)):
        with atomic_files.replacing(target) as tmp:
            # SVG text stays text (searchable, editable) rather than outlines.
            with matplotlib.rc_context({"svg.fonttype": "none"}):
                fig.savefig(tmp, format=fmt, dpi=150, bbox_inches="tight")
        written.append(target)
    return written


def _format_interval(fit: "PowerLawFit") -> str:
    if math.isfinite(fit.exponent_low) and math.isfinite(fit.exponent_high):
        return (f"exponent {fit.exponent:.3g} [{fit.exponent_low:.3g}, {fit.exponent_high:.3g}] "
                f"({fit.confidence:.0%} CI, n={fit.n_points})")
    return f"exponent {fit.exponent:.3g} (no interval: n={fit.n_points})"


def plot_scaling(series: dict[str, list[tuple[float, float]]], fits: dict[str, "PowerLawFit"], x_label: str,
                 y_label: str, title: str, out_stem: Path) -> list[Path]:
    """Log-log scatter of measured points with each fitted power law and its confidence band.

    Parameters
    ----------
    series : dict
        Name -> list of measured ``(x, y)`` points (both positive).
    fits : dict
        Name -> :class:`~simnet.projection.fits.PowerLawFit`. A fit whose name matches a series is drawn in the same
        colour. The line and band (``PowerLawFit.predict``) span the fit's measured range and
        ``FIT_OVERHANG_DECADES`` beyond it on each side; the legend gives the exponent and its interval.
    x_label, y_label, title : str
        Axis labels (with units) and title.
    out_stem : Path
        Output path without suffix; ``out_stem.png`` and ``out_stem.svg`` are written atomically.

    Returns
    -------
    list of Path
        The PNG and SVG paths written.
    """
    if not series and not fits:
        raise ValueError("plot_scaling needs at least one series or fit to draw")
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    try:
        colours = {}
        cycle = plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
        for index, name in enumerate(list(series) + [n for n in fits if n not in series]):
            colours[name] = cycle[index % len(cycle)]
        for name, points in series.items():
            xs = [float(x) for x, _ in points]
            ys = [float(y) for _, y in points]
            if any(v <= 0 for v in xs + ys):
                raise ValueError(f"series {name!r} has non-positive values; cannot draw on log axes")
            ax.scatter(xs, ys, color=colours[name], zorder=3, label=f"{name}: measured")
        for name, fit in fits.items():
            lo = math.log10(fit.x_min) - FIT_OVERHANG_DECADES
            hi = math.log10(fit.x_max) + FIT_OVERHANG_DECADES
            grid = np.logspace(lo, hi, 100)
            predictions = np.array([fit.predict(float(x)) for x in grid])
            ax.plot(grid, predictions[:, 0], color=colours[name], label=f"{name}: fit, {_format_interval(fit)}")
            if np.all(np.isfinite(predictions[:, 1:])):
                ax.fill_between(grid, predictions[:, 1], predictions[:, 2], color=colours[name], alpha=0.2,
                                linewidth=0)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label)
        ax.set_title(title)
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize="small")
        return _save_atomically(fig, out_stem)
    finally:
        plt.close(fig)


#: Marker and colour of each ladder kind (keys are simnet.projection.ladder.LADDER_KINDS).
_LADDER_STYLE = {
    "document, as stated": ("o", "none", "C3"),
    "document, recomputed by simnet": ("o", "C3", "C3"),
    "simnet, projected from a measured run": ("D", "C0", "C0"),
    "ML training run": ("s", "C2", "C2"),
}


def plot_ladder(entries: list["LadderEntry"], out_stem: Path,
                title: str = "Total compute, orders of magnitude") -> list[Path]:
    """An orders-of-magnitude ladder: one row per entry, its FLOPs on a log axis, marked by kind.

    Parameters
    ----------
    entries : list of LadderEntry
        From :func:`simnet.projection.ladder.ladder_entries` (label, flops, kind); drawn in the given order,
        bottom to top.
    out_stem : Path
        Output path without suffix; ``out_stem.png`` and ``out_stem.svg`` are written atomically.

    Returns
    -------
    list of Path
        The PNG and SVG paths written.
    """
    entries = [e for e in entries if e.flops and e.flops > 0 and math.isfinite(e.flops)]
    if not entries:
        raise ValueError("plot_ladder needs at least one entry with positive FLOPs")
    fig, ax = plt.subplots(figsize=(8.5, 0.32 * len(entries) + 1.6))
    try:
        shown = set()
        for row, entry in enumerate(entries):
            marker, face, edge = _LADDER_STYLE.get(entry.kind, ("x", "k", "k"))
            ax.scatter([entry.flops], [row], marker=marker, facecolors=face, edgecolors=edge, s=40, zorder=3,
                       label=entry.kind if entry.kind not in shown else None)
            shown.add(entry.kind)
        ax.set_yticks(range(len(entries)))
        ax.set_yticklabels([e.label for e in entries], fontsize="x-small")
        ax.set_xscale("log")
        low = math.floor(math.log10(min(e.flops for e in entries))) - 0.5
        high = math.ceil(math.log10(max(e.flops for e in entries))) + 0.5
        ax.set_xlim(10 ** low, 10 ** high)
        ax.set_ylim(-0.7, len(entries) - 0.3)
        ax.set_xlabel("total FLOP")
        ax.set_title(title)
        ax.grid(True, axis="x", which="major", alpha=0.3)
        ax.legend(fontsize="small", loc="lower right")
        return _save_atomically(fig, out_stem)
    finally:
        plt.close(fig)


def plot_cost_vs_fidelity(levels: list[str], counted_flops_per_neuron_per_bio_s: list, sim_wall_s_per_bio_s: list,
                          ks_rate: list, ks_cv: list, reference_level: str, measured_on: str,
                          out_stem: Path, asynchronous_irregular: Optional[list] = None,
                          point_notes: Optional[list] = None) -> list[Path]:
    """Cost versus neuron fidelity: counted FLOPs and loop wall per biological second, one point per level.

    Parameters
    ----------
    levels : list of str
        Level names in the order drawn (left to right).
    counted_flops_per_neuron_per_bio_s, sim_wall_s_per_bio_s : list of float or None
        Per level, from each run's cost table; a level without a figure is left out of that panel.
    ks_rate, ks_cv : list of float or None
        Per level, the largest KS distance over populations of per-neuron rates and CVs against the
        reference level; written beside each point (None for the reference itself).
    reference_level : str
        Drawn with a star instead of a circle.
    measured_on : str
        What the runs were measured on, shown under the title.
    out_stem : Path
        Output path without suffix; ``out_stem.png`` and ``out_stem.svg`` are written atomically.
    asynchronous_irregular : list of bool or None, optional
        Per level, the verdict of :func:`simnet.analysis.column.regime_check`; a level that is not AI is drawn hollow
        and its note says so.
    point_notes : list of str or None, optional
        Per level, a note written beside its point instead of the KS distances (e.g. a single cell's), or None.

    Returns
    -------
    list of Path
        The PNG and SVG paths written.
    """
    if not levels:
        raise ValueError("plot_cost_vs_fidelity needs at least one level")
    regimes = list(asynchronous_irregular) if asynchronous_irregular is not None else [None] * len(levels)
    own_notes = list(point_notes) if point_notes is not None else [None] * len(levels)
    panels = (("counted FLOPs per neuron per biological second", counted_flops_per_neuron_per_bio_s),
              ("loop wall-clock s per biological second", sim_wall_s_per_bio_s))
    fig, axes = plt.subplots(1, 2, figsize=(max(8.0, 1.5 * len(levels) + 4.0), 4.2))
    try:
        positions = np.arange(len(levels))
        for ax, (label, values) in zip(axes, panels):
            for x, level, value, rate_distance, cv_distance, regime, own in zip(positions, levels, values, ks_rate,
                                                                                 ks_cv, regimes, own_notes):
                if value is None or not value > 0 or not math.isfinite(value):
                    continue
                is_reference = level == reference_level
                color = "C3" if is_reference else "C0"
                ax.scatter([x], [value], marker="*" if is_reference else "o", s=140 if is_reference else 50,
                           color=color, facecolors="none" if regime is False else color, zorder=3,
                           label="reference level" if is_reference else None)
                if is_reference:
                    note = "reference"
                elif own is not None:
                    note = own
                else:
                    note = (f"KS rate {rate_distance:.2f}" if rate_distance is not None else "KS rate -") + "\n" + (
                        f"KS CV {cv_distance:.2f}" if cv_distance is not None else "KS CV -")
                if regime is False:
                    note += "\nnot AI"
                ax.annotate(note, (x, value), textcoords="offset points", xytext=(0, 9), ha="center",
                            fontsize="x-small")
            ax.set_yscale("log")
            shown = [v for v in values if v is not None and v > 0 and math.isfinite(v)]
            if shown:
                # whole decades, with room above the points for the annotations
                ax.set_ylim(10 ** math.floor(math.log10(min(shown)) - 0.1),
                            10 ** math.ceil(math.log10(max(shown)) + 0.4))
            ax.set_xticks(positions)
            ax.set_xticklabels(levels, rotation=20, fontsize="small")
            ax.set_xlim(-0.6, len(levels) - 0.4)
            ax.set_ylabel(label, fontsize="small")
            ax.grid(True, axis="y", which="major", alpha=0.3)
        handles, names = axes[0].get_legend_handles_labels()
        if handles:
            axes[0].legend(handles, names, fontsize="small", loc="upper left")
        hollow = "; hollow: not asynchronous-irregular" if False in regimes else ""
        fig.suptitle(f"Cost versus neuron fidelity (KS: largest over populations, against the reference{hollow})\n"
                     + measured_on, fontsize="small")
        fig.tight_layout()
        return _save_atomically(fig, out_stem)
    finally:
        plt.close(fig)


#: Marker per bottleneck term of the performance model (simnet.projection.model.TERMS).
BOTTLENECK_MARKERS = {"compute": "o", "memory traffic": "s", "per-step overhead": "^",
                      "communication latency": "D", "communication volume": "v"}


def plot_time_to_solution(curves: list, out_stem: Path, title: str) -> list[Path]:
    """Time to solution against devices, one panel per network size, one line per reference cluster and in-degree.

    ``curves`` are :class:`simnet.projection.human_scale.ClusterProjection`; each point is marked by its bottleneck
    (the model's largest term there), so the regions where compute, memory, per-step overhead or communication
    bind are visible along each line.
    """
    sizes = sorted({c.neurons for c in curves})
    degrees = sorted({c.synapses_per_neuron for c in curves})
    machines = list(dict.fromkeys(c.machine for c in curves))
    colours = {m: f"C{i}" for i, m in enumerate(machines)}
    styles = {k: ("-", "--", ":", "-.")[i % 4] for i, k in enumerate(degrees)}
    fig, axes = plt.subplots(1, len(sizes), figsize=(6.5 * len(sizes), 5.2), squeeze=False, sharey=True)
    for ax, size in zip(axes[0], sizes):
        for c in (c for c in curves if c.neurons == size and c.points):
            x = [p.devices for p in c.points]
            y = [p.time_to_solution_s / 3.15576e7 for p in c.points]
            ax.plot(x, y, styles[c.synapses_per_neuron], color=colours[c.machine], alpha=0.8)
            for p, xi, yi in zip(c.points, x, y):
                ax.plot(xi, yi, BOTTLENECK_MARKERS.get(p.bottleneck, "x"), color=colours[c.machine], ms=6)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("devices (nodes or GPUs of the reference cluster)")
        ax.set_title(f"{size:.3g} neurons")
        ax.grid(True, which="both", alpha=0.3)
    axes[0][0].set_ylabel("time to solution (years of wall-clock)")
    handles = [plt.Line2D([], [], color=colours[m], label=m[:48]) for m in machines]
    handles += [plt.Line2D([], [], color="grey", linestyle=styles[k], label=f"{k:g} synapses per neuron")
                for k in degrees]
    handles += [plt.Line2D([], [], color="grey", marker=mk, linestyle="", label=f"bottleneck: {name}")
                for name, mk in BOTTLENECK_MARKERS.items()]
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=8, bbox_to_anchor=(0.5, -0.18))
    fig.suptitle(title, fontsize=10)
    try:
        return _save_atomically(fig, out_stem)
    finally:
        plt.close(fig)


#: At most this many neurons are drawn in a raster (each population shows the same fraction of its neurons).
RASTER_MAX_NEURONS = 2000
#: Population rates are drawn smoothed with a boxcar of this width (the record stores 1 ms bins).
RATE_SMOOTHING_MS = 5.0


def plot_activity(record, out_stem: Path, title: Optional[str] = None) -> list[Path]:
    """:func:`activity_figure` written as ``out_stem.png`` and ``out_stem.svg`` (atomically); the paths written."""
    return _save_atomically(activity_figure(record, title), out_stem)


def activity_figure(record, title: Optional[str] = None):
    """A run's raster (one colour per population, in the model's order, top to bottom) above its population rates.

    The figure is not kept open by pyplot: a notebook shows it once, as the value of a cell.

    Parameters
    ----------
    record : simnet.record.run_record.RunRecord
        A run with spikes recorded (the rates panel alone otherwise).
    title : str, optional
        Defaults to the record's description and what it ran on.

    Returns
    -------
    matplotlib.figure.Figure
    """
    populations = list(record.populations) or [n for n in record.rates]
    sizes = {name: int(record.counts.get("populations", {}).get(name, {}).get("size", 0)) for name in populations}
    total = sum(sizes.values()) or 1
    fraction = min(1.0, RASTER_MAX_NEURONS / total)
    start_ms, stop_ms = record.loop_window_ms
    cycle = plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
    colours = {name: cycle[i % len(cycle)] for i, name in enumerate(populations)}
    has_spikes = bool(record.spike_trains)
    # Made through pyplot, so that a notebook's inline backend is loaded and shows the figure; closed at once, so
    # that pyplot keeps no reference to it and a notebook shows it once, as the value of a cell.
    fig = plt.figure(figsize=(7.0, 5.6 if has_spikes else 2.8))
    plt.close(fig)
    axes = fig.subplots(2 if has_spikes else 1, 1, sharex=True, squeeze=False,
                        gridspec_kw={"height_ratios": [2.2, 1] if has_spikes else [1]})[:, 0]
    if has_spikes:
        ax, row, ticks = axes[0], 0, []
        shown_spikes = sum(len(times) for times, _ in record.spike_trains.values()) * fraction
        for name in populations:
            train = record.spikes(name)
            shown = max(1, int(math.ceil(train.size * fraction))) if train.size else 0
            keep = train.node_ids < shown
            # top to bottom in the model's order: the first population gets the highest rows
            rows = total * fraction - row - train.node_ids[keep].astype(float)
            # rasterised inside the SVG too: a vector dot per spike makes files of many megabytes
            ax.scatter(train.times_ms[keep], rows, s=0.8 if shown_spikes > 50_000 else 3.0, marker=".",
                       linewidths=0, color=colours[name], rasterized=True)
            ticks.append((total * fraction - row - shown / 2, name))
            row += shown
        ax.set_yticks([y for y, _ in ticks])
        ax.set_yticklabels([name for _, name in ticks], fontsize="small")
        ax.set_ylim(total * fraction - row, total * fraction + 1)
        shown_text = "every neuron" if fraction >= 1 else f"{fraction:.1%} of each population's neurons"
        ax.set_ylabel(f"neurons ({shown_text})", fontsize="small")
    ax = axes[-1]
    per_bin = None
    for name in populations:
        if name not in record.rates:
            continue
        t_ms, rate_hz = record.rates[name]
        if len(t_ms) > 1:
            per_bin = max(1, int(round(RATE_SMOOTHING_MS / (t_ms[1] - t_ms[0]))))
            window = np.ones(per_bin)
            # divided by the bins each window covers, so that the first and last bins are not pulled to 0
            rate_hz = np.convolve(rate_hz, window, mode="same") / np.convolve(np.ones(len(rate_hz)), window,
                                                                                mode="same")
        ax.plot(t_ms, rate_hz, color=colours[name], linewidth=0.9, label=name)
    ax.set_ylabel(f"rate, Hz ({RATE_SMOOTHING_MS:g} ms boxcar)" if per_bin else "rate, Hz", fontsize="small")
    ax.set_xlabel("time, ms" + (f" (after a {record.pre_run_s * 1e3:g} ms pre-run)" if record.pre_run_s else ""))
    ax.set_xlim(start_ms, stop_ms)
    ax.legend(fontsize="x-small", ncol=min(4, len(populations)), loc="upper right")
    ax.grid(True, alpha=0.3)
    machine = record.provenance.get("machine", {})
    fig.suptitle(title or textwrap.fill(record.description, 100) + f"\n{record.backend.get('name')} backend on "
                 f"{machine.get('cpu_model') or 'an unknown CPU'}, seed {record.provenance.get('seed')}",
                 fontsize="small")
    fig.tight_layout()
    return fig
