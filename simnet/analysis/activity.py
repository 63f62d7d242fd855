"""What one record's activity says about itself: a start-up transient in its rates, and the column's regime.

* :func:`startup_transient` reads the stored population rates (1 ms bins, every run has them): a run whose rate
  over its first :data:`TRANSIENT_WINDOW_MS` differs from the rate over the second half of its loop by more than a
  factor :data:`TRANSIENT_FACTOR` (either way) starts with a transient that the run's mean rate and cost figures
  include; ``--pre-run`` simulates it first and leaves it out.
* :func:`column_regime` applies the fidelity ladder's asynchronous-irregular test
  (:func:`simnet.analysis.column.regime_check`) to one run of the PD14 column. That test compares synchrony
  with the reference level's, which one record does not hold: the reference is the committed measurement of the
  reference level at the run's scale (``data/pd14_reference_synchrony.csv``), else at full scale, and the result
  says which. Synchrony grows with the number of neurons sampled (at most 1000 per population), so against the
  full-scale row a small column's populations are compared at smaller samples; the CV criterion needs no
  reference.

Reads records only; never simulates.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from simnet.analysis import column, spike_statistics
from simnet.base.data_tables import read_table

__all__ = ["TRANSIENT_WINDOW_MS", "TRANSIENT_FACTOR", "TRANSIENT_MIN_LOOP_MS", "REFERENCE_SYNCHRONY_TABLE",
           "startup_transient", "reference_synchrony", "column_regime"]

#: The opening window compared with the steady state (ms).
TRANSIENT_WINDOW_MS = 20.0
#: Rate ratio (opening / second half of the loop, or its inverse) above which a transient is flagged.
TRANSIENT_FACTOR = 2.0
#: Shorter loops are not judged (the second half would overlap the opening).
TRANSIENT_MIN_LOOP_MS = 100.0
REFERENCE_SYNCHRONY_TABLE = "pd14_reference_synchrony.csv"


def _population_rates(record) -> dict[str, tuple[np.ndarray, np.ndarray, int]]:
    """(bin starts ms, rate Hz, size) per population of the record that has stored rates."""
    sizes = {name: entry["size"] for name, entry in record.counts.get("populations", {}).items()}
    names = [name for name in (record.populations or list(record.rates)) if name in record.rates]
    return {name: (*record.rates[name], int(sizes.get(name, 0))) for name in names}


def startup_transient(record) -> dict:
    """Whether the stored rates show a start-up transient (see the module docstring)."""
    rates = _population_rates(record)
    loop_ms = record.duration_s * 1e3
    result = {"rule": f"rate over the first {TRANSIENT_WINDOW_MS:g} ms of the loop against the rate over its second "
                      f"half; flagged beyond a factor {TRANSIENT_FACTOR:g} either way",
              "flagged": None, "populations": []}
    if not rates or loop_ms < TRANSIENT_MIN_LOOP_MS:
        result["reason"] = "no stored rates" if not rates else f"the loop is shorter than {TRANSIENT_MIN_LOOP_MS:g} ms"
        return result
    flagged = []
    total_opening = total_steady = 0.0
    for name, (t_ms, rate_hz, size) in rates.items():
        start = t_ms[0] if len(t_ms) else 0.0
        opening = rate_hz[t_ms < start + TRANSIENT_WINDOW_MS]
        steady = rate_hz[t_ms >= start + loop_ms / 2]
        if not len(opening) or not len(steady):
            continue
        opening_hz, steady_hz = float(opening.mean()), float(steady.mean())
        total_opening += opening_hz * size
        total_steady += steady_hz * size
        if _beyond(opening_hz, steady_hz):
            flagged.append({"population": name, "opening_hz": opening_hz, "steady_hz": steady_hz})
    neurons = sum(size for *_, size in rates.values()) or 1
    result.update(opening_hz=total_opening / neurons, steady_hz=total_steady / neurons, populations=flagged,
                  flagged=bool(flagged))
    if flagged:
        result["advice"] = (f"the mean rate and the cost figures include this transient; run with --pre-run "
                            f"(e.g. {_suggested_pre_run_ms(record):g}ms) to simulate it first and leave it out")
    return result


def _beyond(opening_hz: float, steady_hz: float) -> bool:
    if steady_hz <= 0:
        return opening_hz > 0
    return opening_hz > TRANSIENT_FACTOR * steady_hz or opening_hz < steady_hz / TRANSIENT_FACTOR


def _suggested_pre_run_ms(record) -> float:
    # the column's validation discards 500 ms (dynamics.DEFAULT_DISCARD_MS); shorter runs: a tenth of the loop
    return spike_statistics.DEFAULT_DISCARD_MS if record.model == column.MODEL_NAME else \
        max(50.0, round(record.duration_s * 1e3 / 10, -1))


def _parameter(record, name: str) -> Optional[float]:
    for key, entry in record.parameters.items():
        if key == name or key.endswith("." + name):
            try:
                return float(entry.get("value"))
            except (TypeError, ValueError):
                return None
    return None


def reference_synchrony(n_scaling: Optional[float], k_scaling: Optional[float]) -> dict:
    """The committed reference-level synchrony for a column's scale, else the full-scale one, with its source."""
    rows = read_table(REFERENCE_SYNCHRONY_TABLE).rows
    same = [row for row in rows if n_scaling is not None and k_scaling is not None
            and float(row["n_scaling"]) == n_scaling and float(row["k_scaling"]) == k_scaling]
    row = same[0] if same else max(rows, key=lambda r: float(r["n_scaling"]))
    return {"mean_synchrony": float(row["mean_synchrony"]), "window_ms": float(row["window_ms"]),
            "n_scaling": float(row["n_scaling"]),
            "k_scaling": float(row["k_scaling"]), "same_scale": bool(same), "source": row["source"]}


