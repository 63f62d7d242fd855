"""Running an experiment: every point with every runner, interleaved, by an executor, resumably.

The schedule interleaves runners so that slow drift of the machine (thermal state, other load) affects every
runner alike: for each point, seed and repeat every runner runs once, in the listed order on odd-numbered repeats
and in reverse order on even-numbered ones. The serial executor runs the schedule in that order; a cluster
(:mod:`simnet.bench.executors`) starts runs in that order as workers become free and runs them side by side,
so runs close in the schedule run close in time but possibly on different hosts.

Each run is a :class:`~simnet.bench.points.PointJob`: a simnet run through the one run pipeline or a peer run,
made wherever the executor sends it. Its record goes under ``<out>/points/`` (``.h5`` or ``.json``) with
``<name>.point.json`` beside it: its measurement, the host that made it, its identity (runner, point, seed,
repeat) and the experiment's hash (:func:`experiment_hash`). Rerunning the experiment into the same folder skips
every run whose point file matches and succeeded; failed runs are run again, and ``redo`` runs everything again;
``overwrite`` first removes what an earlier experiment wrote there, as its manifest lists it
(:mod:`simnet.bench.manifest`; ``manifest.json`` is kept beside the summary). The summary
(:mod:`simnet.bench.statistics`) is rewritten after every run (``"complete": false`` until the end), so an interrupted
experiment keeps what it measured, and says so. The output folder is held for one process at a time.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from simnet.base import atomic_files
from simnet.base.errors import Interrupted, SimulationFailed, UsageError
from simnet.bench import manifest
from simnet.bench.executors import Failure, SerialExecutor
from simnet.bench.experiment_file import Experiment, Runner
from simnet.bench.points import PeerRun, PointJob, SimnetRun, deliver, marked_out_dir, point_resources, run_point
from simnet.bench.statistics import summarise
from simnet.machine.describe import describe_machine
from simnet.models import get_model
from simnet.pipeline import provenance
from simnet.record import files
from simnet.record.points import point_label, point_slug
from simnet.report.experiment_summary import draw_figures
from simnet.simulation.settings import RunSettings

__all__ = ["POINT_FORMAT", "POINT_SUFFIX", "experiment_hash", "prepare_out_dir", "schedule", "run_experiment"]

#: ``<out>/points/<name>.point.json``: one run's measurement and identity, read back to resume.
POINT_FORMAT = "simnet-point"
POINT_SUFFIX = ".point.json"
#: What every run of an experiment shares and every result depends on (``Experiment.to_dict`` keys); the
#: sweep, repeats, seeds and runners select runs and are matched per run, so a sweep can be extended.
_HASHED = ("model", "duration_s", "pre_run_s", "record_spikes", "options")


def experiment_hash(experiment: Experiment) -> str:
    """A digest of what every run of ``experiment`` shares (model, fixed options, durations, spike recording)."""
    shared = {key: value for key, value in experiment.to_dict().items() if key in _HASHED}
    return hashlib.sha256(_canonical(shared).encode()).hexdigest()[:16]


def _canonical(value) -> str:
    return json.dumps(files.json_safe(value), sort_keys=True)


def prepare_out_dir(out_dir: Path, overwrite: bool, resumes: str = "") -> Path:
    """Check, before anything runs, that the sweep's folder can be written; a summary already there must be of
    the experiment with hash ``resumes`` (it is then resumed) or ``overwrite`` given, which removes what that
    earlier experiment wrote as its manifest lists it (:mod:`simnet.bench.manifest`), so that no old run is taken
    for a new one. Without a sound manifest nothing is removed (one line says why)."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"output folder {out_dir} is not a directory", parameter="out_dir")
    summary_path = out_dir / files.SUMMARY_FILE
    if summary_path.exists() and not overwrite:
        try:
            earlier = files.read_summary(summary_path).get("provenance", {}).get("experiment_hash")
        except UsageError:
            earlier = None
        if not resumes or earlier != resumes:
            raise UsageError(f"{summary_path} already exists and is not of this experiment (its fixed options, "
                             "duration or model differ): overwrite it or choose another output folder",
                             parameter="overwrite")
    elif summary_path.exists():
        manifest.remove_written(out_dir)
    atomic_files.check_directory(out_dir, "out_dir", what="output folder")
    return out_dir


