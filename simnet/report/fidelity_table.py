"""The fidelity ladder's table: per neuron level, what its run cost and what its column did.

:func:`fidelity_table` reads the records of a ladder (one per level, :mod:`simnet.bench.fidelity_ladder`) and puts
together, per level, the cost (:func:`simnet.cost.account.cost_table`), the dynamics (:mod:`simnet.analysis.spike_statistics`) and
their distance from the reference level, whether the column is asynchronous-irregular (:func:`regime_check`), the
reference level's rates against the published ones (``data/pd14_published_rates.csv``,
:func:`published_rate_check`), and the projection of each level's cost to human scale. Everything in the table
is either measured by the runs (and says on what) or derived from them (and says from what). Reads records
only; never simulates.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np

from simnet.analysis import spike_statistics
from simnet.analysis.column import (
    AI_RULE,
    PUBLISHED_RATES_ROW,
    analysis_window_ms,
    neuron_levels,
    population_trains,
    published_rate_check,
    published_rates,
    regime_check,
)
from simnet.base.errors import UsageError
from simnet.base.units import SECONDS_PER_YEAR
from simnet.cost.account import cost_table
from simnet.projection import extrapolate

__all__ = ["HUMAN_NEURONS", "FIGURE_STEM", "level_row", "human_scale", "model_answers", "cell_levels",
           "reference_vs_published",
           "fidelity_table", "format_fidelity", "format_model_answers", "figure_inputs"]

#: Human scale of the projection: the upper end of the documents' range of cortical neurons.
HUMAN_NEURONS = extrapolate.HUMAN_SCALE_NEURONS[1]
#: Parameters of the column shown in the table's heading (names in the record).
_SHOWN_PARAMETERS = ("n_scaling", "k_scaling", "synapse_model", "background", "dt")
#: Figure file stem written under ``--figures``.
FIGURE_STEM = "cost_vs_fidelity"


def _pooled(stats: dict, attribute: str) -> np.ndarray:
    arrays = [getattr(s, attribute) for s in stats.values()]
    return np.concatenate(arrays) if arrays else np.empty(0)


def _mean_or_none(values) -> Optional[float]:
    values = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return float(np.mean(values)) if values else None


def _ks_summary(per_population: dict, measure: str) -> dict:
    statistics = {pop: (d[measure] or {}).get("statistic") for pop, d in per_population.items()}
    known = [s for s in statistics.values() if s is not None]
    return {"max_over_populations": max(known) if known else None,
            "by_population": statistics}


def level_row(level: str, record, stats: dict, reference_stats: Optional[dict], source: str = "") -> dict:
    """One level's cost, dynamics and distance from the reference (JSON-safe)."""
    if not record.cost_detail:
        raise UsageError(f"the {level} record has no cost section (written by an older simnet)")
    cost = cost_table(record)
    neurons, synapses = cost["neurons"], cost["synapses"]
    per_neuron, per_synapse = cost["bytes_per_neuron"], cost["bytes_per_synapse"]
    memory_per_neuron = None
    if per_neuron is not None:
        memory_per_neuron = per_neuron + (per_synapse or 0.0) * (synapses / neurons if neurons else 0.0)
    populations = {name: s.summary() for name, s in stats.items()}
    row = {
        "level": level,
        "record": source,
        "model": record.model,
        "backend": cost["backend"],
        "precision": cost["precision"],
        "threads": cost["threads"],
        "measured_on": cost["measured_on"],
        "neurons": neurons,
        "synapses": synapses,
        "biological_time_s": cost["biological_time_s"],
        "counted_flops_per_neuron_per_bio_s": cost["counted_flops_per_neuron_per_bio_s"],
        "peak_equivalent_flops_per_neuron_per_bio_s": cost["peak_equivalent_flops_per_neuron_per_bio_s"],
        "peak_source": cost["peak_source"],
        "sim_wall_s_per_bio_s": cost["sim_wall_s_per_bio_s"],
        "bytes_per_neuron": per_neuron,
        "bytes_per_synapse": per_synapse,
        "memory_bytes_per_neuron": memory_per_neuron,
        "mean_rate_hz": _mean_or_none(_pooled(stats, "rates_hz").tolist()),
        "mean_cv_isi": _mean_or_none(_pooled(stats, "cvs").tolist()),
        "mean_correlation": _mean_or_none(_pooled(stats, "correlations").tolist()),
        "mean_synchrony": _mean_or_none([p["synchrony"] for p in populations.values()]),
        "populations": populations,
        "ks_vs_reference": None,
        "human_scale": human_scale(cost),
    }
    if reference_stats is not None:
        per_population = spike_statistics.compare_populations(stats, reference_stats)
        row["ks_vs_reference"] = {
            "rate": _ks_summary(per_population, "rate"),
            "cv_isi": _ks_summary(per_population, "cv_isi"),
            "correlation": _ks_summary(per_population, "correlation"),
            "by_population": per_population,
        }
    return row


