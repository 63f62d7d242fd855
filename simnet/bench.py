"""Benchmarks: experiment files, the points they expand to, running them, and the summary of a sweep.

An experiment file (TOML, declarative, no code) names a model, its fixed options, the swept options (the
cartesian product of their values gives the points), the biological duration, repeats and seeds, and the
runners that run every point: simnet backends and peer programs (:mod:`simnet.peers`). For example::

    name = "cobahh-overhead"
    model = "cobahh"
    duration = "1s"
    repeats = 5
    seeds = [1]
    [options]
    mode = "classic"
    plasticity = "stdp"
    [sweep]
    neurons = [4000]
    [[runners]]
    kind = "simnet"
    backend = "cpp"
    threads = 2
    [[runners]]
    kind = "peer"
    peer = "brian2-plain"
    device = "cpp_standalone"
    threads = 2

Runs are interleaved so that slow drift of the machine (thermal state, other load) affects every runner alike:
for each point, seed and repeat every runner runs once, in the listed order on even repeats and in reverse
order on odd ones. Each simnet run stores its full :class:`~simnet.results.RunRecord` and each peer run its
JSON result under ``<out>/points/``; ``<out>/summary.json`` holds, per runner and point, the median and spread
(min, max) over repeats of the loop wall-clock per biological second, the power-law fits of that figure
against neurons and synapses, the simnet / peer loop-time ratios, and the provenance (machine, versions,
commit, date, the experiment file's text). The summary is rewritten after every run (``"complete": false``
until the end), so an interrupted sweep keeps what it measured.
"""
from __future__ import annotations

import datetime
import itertools
import json
import math
import os
import re
import statistics
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Optional

from simnet import atomicfile
from simnet.errors import UsageError

SUMMARY_FORMAT = "simnet-bench-summary"
SUMMARY_FORMAT_VERSION = 1
SUMMARY_FILE = "summary.json"

_EXPERIMENT_KEYS = ("name", "description", "model", "duration", "pre_run", "repeats", "seeds", "record_spikes",
                    "options", "sweep", "runners")
_SIMNET_RUNNER_KEYS = ("kind", "label", "backend", "threads", "precision", "reuse_build")
_PEER_RUNNER_KEYS = ("kind", "label", "peer", "device", "threads", "precision")
_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

#: What the summary's timing figures are, stored beside them.
MEASUREMENT_DEFINITIONS = {
    "sim_wall_s_per_bio_s": "wall-clock seconds of the simulation loop only (no build, compilation, synapse "
                            "creation or start-up) per second of biological time; simnet: the run record's "
                            "simulation_loop_s; peers: their own timer around the loop (brian2-plain: the same "
                            "method as simnet; nest: around nest.Run)",
    "total_wall_s_per_bio_s": "wall-clock seconds from network construction to results collected, per "
                              "biological second (simnet: the record's total_s; peers: their own total_s; "
                              "neither includes starting Python and importing the simulator)",
    "median_min_max": "median, minimum and maximum over the repeats of one runner at one point and seed",
    "ratios": "simnet runner / peer runner at the same point, seed, threads and precision: ratio of the medians, "
              "and the median and range of the per-repeat ratios of interleaved pairs",
}


@dataclass(frozen=True)
class Runner:
    """What runs a point: a simnet backend (``kind = "simnet"``) or a peer program (``kind = "peer"``)."""

    label: str
    kind: str
    backend: str = ""
    peer: str = ""
    device: str = ""
    #: None: every logical CPU of the machine (as ``simnet run`` does)
    threads: Optional[int] = None
    precision: str = "double"
    #: simnet runners: build in a kept directory per network, so repeats recompile only what changed
    reuse_build: bool = False

    def describe(self) -> dict:
        described = {"runner": self.label, "kind": self.kind, "threads_requested": self.threads,
                     "precision": self.precision}
        if self.kind == "simnet":
            described.update(backend=self.backend, reuse_build=self.reuse_build)
        else:
            described.update(peer=self.peer, device=self.device)
        return described