def schedule(experiment: Experiment) -> list[tuple[dict, int, int, Runner]]:
    """(point, seed, repeat from 0, runner) of every run, interleaved: see the module's docstring."""
    return [
        (point, seed, repeat, runner)
        for point in experiment.points()
        for seed in experiment.seeds
        for repeat in range(experiment.repeats)
        for runner in (experiment.runners if repeat % 2 == 0 else tuple(reversed(experiment.runners)))
    ]


def run_experiment(experiment: Experiment, out_dir: Path, *, overwrite: bool = False, executor=None,
                   redo: bool = False, build_root: Optional[Path] = None,
                   log: Optional[Callable[[str], None]] = None, command_line: str = "", quick_run: bool = False,
                   skip_memory_check: bool = False) -> dict:
    """Run every point of ``experiment`` with every runner and return (and write) the summary.

    Parameters
    ----------
    experiment : Experiment
        What to run.
    out_dir : Path
        Gets ``points/`` (one record and one point file per run) and ``summary.json`` plus the scaling figures;
        checked by :func:`prepare_out_dir` (with ``overwrite``) and held for this process while it runs.
    overwrite : bool
        Replace an earlier experiment's summary there (see :func:`prepare_out_dir`).
    executor : optional
        Runs the points (:mod:`simnet.bench.executors`; default: serially in this process); entered here.
    redo : bool
        Run every point again, even those with a matching successful record in ``out_dir``.
    build_root : Path, optional
        Where standalone projects are built (simnet and peers alike), on the host that runs each point.
    log : callable, optional
        Called with one line of progress per run.
    command_line : str
        Stored in the provenance.
    quick_run : bool
        Recorded in the summary (the experiment was reduced by :func:`quick`).
    skip_memory_check : bool
        Passed to every simnet run's plan (:func:`simnet.pipeline.plan_run`).

    Raises
    ------
    SimulationFailed
        When every run failed (the summary, with each reason, is written first).
    Interrupted
        On Ctrl-C (or another interruption), saying which finished runs the summary keeps.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"output folder {out_dir} is not a directory", parameter="out_dir")
    measurements: dict[int, dict] = {}  # by place in the schedule
    with atomic_files.created_directories(out_dir):
        atomic_files.check_directory(out_dir, "out_dir", what="output folder")
        with atomic_files.claimed(out_dir / files.SUMMARY_FILE, "out_dir"):
            prepare_out_dir(out_dir, overwrite, resumes=experiment_hash(experiment))
            try:
                return _run_all(experiment, out_dir.resolve(), measurements, executor=executor, redo=redo,
                                build_root=build_root, log=log or (lambda line: None), command_line=command_line,
                                quick_run=quick_run, skip_memory_check=skip_memory_check)
            except BaseException as err:
                if not measurements:  # nothing was made: no empty folder is left either
                    _remove_if_empty(out_dir / "points")
                if not isinstance(err, KeyboardInterrupt):
                    raise
                kept = (f"the {len(measurements)} run(s) finished are in {out_dir / files.SUMMARY_FILE} (marked "
                        "incomplete); run it again into the same folder to resume") if measurements else ""
                raise Interrupted(getattr(err, "signal_number", signal.SIGINT), kept) from None


def _remove_if_empty(directory: Path) -> None:
    try:
        directory.rmdir()
    except OSError:
        pass


def _run_all(experiment: Experiment, out_dir: Path, measurements: dict, *, executor, redo: bool,
             build_root: Optional[Path], log, command_line: str, quick_run: bool, skip_memory_check: bool) -> dict:
    (out_dir / "points").mkdir(parents=True, exist_ok=True)
    session = {"started_s": time.perf_counter(), "started_utc": _now_utc(), "machine": describe_machine()}
    digest = experiment_hash(experiment)
    earlier = {} if redo else _finished_runs(out_dir, digest)
    hosts: dict[str, dict] = {}
    to_run = {}
    for index, (point, seed, repeat, runner) in enumerate(schedule(experiment)):
        run = _ScheduledRun(index, point, seed, repeat + 1, runner)
        found = earlier.get(run.name)
        if found and _canonical(found["identity"]) == _canonical(run.identity):
            measurements[index] = found["measurement"]
            _add_host(hosts, found["measurement"], found.get("machine"))
        else:
            to_run[run.name] = run
    resumed = len(measurements)
    if resumed:
        log(f"{resumed} of {resumed + len(to_run)} runs already recorded in {out_dir}: running the other "
            f"{len(to_run)}")

    def summary_so_far(complete: bool) -> dict:
        ordered = [measurements[i] for i in sorted(measurements)]
        return summarise(experiment, ordered, _provenance(experiment, digest, session, hosts, resumed, command_line,
                                                          ordered), complete=complete, quick_run=quick_run)

    written = manifest.Manifest.resumed(out_dir)
    with marked_out_dir(out_dir) as token, (executor or SerialExecutor()) as running:
        session["executor"], session["executor_notes"] = running.describe(), running.notes()
        jobs = []
        for run in to_run.values():
            made = _point_run(experiment, run.runner, run.point, run.seed, build_root, command_line,
                              skip_memory_check)
            jobs.append(PointJob(name=run.name, run=made, out_dir=str(out_dir), out_dir_token=token,
                                 resources=point_resources(made)))
        for done, (job, outcome) in enumerate(running.map(run_point, jobs), start=1):
            run = to_run[job.name]
            machine = None
            if isinstance(outcome, Failure):
                measured = {**run.base(experiment), "ok": False, "reason": outcome.reason}
            else:
                outcome = deliver(outcome, out_dir)
                machine = outcome.pop("machine", None)
                measured = {**run.base(experiment), **outcome}
            measurements[run.index] = measured
            _add_host(hosts, measured, machine)
            files.write_json({"format": POINT_FORMAT, "experiment_hash": digest, "identity": run.identity,
                                "measurement": measured, "machine": machine}, out_dir / (run.name + POINT_SUFFIX))
            files.write_summary(summary_so_far(complete=False), out_dir)
            written.add(measured.get("file") or "", run.name + POINT_SUFFIX, files.SUMMARY_FILE)
            result = (f"loop {measured['sim_wall_s_per_bio_s']:.4g} s per biological s" if measured["ok"]
                      else f"failed: {measured['reason']}")
            log(f"[{done}/{len(jobs)}] {run.runner.label} {point_label(run.point)} seed {run.seed} repeat "
                f"{run.repeat}/{experiment.repeats}{' on ' + measured['host'] if measured.get('host') else ''}: "
                f"{result}")
    summary = summary_so_far(complete=True)
    summary["notes"].extend(session["executor_notes"])
    summary["figures"], figure_notes = draw_figures(summary, experiment.name, experiment.repeats, out_dir)
    summary["notes"].extend(figure_notes)
    path = files.write_summary(summary, out_dir)
    written.add(*summary["figures"], files.SUMMARY_FILE)
    failed = [m for m in measurements.values() if not m["ok"]]
    if failed and len(failed) == len(measurements):
        raise SimulationFailed(f"every run failed ({len(failed)} of {len(measurements)}; the first: "
                               f"{failed[0]['reason']})", kept=f"each reason is in {path}")
    return files.json_safe(summary)


@dataclass(frozen=True)
class _ScheduledRun:
    """One run of the schedule: its place in it, what it is and the names it is stored and matched under."""

    index: int
    point: dict
    seed: int
    repeat: int  # from 1
    runner: Runner

    @property
    def name(self) -> str:
        return f"points/{self.runner.label}_{point_slug(self.point)}_seed{self.seed}_r{self.repeat}"

    @property
    def identity(self) -> dict:
        return {"runner": self.runner.describe(), "point": dict(self.point), "seed": self.seed,
                "repeat": self.repeat}

    def base(self, experiment: Experiment) -> dict:
        """The measurement's fields known before it runs."""
        return {"runner": self.runner.label, "point": dict(self.point), "seed": self.seed, "repeat": self.repeat,
                "threads": self.runner.threads,
                "requested_neurons": experiment.model_options(self.point).get("neurons")}


