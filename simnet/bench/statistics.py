"""The summary of an experiment: medians and spreads over repeats, scaling fits, simnet / peer ratios.

Pure: measurements (one dict per run, as :mod:`simnet.bench.execute` makes them) in, one JSON-safe dict out.
"""
from __future__ import annotations

import math
import statistics
from typing import Optional

from simnet.analysis import equivalence
from simnet.analysis.column import MODEL_NAME as COLUMN_MODEL, published_rate_check
from simnet.bench.cell_ladder import cells_agreement
from simnet.bench.experiment_file import Experiment, Runner
from simnet.models.neurons import REFERENCE_LEVEL
from simnet.peers import PEERS
from simnet.projection.fits import fit_scaling, mixes_hosts, scaling_series
from simnet.record.files import SUMMARY_FORMAT, SUMMARY_FORMAT_VERSION
from simnet.record.points import point_key, point_label

__all__ = ["MEASUREMENT_DEFINITIONS", "summarise", "median_and_spread", "points_beside", "loop_time_ratios",
           "paired_ratio_interval"]

#: What the summary's timing figures are, stored beside them.
MEASUREMENT_DEFINITIONS = {
    "sim_wall_s_per_bio_s": "wall-clock seconds of the simulation loop only (no build, compilation, synapse "
                            "creation or start-up) per second of biological time; simnet: the run record's "
                            "simulation_loop_s; peers: their own timer around the loop (brian2-plain: the same "
                            "method as simnet; nest: around nest.Run)",
    "total_wall_s_per_bio_s": "wall-clock seconds from network construction to results collected, per "
                              "biological second (simnet: the record's total_s; peers: their own total_s; "
                              "neither includes starting Python and importing the simulator)",
    "sim_wall_s_per_bio_s_per_cell": "compartmental cells: the median loop time per biological second divided by "
                                      "the cells (neurons) of the network; _per_compartment: by their compartments",
    "spike_agreement": "compartmental cells against a peer that names them: each cell's spike times (at the "
                       "compartment it thresholds, first repeat) matched in order with the peer's; a cell agrees "
                       "when both fire as many spikes and every matched pair is within tolerance_ms "
                       "(simnet.bench.cell_ladder.SPIKE_TOLERANCE_MS: why 0.5 ms is said there); "
                       "earliest_parting_ms: when any cell's two trains first differ by more than that",
    "median_min_max": "median, minimum and maximum over the repeats of one runner at one point and seed",
    "equivalence": "a variant's activity against its baseline's, seed by seed: " + equivalence.RULE,
    "peak_rss_bytes_max": "largest peak resident set size over the repeats: simnet, the larger of its process's "
                          "and the generated program's (a simnet run process also holds earlier runs' peaks); "
                          "peers, the larger of the peer process's and its children's",
    "ratios": "simnet runner / peer runner at the same point, seed, threads and precision, or a simnet runner / "
              "the runner it names in compare_to (a variant): ratio of the medians, and the median and range of "
              "the per-repeat ratios of interleaved pairs",
    "runs": "every run of a point in run order: the host that ran it (hostname), how many other runs of this "
            "experiment ran on that host at any time while it ran (points_beside: 0 means it had the host to "
            "itself as far as this experiment goes), and the host's 1-minute load average at its start and end "
            "(which also counts other work on the host)",
    "host_kinds": "CPU model, logical CPUs and GPUs of the hosts that ran a point; loop times are comparable, and "
                  "a scaling law is fitted, only within one kind",
}


