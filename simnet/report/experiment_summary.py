"""An experiment's summary for people: the table for a terminal and the scaling figures."""
from __future__ import annotations

import math
from pathlib import Path

from simnet.projection.fits import scaling_fits, scaling_series
from simnet.record.points import point_key, point_label
from simnet.report.figures import plot_scaling

__all__ = ["draw_figures", "measured_on", "format_experiment_summary", "relative"]


def draw_figures(summary: dict, name: str, repeats: int, out_dir: Path) -> tuple[list[str], list[str]]:
    """Log-log loop wall per biological second against neurons and against synapses, with the fits, for the
    experiment ``name`` whose points are medians of ``repeats`` runs.

    Returns the figure paths (relative to ``out_dir``) and notes on figures that could not be drawn.
    """
    succeeded = [p for p in summary["points"] if p["status"] == "ok"]
    if not succeeded:
        return [], ["no figures: no point ran successfully"]
    series = scaling_series(succeeded)
    where = f"{measured_on(summary['provenance'])}, median of {repeats} repeat(s)"
    figures = []
    for axis, label in (("neurons", "neurons"), ("synapses", "synapses")):
        measured = {name: s[axis] for name, s in series.items() if s[axis]}
        fits = {name: fit for name, fit in scaling_fits(series, axis).items() if name in measured}
        if not measured:
            continue
        paths = plot_scaling(measured, fits, label, "loop wall-clock per biological second (s/s)",
                             f"{name}: measured on {where}", out_dir / f"scaling_{axis}")
        figures.extend(relative(Path(p), out_dir) for p in paths)
    return figures, []


def measured_on(provenance: dict) -> str:
    """The kinds of host that ran an experiment's points (older summaries: the machine that wrote it)."""
    kinds = sorted({host.get("kind") or "unknown kind" for host in (provenance.get("hosts") or {}).values()})
    if kinds:
        return "; ".join(kinds)
    machine = provenance.get("machine", {})
    return f"{machine.get('cpu_model', 'unknown CPU')}, {machine.get('logical_cores', '?')} logical CPUs"


