"""A projection as plain text: the measured figures, the assumptions, then each size and device."""
from __future__ import annotations

import math

from simnet.base.units import SECONDS_PER_YEAR
from simnet.projection.extrapolate import ESTIMATE, Figure, Projection
from simnet.projection.human_scale import LARGEST_MACHINE_NODES, error_band

__all__ = ["format_projection", "format_rates", "format_backtest", "format_human_scale"]


def _g(value, spec: str = ".3g") -> str:
    return "unknown" if value is None or (isinstance(value, float) and not math.isfinite(value)) else f"{value:{spec}}"


def _count(value) -> str:
    """Device counts as integers while they are short enough to read."""
    return f"{value:,}" if isinstance(value, int) and value < 10**7 else _g(value)


def _line(f: Figure, width: int = 58) -> str:
    value = f"{_g(f.value)} {f.unit}".strip()
    if f.low is not None and f.high is not None:
        value += f" [{_g(f.low)}, {_g(f.high)}]"
    if f.value is not None and f.unit == "s":
        value += f" (= {_g(f.value / SECONDS_PER_YEAR)} years)"
    if f.value is not None and f.unit == "B" and f.value >= 1e9:
        value += f" (= {_g(f.value / 1e12)} TB)"
    return f"  [{f.kind}] {f.label:<{width}s} {value}\n      from: {f.basis}"


def format_projection(p: Projection) -> str:
    """Plain-text rendering of a :class:`Projection`: measured figures, assumptions, then each size."""
    m, a = p.measurement, p.assumptions
    lines = [f"extrapolation of {m.label}, measured on {m.measured_on}: {m.neurons:,.0f} neurons, "
             f"{m.synapses:,.0f} synapses ({m.synapses_per_neuron:.4g} per neuron), {m.bio_time_s:g} s biological",
             "measured in the run:"]
    lines += [_line(f) for f in p.figures if f.section == "measured"]
    lines.append("assumptions:")
    lines += [f"  - {note}" for note in p.assumption_notes]
    for n in a.neurons:
        at_n = [f for f in p.figures if f.neurons == n]
        lines.append(f"at {n:.3g} neurons for {a.bio_seconds:.4g} biological s "
                     f"({a.bio_seconds / SECONDS_PER_YEAR:.3g} years):")
        lines += [_line(f) for f in at_n if f.section in ("FLOPs", "memory")]
        ml = [f for f in at_n if f.section == "ML comparison"]
        if ml:
            lines.append("  [derived] total FLOPs / ML training compute (data/ml_training_compute.csv):")
            lines.append(f"      {'training run':<22s} {'counted':>10s} {'peak-equiv.':>12s}")
            for run in dict.fromkeys(f.device for f in ml):
                counted = p.get("ml_ratio_counted", neurons=n, device=run).value
                peak_eq = p.get("ml_ratio_peak_equivalent", neurons=n, device=run).value
                lines.append(f"      {run:<22s} {_g(counted):>9s}x {_g(peak_eq):>11s}x")
        lines += _device_table(p, n)
        lines += [_line(f) for f in at_n if f.section == "scaling"]
    return "\n".join(lines)


def _device_table(p: Projection, n: float) -> list[str]:
    a = p.assumptions
    names = list(dict.fromkeys(f.device for f in p.figures if f.section == "devices" and f.neurons == n))
    if not names:
        return []
    memory_cols = [f"mem@{s:g}" for s in a.synapses_per_neuron]
    header = (f"      {'device':<46s} {'wall (y)':>9s} " + " ".join(f"{c:>9s}" for c in memory_cols)
              + f" {'for ' + _g(a.target_wall_s / SECONDS_PER_YEAR) + ' y':>9s} {'energy J':>9s} {'cost USD':>9s}")
    lines = ["  devices (one row per device; columns: device-years on one device, devices needed by memory at each "
             "synapses-per-neuron, devices to finish within the target, energy, electricity cost):", header]
    for name in names:
        def value(key, **kw):
            return p.get(key, neurons=n, device=name, **kw)
        energy = value("energy_j")
        row = (f"      {name[:46]:<46s} {_g(value('device_years').value):>9s} "
               + " ".join(f"{_count(value('devices_by_memory', synapses_per_neuron=s).value):>9s}"
                          for s in a.synapses_per_neuron)
               + f" {_count(value('devices_by_time').value):>9s} {_g(energy.value):>9s}"
               + f" {_g(value('cost_usd').value):>9s}"
               + (" (est.)" if energy.value is not None and energy.kind == ESTIMATE else ""))
        lines.append(row)
    measured = names[0]
    lines.append(f"      wall-clock: {p.get('wall_s', neurons=n, device=measured).basis}; other devices: x the "
                 f"ratio of {p.measurement.precision}-precision peaks (same utilisation assumed)")
    lines.append("      energy: " + p.get("energy_j", neurons=n, device=measured).basis
                 + "; (est.) = rated board power x wall-clock, not a measurement")
    return lines


# --------------------------------------------------------------------------------------------------
# The back-test (simnet backtest)
# --------------------------------------------------------------------------------------------------