@dataclass(frozen=True)
class Experiment:
    """A validated experiment: what to run, at which points, how often and by which runners."""

    name: str
    description: str
    model: str
    duration_s: float
    repeats: int
    seeds: tuple[int, ...]
    record_spikes: bool
    #: fixed model options
    options: dict
    #: swept model options, in file order: name -> values
    sweep: dict
    runners: tuple[Runner, ...]
    #: where it came from (a path, or "command line") and its text, for the provenance
    source: str = ""
    source_text: str = ""
    #: biological time simulated before ``duration`` and left out of every figure (simnet runners only)
    pre_run_s: float = 0.0

    def points(self) -> list[dict]:
        """The swept options of every point: the cartesian product of the sweep, in file order."""
        names = list(self.sweep)
        return [dict(zip(names, values)) for values in itertools.product(*(self.sweep[n] for n in names))]

    def model_options(self, point: dict) -> dict:
        """Every model option of ``point``: the fixed options and its swept values."""
        return {**self.options, **point}

    def to_dict(self) -> dict:
        return {
            "name": self.name, "description": self.description, "model": self.model,
            "duration_s": self.duration_s, "pre_run_s": self.pre_run_s, "repeats": self.repeats,
            "seeds": list(self.seeds), "record_spikes": self.record_spikes, "options": dict(self.options),
            "sweep": {k: list(v) for k, v in self.sweep.items()},
            "runners": [r.describe() for r in self.runners], "source": self.source,
        }


# ----------------------------------------------------------------------------------------------------------
# Experiment files
# ----------------------------------------------------------------------------------------------------------