def format_experiment_summary(summary: dict) -> str:
    """The summary as a table for a terminal: one row per runner and point, then the fits and ratios."""
    provenance = summary["provenance"]
    executor = provenance.get("executor") or {}
    hosts = provenance.get("hosts") or {}
    by = ""
    if executor.get("kind") == "dask":
        by = f" by Dask ({executor.get('scheduler')}, {len(executor.get('workers') or [])} worker(s))"
    lines = [
        f"{summary['experiment']}: {summary['model']}, {summary['duration_s']:g} s of biological time per run"
        + (f" after a {summary['pre_run_s']:g} s pre-run (not in any figure)" if summary.get("pre_run_s") else "")
        + f", median of {summary['repeats']} repeat(s)" + ("" if summary["complete"] else " (incomplete)"),
        f"  measured on {measured_on(provenance)}"
        + (f" ({len(hosts)} hosts)" if len(hosts) > 1 else "") + f"{by}, {provenance.get('date_utc_started', '')}",
        "  loop = wall-clock of the simulation loop only, per biological second",
    ]
    overhead = {(r["simnet_runner"], point_key(r["options"]), r["seed"]): r["loop_time_ratio"]
                for r in summary["ratios"] if r["comparison"] == "overhead"}
    several_seeds = len({p["seed"] for p in summary["points"]}) > 1
    rows = [("runner", "point", "neurons", "synapses", "loop s/s", "min-max", "rate Hz", "vs plain")]
    for p in summary["points"]:
        others = {k: v for k, v in p["options"].items() if k != "neurons"}
        point = point_label(others) + (f" seed {p['seed']}" if several_seeds else "")
        if p["status"] != "ok":
            rows.append((p["runner"], point, _count(p["neurons"]), "", "failed", "; ".join(p["reasons"]), "", ""))
            continue
        ratio = overhead.get((p["runner"], point_key(p["options"]), p["seed"]))
        rows.append((p["runner"], point, _count(p["neurons"]), _count(p["synapses"]),
                     f"{p['sim_wall_s_per_bio_s_median']:.4g}",
                     f"{p['sim_wall_s_per_bio_s_min']:.4g}-{p['sim_wall_s_per_bio_s_max']:.4g}",
                     f"{p['mean_rate_hz_median']:.2f}", f"{ratio:.3f}" if ratio is not None else ""))
    if not any(row[1] for row in rows[1:]):
        rows = [row[:1] + row[2:] for row in rows]
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        lines.append("  " + "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())
    for p in summary["points"]:
        check = p.get("published_rate_check")
        if check:
            ratios = ", ".join(f"{name} {ratio:.2f}" for name, ratio in check["ratios"].items())
            lines.append(f"  {p['runner']} {point_label(p['options'])}: rate / published ({check['published_row']}): "
                         f"{ratios}; {check['rule']}: {'met' if check['passes'] else 'NOT met'}")
    for p in summary["points"]:
        if p.get("compartments"):
            where = point_label(p["options"])
            lines.append(f"  {p['runner']}{' ' + where if where else ''}: {_count(p['compartments'])} compartments; "
                         f"loop per cell {p['sim_wall_s_per_bio_s_per_cell']:.4g} s/s, per compartment "
                         f"{p['sim_wall_s_per_bio_s_per_compartment']:.4g} s/s")
    fit_lines = []
    for name, fit in summary["fits"].items():
        for axis in ("neurons", "synapses"):
            entry = fit[f"vs_{axis}"]
            if entry.get("available"):
                fit_lines.append(f"  {name}: loop s/s ~ {axis}^{_exponent(entry)} over {_count(entry['x_min'])}-"
                                 f"{_count(entry['x_max'])} {axis}, {entry['n_points']} points")
    if fit_lines:
        lines.append("power-law fits (derived from the medians above; interval: 95% confidence):")
        lines.extend(fit_lines)
    for r in summary["ratios"]:
        what = {"overhead": "simnet overhead", "variant": "variant / baseline"}.get(r["comparison"], "simnet / peer")
        paired = (f"; per interleaved pair median {r['paired_ratio_median']:.3f}, range "
                  f"{r['paired_ratio_min']:.3f}-{r['paired_ratio_max']:.3f} ({r['pairs']} pairs)"
                  if r["paired_ratio_median"] is not None else "")
        if r.get("paired_ratio_geomean") is not None:
            paired += (f"; geometric mean {r['paired_ratio_geomean']:.3f}, "
                       f"{r['paired_ratio_confidence']:.0%} interval {r['paired_ratio_ci_low']:.3f}-"
                       f"{r['paired_ratio_ci_high']:.3f}")
        rates = r.get("largest_rate_difference")
        if r["comparison"] != "variant" and rates:
            paired += (f"; population rates (peer - simnet) differ by at most {rates['difference_hz']:+.3g} Hz "
                       f"({rates['population']}, of {rates['populations_compared']})")
        spikes = r.get("spike_agreement")
        if spikes:
            paired += (f"; somatic spike times: {spikes['cells_agreeing']} of {spikes['cells_compared']} cells agree "
                       f"within {spikes['tolerance_ms']:g} ms")
            if spikes["max_abs_difference_ms"] is not None:
                paired += f" (largest matched difference {spikes['max_abs_difference_ms']:.3g} ms)"
            if spikes["earliest_parting_ms"] is not None:
                paired += (f", trains part from {spikes['earliest_parting_ms']:.4g} ms "
                           f"({spikes['earliest_parting_cell']})")
        where = point_label(r["options"])
        lines.append(f"{what}: {r['simnet_runner']} / {r['peer_runner']}{' at ' + where if where else ''}: "
                     f"loop time ratio {r['loop_time_ratio']:.3f}{paired}")
    for e in summary.get("equivalence", []):
        where = point_label(e["options"])
        verdict = ("not judged (needs two seeds or more)" if e["all_within_spread"] is None else
                   "every statistic within the seed-to-seed spread" if e["all_within_spread"] else
                   "outside the seed-to-seed spread: " + ", ".join(e["outside_spread"]))
        lines.append(f"activity of {e['variant_runner']} against {e['baseline_runner']}"
                     f"{' at ' + where if where else ''} ({len(e['rows'])} statistics, seeds "
                     f"{', '.join(map(str, e['seeds']))}): {verdict}")
    lines.extend(f"note: {note}" for note in summary.get("notes", []))
    if summary.get("figures"):
        lines.append("figures: " + ", ".join(summary["figures"]))
    return "\n".join(lines)


def _exponent(entry: dict) -> str:
    low, high = entry.get("exponent_low"), entry.get("exponent_high")
    known = all(v is not None and math.isfinite(v) for v in (low, high))
    interval = f" [{low:.2f}, {high:.2f}]" if known else " (no interval from 2 points)"
    return f"{entry['exponent']:.2f}{interval}"


def _count(value) -> str:
    return f"{int(value):,}" if value is not None else "?"


def relative(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` where it lies inside it (as the summary lists files), else as given."""
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return str(path)
