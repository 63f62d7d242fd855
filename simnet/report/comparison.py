"""Two runs side by side: their cost figures and population rates, with the ratio B / A (``simnet compare``).

As pytest-benchmark's ``compare`` does for benchmarks: one row per figure, both values and their ratio, and a
regression check on the loop time (:func:`compare_records` with ``fail_above``). Every figure is the record's
own (``record.cost``, the counts); the comparison says where the two runs were measured, and warns when that
differs, since wall-clock figures compare only on the same machine. Reads records only; never simulates.
"""
from __future__ import annotations

import math
from typing import Any, Optional

from simnet.base.errors import UsageError

__all__ = ["REGRESSION_KEY", "compare_records", "format_comparison"]

#: (key, label, unit, how to read it from a record's cost table and record)
_ROWS = (
    ("sim_wall_s_per_bio_s", "loop wall per biological second", "s/s", lambda t, r: t["sim_wall_s_per_bio_s"]),
    ("total_wall_s_per_bio_s", "total wall per biological second", "s/s",
     lambda t, r: (r.timings.get("total_s") or math.nan) / r.duration_s),
    ("compile_s", "compilation", "s", lambda t, r: r.timings.get("compile_s")),
    ("counted_flops_per_neuron_per_bio_s", "counted FLOPs / neuron / bio-s", "",
     lambda t, r: t["counted_flops_per_neuron_per_bio_s"]),
    ("peak_equivalent_flops_per_neuron_per_bio_s", "peak-equivalent FLOPs / neuron / bio-s", "",
     lambda t, r: t["peak_equivalent_flops_per_neuron_per_bio_s"]),
    ("utilisation", "utilisation", "", lambda t, r: t["utilisation"]),
    ("flops_per_synaptic_event", "FLOPs / synaptic event", "", lambda t, r: t["flops_per_synaptic_event"]),
    ("bytes_per_neuron", "state bytes / neuron", "B", lambda t, r: t["bytes_per_neuron"]),
    ("bytes_per_synapse", "state bytes / synapse", "B", lambda t, r: t["bytes_per_synapse"]),
    # The simulation's own peak apart from the compiler's: a standalone run's children mix both, and the compiler
    # (~1 GiB) usually wins, so "largest child" read as the simulation's memory misleads (older records lack them).
    ("peak_rss_program_bytes", "peak RSS, simulation program", "B", lambda t, r: _program_peak(t, r)),
    ("peak_rss_compiler_bytes", "peak RSS, compiler", "B",
     lambda t, r: (t["peak_rss_bytes"] or {}).get("compiler_bytes")),
    ("peak_rss_python_bytes", "peak RSS, simnet's Python process", "B",
     lambda t, r: (t["peak_rss_bytes"] or {}).get("self_bytes")),
    ("joules_per_bio_s", "energy / biological second", "J", lambda t, r: t["joules_per_bio_s"]),
    ("neurons", "neurons", "", lambda t, r: t["neurons"]),
    ("synapses", "synapses", "", lambda t, r: t["synapses"]),
    ("spikes_per_bio_s", "spikes / biological second", "", lambda t, r: r.n_spikes / r.duration_s),
)
#: The figure ``fail_above`` checks.
REGRESSION_KEY = "sim_wall_s_per_bio_s"


def _program_peak(table: dict, record) -> Optional[float]:
    """The simulation program's own peak RSS: a standalone program's (written at its exit), or in runtime mode
    simnet's Python process, which runs the simulation itself."""
    peaks = table["peak_rss_bytes"] or {}
    if peaks.get("program_bytes") is not None:
        return peaks["program_bytes"]
    return peaks.get("self_bytes") if record.backend.get("name") == "runtime" else None


def _neuron_models(record) -> str:
    """The neuron model(s) a run used: its ``neuron_model`` parameter, else the model types of its populations."""
    entry = record.parameters.get("neuron_model")
    if entry is not None:
        return str(entry.get("value"))
    models = (record.cost_detail.get("flops") or {}).get("neuron_models") or []
    return ", ".join(sorted({str(m["izhikevich_model_type"]) for m in models if m.get("izhikevich_model_type")}))


def _ratio(a, b) -> Optional[float]:
    if a is None or b is None or not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        return None
    if not (math.isfinite(a) and math.isfinite(b)) or a == 0:
        return None
    return b / a