def human_scale(cost: dict) -> dict:
    """A level's cost projected to :data:`HUMAN_NEURONS` for 15 biological years (derived, not measured)."""
    years = extrapolate.FIFTEEN_YEARS_S

    def flops(per_neuron):
        return extrapolate.total_flops(per_neuron, HUMAN_NEURONS, years) if per_neuron else None

    wall_s = None
    if cost["sim_wall_s_per_bio_s"] and cost["neurons"]:
        wall_s = extrapolate.wall_seconds_linear(cost["sim_wall_s_per_bio_s"], cost["neurons"], HUMAN_NEURONS,
                                                 years)
    return {
        "neurons": HUMAN_NEURONS,
        "biological_time_s": years,
        "counted_flops": flops(cost["counted_flops_per_neuron_per_bio_s"]),
        "peak_equivalent_flops": flops(cost["peak_equivalent_flops_per_neuron_per_bio_s"]),
        "wall_s_linear": wall_s,
        "wall_years_linear": wall_s / SECONDS_PER_YEAR if wall_s is not None else None,
        "derived_from": (f"this run's per-neuron figures at {cost['neurons']:,} neurons on {cost['measured_on']} "
                         f"({cost['backend']}), x {HUMAN_NEURONS:.2g} neurons x 15 biological years "
                         f"({years:.3g} s); wall-clock assumes loop time linear in neurons on that machine"),
    }


def model_answers(records: dict) -> dict:
    """The documents' answers per level: each level's own network (its counted costs, rate, step and precision) at
    the documents' sizes (:data:`simnet.projection.extrapolate.HUMAN_SCALE_NEURONS`) and in-degrees (``simnet
    extrapolate``'s defaults) for 15 biological years, on each reference cluster of the performance model: the
    fastest point of the curve, with the held-out error band of its regime (:func:`~simnet.projection.human_scale.error_band`)."""
    from simnet.projection.human_scale import answer
    from simnet.report.projections import Extrapolation, model_projection

    assumptions = extrapolate.Assumptions()
    done, answers = Extrapolation(), []
    for level, record in records.items():
        for cluster in model_projection(record, level, assumptions, None, done):
            found = answer(cluster, done.model_basis["backtest_summary"])
            if found is not None:
                answers.append({"level": level, **found})
    summary = done.model_basis.get("backtest_summary", {})
    return {"neurons": list(assumptions.neurons), "synapses_per_neuron": list(assumptions.synapses_per_neuron),
            "bio_seconds": assumptions.bio_seconds,
            "basis": {regime: summary.get(regime, {}) for regime in ("multi-node", "multi-node cpu", "multi-node gpu",
                                                                      "held-out independent")},
            "answers": answers}


def cell_levels() -> list:
    """The ladder's compartmental levels (single cells, ``data/cell_costs.csv``) at the documents' sizes for 15
    biological years, beside the column's levels (:func:`simnet.projection.cells.cell_level_projection`)."""
    from simnet.report.projections import cell_levels as projected

    return projected(extrapolate.HUMAN_SCALE_NEURONS, extrapolate.FIFTEEN_YEARS_S)


def reference_vs_published(reference_stats: dict) -> Optional[dict]:
    """The reference level's mean rate per population against the published full-scale rates."""
    by_source, source_note = published_rates()
    published = by_source[PUBLISHED_RATES_ROW]
    if not set(published) & set(reference_stats):
        return None  # not the PD14 column: nothing to compare
    means = {name: reference_stats[name].summary()["mean_rate_hz"] for name in published if name in reference_stats}
    simulated = {name: rate for name, rate in means.items() if rate is not None}
    check = published_rate_check(simulated)
    rows = {}
    for name, value in published.items():
        others = [rates[name] for rates in by_source.values() if name in rates]
        rows[name] = {
            "published_hz": value,
            "published_range_hz": [min(others), max(others)],
            "simulated_hz": simulated.get(name),
            "ratio": check["ratios"].get(name),
        }
    return {"published_row": PUBLISHED_RATES_ROW, "source": source_note, "populations": rows, "check": check}