def load_experiment(path: Path) -> Experiment:
    """Read and validate an experiment file; any problem is a :class:`UsageError` naming the file."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise UsageError(f"no such experiment file: {path}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(f"{path}: cannot read the experiment file: {err}") from None
    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise UsageError(f"{path}: not valid TOML: {err}") from None
    return experiment_from_dict(data, source=str(path), source_text=text)


def experiment_from_dict(data: dict, source: str, source_text: str = "") -> Experiment:
    """Validate the parsed content of an experiment file (or one built from the command line)."""
    from simnet.backends import BACKENDS, PRECISIONS
    from simnet.models import get_model, model_names
    from simnet.peers import PEERS

    def problem(message: str) -> UsageError:
        return UsageError(f"{source}: {message}")

    unknown = sorted(set(data) - set(_EXPERIMENT_KEYS))
    if unknown:
        raise problem(f"unknown key(s) {', '.join(unknown)}; an experiment takes {', '.join(_EXPERIMENT_KEYS)}")
    for required in ("name", "model", "runners"):
        if required not in data:
            raise problem(f"missing key {required!r}")
    name = data["name"]
    if not isinstance(name, str) or not _NAME_PATTERN.match(name):
        raise problem(f"name must be letters, digits, '.', '_' or '-' (it names the output folder), got {name!r}")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise problem("description must be a string")
    model = data["model"]
    if not isinstance(model, str) or model not in model_names():
        raise problem(f"unknown model {model!r}; choose one of {', '.join(model_names())}")
    entry = get_model(model)
    duration_s = _duration_s(data.get("duration", "1s"), problem)
    pre_run_s = _duration_s(data["pre_run"], problem, "pre_run", allow_zero=True) if "pre_run" in data else 0.0
    repeats = data.get("repeats", 1)
    if not _is_int(repeats) or repeats < 1:
        raise problem(f"repeats must be a positive integer, got {repeats!r}")
    seeds = data.get("seeds", [1])
    if not isinstance(seeds, list) or not seeds or not all(_is_int(s) and s >= 0 for s in seeds):
        raise problem(f"seeds must be a non-empty list of non-negative integers, got {seeds!r}")
    if len(set(seeds)) != len(seeds):
        raise problem(f"seeds repeat a value: {seeds!r}")
    record_spikes = data.get("record_spikes", False)
    if not isinstance(record_spikes, bool):
        raise problem(f"record_spikes must be true or false, got {record_spikes!r}")

    options = data.get("options", {})
    sweep = data.get("sweep", {})
    for table, content in (("options", options), ("sweep", sweep)):
        if not isinstance(content, dict):
            raise problem(f"[{table}] must be a table of model options")
        for option in content:
            if option not in entry.options:
                raise problem(f"[{table}] {option}: model {model} takes the options {', '.join(entry.options)}")
    for option, value in options.items():
        if not _is_scalar(value):
            raise problem(f"[options] {option} must be a single value (sweep lists go under [sweep])")
    for option, values in sweep.items():
        if not isinstance(values, list) or not values or not all(_is_scalar(v) for v in values):
            raise problem(f"[sweep] {option} must be a non-empty list of values")
        if len(set(map(repr, values))) != len(values):
            raise problem(f"[sweep] {option} repeats a value")
        if option in options:
            raise problem(f"{option} is both fixed under [options] and swept under [sweep]")

    runners_data = data["runners"]
    if not isinstance(runners_data, list) or not runners_data or not all(isinstance(r, dict) for r in runners_data):
        raise problem("runners must be a list of tables ([[runners]] with kind = \"simnet\" or \"peer\")")
    option_names = set(options) | set(sweep)
    runners = []
    for index, raw in enumerate(runners_data, start=1):
        where = f"runner {index}"
        kind = raw.get("kind")
        if kind == "simnet":
            _check_keys(raw, _SIMNET_RUNNER_KEYS, where, problem)
            backend = raw.get("backend", "cpp")
            if backend not in BACKENDS and backend != "auto":
                raise problem(f"{where}: unknown backend {backend!r}; choose one of "
                              f"{', '.join([*BACKENDS, 'auto'])}")
            precision = _precision(raw, tuple(PRECISIONS), where, problem)
            reuse_build = raw.get("reuse_build", False)
            if not isinstance(reuse_build, bool):
                raise problem(f"{where}: reuse_build must be true or false, got {reuse_build!r}")
            runner = Runner(label=raw.get("label") or f"simnet-{backend}", kind="simnet", backend=backend,
                            threads=_threads(raw, where, problem), precision=precision, reuse_build=reuse_build)
        elif kind == "peer":
            _check_keys(raw, _PEER_RUNNER_KEYS, where, problem)
            peer_name = raw.get("peer")
            if peer_name not in PEERS:
                raise problem(f"{where}: unknown peer {peer_name!r}; choose one of {', '.join(PEERS)}")
            peer = PEERS[peer_name]
            if model not in peer.models:
                raise problem(f"{where}: peer {peer_name} does not run model {model} "
                              f"(it runs {', '.join(peer.models)})")
            untaken = sorted(option_names - set(peer.models[model]))
            if untaken:
                raise problem(f"{where}: peer {peer_name} does not take the option(s) {', '.join(untaken)}")
            if peer.devices:
                device = raw.get("device", peer.devices[0])
                if device not in peer.devices:
                    raise problem(f"{where}: peer {peer_name} runs on {', '.join(peer.devices)}, not {device!r}")
            elif "device" in raw:
                raise problem(f"{where}: peer {peer_name} takes no device")
            else:
                device = ""
            precision = _precision(raw, peer.precisions, where, problem)
            threads = _threads(raw, where, problem)
            if device == "runtime" and threads not in (None, 1):
                raise problem(f"{where}: Brian2's runtime device runs on one thread; drop threads or set 1")
            default_label = peer_name + (f"-{device}" if len(peer.devices) > 1 else "")
            runner = Runner(label=raw.get("label") or default_label, kind="peer", peer=peer_name, device=device,
                            threads=threads, precision=precision)
        else:
            raise problem(f"{where}: kind must be \"simnet\" or \"peer\", got {kind!r}")
        if runner.kind == "peer" and pre_run_s > 0:
            raise problem(f"{where}: pre_run is supported by simnet runners only (peers would time a different "
                          "stretch of the run); drop pre_run or the peer")
        if not isinstance(runner.label, str) or not _NAME_PATTERN.match(runner.label):
            raise problem(f"{where}: label must be letters, digits, '.', '_' or '-', got {runner.label!r}")
        runners.append(runner)
    labels = [r.label for r in runners]
    duplicated = sorted({label for label in labels if labels.count(label) > 1})
    if duplicated:
        raise problem(f"two runners are both called {duplicated[0]!r}: give them distinct labels (label = ...)")

    experiment = Experiment(
        name=name, description=description, model=model, duration_s=duration_s, repeats=int(repeats),
        seeds=tuple(int(s) for s in seeds), record_spikes=record_spikes, options=dict(options),
        sweep={k: tuple(v) for k, v in sweep.items()}, runners=tuple(runners), source=source,
        source_text=source_text, pre_run_s=pre_run_s,
    )
    for point in experiment.points():
        try:
            entry.parameters(**experiment.model_options(point))
        except (UsageError, TypeError) as err:
            raise problem(f"point {_point_label(point) or '(fixed options)'}: {err}") from None
    return experiment


def quick(experiment: Experiment) -> Experiment:
    """The smallest version of ``experiment``: the smallest value of every numeric swept option, one repeat and
    the first seed (for tests and smoke runs)."""
    sweep = {
        name: (min(values),) if all(_is_number(v) for v in values) else values
        for name, values in experiment.sweep.items()
    }
    return replace(experiment, sweep=sweep, repeats=1, seeds=experiment.seeds[:1])


def with_repeats(experiment: Experiment, repeats: int) -> Experiment:
    if repeats < 1:
        raise UsageError(f"--repeats must be at least 1, got {repeats}")
    return replace(experiment, repeats=repeats)


def _duration_s(value: Any, problem: Callable[[str], UsageError], key: str = "duration",
                allow_zero: bool = False) -> float:
    from simnet.units import parse_time_s

    if not isinstance(value, str):
        raise problem(f"{key} must be a string such as \"1s\" or \"500ms\", got {value!r}")
    try:
        return parse_time_s(value, key, allow_zero=allow_zero)
    except UsageError as err:
        raise problem(str(err)) from None


def _check_keys(raw: dict, allowed: tuple[str, ...], where: str, problem) -> None:
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        raise problem(f"{where}: unknown key(s) {', '.join(unknown)}; a {raw['kind']} runner takes "
                      f"{', '.join(allowed)}")


def _threads(raw: dict, where: str, problem) -> Optional[int]:
    threads = raw.get("threads")
    if threads is not None and (not _is_int(threads) or threads < 1):
        raise problem(f"{where}: threads must be a positive integer, got {threads!r}")
    return threads


def _precision(raw: dict, allowed: tuple[str, ...], where: str, problem) -> str:
    precision = raw.get("precision", "double")
    if precision not in allowed:
        raise problem(f"{where}: precision must be {' or '.join(allowed)}, got {precision!r}")
    return precision


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


def _point_label(point: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in point.items())


def _point_slug(point: dict) -> str:
    slug = "_".join(f"{k}-{v}" for k, v in point.items()) or "point"
    return re.sub(r"[^A-Za-z0-9._-]", "-", slug)


# ----------------------------------------------------------------------------------------------------------
# Running
# ----------------------------------------------------------------------------------------------------------

def prepare_out_dir(out_dir: Path, overwrite: bool) -> Path:
    """Check, before anything runs, that the sweep's folder can be written (and holds no summary to keep)."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"output folder {out_dir} is a file")
    if (out_dir / SUMMARY_FILE).exists() and not overwrite:
        raise UsageError(f"{out_dir / SUMMARY_FILE} already exists; pass --overwrite or choose --out-dir")
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
    from simnet.cost.hardware import describe_machine

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
        log(f"[{index}/{len(schedule)}] {runner.label} {_point_label(point)} seed {seed} "
            f"repeat {repeat + 1}/{experiment.repeats}: {outcome}")
        provenance = _provenance(experiment, machine, started_utc, command_line, measurements)
        write_summary(summarise(experiment, measurements, provenance, complete=False, quick_run=quick_run),
                      out_dir)
    provenance = _provenance(experiment, machine, started_utc, command_line, measurements)
    summary = summarise(experiment, measurements, provenance, complete=True, quick_run=quick_run)
    summary["figures"], figure_notes = draw_figures(summary, experiment, out_dir)
    summary["notes"].extend(figure_notes)
    write_summary(summary, out_dir)
    return _finite(summary)