def _positive(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0


def _where(record) -> str:
    machine = record.provenance.get("machine", {})
    gpus = ", ".join(g.get("name", "?") for g in machine.get("gpus") or [])
    threads = record.backend.get("threads")
    return (f"{record.backend.get('name')} ({record.backend.get('precision')}"
            f"{f', {threads} threads' if threads else ''}) on {gpus or machine.get('cpu_model') or 'unknown'}"
            f" [{machine.get('hostname', '?')}], {record.provenance.get('date_utc', '?')}")


def compare_records(a, b, labels: tuple[str, str] = ("A", "B"), fail_above: Optional[float] = None) -> dict:
    """Cost figures and population rates of runs ``a`` and ``b`` (records with a cost section), ratio b / a.

    With ``fail_above``, ``regressed`` is True when B's loop wall per biological second exceeds A's by more than
    that factor (None when either loop time is unknown).
    """
    if fail_above is not None and not (fail_above > 0 and math.isfinite(fail_above)):
        raise UsageError(f"fail_above must be a positive ratio, got {fail_above}", parameter="fail_above")
    tables = []
    for label, record in zip(labels, (a, b)):
        if not record.cost_detail:
            raise UsageError(f"{label} has no cost section (written by an older simnet)")
        tables.append(record.cost)
    rows = []
    for key, label, unit, read in _ROWS:
        value_a, value_b = read(tables[0], a), read(tables[1], b)
        rows.append({"key": key, "label": label, "unit": unit, "a": value_a, "b": value_b,
                     "ratio": _ratio(value_a, value_b)})
    rates = []
    pops_a, pops_b = a.counts.get("populations", {}), b.counts.get("populations", {})
    for name in [p for p in a.populations if p in pops_b] or [p for p in pops_a if p in pops_b]:
        rate_a = pops_a[name]["spikes"] / (pops_a[name]["size"] * a.duration_s) if pops_a[name]["size"] else None
        rate_b = pops_b[name]["spikes"] / (pops_b[name]["size"] * b.duration_s) if pops_b[name]["size"] else None
        rates.append({"population": name, "a_hz": rate_a, "b_hz": rate_b, "ratio": _ratio(rate_a, rate_b)})
    loop_ratio = next(r["ratio"] for r in rows if r["key"] == REGRESSION_KEY)
    loop = next(r for r in rows if r["key"] == REGRESSION_KEY)
    if fail_above is not None and not (_positive(loop["a"]) and _positive(loop["b"])):
        # an unknown, zero or non-finite loop time never passes the check (a missing one reads as 0)
        which = labels[0] if not _positive(loop["a"]) else labels[1]
        raise UsageError(f"fail_above cannot be checked: the loop time per biological second of {which} is "
                         "unknown, not finite or not positive", parameter="fail_above")
    notes = []
    if a.model != b.model:
        notes.append(f"different models ({a.model} and {b.model}): the figures compare the models too")
    neurons_a, neurons_b = _neuron_models(a), _neuron_models(b)
    if neurons_a and neurons_b and neurons_a != neurons_b:
        notes.append(f"different neuron models ({neurons_a} and {neurons_b}): FLOPs, memory and time per neuron "
                     "compare the neuron models too")
    hosts = [r.provenance.get("machine", {}).get("hostname") for r in (a, b)]
    if hosts[0] != hosts[1]:
        notes.append("measured on different machines: wall-clock and energy ratios compare the machines too")
    return {
        "labels": list(labels), "where": [_where(a), _where(b)], "rows": rows, "rates": rates, "notes": notes,
        "fail_above": fail_above, "loop_ratio": loop_ratio,
        "regressed": None if fail_above is None or loop_ratio is None else bool(loop_ratio > fail_above),
    }


def _number(value: Any, unit: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if unit == "B" and value >= 2**20:
        return f"{value / 2**20:.4g} MiB"
    return f"{value:.4g}{' ' + unit if unit else ''}"


def format_comparison(comparison: dict) -> str:
    """Plain-text rendering of :func:`compare_records`."""
    label_a, label_b = comparison["labels"]
    lines = [f"A: {label_a}", f"   {comparison['where'][0]}", f"B: {label_b}", f"   {comparison['where'][1]}", "",
             f"{'':<40s} {'A':>14s} {'B':>14s} {'B / A':>8s}"]
    for row in comparison["rows"]:
        ratio = f"{row['ratio']:.3f}" if row["ratio"] is not None else "-"
        lines.append(f"{row['label']:<40s} {_number(row['a'], row['unit']):>14s} {_number(row['b'], row['unit']):>14s} "
                     f"{ratio:>8s}")
    if comparison["rates"]:
        lines.append("mean rate, Hz")
        for rate in comparison["rates"]:
            ratio = f"{rate['ratio']:.3f}" if rate["ratio"] is not None else "-"
            lines.append(f"  {rate['population']:<38s} {_number(rate['a_hz'], ''):>14s} "
                         f"{_number(rate['b_hz'], ''):>14s} {ratio:>8s}")
    for note in comparison["notes"]:
        lines.append(f"note: {note}")
    if comparison["regressed"] is not None:
        verdict = "REGRESSED" if comparison["regressed"] else "ok"
        lines.append(f"loop time B / A = {comparison['loop_ratio']:.3f} against --fail-above "
                     f"{comparison['fail_above']:g}: {verdict}")
    return "\n".join(lines)