def _point_run(experiment: Experiment, runner: Runner, point: dict, seed: int, build_root: Optional[Path],
               command_line: str, skip_memory_check: bool = False):
    if runner.kind == "simnet":
        settings = RunSettings(precision=runner.precision, threads=runner.threads, build_root=build_root,
                               progress=False, reuse_build=runner.reuse_build,
                               **({} if runner.profile is None else {"profile": runner.profile}),
                               **dict(runner.tuning))
        return SimnetRun(model=experiment.model, options=experiment.model_options(point),
                         duration_s=experiment.duration_s, pre_run_s=experiment.pre_run_s, backend=runner.backend,
                         settings=settings, seed=seed, record_spikes=experiment.record_spikes,
                         command_line=command_line or f"simnet bench {experiment.source}",
                         skip_memory_check=skip_memory_check)
    return PeerRun(peer=runner.peer, arguments={
        "model": experiment.model, "options": _peer_options(experiment, point), "duration_s": experiment.duration_s,
        "seed": seed, "threads": runner.threads, "precision": runner.precision, "device": runner.device,
        "record_spikes": experiment.record_spikes, "build_root": str(build_root) if build_root else None,
        "pre_run_s": experiment.pre_run_s,
    })


def _peer_options(experiment: Experiment, point: dict) -> dict:
    """The point's model options as a peer program is given them (a model may hand its network over as data)."""
    options = experiment.model_options(point)
    entry = get_model(experiment.model)
    return entry.peer_options(entry.parameters(**options)) if entry.peer_options else options