def fidelity_table(records: dict, discard_s: float = spike_statistics.DEFAULT_DISCARD_MS / 1e3,
                   reference_level: Optional[str] = None, sources: Optional[dict] = None,
                   seed: int = spike_statistics.DEFAULT_SAMPLE_SEED) -> dict:
    """The fidelity comparison of the given records (level -> RunRecord), as one JSON-safe dict.

    Parameters
    ----------
    discard_s : float
        Start-up transient cut before the statistics.
    reference_level : str, optional
        The level the others are compared with (default: the library's reference level).
    sources : dict, optional
        level -> path of its record, shown in the table.
    seed : int
        Seed of the neuron samples of the correlation and synchrony statistics.
    """
    if reference_level is None:
        reference_level = neuron_levels()[1]
    sources = sources or {}
    stats, windows = {}, {}
    for level, record in records.items():
        spikes, sizes = population_trains(record)
        windows[level] = analysis_window_ms(record, discard_s)
        stats[level] = spike_statistics.network_statistics(spikes, sizes, *windows[level], seed=seed)
    reference_stats = stats.get(reference_level)
    notes = []
    if reference_stats is None:
        notes.append(f"no record of the reference level {reference_level}: no distances to it")
    first = next(iter(records.values()))
    if len({(r.duration_s, r.pre_run_s, r.n_neurons) for r in records.values()}) > 1:
        notes.append("the records differ in duration or size; their statistics are not directly comparable")
    rows = [level_row(level, record, stats[level], reference_stats, str(sources.get(level, "")))
            for level, record in records.items()]
    reference_row = next((row for row in rows if row["level"] == reference_level), None)
    for row in rows:
        row["regime"] = regime_check(row, reference_row)
    not_ai = [row["level"] for row in rows if row["regime"]["asynchronous_irregular"] is False]
    if not_ai:
        notes.append(f"not asynchronous-irregular ({AI_RULE}): {', '.join(not_ai)}; their costs are measured, "
                     f"their dynamics are not comparable with the reference level's")
    table = {
        "model": first.model,
        "reference_level": reference_level,
        "levels": list(records),
        "analysis_window_ms": list(windows[next(iter(windows))]),
        "seed": first.provenance.get("seed"),
        "parameters": {name: first.parameters[name]["display"] for name in _SHOWN_PARAMETERS
                       if name in first.parameters},
        "statistics": {
            "rate": "spikes in the window / window length, every neuron (silent ones as 0 Hz)",
            "cv_isi": f"sd / mean of the inter-spike intervals, neurons with >= {spike_statistics.CV_MIN_SPIKES} spikes",
            "correlation": (f"Pearson correlation of spike counts in {spike_statistics.CORRELATION_BIN_MS:g} ms bins, all "
                            f"pairs of <= {spike_statistics.CORRELATION_SAMPLE_NEURONS} spiking neurons per population "
                            f"(silent neurons excluded), sample seed {seed}"),
            "synchrony": (f"variance / mean of the summed spike count of <= {spike_statistics.SYNCHRONY_SAMPLE_NEURONS} "
                          f"neurons per population in {spike_statistics.SYNCHRONY_BIN_MS:g} ms bins (Potjans & Diesmann "
                          "2014); 1 for independent Poisson neurons"),
            "ks": "two-sample Kolmogorov-Smirnov statistic of the per-neuron distributions, population by "
                  "population, against the reference level (scipy.stats.ks_2samp)",
        },
        "rows": rows,
        "model_answers": model_answers(records),
        "cell_levels": cell_levels(),
        "reference_vs_published": reference_vs_published(reference_stats) if reference_stats else None,
        "notes": notes,
    }
    if float(first.parameters.get("k_scaling", {}).get("value", 1.0)) < 1.0:
        notes.append("in-degrees were scaled (k_scale < 1): per-neuron synaptic cost is below full scale's")
    return table


def _fmt(value, spec: str = ".3g") -> str:
    return "-" if value is None else f"{value:{spec}}"


def _regime_mark(row: dict) -> str:
    verdict = (row.get("regime") or {}).get("asynchronous_irregular")
    return "-" if verdict is None else ("yes" if verdict else "no")