def _run_simnet(experiment: Experiment, runner: Runner, point: dict, seed: int, repeat: int, out_dir: Path,
                build_root: Optional[Path], command_line: str) -> dict:
    import brian2

    from simnet import results
    from simnet.backends import RunSettings, resolve_backend
    from simnet.models import get_model
    from simnet.simulate import run_model
    from simnet.summary import run_summary

    options = experiment.model_options(point)
    base = _measurement_base(experiment, runner, point, seed, repeat)
    entry = get_model(experiment.model)
    spec = entry.build_spec(entry.parameters(**options))
    try:
        backend = resolve_backend(runner.backend, spec, pre_run=experiment.pre_run_s > 0)
    except UsageError as err:  # not usable here, or cannot run this point's network
        return {**base, "ok": False, "reason": str(err)}
    settings = RunSettings(precision=runner.precision, threads=runner.threads, build_root=build_root,
                           progress=False, reuse_build=runner.reuse_build)
    base["threads"] = backend.threads_used(settings)
    try:
        record = run_model(spec, backend, settings, experiment.duration_s * brian2.second, seed=seed,
                           record_spikes=experiment.record_spikes, pre_run=experiment.pre_run_s * brian2.second,
                           command_line=command_line or f"simnet bench {experiment.source}")
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as err:  # one failing point must not end a sweep of many; its reason is kept
        return {**base, "ok": False, "reason": _one_line(err)}
    path = out_dir / "points" / f"{runner.label}_{_point_slug(point)}_seed{seed}_r{repeat + 1}.h5"
    results.write(record, path, overwrite=True)
    loop_s = record.timings.get("simulation_loop_s")
    total_s = record.timings.get("total_s")
    if loop_s is None:
        return {**base, "ok": False, "reason": f"backend {runner.backend} reported no loop time",
                "file": _relative(path, out_dir)}
    return {
        **base, "ok": True,
        "sim_wall_s_per_bio_s": loop_s / record.duration_s,
        "total_wall_s_per_bio_s": total_s / record.duration_s if total_s is not None else None,
        "neurons": record.n_neurons, "synapses": record.n_synapses, "spikes": record.n_spikes,
        "mean_rate_hz": record.n_spikes / (record.n_neurons * record.duration_s),
        "population_rates_hz": run_summary(record)["rates_hz"],
        "versions": dict(record.backend.get("packages") or {}),
        "file": _relative(path, out_dir),
    }