def summarise(experiment: Experiment, measurements: list[dict], provenance: dict, *, complete: bool,
              quick_run: bool = False) -> dict:
    """The sweep's summary from its measurements (one dict per run, as the runners return them).

    Points with no successful repeat are listed with ``status`` "failed", their ``reasons`` and no figures.
    """
    runners = {r.label: r for r in experiment.runners}
    beside = points_beside(measurements)
    groups: dict[tuple, list[dict]] = {}
    for measured, count in zip(measurements, beside):
        key = (measured["runner"], point_key(measured["point"]), measured["seed"])
        groups.setdefault(key, []).append({**measured, "points_beside": count})
    points = [_summarise_group(runners[label], runs, experiment) for (label, _, _), runs in groups.items()]
    succeeded = [p for p in points if p["status"] == "ok"]
    fits = {name: {"runner": series["runner"], "options": series["options"], "host_kinds": series["host_kinds"],
                   "vs_neurons": _fit_entry(series, "neurons"), "vs_synapses": _fit_entry(series, "synapses")}
            for name, series in (scaling_series(succeeded) if succeeded else {}).items()}
    notes = [f"{name}: no scaling law fitted, its points ran on hosts of different kinds "
             f"({'; '.join(series['host_kinds'])})" for name, series in fits.items() if mixes_hosts(series)]
    shared = sum(1 for count in beside if count)
    if shared:
        notes.append(f"{shared} of {len(measurements)} runs shared their host with other runs of this experiment "
                     "(runs[].points_beside > 0): their loop times include that contention")
    ratios = loop_time_ratios(points, runners)
    notes.extend(f"{r['simnet_runner']} / {r['peer_runner']} at {point_label(r['options']) or 'the point'}: the two "
                 "runners ran on hosts of different kinds, so their ratio compares machines as well"
                 for r in ratios if not r["same_host_kind"])
    unmatched = sorted({p["runner"] for p in succeeded if p["kind"] == "simnet" and p.get("compartments")
                        and "cell_spike_times_ms" not in p})
    if unmatched and any("cell_spike_times_ms" in p for p in succeeded if p["kind"] == "peer"):
        notes.append(f"{', '.join(unmatched)} kept no spike trains (record_spikes is false), so its cells are set "
                     "beside the peer's by rate only; set record_spikes = true to compare them spike by spike")
    if quick_run:
        notes.append("quick run: smallest size, one repeat, first seed only; not a measurement to report")
    peer_notes = sorted({note for m in measurements for note in m.get("peer_notes", [])})
    return {
        "format": SUMMARY_FORMAT,
        "format_version": SUMMARY_FORMAT_VERSION,
        "experiment": experiment.name,
        "description": experiment.description,
        "model": experiment.model,
        "duration_s": experiment.duration_s,
        "pre_run_s": experiment.pre_run_s,
        "repeats": experiment.repeats,
        "complete": complete,
        "quick": quick_run,
        "definitions": MEASUREMENT_DEFINITIONS,
        "points": points,
        "fits": fits,
        "ratios": ratios,
        "equivalence": equivalence.compare(points, runners),
        "figures": [],
        "notes": notes + [f"peer: {note}" for note in peer_notes],
        "provenance": provenance,
    }


def _summarise_group(runner: Runner, runs: list[dict], experiment: Experiment) -> dict:
    succeeded = [m for m in runs if m["ok"]]
    first = runs[0]
    entry = {
        **runner.describe(),
        "threads": next((m["threads"] for m in succeeded), first.get("threads")),
        "options": dict(first["point"]),
        "model_options": experiment.model_options(first["point"]),
        "seed": first["seed"],
        "repeats_run": len(runs),
        "repeats_ok": len(succeeded),
        "status": "ok" if succeeded else "failed",
        "reasons": sorted({m["reason"] for m in runs if not m["ok"]}),
        "files": [m["file"] for m in runs if m.get("file")],
        "runs": [{"repeat": m["repeat"], "ok": m["ok"], "host": m.get("host"), "points_beside": m["points_beside"],
                  "load_1min": m.get("load_1min")} for m in runs],
        "host_kinds": sorted({m["host_kind"] for m in runs if m.get("host_kind")}),
        "points_beside_max": max((m["points_beside"] for m in runs if m["points_beside"] is not None),
                                 default=None),
    }
    if not succeeded:
        entry.update(neurons=first.get("requested_neurons"), synapses=None)
        for figure in ("sim_wall_s_per_bio_s", "total_wall_s_per_bio_s"):
            entry.update({f"{figure}_median": None, f"{figure}_min": None, f"{figure}_max": None,
                          f"{figure}_values": []})
        entry.update(mean_rate_hz_median=None, spikes_median=None)
        return entry
    entry["neurons"] = int(statistics.median(m["neurons"] for m in succeeded))
    entry["synapses"] = int(statistics.median(m["synapses"] for m in succeeded))
    if len({m["synapses"] for m in succeeded}) > 1:
        entry["reasons"].append("repeats built different synapse counts (median given)")
    for figure in ("sim_wall_s_per_bio_s", "total_wall_s_per_bio_s"):
        entry.update(median_and_spread([m.get(figure) for m in succeeded], figure))
    entry["mean_rate_hz_median"] = statistics.median(m["mean_rate_hz"] for m in succeeded)
    compartments = [m["compartments"] for m in succeeded if m.get("compartments")]
    if len(compartments) == len(succeeded):  # compartmental cells: the loop per cell and per compartment
        entry["compartments"] = int(statistics.median(compartments))
        loop = entry["sim_wall_s_per_bio_s_median"]
        entry["sim_wall_s_per_bio_s_per_cell"] = loop / entry["neurons"]
        entry["sim_wall_s_per_bio_s_per_compartment"] = loop / entry["compartments"]
    trains = [m.get("cell_spike_times_ms") for m in succeeded]
    if all(trains):  # compartmental cells, spike by spike (one seed: every repeat should give the same spikes)
        entry["cell_spike_times_ms"] = trains[0]
        entry["cell_spikes_same_in_every_repeat"] = all(t == trains[0] for t in trains)
    entry["population_rates_hz_median"] = _population_rate_medians(succeeded)
    check = _published_rate_check(experiment, first["point"], entry["population_rates_hz_median"])
    if check is not None:
        entry["published_rate_check"] = check
    entry["spikes_median"] = statistics.median(m["spikes"] for m in succeeded)
    entry["brian2_way"] = succeeded[0].get("brian2_way", True)
    rss = [m["peak_rss_bytes"] for m in succeeded if m.get("peak_rss_bytes")]
    entry["peak_rss_bytes_max"] = max(rss) if rss else None
    activities = [m["activity"] for m in succeeded if m.get("activity")]
    if activities:  # per population and statistic, the median over repeats (of one seed: the same network)
        entry["activity"] = {
            population: {key: _median_or_none([a.get(population, {}).get(key) for a in activities])
                         for key in values} for population, values in activities[0].items()}
    entry["versions"] = succeeded[0].get("versions", {})
    return entry


