"""Running an experiment: every point with every runner, interleaved, each run's record kept.

Runs are interleaved so that slow drift of the machine (thermal state, other load) affects every runner alike:
for each point, seed and repeat every runner runs once, in the listed order on even repeats and in reverse
order on odd ones. Each simnet run goes through the one run pipeline (:mod:`simnet.simulate`) and stores its full
:class:`~simnet.results.RunRecord`, each peer run its JSON result, under ``<out>/points/``. The summary
(:mod:`simnet.bench.stats`) is rewritten after every run (``"complete": false`` until the end), so an
interrupted sweep keeps what it measured.
"""
from __future__ import annotations

import datetime
import os
import tempfile
from pathlib import Path
from typing import Callable, Optional

from simnet import results
from simnet.bench.report import draw_figures, relative
from simnet.bench.spec import Experiment, Runner, point_label, point_slug
from simnet.bench.stats import summarise
from simnet.errors import UsageError
from simnet.peers import PEERS, run_peer
from simnet.sessions import RunSettings
from simnet.simulate import execute, plan_run, provenance
from simnet.summary import run_summary
from simnet.system import describe_machine


def prepare_out_dir(out_dir: Path, overwrite: bool) -> Path:
    """Check, before anything runs, that the sweep's folder can be written (and holds no summary to keep)."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"output folder {out_dir} is a file")
    if (out_dir / results.SUMMARY_FILE).exists() and not overwrite:
        raise UsageError(f"{out_dir / results.SUMMARY_FILE} already exists: overwrite it or choose another "
                         "output folder", parameter="overwrite")
    try:
        (out_dir / "points").mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=out_dir, prefix=".simnet-probe-", delete=True)
        probe.close()
    except OSError as err:
        raise UsageError(f"cannot write to {out_dir}: {err.strerror or err}") from None
    return out_dir


def run_experiment(experiment: Experiment, out_dir: Path, *, build_root: Optional[Path] = None,
                   log: Optional[Callable[[str], None]] = None, command_line: str = "",
                   quick_run: bool = False) -> dict:
    """Run every point of ``experiment`` with every runner and return (and write) the summary.

    Parameters
    ----------
    experiment : Experiment
        What to run.
    out_dir : Path
        Gets ``points/`` (one file per run) and ``summary.json`` plus the scaling figures.
    build_root : Path, optional
        Where standalone projects are built (simnet and peers alike).
    log : callable, optional
        Called with one line of progress per run.
    command_line : str
        Stored in the provenance.
    quick_run : bool
        Recorded in the summary (the experiment was reduced by :func:`quick`).
    """
    out_dir = Path(out_dir)
    (out_dir / "points").mkdir(parents=True, exist_ok=True)
    log = log or (lambda line: None)
    machine = describe_machine()
    started_utc = _now_utc()
    measurements: list[dict] = []
    schedule = [
        (point, seed, repeat, runner)
        for point in experiment.points()
        for seed in experiment.seeds
        for repeat in range(experiment.repeats)
        for runner in (experiment.runners if repeat % 2 == 0 else tuple(reversed(experiment.runners)))
    ]
    for index, (point, seed, repeat, runner) in enumerate(schedule, start=1):
        if runner.kind == "simnet":
            measured = _run_simnet(experiment, runner, point, seed, repeat, out_dir, build_root, command_line)
        else:
            measured = _run_peer(experiment, runner, point, seed, repeat, out_dir, build_root)
        measurements.append(measured)
        outcome = (f"loop {measured['sim_wall_s_per_bio_s']:.4g} s per biological s" if measured["ok"]
                   else f"failed: {measured['reason']}")
        log(f"[{index}/{len(schedule)}] {runner.label} {point_label(point)} seed {seed} "
            f"repeat {repeat + 1}/{experiment.repeats}: {outcome}")
        provenance = _provenance(experiment, machine, started_utc, command_line, measurements)
        results.write_summary(summarise(experiment, measurements, provenance, complete=False,
                                        quick_run=quick_run), out_dir)
    provenance = _provenance(experiment, machine, started_utc, command_line, measurements)
    summary = summarise(experiment, measurements, provenance, complete=True, quick_run=quick_run)
    summary["figures"], figure_notes = draw_figures(summary, experiment, out_dir)
    summary["notes"].extend(figure_notes)
    results.write_summary(summary, out_dir)
    return results.json_safe(summary)


def _run_simnet(experiment: Experiment, runner: Runner, point: dict, seed: int, repeat: int, out_dir: Path,
                build_root: Optional[Path], command_line: str) -> dict:
    base = _measurement_base(experiment, runner, point, seed, repeat)
    settings = RunSettings(precision=runner.precision, threads=runner.threads, build_root=build_root,
                           progress=False, reuse_build=runner.reuse_build)
    try:
        plan = plan_run(experiment.model, experiment.model_options(point), duration_s=experiment.duration_s,
                        pre_run_s=experiment.pre_run_s, backend=runner.backend, settings=settings, seed=seed,
                        record_spikes=experiment.record_spikes)
    except UsageError as err:  # not usable here, or cannot run this point's network
        return {**base, "ok": False, "reason": str(err)}
    base["threads"] = plan.backend.threads_used(settings)
    try:
        record = execute(plan, command_line=command_line or f"simnet bench {experiment.source}")
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as err:  # one failing point must not end a sweep of many; its reason is kept
        return {**base, "ok": False, "reason": one_line(err)}
    path = out_dir / "points" / f"{runner.label}_{point_slug(point)}_seed{seed}_r{repeat + 1}.h5"
    results.write(record, path, overwrite=True)
    loop_s = record.timings.get("simulation_loop_s")
    total_s = record.timings.get("total_s")
    if loop_s is None:
        return {**base, "ok": False, "reason": f"backend {runner.backend} reported no loop time",
                "file": relative(path, out_dir)}
    return {
        **base, "ok": True,
        "sim_wall_s_per_bio_s": loop_s / record.duration_s,
        "total_wall_s_per_bio_s": total_s / record.duration_s if total_s is not None else None,
        "neurons": record.n_neurons, "synapses": record.n_synapses, "spikes": record.n_spikes,
        "mean_rate_hz": record.n_spikes / (record.n_neurons * record.duration_s),
        "population_rates_hz": run_summary(record)["rates_hz"],
        "versions": dict(record.backend.get("packages") or {}),
        "file": relative(path, out_dir),
    }


def _run_peer(experiment: Experiment, runner: Runner, point: dict, seed: int, repeat: int, out_dir: Path,
              build_root: Optional[Path]) -> dict:
    base = _measurement_base(experiment, runner, point, seed, repeat)
    threads = runner.threads or (1 if runner.device == "runtime" else os.cpu_count() or 1)
    base["threads"] = threads
    arguments = {
        "model": experiment.model, "options": experiment.model_options(point), "duration_s": experiment.duration_s,
        "seed": seed, "threads": threads, "precision": runner.precision, "device": runner.device,
        "record_spikes": experiment.record_spikes, "build_root": str(build_root) if build_root else None,
    }
    result = run_peer(PEERS[runner.peer], arguments)
    path = out_dir / "points" / f"{runner.label}_{point_slug(point)}_seed{seed}_r{repeat + 1}.json"
    results.write_json({"arguments": arguments, "result": result}, path)
    if not result.get("ok"):
        return {**base, "ok": False, "reason": str(result.get("reason", "no reason given")),
                "file": relative(path, out_dir)}
    if result.get("imports_simnet"):
        return {**base, "ok": False, "reason": f"peer {runner.peer} imported simnet: not a plain peer",
                "file": relative(path, out_dir)}
    duration_s = experiment.duration_s
    return {
        **base, "ok": True,
        "sim_wall_s_per_bio_s": result["loop_s"] / duration_s,
        "total_wall_s_per_bio_s": result["total_s"] / duration_s if result.get("total_s") is not None else None,
        "neurons": result["neurons"], "synapses": result["synapses"], "spikes": result["spikes"],
        "mean_rate_hz": result["mean_rate_hz"],
        "population_rates_hz": dict(result.get("population_rates_hz") or {}),
        "versions": dict(result.get("versions") or {}),
        "peer_notes": list(result.get("notes") or []),
        "file": relative(path, out_dir),
    }


def _measurement_base(experiment: Experiment, runner: Runner, point: dict, seed: int, repeat: int) -> dict:
    return {"runner": runner.label, "point": dict(point), "seed": seed, "repeat": repeat + 1,
            "threads": runner.threads, "requested_neurons": experiment.model_options(point).get("neurons")}



def _provenance(experiment: Experiment, machine: dict, started_utc: str, command_line: str,
                measurements: list[dict]) -> dict:
    recorded = provenance(seed=0, command_line=command_line, machine=machine)
    recorded.pop("seed", None)
    recorded.pop("date_utc", None)
    peer_versions: dict[str, dict] = {}
    for measured in measurements:
        if measured.get("ok") and measured.get("versions"):
            peer_versions.setdefault(measured["runner"], measured["versions"])
    return {
        **recorded,
        "date_utc_started": started_utc,
        "date_utc_written": _now_utc(),
        "runner_versions": peer_versions,
        "run_order": "interleaved: every runner once per point, seed and repeat; listed order on odd-numbered "
                     "repeats, reversed on even-numbered ones",
        "experiment": experiment.to_dict(),
        "experiment_source": experiment.source,
        "experiment_text": experiment.source_text,
    }


def _now_utc() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def one_line(err: BaseException) -> str:
    """The type and first line of an exception: why a point failed, as its summary keeps it."""
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}".rstrip(": ")