def format_fidelity(table: dict) -> str:
    """Plain-text rendering of :func:`fidelity_table`."""
    rows = table["rows"]
    first = rows[0]
    window = table["analysis_window_ms"]
    params = ", ".join(f"{k} {v}" for k, v in table["parameters"].items())
    lines = [
        f"fidelity ladder of {table['model']} ({params}; seed {table['seed']}), "
        f"{first['neurons']:,} neurons, {first['synapses']:,} synapses, {first['biological_time_s']:g} s biological",
        f"measured on {first['measured_on']}, backend {first['backend']} ({first['precision']}"
        f"{', %s thread(s)' % first['threads'] if first['threads'] else ''}); statistics over "
        f"[{window[0]:g}, {window[1]:g}) ms; reference level {table['reference_level']}",
        "",
        "cost (measured by each run; FLOPs and memory per neuron, wall per biological second of the loop)",
        f"  {'level':<16}{'FLOPs/n/s':>11}{'peak-eq':>11}{'wall s/s':>10}{'B/neuron':>10}"
        f"{'rate Hz':>9}{'CV ISI':>8}{'corr':>9}{'sync':>7}{'AI':>5}{'KS rate':>9}{'KS CV':>7}",
    ]
    for row in rows:
        ks = row["ks_vs_reference"] or {}
        lines.append(
            f"  {row['level']:<16}{_fmt(row['counted_flops_per_neuron_per_bio_s']):>11}"
            f"{_fmt(row['peak_equivalent_flops_per_neuron_per_bio_s']):>11}{_fmt(row['sim_wall_s_per_bio_s']):>10}"
            f"{_fmt(row['memory_bytes_per_neuron'], '.0f'):>10}{_fmt(row['mean_rate_hz']):>9}"
            f"{_fmt(row['mean_cv_isi'], '.2f'):>8}{_fmt(row['mean_correlation'], '.4f'):>9}"
            f"{_fmt(row['mean_synchrony'], '.2f'):>7}{_regime_mark(row):>5}"
            f"{_fmt((ks.get('rate') or {}).get('max_over_populations'), '.3f'):>9}"
            f"{_fmt((ks.get('cv_isi') or {}).get('max_over_populations'), '.3f'):>7}")
    lines += [
        "  FLOPs/n/s: counted from Brian2's code x activity; peak-eq: the machine's peak x loop wall; "
        "B/neuron: state bytes per neuron + per synapse x synapses per neuron;",
        "  rate, CV, corr: means over neurons / pairs; sync: mean over populations; KS: largest over "
        "populations, against the reference level; -: no neuron or pair to compute it from",
        f"  AI: asynchronous-irregular, {AI_RULE} (the calibration rule's test)",
        f"  peak from: {first['peak_source']}",
        "",
        "mean rate per population (Hz)",
    ]
    populations = list(first["populations"])
    lines.append(f"  {'level':<16}" + "".join(f"{p:>8}" for p in populations))
    for row in rows:
        lines.append(f"  {row['level']:<16}" + "".join(
            f"{_fmt(row['populations'][p]['mean_rate_hz'], '.3g'):>8}" for p in populations))
    for measure, label in (("rate", "KS distance of per-neuron rates"), ("cv_isi", "KS distance of per-neuron CVs")):
        lines += ["", f"{label} to {table['reference_level']}, per population"]
        lines.append(f"  {'level':<16}" + "".join(f"{p:>8}" for p in populations))
        for row in rows:
            by_pop = ((row["ks_vs_reference"] or {}).get(measure) or {}).get("by_population", {})
            lines.append(f"  {row['level']:<16}" + "".join(f"{_fmt(by_pop.get(p), '.3f'):>8}" for p in populations))
    published = table.get("reference_vs_published")
    if published:
        lines += ["", f"reference level ({table['reference_level']}) against the published full-scale rates "
                      f"({published['published_row']}; range over the table's sources)"]
        lines.append(f"  {'population':<12}{'published':>10}{'range':>14}{'simulated':>11}{'ratio':>8}")
        for name, entry in published["populations"].items():
            low, high = entry["published_range_hz"]
            lines.append(f"  {name:<12}{entry['published_hz']:>10.3g}{f'{low:.3g}-{high:.3g}':>14}"
                         f"{_fmt(entry['simulated_hz']):>11}{_fmt(entry['ratio'], '.2f'):>8}")
        check = published.get("check")
        if check:
            lines.append(f"  tolerance ({check['rule']}): {'met' if check['passes'] else 'NOT met'}; mean |ln ratio| "
                         f"{check['mean_abs_log_ratio']:.3f}")
        lines.append(f"  source: {published['source']}")
    lines += ["", f"human scale: {HUMAN_NEURONS:.2g} neurons for 15 biological years (derived from each run on its "
                  "machine; per-neuron cost taken as constant with size)",
              f"  {'level':<16}{'counted FLOP':>14}{'peak-eq FLOP':>14}{'wall years (linear)':>21}"]
    for row in rows:
        human = row["human_scale"]
        lines.append(f"  {row['level']:<16}{_fmt(human['counted_flops']):>14}"
                     f"{_fmt(human['peak_equivalent_flops']):>14}{_fmt(human['wall_years_linear']):>21}")
    lines.append(f"  from: {rows[0]['human_scale']['derived_from']}")
    if table.get("model_answers"):
        lines += ["", *format_model_answers(table["model_answers"])]
    if table.get("cell_levels"):
        from simnet.projection.cells import format_cell_levels

        lines += ["", format_cell_levels(table["cell_levels"])]
    for note in table["notes"]:
        lines.append(f"note: {note}")
    return "\n".join(lines)