def _population_rate_medians(runs: list[dict]) -> dict:
    """Per population, the median over the repeats of its mean rate (only populations every repeat reports)."""
    names = [name for name in runs[0].get("population_rates_hz", {})
             if all(name in m.get("population_rates_hz", {}) for m in runs)]
    return {name: statistics.median(m["population_rates_hz"][name] for m in runs) for name in names}


def _published_rate_check(experiment: Experiment, point: dict, rates_hz: dict) -> Optional[dict]:
    """The reference column's rates against the published ones (None for any other model or neuron level)."""
    options = experiment.model_options(point)
    if experiment.model != COLUMN_MODEL or options.get("neuron_model", REFERENCE_LEVEL) != REFERENCE_LEVEL:
        return None
    return published_rate_check(rates_hz)


def _median_or_none(values: list) -> Optional[float]:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def median_and_spread(values: list, name: str) -> dict:
    """``<name>_median``, ``_min``, ``_max`` and ``_values`` (in run order) of the known ``values``."""
    known = [float(v) for v in values if v is not None]
    if not known:
        return {f"{name}_median": None, f"{name}_min": None, f"{name}_max": None, f"{name}_values": []}
    return {f"{name}_median": statistics.median(known), f"{name}_min": min(known), f"{name}_max": max(known),
            f"{name}_values": known}


#: Model options that set the number of neurons (COBAHH's ``neurons``, the column's ``scale``): the x axis of a
#: scaling series, not a separate series.

def _fit_entry(series: dict, axis: str) -> dict:
    if mixes_hosts(series):
        return {"available": False, "reason": "measured on hosts of different kinds: "
                                              + "; ".join(series["host_kinds"])}
    fit = fit_scaling(series[axis])
    if fit is None:
        return {"available": False, "reason": "needs measurements at two or more distinct sizes"}
    return {"available": True, **fit.to_dict()}


def points_beside(measurements: list[dict]) -> list[Optional[int]]:
    """For each run, how many other runs of ``measurements`` ran on its host while it ran (None: not known,
    e.g. a run whose worker died)."""
    spans = [(m.get("host"), m.get("started_unix"), m.get("ended_unix")) for m in measurements]
    counts = []
    for index, (host, start, end) in enumerate(spans):
        if host is None or start is None or end is None:
            counts.append(None)
            continue
        counts.append(sum(1 for other, (host2, start2, end2) in enumerate(spans)
                          if other != index and host2 == host and start2 is not None and end2 is not None
                          and start2 < end and end2 > start))
    return counts


