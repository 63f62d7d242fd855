"""The short summary of a run record, as a dict (for ``--json``) and as text (for a terminal)."""
from __future__ import annotations

from typing import Any, Optional

from simnet.analysis import activity
from simnet.record.run_record import RunRecord
from simnet.simulation.phases import per_biological_second

__all__ = ["TIMING_ROWS", "run_summary", "format_run_summary", "format_build"]

#: Timing rows of the summary: (key in record.timings, label).
TIMING_ROWS = (
    ("model_construction_s", "model construction (Python)"),
    ("code_generation_s", "code generation"),
    ("compile_s", "compilation"),
    ("build_and_run_s", "build and run (not separable)"),
    ("startup_s", "program start-up"),
    ("synapse_creation_s", "synapse creation"),
    ("initialisation_s", "state initialisation"),
    ("pre_run_s", "pre-run (excluded transient)"),
    ("simulation_loop_s", "simulation loop"),
    ("teardown_s", "program teardown"),
    ("collect_s", "collecting results"),
    ("total_s", "total"),
)


def run_summary(record: RunRecord, path: Optional[str] = None) -> dict[str, Any]:
    """The figures a user sees after a run: size, activity, time by phase, wall per biological second."""
    n_neurons = record.n_neurons
    mean_rate = record.n_spikes / (n_neurons * record.duration_s) if n_neurons and record.duration_s else None
    machine = record.provenance.get("machine", {})
    gpus = machine.get("gpus") or []
    return {
        "model": record.model,
        "description": record.description,
        "backend": record.backend.get("name"),
        "precision": record.backend.get("precision"),
        "threads": record.backend.get("threads"),
        "machine": {
            "cpu": machine.get("cpu_model"),
            "logical_cpus": machine.get("logical_cores"),
            "gpus": [g.get("name") for g in gpus],
        },
        "neurons": n_neurons,
        "synapses": record.n_synapses,
        "biological_time_s": record.duration_s,
        "spikes": record.n_spikes,
        "mean_rate_hz": mean_rate,
        "rates_hz": {
            name: pop["spikes"] / (pop["size"] * record.duration_s)
            for name, pop in record.counts.get("populations", {}).items()
            if pop["size"] and record.duration_s
        },
        "timings_s": {key: record.timings[key] for key, _ in TIMING_ROWS if record.timings.get(key) is not None},
        **per_biological_second(record.timings, record.duration_s),
        "seed": record.provenance.get("seed"),
        "file": path,
        "notes": list(record.notes),
        "startup_transient": activity.startup_transient(record),
        "regime": activity.column_regime(record),
    }


def _regime_text(regime: dict) -> str:
    if regime.get("mean_synchrony") is None and regime.get("reason"):
        return f"not judged: {regime['reason']}"
    verdict = {True: "asynchronous-irregular", False: "NOT asynchronous-irregular",
               None: f"not judged ({regime.get('reason') or 'a statistic is missing'})"}[
        regime.get("asynchronous_irregular")]
    synchrony = regime.get("mean_synchrony")
    cv = regime.get("mean_cv_isi")
    start, stop = regime["window_ms"]
    return (f"{verdict}: synchrony {synchrony:.3g} against {regime['reference_synchrony']:.3g}, mean ISI CV "
            f"{cv:.2f} ({start:g}-{stop:g} ms; rule: {regime['rule']}; reference: {regime['reference']})"
            if synchrony is not None and cv is not None else verdict)


def format_run_summary(summary: dict[str, Any]) -> str:
    """Plain-text rendering of :func:`run_summary`."""
    machine = summary["machine"]
    hardware = machine["cpu"] or "unknown CPU"
    if machine["gpus"]:
        hardware += " + " + ", ".join(machine["gpus"])
    threads = f", {summary['threads']} threads" if summary.get("threads") else ""
    lines = [
        f"{summary['description']}",
        f"  backend        {summary['backend']} ({summary['precision']} precision{threads}) on {hardware}",
        f"  neurons        {summary['neurons']:,}",
        f"  synapses       {summary['synapses']:,}",
        f"  biological     {summary['biological_time_s']:g} s",
        f"  spikes         {summary['spikes']:,}",
    ]
    if summary["mean_rate_hz"] is not None:
        per_pop = ", ".join(f"{k} {v:.2f}" for k, v in summary["rates_hz"].items())
        lines.append(f"  mean rate      {summary['mean_rate_hz']:.2f} Hz ({per_pop})")
    lines.append("  wall-clock by phase (measured):")
    labels = dict(TIMING_ROWS)
    for key, seconds in summary["timings_s"].items():
        lines.append(f"    {labels[key]:<32s}{seconds:10.3f} s")
    if "sim_wall_s_per_bio_s" in summary:
        lines.append(f"  simulation loop wall per biological second  {summary['sim_wall_s_per_bio_s']:.3f} s/s")
    if "total_wall_s_per_bio_s" in summary:
        lines.append(f"  total wall per biological second            {summary['total_wall_s_per_bio_s']:.3f} s/s")
    transient = summary.get("startup_transient") or {}
    if transient.get("flagged"):
        shown = ", ".join(f"{p['population']} {p['opening_hz']:.3g} vs {p['steady_hz']:.3g} Hz"
                          for p in transient["populations"])
        lines.append(f"  start-up transient: the first {activity.TRANSIENT_WINDOW_MS:g} ms differ from the second "
                     f"half of the loop by more than x{activity.TRANSIENT_FACTOR:g} ({shown}); "
                     f"{transient['advice']}")
    regime = summary.get("regime")
    if regime is not None:
        lines.append("  regime         " + _regime_text(regime))
    for note in summary["notes"]:
        lines.append(f"  note: {note}")
    if summary.get("file"):
        lines.append(f"  results        {summary['file']}")
    return "\n".join(lines)


def format_build(built: dict[str, Any]) -> str:
    """Plain-text rendering of a compile-only build (:func:`simnet.pipeline.compile_project`)."""
    backend = built["backend"]
    target = (f" for compute capability {built['compute_capability']:.1f}" if built.get("compute_capability")
              else "")
    lines = [f"{built['description']}", f"  compiled for {backend['name']}{target} ({backend['precision']} "
                                        f"precision); not run", f"  neurons        {built['neurons']:,}",
             "  wall-clock by phase (measured):"]
    labels = dict(TIMING_ROWS)
    for key, seconds in built["timings"].items():
        lines.append(f"    {labels.get(key, key):<32s}{seconds:10.3f} s")
    lines += [f"  note: {note}" for note in built["notes"]]
    lines.append(f"  project        {built['project'] or 'removed (keep it with --keep-build)'}")
    return "\n".join(lines)
