"""Experiment files: what a benchmark runs, declared in TOML, validated before anything runs.

An experiment file (declarative, no code) names a model, its fixed options, the swept options (the cartesian
product of their values gives the points), the biological duration, repeats and seeds, and the runners that run
every point: simnet backends and peer programs (:mod:`simnet.peers`). For example::
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


:func:`load_experiment` reads and validates such a file; :func:`experiment_from_dict` validates its parsed
content (also one built from ``simnet sweep``'s options by :func:`sweep_experiment`). Any problem is a
:class:`~simnet.base.errors.UsageError` naming the file and the key.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Optional

from simnet.base.errors import UsageError, shown_path
from simnet.base.units import SEED_MAX, check_seed, parse_time_s
from simnet.models import get_model, model_names
from simnet.peers import PEERS
from simnet.record.points import point_label
from simnet.simulation.backends import BACKENDS
from simnet.simulation.settings import PRECISIONS, TUNING_CHOICES
from simnet.specs.model_spec import check_run_time

__all__ = ["MAX_POINTS", "MAX_RUNS", "check_size", "Runner", "Experiment", "load_experiment", "experiment_from_dict",
           "quick", "with_repeats", "sweep_experiment"]

_EXPERIMENT_KEYS = ("name", "description", "model", "duration", "pre_run", "repeats", "seeds", "record_spikes",
                    "options", "sweep", "runners")
_SIMNET_RUNNER_KEYS = ("kind", "label", "backend", "threads", "precision", "reuse_build", "profile", "compare_to",
                       *TUNING_CHOICES)
_PEER_RUNNER_KEYS = ("kind", "label", "peer", "device", "threads", "precision")
_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


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
    #: simnet runners: time every code object of the loop (None: simnet's default, RunSettings.profile)
    profile: Optional[bool] = None
    #: simnet runners: the label of another simnet runner whose loop time this one's is divided by, repeat by
    #: repeat (a variant against its baseline: a setting changed, all else the same)
    compare_to: str = ""
    #: simnet runners: the RunSettings fields of TUNING_CHOICES this runner sets (the others keep simnet's defaults)
    tuning: tuple = ()

    def describe(self) -> dict:
        described = {"runner": self.label, "kind": self.kind, "threads_requested": self.threads,
                     "precision": self.precision}
        if self.kind == "simnet":
            described.update(backend=self.backend, reuse_build=self.reuse_build, profile=self.profile,
                             compare_to=self.compare_to, **dict(self.tuning))
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


def load_experiment(path: Path) -> Experiment:
    """Read and validate an experiment file; any problem is a :class:`UsageError` naming the file."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise UsageError(f"no such experiment file: {path}") from None
    except (OSError, UnicodeDecodeError) as err:
        reason = getattr(err, "strerror", None) or err  # (an OSError's own text repeats the path)
        raise UsageError(f"{shown_path(path)}: cannot read the experiment file: {reason}") from None
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
    if not isinstance(seeds, list) or not seeds or not all(_is_int(s) and 0 <= s <= SEED_MAX for s in seeds):
        raise problem(f"seeds must be a non-empty list of whole numbers from 0 to 2**32 - 1, got {seeds!r}")
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
            profile = raw.get("profile")
            if profile is not None and not isinstance(profile, bool):
                raise problem(f"{where}: profile must be true or false, got {profile!r}")
            compare_to = raw.get("compare_to", "")
            if not isinstance(compare_to, str):
                raise problem(f"{where}: compare_to must be the label of another simnet runner, got {compare_to!r}")
            for key, choices in TUNING_CHOICES.items():
                if key in raw and (raw[key] not in choices or type(raw[key]) is not type(choices[0])):
                    raise problem(f"{where}: {key} must be {' or '.join(map(_toml, choices))}, got {raw[key]!r}")
            if backend != "auto":
                try:
                    entry.check_backend(backend)
                except UsageError as err:
                    raise problem(f"{where}: {err}") from None
            runner = Runner(label=raw.get("label") or f"simnet-{backend}", kind="simnet", backend=backend,
                            threads=_threads(raw, where, problem), precision=precision, reuse_build=reuse_build,
                            profile=profile, compare_to=compare_to,
                            tuning=tuple((key, raw[key]) for key in TUNING_CHOICES if key in raw))
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
        if runner.kind == "peer" and pre_run_s > 0 and model not in PEERS[runner.peer].pre_run_models:
            able = ", ".join(name for name, info in PEERS.items() if model in info.pre_run_models) or "none"
            raise problem(f"{where}: peer {runner.peer} has no pre-run for {model} (it would time a different "
                          f"stretch of the run); drop pre_run or the peer (peers with one for {model}: {able})")
        if not isinstance(runner.label, str) or not _NAME_PATTERN.match(runner.label):
            raise problem(f"{where}: label must be letters, digits, '.', '_' or '-', got {runner.label!r}")
        runners.append(runner)
    labels = [r.label for r in runners]
    duplicated = sorted({label for label in labels if labels.count(label) > 1})
    if duplicated:
        raise problem(f"two runners are both called {duplicated[0]!r}: give them distinct labels (label = ...)")
    simnet_labels = {r.label for r in runners if r.kind == "simnet"}
    for index, runner in enumerate(runners, start=1):
        if runner.compare_to and (runner.compare_to not in simnet_labels or runner.compare_to == runner.label):
            raise problem(f"runner {index}: compare_to {runner.compare_to!r} is not the label of another simnet "
                          f"runner ({', '.join(sorted(simnet_labels - {runner.label})) or 'there is none'})")

    check_size(len(runners), int(repeats), len(seeds), {k: len(v) for k, v in sweep.items()}, problem)
    experiment = Experiment(
        name=name, description=description, model=model, duration_s=duration_s, repeats=int(repeats),
        seeds=tuple(int(s) for s in seeds), record_spikes=record_spikes, options=dict(options),
        sweep={k: tuple(v) for k, v in sweep.items()}, runners=tuple(runners), source=source,
        source_text=source_text, pre_run_s=pre_run_s,
    )
    for point in experiment.points():
        try:
            spec = entry.build_spec(entry.parameters(**experiment.model_options(point)))
            if spec.time_step_s is not None:  # a network made by code may set its own only when built
                check_run_time(duration_s, pre_run_s, spec.time_step_s, f"the {spec.name} model")
        except UsageError as err:
            raise problem(f"point {point_label(point) or '(fixed options)'}: {err}") from None
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
        raise UsageError(f"repeats must be at least 1, got {repeats}", parameter="repeats")

    def problem(message: str) -> UsageError:
        return UsageError(f"with --repeats {repeats}: {message}", parameter="repeats")

    check_size(len(experiment.runners), repeats, len(experiment.seeds),
               {k: len(v) for k, v in experiment.sweep.items()}, problem)
    return replace(experiment, repeats=repeats)