def _run_peer(experiment: Experiment, runner: Runner, point: dict, seed: int, repeat: int, out_dir: Path,
              build_root: Optional[Path]) -> dict:
    from simnet.peers import PEERS, run_peer

    base = _measurement_base(experiment, runner, point, seed, repeat)
    threads = runner.threads or (1 if runner.device == "runtime" else os.cpu_count() or 1)
    base["threads"] = threads
    arguments = {
        "model": experiment.model, "options": experiment.model_options(point), "duration_s": experiment.duration_s,
        "seed": seed, "threads": threads, "precision": runner.precision, "device": runner.device,
        "record_spikes": experiment.record_spikes, "build_root": str(build_root) if build_root else None,
    }
    result = run_peer(PEERS[runner.peer], arguments)
    path = out_dir / "points" / f"{runner.label}_{_point_slug(point)}_seed{seed}_r{repeat + 1}.json"
    _write_json_atomic({"arguments": arguments, "result": result}, path)
    if not result.get("ok"):
        return {**base, "ok": False, "reason": str(result.get("reason", "no reason given")),
                "file": _relative(path, out_dir)}
    if result.get("imports_simnet"):
        return {**base, "ok": False, "reason": f"peer {runner.peer} imported simnet: not a plain peer",
                "file": _relative(path, out_dir)}
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
        "file": _relative(path, out_dir),
    }


def _measurement_base(experiment: Experiment, runner: Runner, point: dict, seed: int, repeat: int) -> dict:
    return {"runner": runner.label, "point": dict(point), "seed": seed, "repeat": repeat + 1,
            "threads": runner.threads, "requested_neurons": experiment.model_options(point).get("neurons")}


# ----------------------------------------------------------------------------------------------------------
# Summary (pure: measurements in, dictionary out)
# ----------------------------------------------------------------------------------------------------------

def summarise(experiment: Experiment, measurements: list[dict], provenance: dict, *, complete: bool,
              quick_run: bool = False) -> dict:
    """The sweep's summary from its measurements (one dict per run, as the runners return them).

    Points with no successful repeat are listed with ``status`` "failed", their ``reasons`` and no figures.
    """
    runners = {r.label: r for r in experiment.runners}
    groups: dict[tuple, list[dict]] = {}
    for measured in measurements:
        key = (measured["runner"], _point_key(measured["point"]), measured["seed"])
        groups.setdefault(key, []).append(measured)
    points = [_summarise_group(runners[label], runs, experiment) for (label, _, _), runs in groups.items()]
    fits = {name: {"runner": series["runner"], "options": series["options"],
                   "vs_neurons": _fit_entry(series["neurons"]), "vs_synapses": _fit_entry(series["synapses"])}
            for name, series in scaling_series(points).items()}
    notes = []
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
        "ratios": loop_time_ratios(points, runners),
        "figures": [],
        "notes": notes + [f"peer: {note}" for note in peer_notes],
        "provenance": provenance,
    }


def _point_key(point: dict) -> tuple:
    return tuple((k, repr(v)) for k, v in point.items())


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
    entry["population_rates_hz_median"] = _population_rate_medians(succeeded)
    check = _published_rate_check(experiment, first["point"], entry["population_rates_hz_median"])
    if check is not None:
        entry["published_rate_check"] = check
    entry["spikes_median"] = statistics.median(m["spikes"] for m in succeeded)
    entry["versions"] = succeeded[0].get("versions", {})
    return entry


