"""Honest scoring of the back-test: which fitted constants the calibration pins, the runs that were moved into the
calibration after their scores were seen (scored both ways), and a leave-one-study-out table (each study predicted by
a model calibrated without it). Pure functions over the rows :mod:`.backtest` reads; no I/O.
"""
from __future__ import annotations

import math
from typing import Optional

from simnet.projection.backtest import (MOVED_AFTER_SCORING, Backtest, Case, backtest, calibrated_rates,
                                        calibration_cases, error_summary, predict_case, study_key)
from simnet.projection.model import Rates

__all__ = ["DOMINANCE", "identification", "moved_runs", "leave_one_study_out"]

#: A calibration run pins a fraction when the terms that fraction sets make up more than this share of its prediction.
DOMINANCE = 0.5
#: A fraction that, doubled, moves no calibration run's prediction by more than this factor is unidentified.
SENSITIVITY = 1.1


def _share(case: Case, rates: Rates, fraction: str, intra: Optional[float]) -> float:
    """The share of ``case``'s prediction set by ``fraction`` (compute, stream or event)."""
    p = predict_case(case, rates, intra)
    if fraction == "compute":
        seconds = p.term("compute").seconds or 0.0
    elif fraction == "stream":
        phase = p.phases["neuron update"]
        seconds = phase["memory_s"] if phase["binding"] == "memory traffic" else 0.0
    else:
        seconds = sum(p.phases[name]["memory_s"] for name in ("synaptic events", "plastic updates")
                      if p.phases[name]["binding"] == "memory traffic") + (p.term("spike scanning").seconds or 0.0)
    return seconds / p.wall_s_per_bio_s


def identification(cases_by_kind: dict, rates: dict, intra: Optional[float] = None) -> dict:
    """Per device kind and fitted fraction: the calibration runs it dominates (over :data:`DOMINANCE` of their
    prediction), the largest change doubling it makes to a calibration run's prediction, and a verdict."""
    out = {}
    for kind, cases in cases_by_kind.items():
        r = rates[kind]
        for fraction in ("compute", "stream", "event"):
            name = f"{kind} {fraction}_fraction"
            if fraction in r.measured:
                out[name] = {"value": getattr(r, f"{fraction}_fraction"), "verdict": "measured (micro-benchmark)",
                             "pinned_by": []}
                continue
            doubled = r.with_fractions("", **{fraction: 2.0 * getattr(r, f"{fraction}_fraction")})
            pinned = [c.run_id for c in cases if _share(c, r, fraction, intra) > DOMINANCE]
            change = max((predict_case(c, r, intra).wall_s_per_bio_s / predict_case(c, doubled, intra).wall_s_per_bio_s
                          for c in cases), default=1.0)
            verdict = ("pinned" if pinned and change > SENSITIVITY else
                       f"unidentified: no calibration run is dominated by it (doubling it changes a prediction by "
                       f"at most {change:.3g}x)")
            out[name] = {"value": getattr(r, f"{fraction}_fraction"), "verdict": verdict, "pinned_by": pinned,
                         "largest_change_when_doubled": change}
    return out


def moved_runs(bt: Backtest, calibration_rows, hardware_rows, cost_rows, microbench_rows,
               intra: Optional[float] = None) -> list[dict]:
    """The runs of :data:`MOVED_AFTER_SCORING`: their ratio now (held out) and with them back in the calibration."""
    with_them = calibrated_rates(calibration_rows, hardware_rows, cost_rows, microbench_rows,
                                 intra_node_latency_s=intra, prefixes=MOVED_AFTER_SCORING)
    cases = calibration_cases(calibration_rows, hardware_rows, cost_rows, "cpu", prefixes=MOVED_AFTER_SCORING)
    now = {r.run_id: r for r in bt.results}
    out = []
    for case in cases:
        if not case.run_id.startswith(MOVED_AFTER_SCORING):
            continue
        other = predict_case(case, with_them["cpu"], intra).wall_s_per_bio_s / case.published_wall_s_per_bio_s
        out.append({"run_id": case.run_id, "ratio_held_out": now[case.run_id].ratio if case.run_id in now else None,
                    "ratio_in_calibration": other,
                    "fractions_with_them": {f: getattr(with_them["cpu"], f"{f}_fraction")
                                            for f in ("compute", "stream", "event")}})
    return out


def leave_one_study_out(run_rows, hardware_rows, cost_rows, microbench_rows, calibration_rows, rates: dict,
                        intra: Optional[float] = None) -> list[dict]:
    """Each study's scored runs predicted by a model calibrated without that study: per study, its runs' error
    summary and whether the calibration changed (only studies with calibration runs change it); a study whose
    device kind has no calibration run left without it is reported as not predictable."""
    full = backtest(run_rows, hardware_rows, cost_rows, rates, intra_node_latency_s=intra,
                    calibration_rows=calibration_rows)
    calibration_studies = {study_key(r.study) for r in full.results if r.role == "calibration"}
    studies = dict.fromkeys(study_key(r.study) for r in full.results
                            if r.role in ("calibration", "held-out") and not r.duplicate_of)
    table = []
    for study in studies:
        recalibrated = study in calibration_studies
        used = (calibrated_rates(calibration_rows, hardware_rows, cost_rows, microbench_rows,
                                 intra_node_latency_s=intra, without_study=study) if recalibrated else rates)
        result = backtest(run_rows, hardware_rows, cost_rows, used, intra_node_latency_s=intra,
                          calibration_rows=calibration_rows) if recalibrated else full
        mine = [r for r in result.results if study_key(r.study) == study and r.ratio is not None
                and r.role in ("calibration", "held-out") and not r.duplicate_of]
        blind = [r for r in mine if "uncalibrated" not in used[result_kind(r, hardware_rows)].sources]
        row = {"study": study, "recalibrated_without_it": recalibrated, **error_summary([r.ratio for r in blind])}
        if len(blind) < len(mine):
            row["not_predictable"] = (f"{len(mine) - len(blind)} run(s): no calibration run of their device kind "
                                      "outside this study")
        worst = max(blind, key=lambda r: abs(math.log(r.ratio)), default=None)
        row["worst_run"] = worst.run_id if worst else ""
        table.append(row)
    return table


def result_kind(result, hardware_rows) -> str:
    """The device kind (cpu, gpu) of a result's hardware row."""
    return next((row.get("kind", "") for row in hardware_rows if row["name"] == result.hardware), "")