def column_regime(record, discard_s: float = spike_statistics.DEFAULT_DISCARD_MS / 1e3) -> Optional[dict]:
    """The asynchronous-irregular test on one run of the column; None for other models."""
    if record.model != column.MODEL_NAME:
        return None
    if not record.spike_trains:
        return {"asynchronous_irregular": None, "reason": "the run kept no spike trains (run it with --record-spikes)"}
    loop_start, loop_stop = record.loop_window_ms
    start = max(loop_start, discard_s * 1e3)
    if start >= loop_stop:
        return {"asynchronous_irregular": None,
                "reason": f"the run ends before {discard_s * 1e3:g} ms, the start-up transient the test discards"}
    spikes, sizes = column.population_trains(record)
    stats = spike_statistics.network_statistics(spikes, sizes, start, loop_stop)
    cvs = np.concatenate([s.cvs for s in stats.values()]) if stats else np.empty(0)
    synchronies = [s.synchrony for s in stats.values() if s.synchrony is not None and np.isfinite(s.synchrony)]
    row = {"mean_cv_isi": float(np.mean(cvs)) if len(cvs) else None,
           "mean_synchrony": float(np.mean(synchronies)) if synchronies else None}
    reference = reference_synchrony(_parameter(record, "n_scaling"), _parameter(record, "k_scaling"))
    verdict = column.regime_check(row, {"mean_synchrony": reference["mean_synchrony"]})
    scale = "this scale" if reference["same_scale"] else (
        f"n = {reference['n_scaling']:g}, k = {reference['k_scaling']:g} (none is committed for this run's scale; "
        "synchrony grows with the neurons sampled, so compare with care)")
    result = {**verdict, "mean_synchrony": row["mean_synchrony"], "window_ms": [start, loop_stop],
              "reference_synchrony": reference["mean_synchrony"],
              "reference": f"the reference level (lif_exp) at {scale}: {reference['source']}"}
    if loop_stop - start < reference["window_ms"]:
        # ISI CVs from a short window are biased low (long intervals do not fit), so no verdict
        result["asynchronous_irregular"] = None
        result["reason"] = (f"the window after the {discard_s * 1e3:g} ms transient, {loop_stop - start:g} ms, is "
                            f"shorter than the reference's {reference['window_ms']:g} ms (ISI CVs from a short window "
                            f"are biased low): run at least {(start + reference['window_ms']) / 1e3:g} s")
    return result