def _population_rate_medians(runs: list[dict]) -> dict:
    """Per population, the median over the repeats of its mean rate (only populations every repeat reports)."""
    names = [name for name in runs[0].get("population_rates_hz", {})
             if all(name in m.get("population_rates_hz", {}) for m in runs)]
    return {name: statistics.median(m["population_rates_hz"][name] for m in runs) for name in names}


def _published_rate_check(experiment: Experiment, point: dict, rates_hz: dict) -> Optional[dict]:
    """The reference column's rates against the published ones (None for any other model or neuron level)."""
    from simnet import fidelity
    from simnet.models.neurons import REFERENCE_LEVEL

    options = experiment.model_options(point)
    if experiment.model != fidelity.MODEL_NAME or options.get("neuron_model", REFERENCE_LEVEL) != REFERENCE_LEVEL:
        return None
    return fidelity.published_rate_check(rates_hz)


def median_and_spread(values: list, name: str) -> dict:
    """``<name>_median``, ``_min``, ``_max`` and ``_values`` (in run order) of the known ``values``."""
    known = [float(v) for v in values if v is not None]
    if not known:
        return {f"{name}_median": None, f"{name}_min": None, f"{name}_max": None, f"{name}_values": []}
    return {f"{name}_median": statistics.median(known), f"{name}_min": min(known), f"{name}_max": max(known),
            f"{name}_values": known}


#: Model options that set the number of neurons (COBAHH's ``neurons``, the column's ``scale``): the x axis of a
#: scaling series, not a separate series.
SIZE_OPTIONS = ("neurons", "scale")


def scaling_series(points: list[dict]) -> dict[str, dict]:
    """Per runner (and per value of any swept option other than :data:`SIZE_OPTIONS`): measured (x, median) pairs.

    Returns ``name -> {"runner", "options", "neurons": [(neurons, median)], "synapses": [(synapses, median)]}``.
    """
    series: dict[str, dict] = {}
    for point in points:
        if point["status"] != "ok" or not point["sim_wall_s_per_bio_s_median"]:
            continue
        others = {k: v for k, v in point["options"].items() if k not in SIZE_OPTIONS}
        name = point["runner"] + (f" ({_point_label(others)})" if others else "")
        entry = series.setdefault(name, {"runner": point["runner"], "options": others, "neurons": [],
                                         "synapses": []})
        wall = point["sim_wall_s_per_bio_s_median"]
        entry["neurons"].append((point["neurons"], wall))
        if point["synapses"]:
            entry["synapses"].append((point["synapses"], wall))
    return series


def fit_scaling(pairs: list[tuple[float, float]]):
    """The power-law fit of wall per biological second against size, or None with fewer than two sizes."""
    from simnet.extrapolate import fit_power_law

    if len({x for x, _ in pairs}) < 2:
        return None
    return fit_power_law([x for x, _ in pairs], [y for _, y in pairs])


def _fit_entry(pairs: list[tuple[float, float]]) -> dict:
    fit = fit_scaling(pairs)
    if fit is None:
        return {"available": False, "reason": "needs measurements at two or more distinct sizes"}
    return {"available": True, **fit.to_dict()}


def loop_time_ratios(points: list[dict], runners: dict[str, Runner]) -> list[dict]:
    """simnet / peer loop-time ratios at the same point, seed, threads and precision.

    ``comparison`` is ``"overhead"`` when the peer runs the same code path as the simnet backend (brian2-plain
    on the matching Brian2 device: the ratio is simnet's overhead), else ``"peer"``.
    """
    from simnet.peers import PEERS

    ok = [p for p in points if p["status"] == "ok"]
    ratios = []
    for mine in (p for p in ok if p["kind"] == "simnet"):
        for theirs in (p for p in ok if p["kind"] == "peer"):
            if (_point_key(mine["options"]) != _point_key(theirs["options"]) or mine["seed"] != theirs["seed"]
                    or mine["threads"] != theirs["threads"] or mine["precision"] != theirs["precision"]):
                continue
            peer = PEERS[theirs["peer"]]
            same_path = peer.same_code_path_as.get(theirs["device"]) == mine["backend"]
            if peer.name == "brian2-plain" and not same_path:
                continue  # plain Brian2 on another device is neither an overhead nor a peer comparison
            paired = [a / b for a, b in zip(mine["sim_wall_s_per_bio_s_values"],
                                            theirs["sim_wall_s_per_bio_s_values"]) if b > 0]
            ratio = mine["sim_wall_s_per_bio_s_median"] / theirs["sim_wall_s_per_bio_s_median"]
            ratios.append({
                "simnet_runner": mine["runner"], "peer_runner": theirs["runner"], "peer": peer.name,
                "comparison": "overhead" if same_path else "peer",
                "options": dict(mine["options"]), "seed": mine["seed"], "neurons": mine["neurons"],
                "threads": mine["threads"], "precision": mine["precision"],
                "loop_time_ratio": ratio,
                "overhead_percent": (ratio - 1.0) * 100.0 if same_path else None,
                "paired_ratio_median": statistics.median(paired) if paired else None,
                "paired_ratio_min": min(paired) if paired else None,
                "paired_ratio_max": max(paired) if paired else None,
                "pairs": len(paired),
                **paired_ratio_interval(paired),
                "same_synapse_count": mine["synapses"] == theirs["synapses"],
                "mean_rate_hz": {"simnet": mine["mean_rate_hz_median"], "peer": theirs["mean_rate_hz_median"]},
            })
    return ratios


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