#: The most points (combinations of swept values) an experiment or sweep may have, and the most runs (points x
#: seeds x repeats x runners): counted from the sweep's lengths before a single point is made, so a cartesian
#: sweep of 1,000 x 1,000 x 1,000 values is one line, not memory filled by the combinations. 10,000 runs of
#: even the smallest network take hours; a larger study is several experiments.
MAX_POINTS = 10_000
MAX_RUNS = 10_000


def check_size(runners: int, repeats: int, seeds: int, lengths: dict, problem: Callable[[str], UsageError]) -> None:
    """Refuse an experiment of more than :data:`MAX_POINTS` points or :data:`MAX_RUNS` runs, counted from the
    number of values of each swept option (``lengths``) without making any point."""
    points = 1
    for length in lengths.values():
        points *= length
    if points > MAX_POINTS:
        shape = " x ".join(f"{length:,} {name}" for name, length in lengths.items())
        raise problem(f"the sweep has {points:,} points ({shape}), more than the {MAX_POINTS:,} one experiment may "
                      "have; split it into several")
    runs = points * seeds * repeats * runners
    if runs > MAX_RUNS:
        raise problem(f"the experiment has {runs:,} runs ({points:,} points x {seeds} seed(s) x {repeats:,} "
                      f"repeat(s) x {runners} runner(s)), more than the {MAX_RUNS:,} one experiment may have; "
                      "split it into several")


def _duration_s(value: Any, problem: Callable[[str], UsageError], key: str = "duration",
                allow_zero: bool = False) -> float:
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


def _toml(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else f'"{value}"'


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


def sweep_experiment(model: str, values: dict, *, backend: str = "cpp", threads: Optional[int] = None,
                     precision: str = "double", peers: tuple[str, ...] = (), duration: str = "1s", repeats: int = 1,
                     seed: int = 1) -> Experiment:
    """The experiment ``simnet sweep`` runs: ``model`` at every combination of ``values`` (option -> list of
    values; ``neurons`` is always swept), by one simnet backend and any peers at the same threads.

    A peer that runs on several Brian2 devices runs on the one that matches ``backend`` (plain Brian2 on
    cpp_standalone beside simnet's cpp), so the ratio measures simnet's overhead.
    """
    check_seed(seed)
    runners = [{"kind": "simnet", "backend": backend, "precision": precision}]
    for peer_name in peers:
        if peer_name not in PEERS:
            raise UsageError(f"unknown peer {peer_name!r}; choose one of {', '.join(PEERS)}")
        peer = {"kind": "peer", "peer": peer_name, "precision": precision}
        if PEERS[peer_name].devices:
            device = PEERS[peer_name].device_for_backend(backend)
            if device is None:
                raise UsageError(f"peer {peer_name} has no device that matches backend {backend}")
            peer["device"] = device
        runners.append(peer)
    if threads is not None:
        for runner in runners:
            if runner.get("device") != "runtime":  # Brian2's runtime device has one thread
                runner["threads"] = threads
    return experiment_from_dict({
        "name": f"sweep-{model}", "model": model, "duration": duration, "repeats": repeats, "seeds": [seed],
        "options": {k: v[0] for k, v in values.items() if len(v) == 1 and k != "neurons"},
        "sweep": {k: v for k, v in values.items() if len(v) > 1 or k == "neurons"},
        "runners": runners,
    }, source="command line")


#END