def loop_time_ratios(points: list[dict], runners: dict[str, Runner]) -> list[dict]:
    """Loop-time ratios at the same point and seed: simnet / peer (same threads and precision), and a simnet
    runner / the simnet runner it names in ``compare_to``.

    ``comparison`` is ``"overhead"`` when the peer runs the same code path as the simnet backend (brian2-plain
    on the matching Brian2 device, simnet's tuning set to Brian2's way: the ratio is simnet's overhead),
    ``"peer"`` for another peer or a tuned simnet against plain Brian2, and
    ``"variant"`` for a simnet runner against its baseline (``peer_runner`` names the baseline, ``peer`` is "").
    """
    ok = [p for p in points if p["status"] == "ok"]
    ratios = []
    for mine in (p for p in ok if p["kind"] == "simnet"):
        for theirs in (p for p in ok if p["kind"] == "peer"):
            if (point_key(mine["options"]) != point_key(theirs["options"]) or mine["seed"] != theirs["seed"]
                    or mine["threads"] != theirs["threads"] or mine["precision"] != theirs["precision"]):
                continue
            peer = PEERS[theirs["peer"]]
            same_device = peer.same_code_path_as.get(theirs["device"]) == mine["backend"]
            if peer.name == "brian2-plain" and not same_device:
                continue  # plain Brian2 on another device is neither an overhead nor a peer comparison
            # simnet's own tuning (synapse order, sampler, vector math) makes other code than plain Brian2's
            same_path = same_device and mine.get("brian2_way", True)
            ratios.append(_ratio(mine, theirs, "overhead" if same_path else "peer", peer.name))
        baseline = runners[mine["runner"]].compare_to
        for theirs in (p for p in ok if p["runner"] == baseline and baseline):
            if point_key(mine["options"]) == point_key(theirs["options"]) and mine["seed"] == theirs["seed"]:
                ratios.append(_ratio(mine, theirs, "variant", ""))
    return ratios


def _ratio(mine: dict, theirs: dict, comparison: str, peer: str) -> dict:
    paired = [a / b for a, b in zip(mine["sim_wall_s_per_bio_s_values"], theirs["sim_wall_s_per_bio_s_values"])
              if b > 0]
    ratio = mine["sim_wall_s_per_bio_s_median"] / theirs["sim_wall_s_per_bio_s_median"]
    return {
        "simnet_runner": mine["runner"], "peer_runner": theirs["runner"], "peer": peer, "comparison": comparison,
        "options": dict(mine["options"]), "seed": mine["seed"], "neurons": mine["neurons"],
        "threads": mine["threads"], "precision": mine["precision"],
        "loop_time_ratio": ratio,
        "overhead_percent": (ratio - 1.0) * 100.0 if comparison == "overhead" else None,
        "paired_ratio_median": statistics.median(paired) if paired else None,
        "paired_ratio_min": min(paired) if paired else None,
        "paired_ratio_max": max(paired) if paired else None,
        "pairs": len(paired),
        **paired_ratio_interval(paired),
        "same_synapse_count": mine["synapses"] == theirs["synapses"],
        "same_host_kind": len(set(mine["host_kinds"]) | set(theirs["host_kinds"])) <= 1,
        "mean_rate_hz": {"simnet": mine["mean_rate_hz_median"], "peer": theirs["mean_rate_hz_median"]},
        "largest_rate_difference": _largest_rate_difference(mine, theirs),
        "spike_agreement": (cells_agreement(mine["cell_spike_times_ms"], theirs["cell_spike_times_ms"])
                            if mine.get("cell_spike_times_ms") and theirs.get("cell_spike_times_ms") else None),
    }


def _largest_rate_difference(mine: dict, theirs: dict) -> Optional[dict]:
    """The population whose median rate differs most between the two runners (of those both report), in Hz."""
    a, b = mine.get("population_rates_hz_median") or {}, theirs.get("population_rates_hz_median") or {}
    shared = [name for name in a if name in b]
    if not shared:
        return None
    name = max(shared, key=lambda n: abs(b[n] - a[n]))
    return {"population": name, "difference_hz": b[name] - a[name], "populations_compared": len(shared)}


def paired_ratio_interval(paired: list[float], confidence: float = 0.95) -> dict:
    """Geometric mean of paired loop-time ratios with a Student-t interval on their logarithms.

    Interleaved pairs share the machine's drift, so the spread of their ratios, not of either runner alone, says
    how small an overhead the experiment can resolve. None where fewer than two pairs were measured.
    """
    if len(paired) < 2 or any(r <= 0 for r in paired):
        return {"paired_ratio_geomean": None, "paired_ratio_ci_low": None, "paired_ratio_ci_high": None,
                "paired_ratio_confidence": confidence}
    from scipy import stats

    logs = [math.log(r) for r in paired]
    mean = statistics.fmean(logs)
    half = stats.t.ppf(0.5 + confidence / 2, len(logs) - 1) * statistics.stdev(logs) / math.sqrt(len(logs))
    return {"paired_ratio_geomean": math.exp(mean), "paired_ratio_ci_low": math.exp(mean - half),
            "paired_ratio_ci_high": math.exp(mean + half), "paired_ratio_confidence": confidence}