def _provenance(experiment: Experiment, machine: dict, started_utc: str, command_line: str,
                measurements: list[dict]) -> dict:
    from simnet.simulate import provenance

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


# ----------------------------------------------------------------------------------------------------------
# Output
# ----------------------------------------------------------------------------------------------------------

def write_summary(summary: dict, out_dir: Path) -> Path:
    """Write ``summary.json`` atomically (temporary file beside it, then rename)."""
    return _write_json_atomic(summary, Path(out_dir) / SUMMARY_FILE)


def read_summary(path: Path) -> dict:
    """A summary written by :func:`write_summary` (a folder means its ``summary.json``)."""
    path = Path(path)
    if path.is_dir():
        path = path / SUMMARY_FILE
    try:
        summary = json.loads(path.read_text())
    except FileNotFoundError:
        raise UsageError(f"no such benchmark summary: {path}") from None
    except (OSError, json.JSONDecodeError) as err:
        raise UsageError(f"{path} is not a benchmark summary: {err}") from None
    if not isinstance(summary, dict) or summary.get("format") != SUMMARY_FORMAT:
        raise UsageError(f"{path} is not a benchmark summary (no \"format\": \"{SUMMARY_FORMAT}\")")
    return summary


def _write_json_atomic(data: Any, path: Path) -> Path:
    text = json.dumps(_finite(data), indent=1, allow_nan=False, default=_json_default) + "\n"
    return atomicfile.write_text(Path(path), text)


