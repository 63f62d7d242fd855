"""A projection as plain text: the measured figures, the assumptions, then each size and device."""
from __future__ import annotations

import math

from simnet.projection.extrapolate import ESTIMATE, Figure, Projection
from simnet.units import SECONDS_PER_YEAR


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
