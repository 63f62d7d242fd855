"""Whether a variant's activity is the same as its baseline's: rates, ISI CV and synchrony, seed against seed.

A variant (a bench runner with ``compare_to``) changes how the program is made, not the model, so its activity
must be statistically the same as its baseline's. Each run's activity is summarised per population with
:mod:`simnet.analysis.spike_statistics` over the whole measured loop (after any pre-run): mean rate, mean ISI CV and synchrony.
Over the experiment's seeds, a statistic of a population is **within the seed-to-seed spread** when the
difference between the variant's and the baseline's means over seeds is at most the standard deviation of the
baseline's values across seeds (the spread that changing only the seed produces). It needs two seeds or more.
"""
from __future__ import annotations

import statistics
from typing import Optional

from simnet.analysis import spike_statistics
from simnet.analysis.column import analysis_window_ms, population_trains
from simnet.record.points import point_key

__all__ = ["STATISTICS", "RULE", "activity", "compare"]

#: The statistics compared, as :meth:`simnet.analysis.spike_statistics.PopulationStatistics.summary` names them.
STATISTICS = ("mean_rate_hz", "mean_cv_isi", "synchrony")
RULE = ("|mean over seeds (variant) - mean over seeds (baseline)| <= standard deviation across seeds (baseline), "
        "for every population and statistic")


def activity(record) -> dict[str, dict[str, Optional[float]]]:
    """Per population of a record with spikes: its :data:`STATISTICS` over the measured loop."""
    trains, sizes = population_trains(record)
    start_ms, stop_ms = analysis_window_ms(record, record.pre_run_s)
    measured = spike_statistics.network_statistics(trains, sizes, start_ms, stop_ms)
    return {name: {key: stats.summary()[key] for key in STATISTICS} for name, stats in measured.items()}


def compare(points: list[dict], runners: dict) -> list[dict]:
    """One entry per variant, baseline and point (its options, all seeds together): the comparison of every
    population's statistics and whether all are within the seed-to-seed spread (None below two seeds)."""
    entries = []
    for mine in points:
        baseline = runners[mine["runner"]].compare_to
        if not baseline or mine.get("activity") is None or mine.get("seed") != _first_seed(points, mine):
            continue
        key = point_key(mine["options"])
        variant_runs = _by_seed(points, mine["runner"], key)
        baseline_runs = _by_seed(points, baseline, key)
        seeds = sorted(set(variant_runs) & set(baseline_runs))
        rows = []
        for population in (baseline_runs[seeds[0]] if seeds else {}):
            for statistic in STATISTICS:
                base = [baseline_runs[s].get(population, {}).get(statistic) for s in seeds]
                test = [variant_runs[s].get(population, {}).get(statistic) for s in seeds]
                if any(v is None for v in base):
                    continue  # not measurable in the baseline either (e.g. a silent population's ISI CV)
                if any(v is None for v in test):  # the variant lost what the baseline had: not equivalent
                    rows.append({"population": population, "statistic": statistic, "baseline_values": base,
                                 "variant_values": test, "within_spread": False,
                                 "note": "missing in the variant where the baseline has it"})
                    continue
                rows.append(_row(population, statistic, base, test))
        judged = [row["within_spread"] for row in rows if row["within_spread"] is not None]
        entries.append({
            "variant_runner": mine["runner"], "baseline_runner": baseline, "options": dict(mine["options"]),
            "seeds": seeds, "rule": RULE, "rows": rows,
            "all_within_spread": all(judged) if judged and len(seeds) >= 2 else None,
            "outside_spread": [f"{r['population']} {r['statistic']}" for r in rows if r["within_spread"] is False],
        })
    return entries


def _first_seed(points: list[dict], mine: dict):
    return min(p["seed"] for p in points if p["runner"] == mine["runner"]
               and point_key(p["options"]) == point_key(mine["options"]))


def _by_seed(points: list[dict], runner: str, key) -> dict:
    return {p["seed"]: p["activity"] for p in points
            if p["runner"] == runner and point_key(p["options"]) == key and p.get("activity") is not None}


def _row(population: str, statistic: str, base: list[float], test: list[float]) -> dict:
    spread = statistics.stdev(base) if len(base) >= 2 else None
    difference = statistics.fmean(test) - statistics.fmean(base)
    return {
        "population": population, "statistic": statistic,
        "baseline_mean": statistics.fmean(base), "variant_mean": statistics.fmean(test),
        "difference": difference, "seed_spread": spread,
        "within_spread": None if spread is None else abs(difference) <= spread,
        "baseline_values": base, "variant_values": test,
    }