def _finite(value: Any) -> Any:
    """``value`` with every non-finite float replaced by None (JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _json_default(value):
    import numpy as np

    if isinstance(value, np.generic):
        return _finite(value.item())
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def draw_figures(summary: dict, experiment: Experiment, out_dir: Path) -> tuple[list[str], list[str]]:
    """Log-log loop wall per biological second against neurons and against synapses, with the fits.

    Returns the figure paths (relative to ``out_dir``) and notes on figures that could not be drawn.
    """
    series = scaling_series(summary["points"])
    if not series:
        return [], ["no figures: no point ran successfully"]
    try:
        from simnet.plots import plot_scaling
    except ImportError as err:
        return [], [f"no figures: simnet.plots.plot_scaling is unavailable ({err})"]
    machine = summary["provenance"].get("machine", {})
    where = f"{machine.get('cpu_model', 'unknown CPU')}, median of {experiment.repeats} repeat(s)"
    figures = []
    for axis, label in (("neurons", "neurons"), ("synapses", "synapses")):
        measured = {name: s[axis] for name, s in series.items() if s[axis]}
        fits = {name: fit for name, pairs in measured.items() if (fit := fit_scaling(pairs)) is not None}
        if not measured:
            continue
        paths = plot_scaling(measured, fits, label, "loop wall-clock per biological second (s/s)",
                             f"{experiment.name}: measured on {where}", out_dir / f"scaling_{axis}")
        figures.extend(_relative(Path(p), out_dir) for p in paths)
    return figures, []


def format_summary(summary: dict) -> str:
    """The summary as a table for a terminal: one row per runner and point, then the fits and ratios."""
    machine = summary["provenance"].get("machine", {})
    lines = [
        f"{summary['experiment']}: {summary['model']}, {summary['duration_s']:g} s of biological time per run"
        + (f" after a {summary['pre_run_s']:g} s pre-run (not in any figure)" if summary.get("pre_run_s") else "")
        + f", median of {summary['repeats']} repeat(s)" + ("" if summary["complete"] else " (incomplete)"),
        f"  measured on {machine.get('cpu_model', 'unknown CPU')} ({machine.get('logical_cores', '?')} logical "
        f"CPUs), {summary['provenance'].get('date_utc_started', '')}",
        "  loop = wall-clock of the simulation loop only, per biological second",
    ]
    overhead = {(r["simnet_runner"], _point_key(r["options"]), r["seed"]): r["loop_time_ratio"]
                for r in summary["ratios"] if r["comparison"] == "overhead"}
    several_seeds = len({p["seed"] for p in summary["points"]}) > 1
    rows = [("runner", "point", "neurons", "synapses", "loop s/s", "min-max", "rate Hz", "vs plain")]
    for p in summary["points"]:
        others = {k: v for k, v in p["options"].items() if k != "neurons"}
        point = _point_label(others) + (f" seed {p['seed']}" if several_seeds else "")
        if p["status"] != "ok":
            rows.append((p["runner"], point, _count(p["neurons"]), "", "failed", "; ".join(p["reasons"]), "", ""))
            continue
        ratio = overhead.get((p["runner"], _point_key(p["options"]), p["seed"]))
        rows.append((p["runner"], point, _count(p["neurons"]), _count(p["synapses"]),
                     f"{p['sim_wall_s_per_bio_s_median']:.4g}",
                     f"{p['sim_wall_s_per_bio_s_min']:.4g}-{p['sim_wall_s_per_bio_s_max']:.4g}",
                     f"{p['mean_rate_hz_median']:.2f}", f"{ratio:.3f}" if ratio is not None else ""))
    if not any(row[1] for row in rows[1:]):
        rows = [row[:1] + row[2:] for row in rows]
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        lines.append("  " + "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())
    for p in summary["points"]:
        check = p.get("published_rate_check")
        if check:
            ratios = ", ".join(f"{name} {ratio:.2f}" for name, ratio in check["ratios"].items())
            lines.append(f"  {p['runner']} {_point_label(p['options'])}: rate / published ({check['published_row']}): "
                         f"{ratios}; {check['rule']}: {'met' if check['passes'] else 'NOT met'}")
    fit_lines = []
    for name, fit in summary["fits"].items():
        for axis in ("neurons", "synapses"):
            entry = fit[f"vs_{axis}"]
            if entry.get("available"):
                fit_lines.append(f"  {name}: loop s/s ~ {axis}^{_exponent(entry)} over {_count(entry['x_min'])}-"
                                 f"{_count(entry['x_max'])} {axis}, {entry['n_points']} points")
    if fit_lines:
        lines.append("power-law fits (derived from the medians above; interval: 95% confidence):")
        lines.extend(fit_lines)
    for r in summary["ratios"]:
        what = "simnet overhead" if r["comparison"] == "overhead" else "simnet / peer"
        paired = (f"; per interleaved pair median {r['paired_ratio_median']:.3f}, range "
                  f"{r['paired_ratio_min']:.3f}-{r['paired_ratio_max']:.3f} ({r['pairs']} pairs)"
                  if r["paired_ratio_median"] is not None else "")
        if r.get("paired_ratio_geomean") is not None:
            paired += (f"; geometric mean {r['paired_ratio_geomean']:.3f}, "
                       f"{r['paired_ratio_confidence']:.0%} interval {r['paired_ratio_ci_low']:.3f}-"
                       f"{r['paired_ratio_ci_high']:.3f}")
        where = _point_label(r["options"])
        lines.append(f"{what}: {r['simnet_runner']} / {r['peer_runner']}{' at ' + where if where else ''}: "
                     f"loop time ratio {r['loop_time_ratio']:.3f}{paired}")
    lines.extend(f"note: {note}" for note in summary.get("notes", []))
    if summary.get("figures"):
        lines.append("figures: " + ", ".join(summary["figures"]))
    return "\n".join(lines)


def _exponent(entry: dict) -> str:
    low, high = entry.get("exponent_low"), entry.get("exponent_high")
    known = all(v is not None and math.isfinite(v) for v in (low, high))
    interval = f" [{low:.2f}, {high:.2f}]" if known else " (no interval from 2 points)"
    return f"{entry['exponent']:.2f}{interval}"


def _count(value) -> str:
    return f"{int(value):,}" if value is not None else "?"


def _one_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}".rstrip(": ")


def _relative(path: Path, root: Path) -> str:
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return str(path)