def _finished_runs(out_dir: Path, digest: str) -> dict[str, dict]:
    """Point files in ``out_dir`` of this experiment whose run succeeded and whose record is there, by name."""
    found = {}
    for path in sorted((out_dir / "points").glob("*" + POINT_SUFFIX)):
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            measured = entry["measurement"]
            if entry.get("format") != POINT_FORMAT or entry.get("experiment_hash") != digest or not measured["ok"]:
                continue
        except (OSError, ValueError, KeyError, TypeError):
            continue  # unreadable or of another kind: the run is made again
        if measured.get("file") and (out_dir / measured["file"]).is_file():
            found["points/" + path.name[: -len(POINT_SUFFIX)]] = entry
    return found


def _add_host(hosts: dict, measured: dict, machine: Optional[dict]) -> None:
    if measured.get("host") and machine and measured["host"] not in hosts:
        hosts[measured["host"]] = {"kind": measured.get("host_kind"), "machine": machine}


def _provenance(experiment: Experiment, digest: str, session: dict, hosts: dict, resumed: int,
                command_line: str, measurements: list[dict]) -> dict:
    """Who, what and where; ``machine`` is the client's (where the summary is written), ``hosts`` those that
    ran points, and ``session_wall_s`` this session's wall-clock so far (resumed runs not included)."""
    recorded = provenance(seed=0, command_line=command_line, machine=session["machine"])
    recorded.pop("seed", None)
    recorded.pop("date_utc", None)
    peer_versions: dict[str, dict] = {}
    for measured in measurements:
        if measured.get("ok") and measured.get("versions"):
            peer_versions.setdefault(measured["runner"], measured["versions"])
    order = ("interleaved: every runner once per point, seed and repeat; listed order on odd-numbered repeats, "
             "reversed on even-numbered ones")
    if session["executor"]["kind"] != "serial":
        order += ("; on a cluster runs start in this order as workers become free and run side by side, so "
                  "interleaved runs share drift only where they ran on the same host")
    return {
        **recorded,
        "date_utc_started": session["started_utc"],
        "date_utc_written": _now_utc(),
        "session_wall_s": time.perf_counter() - session["started_s"],
        "runs_resumed": resumed,
        "executor": session["executor"],
        "hosts": hosts,
        "runner_versions": peer_versions,
        "run_order": order,
        "experiment_hash": digest,
        "experiment": experiment.to_dict(),
        "experiment_source": experiment.source,
        "experiment_text": experiment.source_text,
    }


def _now_utc() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