def _summary_line(label: str, s: dict) -> str:
    if not s.get("runs"):
        return f"  {label:<34s} {s.get('runs', 0):>4d} runs"
    return (f"  {label:<34s} {s['runs']:>4d} runs  geometric mean ratio {s['geometric_mean_ratio']:.3g}  "
            f"error factor {s['geometric_mean_error_factor']:.3g}  worst {s['worst_factor']:.3g}x  "
            f"within 3x {s['within_3x']}/{s['runs']}, within 1.5x {s['within_1_5x']}/{s['runs']}")


def format_rates(rates: dict) -> list[str]:
    """Each device kind's sustained fractions and per-step costs, with their sources."""
    lines = []
    for kind, r in rates.items():
        lines.append(f"  {kind}: compute {r.compute_fraction:.3g} of peak, neuron state {r.stream_fraction:.3g} and "
                     f"synaptic events {r.event_fraction:.3g} of memory bandwidth")
        for name in ("compute_fraction", "stream_fraction", "event_fraction"):
            lines.append(f"      {name.replace('_', ' ')}: {r.sources.get(name, 'not set')}")
        if kind == "cpu":
            lines.append(f"      fork-join: {r.sources.get('forkjoin', '')}")
        else:
            lines.append(f"      kernel launch: {r.sources.get('launch', '')}")
    return lines