def _short_band(band: dict) -> str:
    if not band["runs"]:
        return f"none (0 {band['regime']} runs)"
    return f"x/{band['typical_factor']:.2g} typ, x/{band['worst_factor']:.2g} worst"


def format_model_answers(found: dict) -> list[str]:
    """The lines of :func:`model_answers`: per level, size, in-degree and reference cluster, the fastest point with
    its band; what each band means is written out below the table."""
    years = found["bio_seconds"] / SECONDS_PER_YEAR
    lines = [f"the documents' answers with the performance model ({', '.join(f'{n:.2g}' for n in found['neurons'])} "
             f"neurons x {', '.join(f'{k:g}' for k in found['synapses_per_neuron'])} synapses per neuron, "
             f"{years:g} biological years): the fastest point of each reference cluster (simnet extrapolate's curves), "
             "each with the held-out error band of its regime (simnet backtest)",
             f"  {'level':<16}{'neurons':>9}{'syn/n':>7}  {'machine':<34}{'devices':>11}{'years':>10}  "
             f"{'bottleneck':<22}band"]
    for a in found["answers"]:
        flags = ("  (lower bound: " + ", ".join(a["unknown_terms"]) + " unknown)" if a["lower_bound"] else "") + (
            "  [beyond the largest machine in data/hardware.csv]" if a["beyond_largest_machine"] else "")
        lines.append(f"  {a['level']:<16}{a['neurons']:>9.2g}{a['synapses_per_neuron']:>7g}  {a['machine'][:33]:<34}"
                     f"{a['devices']:>11,d}{a['time_to_solution_s'] / SECONDS_PER_YEAR:>10.3g}  "
                     f"{a['bottleneck']:<22}{_short_band(a['band'])}{flags}")
    for text in dict.fromkeys(a["band"]["text"] for a in found["answers"]):
        lines.append(f"  band: {text}")
    return lines


def figure_inputs(table: dict) -> dict:
    """What :func:`simnet.report.figures.plot_cost_vs_fidelity` draws, taken from a fidelity table."""
    rows = table["rows"]

    def ks(row, measure):
        return ((row["ks_vs_reference"] or {}).get(measure) or {}).get("max_over_populations")

    first = rows[0]
    cells = table.get("cell_levels") or []
    measured_on = (f"{table['model']}, {first['neurons']:,} neurons, measured on {first['measured_on']} "
                   f"({first['backend']}, {first['precision']})")
    if cells:
        # a single cell's loop time is not a network's: the cell levels enter the FLOP panel only
        measured_on += "; cell levels: single cells without synapses (data/cell_costs.csv), FLOPs per cell"
    return {
        "levels": [row["level"] for row in rows] + [c["level"] for c in cells],
        "counted_flops_per_neuron_per_bio_s": [row["counted_flops_per_neuron_per_bio_s"] for row in rows]
        + [c["flops_per_cell_per_bio_s"] for c in cells],
        "sim_wall_s_per_bio_s": [row["sim_wall_s_per_bio_s"] for row in rows] + [None] * len(cells),
        "ks_rate": [ks(row, "rate") for row in rows] + [None] * len(cells),
        "ks_cv": [ks(row, "cv_isi") for row in rows] + [None] * len(cells),
        "asynchronous_irregular": [(row.get("regime") or {}).get("asynchronous_irregular") for row in rows]
        + [None] * len(cells),
        "point_notes": [None] * len(rows) + [f"single cell\n{c['compartments']:.0f} compartments" for c in cells],
        "reference_level": table["reference_level"],
        "measured_on": measured_on,
    }