def format_backtest(bt) -> str:
    """Plain-text rendering of a :class:`simnet.projection.backtest.Backtest`."""
    lines = [f"back-test of simnet's performance model against {len(bt.results)} runs ({bt.runs_source}), "
             f"hardware from {bt.hardware_source}",
             "  model: wall per biological second = compute + memory traffic + per-step overhead + spike scanning + "
             "load imbalance + communication latency + communication volume, per simulator kind "
             "(simnet.projection.model, .kinds; data/simulator_kinds.csv); ratio = predicted / published",
             "parameters:"]
    lines += format_rates(bt.rates)
    for kind, c in bt.calibration.items():
        lines.append(f"  calibration, {kind}: {c['what']} ({c['rule']})")
    lines.append("identification of each fitted constant (pinned = some calibration run is dominated by it):")
    for name, entry in bt.identification.items():
        lines.append(f"  {name} = {entry['value']:.3g}: {entry['verdict']}"
                     + (f" ({len(entry['pinned_by'])} runs, e.g. {entry['pinned_by'][0]})" if entry["pinned_by"] else ""))
    lines.append("summary (duplicates removed; error factor = exp(mean |ln ratio|)):")
    for role in ("calibration", "held-out", "held-out independent", "held-out rest", "multi-node", "multi-node cpu",
                 "multi-node gpu", "partial"):
        lines.append(_summary_line(role + (" (a term's inputs unknown)" if role == "partial" else ""),
                                   bt.summary.get(role, {})))
    for role in ("duplicates left out", "unverified (listed, not scored)", "not described"):
        lines.append(f"  {role:<34s} {bt.summary.get(role, {}).get('runs', 0):>4d} runs")
    for device_kind, entry in bt.summary.get("multi-node not scored", {}).get("by_device", {}).items():
        lines.append(f"  multi-node {device_kind} rows not scored, {entry['runs']}: "
                     + "; ".join(f"{count} x {reason}" for reason, count in
                                 sorted(entry["reasons"].items(), key=lambda item: -item[1])))
    independent, multi = bt.summary.get("held-out independent", {}), bt.summary.get("multi-node", {})
    lines.append("targets: independent held-out error factor <= 1.5 and every run within 3x: "
                 + (f"{'met' if independent['targets_met'] else 'NOT met'} (error factor "
                    f"{independent['geometric_mean_error_factor']:.3g}, worst {independent['worst_factor']:.3g}x, "
                    f"{independent['runs']} runs)" if independent.get("runs") else "no independent held-out run"))
    lines.append("         every multi-node run within 3x: "
                 + (f"{multi['within_3x']}/{multi['runs']} fully described multi-node runs" if multi.get("runs") else
                    "NOT shown: no multi-node run is fully described (see partial and not described)"))
    if bt.moved_runs:
        lines.append("runs moved into the calibration after their scores were seen (now held out; both scores):")
        for m in bt.moved_runs:
            held = "not in these runs" if m["ratio_held_out"] is None else f"{m['ratio_held_out']:.3g}"
            lines.append(f"  {m['run_id']}: held out {held}, in calibration {m['ratio_in_calibration']:.3g}")
    if bt.leave_one_study_out:
        lines.append("leave one study out (each study predicted by a model calibrated without it):")
        for row in bt.leave_one_study_out:
            tail = row.get("not_predictable", "") if not row.get("runs") else (
                f"error factor {row['geometric_mean_error_factor']:.3g}, worst {row['worst_factor']:.3g}x "
                f"({row['worst_run']})")
            lines.append(f"  {row['study']:<16s} {row.get('runs', 0):>3d} runs  "
                         f"{'recalibrated' if row['recalibrated_without_it'] else 'calibration unchanged'}  {tail}")
    for title, groups in (("held-out runs by predicted bottleneck", bt.by_bottleneck),
                          ("held-out runs by simulator", bt.by_simulator)):
        lines.append(title + ":")
        lines += [_summary_line(name, s) for name, s in groups.items()]
    lines.append("runs (published and predicted wall-clock s per biological s):")
    lines.append(f"  {'role':<12s} {'id':<50s} {'hardware':<32s} {'P':>5s} {'published':>10s} {'predicted':>10s} "
                 f"{'ratio':>7s}  bottleneck (kind; i = independent, d = duplicate)")
    for r in bt.results:
        if r.role == "not described":
            continue
        lines.append(f"  {r.role:<12s} {r.run_id[:50]:<50s} {r.hardware[:32]:<32s} {r.devices:>5s} "
                     f"{r.published_wall_s_per_bio_s:>10.4g} {r.predicted_wall_s_per_bio_s:>10.4g} {r.ratio:>7.3g}  "
                     f"{r.bottleneck} ({r.kind}{'; i' if r.independent else ''}{'; d' if r.duplicate_of else ''})")
        if r.failing:
            lines.append(f"  {'':<12s}   {r.failing}")
    lines.append("not described:")
    for r in bt.results:
        if r.role == "not described":
            lines.append(f"  {r.run_id[:50]:<50s} {r.reason}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# Human scale with the performance model (simnet extrapolate)
# --------------------------------------------------------------------------------------------------

def format_human_scale(clusters: list, basis: dict) -> str:
    """The performance model's projection of one run: per size and in-degree, per reference cluster, the devices
    memory needs and the strong-scaling curve with its bottleneck, energy and FLOPs."""
    if not clusters:
        return ""
    held = basis.get("backtest_summary", {}).get("held-out", {})
    years = clusters[0].bio_seconds / SECONDS_PER_YEAR
    lines = ["performance model (simnet.projection.model; `simnet backtest`: on "
             + (f"{held['runs']} held-out runs, geometric mean ratio {held['geometric_mean_ratio']:.3g}, "
                f"error factor {held['geometric_mean_error_factor']:.3g}, worst {held['worst_factor']:.3g}x)"
                if held.get("runs") else "no held-out runs)"),
             "  the run's own network (its counted FLOPs and bytes per element, mean rate, time step, precision) on "
             "a cluster of each reference machine (data/hardware.csv rows marked 'cluster'); wall-clock = compute + "
             "memory traffic + per-step overhead + communication latency + communication volume; energy = devices x "
             "rated power x time (an estimate)",
             "  sustained rates:"]
    lines += ["  " + line for line in format_rates(basis.get("rates", {}))]
    lines.append("  reference machines (figures from data/hardware.csv):")
    lines += [f"    {name}: {source}" for name, source in dict.fromkeys((c.machine, c.machine_source) for c in clusters)]
    for n in dict.fromkeys(c.neurons for c in clusters):
        for k in dict.fromkeys(c.synapses_per_neuron for c in clusters if c.neurons == n):
            group = [c for c in clusters if c.neurons == n and c.synapses_per_neuron == k]
            first = group[0]
            lines.append(f"at {n:.3g} neurons x {k:g} synapses per neuron for {years:.3g} years "
                         f"({first.state_bytes / 1e12:.3g} TB of state):")
            lines.append(f"  FLOPs counted after common-subexpression elimination {first.flops_cse:.3g} "
                         f"(the minimum arithmetic); as executed {first.flops_executed:.3g}")
            for c in group:
                fastest, bands = c.fastest, {}
                lines.append(f"  {c.machine}: {_count(c.devices_by_memory)} devices by memory")
                for p in c.points:
                    unknown = [name for name, sec in p.terms.items() if sec is None]
                    mark = ("" if p is not fastest else "  <- fastest" if not unknown else
                            f"  <- fastest only as a lower bound: {', '.join(unknown)} unknown")
                    mark += "" if p.devices <= LARGEST_MACHINE_NODES else (
                        f"  [beyond the largest machine in data/hardware.csv, {LARGEST_MACHINE_NODES:,} nodes]")
                    band = error_band(basis.get("backtest_summary"), p.devices, c.kind)
                    mark += "  band: " + band["short"]
                    bands.setdefault(band["text"])
                    energy = "unknown" if p.energy_j is None else f"{p.energy_j:.3g} J"
                    peak_eq = "unknown" if p.peak_equivalent_flops is None else f"{p.peak_equivalent_flops:.3g}"
                    lines.append(f"    {p.devices:>12,d} devices: {p.time_to_solution_s / SECONDS_PER_YEAR:10.3g} years "
                                 f"({p.wall_s_per_bio_s:.3g} s per bio-s), bottleneck {p.bottleneck}; energy {energy}; "
                                 f"peak-equivalent {peak_eq} FLOPs{mark}")
                for text in bands:
                    lines.append(f"    band: {text}")
                for note in c.notes:
                    lines.append(f"    note: {note}")
    return "\n".join(lines)
