"""simnet from Python: run a model, read a record, account for its cost, project it, benchmark.

The command line is a thin layer over these functions; each takes the library's parameters (times as Brian2
quantities such as ``500*ms``, as text such as ``"1s"`` or as seconds) and returns data, never prints. Bad input
raises :class:`~simnet.base.errors.UsageError`;
a simulation that cannot complete raises :class:`~simnet.base.errors.SimulationFailed`.

    >>> import simnet
    >>> from brian2 import second
    >>> record = simnet.run("cobahh", neurons=4000, duration=1*second, backend="cpp")   # doctest: +SKIP
    >>> record.rates["exc"].mean                                                      # doctest: +SKIP
    >>> simnet.cost_table(record)["counted_flops_per_neuron_per_bio_s"]            # doctest: +SKIP
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional, Sequence, Union

from simnet.base import arguments as arg
from simnet.base.errors import UsageError
from simnet.base.units import as_seconds, check_seed, is_quantity
from simnet.record import files
from simnet.record.run_record import RunRecord

__all__ = ["PathLike", "plan", "execute", "compile_project", "run", "account", "read", "summary", "plot", "compare",
           "firing_rates", "isi_cv", "synchrony", "spike_statistics", "cost_table", "roofline", "extrapolate",
           "model_rates", "backtest", "reproduce", "backends", "run_experiment", "sweep", "fidelity", "export"]

PathLike = Union[str, Path]


def _record_or_path(value, name: str):
    """Argument check: a :class:`RunRecord` or the path of a results file."""
    if isinstance(value, RunRecord) or isinstance(value, (str, Path)):
        return arg.path(value, name) if not isinstance(value, RunRecord) else value
    raise UsageError(f"{name} must be a RunRecord or the path of a results file, got {value!r}", parameter=name)


def _records(value, name: str):
    """Argument check: one record or path, or a list or tuple of them."""
    items = value if isinstance(value, (list, tuple)) else [value]
    if not items:
        raise UsageError(f"{name} needs at least one record or path", parameter=name)
    return [_record_or_path(item, name) for item in items]


# --------------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------------

@arg.checked(model=arg.text, duration=arg.time, pre_run=arg.time, backend=arg.text, threads=arg.optional(arg.count(1)),
           precision=arg.text, seed=arg.seed, record_spikes=arg.optional(arg.flag),
           build_dir=arg.optional(arg.path), keep_build=arg.flag, reuse_build=arg.flag, progress=arg.flag,
           compile_only=arg.flag, compute_capability=arg.optional(arg.number(finite=False)),
           skip_memory_check=arg.flag, profile=arg.optional(arg.flag), tuning=arg.optional(arg.mapping))
def plan(model: str, *, duration="1s", pre_run="0s", backend: str = "cpp", threads: Optional[int] = None,
         precision: str = "double", seed: int = 1, record_spikes: Optional[bool] = None,
         build_dir: Optional[PathLike] = None, keep_build: bool = False, reuse_build: bool = False,
         progress: bool = True, compile_only: bool = False, compute_capability: Optional[float] = None,
         skip_memory_check: bool = False, profile: Optional[bool] = None, tuning: Optional[dict] = None,
         record_connectivity: Optional[bool] = None, **options):
    """A run of ``model`` with its ``options`` (e.g. ``neurons=4000``), checked; nothing is built.

    See :func:`simnet.pipeline.plan_run` for the parameters; ``duration`` and ``pre_run`` are times (``"1s"``,
    ``"500ms"`` or seconds). With ``compile_only`` the plan is for :func:`compile_project` (for ``cuda``,
    ``compute_capability`` names the GPU to compile for, so none need be present). ``profile`` times every code
    object of the loop and ``tuning`` sets how the program is made (``synapse_order``, ``poisson_sampler``,
    ``simd_math``); left out, each takes the default of :class:`simnet.simulation.settings.RunSettings`.
    ``record_connectivity`` keeps the network (every synapse) in the record for :func:`export` (default: up to
    :data:`simnet.pipeline.RECORD_CONNECTIVITY_LIMIT` synapses).
    """
    from simnet.pipeline import plan_run
    from simnet.simulation.settings import RunSettings

    settings = RunSettings(precision=precision, threads=threads, build_root=Path(build_dir) if build_dir else None,
                           keep_build=keep_build, reuse_build=reuse_build, progress=progress,
                           compile_only=compile_only, compute_capability=compute_capability,
                           **({} if profile is None else {"profile": bool(profile)}), **_tuning(tuning))
    return plan_run(model, options, duration_s=as_seconds(duration, "duration"),
                    pre_run_s=as_seconds(pre_run, "pre_run", allow_zero=True), backend=backend,
                    settings=settings, seed=seed, record_spikes=record_spikes, skip_memory_check=skip_memory_check,
                    record_connectivity=record_connectivity)


@arg.checked(out=arg.optional(arg.path), overwrite=arg.flag, command_line=arg.text)
def execute(run_plan, *, out: Optional[PathLike] = None, overwrite: bool = False,
            command_line: str = "") -> RunRecord:
    """Simulate a plan of :func:`plan`; with ``out``, write the record there (checked, and held against a second
    writer, before simulating)."""
    from simnet.pipeline import execute as execute_plan

    if out is None:
        return execute_plan(run_plan, command_line=command_line)
    with files.reserved(out, overwrite) as path:
        record = execute_plan(run_plan, command_line=command_line)
        files.write(record, path, overwrite=overwrite)
    return record


def compile_project(run_plan) -> dict:
    """Generate and compile a compile-only plan's project without running it (:func:`simnet.pipeline.compile_project`)."""
    from simnet.pipeline import compile_project as compile_plan

    return compile_plan(run_plan)


@arg.checked(model=arg.text, out=arg.optional(arg.path), overwrite=arg.flag)
def run(model: str, *, out: Optional[PathLike] = None, overwrite: bool = False, **kwargs) -> RunRecord:
    """Simulate ``model`` and return its record: :func:`plan` then :func:`execute`."""
    return execute(plan(model, **kwargs), out=out, overwrite=overwrite)


@arg.checked(duration=arg.time, pre_run=arg.time, backend=arg.text, threads=arg.optional(arg.count(1)), precision=arg.text,
           seed=arg.seed, record_spikes=arg.optional(arg.flag), build_dir=arg.optional(arg.path),
           keep_build=arg.flag, progress=arg.flag, out=arg.optional(arg.path), overwrite=arg.flag,
           namespace=arg.optional(arg.mapping), command_line=arg.text, tuning=arg.optional(arg.mapping),
           timeout=arg.optional(arg.time))
def account(network, *, duration="1s", pre_run="0s", backend: str = "cpp", threads: Optional[int] = None,
            precision: str = "double", seed: int = 1, record_spikes: Optional[bool] = None,
            build_dir: Optional[PathLike] = None, keep_build: bool = False, progress: bool = True,
            out: Optional[PathLike] = None, overwrite: bool = False, namespace: Optional[dict] = None,
            command_line: str = "", tuning: Optional[dict] = None, timeout="10min") -> RunRecord:
    """Run a Brian2 network simnet did not write, with simnet's instrumentation, and return its record.

    ``network`` is a path to a script that builds Brian2 objects (``simnet account my_model.py``), a function
    that builds and returns them (any backend), or a ``brian2.Network`` / objects already made (runtime backend
    only); ``namespace`` holds the names their equations use, where the objects do not carry them (a script's
    globals, and a function's when it returns ``locals()``, are used by themselves). The user's objects are run
    as they are; simnet adds its own monitors beside them and measures phases, counted FLOPs per code object,
    activity, memory and energy as for its own models (``record.cost``). See :mod:`simnet.specs.user_network` for what the
    code may and may not do. ``tuning`` is :func:`plan`'s. A script's own code (making its objects) may take at
    most ``timeout`` (a time; default ten minutes), and whatever it does ends cleanly: an exit is bad input, its
    working directory is put back, processes it leaves are stopped, its ``set_device`` gives way to ``backend``
    (:mod:`simnet.specs.script_guard`).
    """
    from simnet.pipeline import plan_network
    from simnet.simulation.settings import RunSettings
    from simnet.specs import user_network

    timeout_s = as_seconds(timeout, "timeout")
    user = user_network.from_script(arg.path(network, "network"), timeout_s) if isinstance(network, (str, Path)) else \
        user_network.from_python(network, namespace)
    settings = RunSettings(precision=precision, threads=threads, build_root=Path(build_dir) if build_dir else None,
                           keep_build=keep_build, progress=progress, **_tuning(tuning))
    run_plan = plan_network(user, duration_s=as_seconds(duration, "duration"),
                            pre_run_s=as_seconds(pre_run, "pre_run", allow_zero=True), backend=backend,
                            settings=settings, seed=seed, record_spikes=record_spikes)
    return execute(run_plan, out=out, overwrite=overwrite, command_line=command_line)


def _tuning(tuning: Optional[dict]) -> dict:
    """The :class:`simnet.simulation.settings.RunSettings` fields of ``tuning``, checked by name (values by RunSettings)."""
    from simnet.simulation.settings import TUNING_CHOICES

    unknown = sorted(set(tuning or {}) - set(TUNING_CHOICES))
    if unknown:
        raise UsageError(f"unknown tuning setting(s) {', '.join(unknown)}; choose {', '.join(TUNING_CHOICES)}",
                         parameter="tuning")
    return dict(tuning or {})


@arg.checked(path=arg.path)
def read(path: PathLike) -> RunRecord:
    """The record in a results file written by simnet."""
    return files.read(Path(path))


@arg.checked(record=_record_or_path)
def summary(record: Union[RunRecord, PathLike]) -> dict:
    """A run's summary (:func:`simnet.report.run_summary.run_summary`): size, activity, time by phase, a start-up transient
    seen in its rates and, for the column, its regime (:mod:`simnet.analysis.activity`)."""
    from simnet.report.run_summary import run_summary

    path = None if isinstance(record, RunRecord) else str(record)
    return run_summary(record if isinstance(record, RunRecord) else read(record), path)


@arg.checked(record=_record_or_path, out=arg.optional(arg.path), overwrite=arg.flag)
def plot(record: Union[RunRecord, PathLike], out: Optional[PathLike] = None, *, overwrite: bool = False):
    """A run's raster and population rates as a matplotlib ``Figure`` (a notebook shows it as a cell's value);
    with ``out`` (a path without suffix) it is also written as ``<out>.png`` and ``<out>.svg``. An existing figure
    is replaced only with ``overwrite``, and only a regular file ever is (``out`` of ``.`` or ``/dev/null`` is
    refused)."""
    from simnet.base.atomic_files import check_replaceable
    from simnet.report.figures import activity_figure, figure_paths, save_figure

    if out is not None:
        check_replaceable(out, "out")  # a directory (".", "..", "runs/") or a device names no figure
        for target in figure_paths(Path(out)):
            if check_replaceable(target, "out").exists() and not overwrite:
                raise UsageError(f"figure {target} already exists; overwrite it or choose another path",
                                 parameter="overwrite")
    figure = activity_figure(record if isinstance(record, RunRecord) else read(record))
    if out is not None:
        try:
            save_figure(figure, Path(out))
        except OSError as err:
            raise UsageError(f"cannot write figures at {out}: {err.strerror or err}", parameter="out") from None
    return figure


@arg.checked(a=_record_or_path, b=_record_or_path, fail_above=arg.optional(arg.number(positive=True)))
def compare(a: Union[RunRecord, PathLike], b: Union[RunRecord, PathLike], *,
            fail_above: Optional[float] = None) -> dict:
    """Two runs' cost figures and population rates side by side, with ratios B / A
    (:func:`simnet.report.comparison.compare_records`); with ``fail_above``, ``regressed`` says whether B's loop time
    per biological second exceeds A's by more than that factor."""
    from simnet.report.comparison import compare_records

    labels = tuple(str(x) if not isinstance(x, RunRecord) else x.model for x in (a, b))
    return compare_records(_record(a), _record(b), labels=labels, fail_above=fail_above)


def _record(record_or_path: Union[RunRecord, PathLike]) -> RunRecord:
    """A costed record, given or read from a path."""
    record = record_or_path if isinstance(record_or_path, RunRecord) else read(record_or_path)
    if not record.cost_detail:
        where = record_or_path if not isinstance(record_or_path, RunRecord) else f"the {record.model} record"
        raise UsageError(f"{where} has no cost section (written by an older simnet)")
    return record


@arg.checked(record=_record_or_path, out_dir=arg.path)
def export(record: Union[RunRecord, PathLike], out_dir: PathLike) -> dict:
    """Write a run's network as a SONATA circuit in ``out_dir`` (:func:`simnet.record.sonata_circuit.write_circuit`):
    nodes, edges with weights and delays, node and edge types, circuit and simulation configs, for NEST's
    ``SonataNetwork``, bmtk or libsonata. The run must have kept its network (``record_connectivity``)."""
    from simnet.record.sonata_circuit import write_circuit

    source = None if isinstance(record, RunRecord) else Path(record)
    try:
        return write_circuit(record if isinstance(record, RunRecord) else read(record), out_dir, source=source)
    except OSError as err:
        raise UsageError(f"cannot write the circuit in {out_dir}: {err.strerror or err}", parameter="out") from None


# --------------------------------------------------------------------------------------------------
# Activity (faces over simnet.analysis.spike_statistics)
# --------------------------------------------------------------------------------------------------

@arg.checked(record=_record_or_path, population=arg.optional(arg.text), discard=arg.time)
def firing_rates(record: Union[RunRecord, PathLike], population: Optional[str] = None, *, discard=0.0):
    """Each neuron's firing rate over the loop after ``discard`` (a time), as a Brian2 quantity array in Hz, silent
    neurons included; without ``population``, a dict of every population's."""
    import brian2

    from simnet.analysis.spike_statistics import firing_rates_hz

    return _per_population(record, population, discard, lambda train, start, stop: firing_rates_hz(
        train.times_ms, train.node_ids, train.size, start, stop) * brian2.Hz)


@arg.checked(record=_record_or_path, population=arg.optional(arg.text), discard=arg.time)
def isi_cv(record: Union[RunRecord, PathLike], population: Optional[str] = None, *, discard=0.0):
    """The coefficient of variation of the inter-spike intervals of each neuron with at least three spikes after
    ``discard`` (:func:`simnet.analysis.spike_statistics.isi_cvs`); without ``population``, a dict."""
    from simnet.analysis.spike_statistics import isi_cvs

    return _per_population(record, population, discard, lambda train, start, stop: isi_cvs(
        train.times_ms, train.node_ids, train.size, start, stop))


@arg.checked(record=_record_or_path, population=arg.optional(arg.text), discard=arg.time, bin_width=arg.time)
def synchrony(record: Union[RunRecord, PathLike], population: Optional[str] = None, *, discard=0.0,
              bin_width="3ms"):
    """Variance / mean of the population's spike count in ``bin_width`` bins after ``discard`` (Potjans &
    Diesmann 2014; 1 for independent Poisson neurons; :func:`simnet.analysis.spike_statistics.synchrony`)."""
    from simnet.analysis import spike_statistics

    bin_ms = as_seconds(bin_width, "bin_width") * 1e3
    return _per_population(record, population, discard, lambda train, start, stop: spike_statistics.synchrony(
        train.times_ms, train.node_ids, train.size, start, stop, bin_ms=bin_ms))


@arg.checked(record=_record_or_path, discard=arg.time, seed=arg.seed)
def spike_statistics(record: Union[RunRecord, PathLike], *, discard=0.0, seed: int = 0) -> dict:
    """Rates, ISI CVs, pairwise correlations and synchrony of every population after ``discard``
    (:func:`simnet.analysis.spike_statistics.network_statistics`); ``seed`` draws the neuron samples."""
    from simnet.analysis.spike_statistics import population_statistics

    return _per_population(record, None, discard, lambda train, start, stop: population_statistics(
        train.population, train.times_ms, train.node_ids, train.size, start, stop, seed=check_seed(seed)))


def _per_population(record, population: Optional[str], discard, statistic: Callable):
    """``statistic(spike trains, window start ms, window stop ms)`` of one population, or a dict of every one's;
    the window is the loop after ``discard``."""
    record = record if isinstance(record, RunRecord) else read(record)
    start_ms, stop_ms = record.loop_window_ms
    discard_ms = as_seconds(discard, "discard", allow_zero=True) * 1e3
    if discard_ms >= stop_ms - start_ms:
        raise UsageError(f"discard ({discard_ms:g} ms) leaves nothing of the {stop_ms - start_ms:g} ms loop",
                         parameter="discard")
    names = record.populations if population is None else [population]
    try:
        values = {name: statistic(record.spikes(name), start_ms + discard_ms, stop_ms) for name in names}
    except ValueError as err:  # e.g. a window shorter than two bins
        raise UsageError(str(err)) from None
    return values if population is None else values[population]


# --------------------------------------------------------------------------------------------------
# Cost
# --------------------------------------------------------------------------------------------------

@arg.checked(record=_record_or_path, bandwidth_gb_s=arg.optional(arg.number(positive=True)))
def cost_table(record: Union[RunRecord, PathLike], *, bandwidth_gb_s: Optional[float] = None) -> dict:
    """The cost table of a run (:func:`simnet.cost.account.cost_table`): the names ``simnet cost --json`` prints.

    A profiled run's code objects are set against their memory bound with the bandwidth :func:`roofline`
    uses (``bandwidth_gb_s``, else the device's table row, else measured here for a record made here).
    """
    from simnet.cost import account

    record = _record(record)
    bandwidth, source = (_bandwidth(record, bandwidth_gb_s) if record.timings.get("loop_profile")
                         else (None, ""))
    return account.cost_table(record, bandwidth_bytes_per_s=bandwidth, bandwidth_source=source)


@arg.checked(record=_record_or_path, bandwidth_gb_s=arg.optional(arg.number(positive=True)),
           launch_latency_us=arg.optional(arg.number(non_negative=True)))
def roofline(record: Union[RunRecord, PathLike], *, bandwidth_gb_s: Optional[float] = None,
             launch_latency_us: float = 5.0):
    """How far a run's loop was from the hardware's limits (:func:`simnet.cost.roofline.record_roofline`).

    ``launch_latency_us`` is in microseconds, or a Brian2 time. The memory bandwidth is ``bandwidth_gb_s`` when
    given, else the device's row in ``data/hardware.csv``, else, for a record made on this machine, measured here
    (a copy benchmark); otherwise unknown.
    """
    from simnet.cost.roofline import record_roofline

    record = _record(record)
    if is_quantity(launch_latency_us):
        launch_latency_us = as_seconds(launch_latency_us, "launch_latency_us", allow_zero=True) * 1e6
    if launch_latency_us is not None and not launch_latency_us >= 0:
        raise UsageError(f"launch_latency_us must be non-negative, got {launch_latency_us}",
                         parameter="launch_latency_us")
    bandwidth, source = _bandwidth(record, bandwidth_gb_s)
    return record_roofline(record, bandwidth_bytes_per_s=bandwidth, bandwidth_source=source,
                           launch_latency_s=launch_latency_us * 1e-6 if launch_latency_us else None)


def _bandwidth(record: RunRecord, bandwidth_gb_s: Optional[float]) -> tuple[Optional[float], str]:
    """The bandwidth given (GB/s), else, when the device has no table row and the record was made on this
    machine, one measured here; else (None, "") and the record's table row is used."""
    import math

    from simnet.machine import describe

    if bandwidth_gb_s is not None:
        if not (bandwidth_gb_s > 0 and math.isfinite(bandwidth_gb_s)):
            raise UsageError(f"bandwidth_gb_s must be positive, got {bandwidth_gb_s}", parameter="bandwidth_gb_s")
        return bandwidth_gb_s * 1e9, "given by the user"
    if (not record.cost_detail.get("peak", {}).get("mem_bandwidth_bytes_per_s")
            and record.provenance.get("machine", {}).get("hostname") == describe.hostname()):
        return describe.measure_copy_bandwidth()
    return None, ""


# --------------------------------------------------------------------------------------------------
# Projection
# --------------------------------------------------------------------------------------------------

@arg.checked(records=_records, neurons=arg.numbers_or_one(maximum=1e15), years=arg.number(positive=True, maximum=1e9),
           synapses_per_neuron=arg.numbers_or_one(maximum=1e7), target_wall=arg.time,
           usd_per_kwh=arg.optional(arg.number(positive=True, maximum=1e6)), scaling=arg.optional(arg.path),
           figures_dir=arg.optional(arg.path), min_delay=arg.optional(arg.time))
def extrapolate(records: Union[RunRecord, PathLike, Sequence[Union[RunRecord, PathLike]]], *,
                neurons: Sequence[float] = (1.3e9, 1.3e10),
                years: float = 15.0, synapses_per_neuron: Sequence[float] = (1000.0, 7000.0), target_wall="1y",
                usd_per_kwh: Optional[float] = None, scaling: Optional[PathLike] = None,
                figures_dir: Optional[PathLike] = None, min_delay=None):
    """Project measured runs (one record or path, or several) to ``neurons`` for ``years`` of biological time
    (:func:`simnet.report.projections.extrapolate`).

    ``scaling`` is a sweep or bench summary: the loop time's exponent against neurons is fitted to it and used
    beside the linear assumption. ``target_wall`` is text (``"1y"``), seconds or a Brian2 time. ``figures_dir``
    receives the ladder figure (and the scaling fit, and the
    performance model's time to solution against devices). ``min_delay`` (a time; default: the run's time step) is
    the communication interval the performance model assumes on a cluster.
    """
    from simnet.report import projections

    if isinstance(records, (RunRecord, str, Path)):
        records = [records]
    if is_quantity(target_wall):
        target_wall = as_seconds(target_wall, "target_wall")
    labelled = [(item.model if isinstance(item, RunRecord) else str(item), _record(item)) for item in records]
    return projections.extrapolate(labelled, neurons=neurons, years=years, synapses_per_neuron=synapses_per_neuron,
                                   target_wall=target_wall, usd_per_kwh=usd_per_kwh, scaling=scaling,
                                   figures_dir=figures_dir, min_delay=min_delay)


def model_rates() -> dict:
    """The performance model's sustained rates per device kind (:func:`simnet.report.projections.model_rates`)."""
    from simnet.report import projections

    return projections.model_rates()


@arg.checked(runs=arg.optional(arg.path), hardware=arg.optional(arg.path), leave_one_study_out=arg.flag)
def backtest(runs: Optional[PathLike] = None, hardware: Optional[PathLike] = None,
             leave_one_study_out: bool = False):
    """Predict every run of a runs table with the performance model and compare
    (:func:`simnet.report.projections.backtest`); ``runs`` and ``hardware`` are files in the schemas of
    ``data/published_runs.csv`` and ``data/hardware.csv`` (default: the shipped single- and multi-node runs);
    ``leave_one_study_out`` adds each study predicted by a model calibrated without it."""
    from simnet.report import projections

    return projections.backtest(runs, hardware, leave_one_study_out)


def reproduce():
    """The seed documents' calculations recomputed and checked, with the performance model's prediction for each
    chain that projects a simulation (:func:`simnet.report.projections.reproduce`)."""
    from simnet.report import projections

    return projections.reproduce()


def backends() -> dict:
    """Every backend, whether it is usable here (and if not, why), and what ``auto`` chooses."""
    from simnet.simulation.backends import BACKENDS, get_backend

    rows = []
    for name in BACKENDS:
        backend = get_backend(name)
        available = backend.availability()
        compiles = available if available.usable else backend.availability(compile_only=True)
        rows.append({"name": name, "usable": available.usable, "summary": backend.summary,
                     "reason": available.reason, "compiles_here": compiles.usable})
    return {"backends": rows, "auto": get_backend("auto").name}


# --------------------------------------------------------------------------------------------------
# Experiments
# --------------------------------------------------------------------------------------------------

@arg.checked(out_dir=arg.optional(arg.path), repeats=arg.optional(arg.count(1, 10_000)), quick=arg.flag,
           overwrite=arg.flag, redo=arg.flag, build_dir=arg.optional(arg.path), scheduler=arg.optional(arg.text),
           workers=arg.optional(arg.count(1, 1024)), log=arg.optional(arg.function), command_line=arg.text,
           skip_memory_check=arg.flag)
def run_experiment(experiment, *, out_dir: Optional[PathLike] = None, repeats: Optional[int] = None,
                   quick: bool = False, overwrite: bool = False, redo: bool = False,
                   build_dir: Optional[PathLike] = None, scheduler: Optional[str] = None,
                   workers: Optional[int] = None, log: Optional[Callable[[str], None]] = None,
                   command_line: str = "", skip_memory_check: bool = False) -> dict:
    """Run an experiment (a file path or a :class:`simnet.bench.experiment_file.Experiment`) and return its summary.

    ``out_dir`` (default ``runs/bench/<name>``) receives every run's record and ``summary.json``; rerun into the
    same folder, the runs already recorded there are skipped (``redo`` runs them again), while ``overwrite``
    first removes an earlier experiment's summary, points and figures there. The runs are made in this process,
    one after another, or on a Dask cluster: ``scheduler`` (an address such as ``tcp://host:8786``) or
    ``workers`` (a local cluster of that many single-threaded workers). When every run fails the summary is
    written and :class:`~simnet.base.errors.SimulationFailed` raised.
    """
    from simnet.bench import execute as runner, experiment_file
    from simnet.bench.executors import open_executor

    if not isinstance(experiment, experiment_file.Experiment):
        experiment = experiment_file.load_experiment(Path(arg.path(experiment, "experiment")))
    if quick:
        experiment = experiment_file.quick(experiment)
    if repeats is not None:
        experiment = experiment_file.with_repeats(experiment, repeats)
    out_dir = Path(out_dir) if out_dir is not None else Path("runs") / "bench" / experiment.name
    executor = open_executor(scheduler, workers)  # checks its arguments; starts nothing yet
    return runner.run_experiment(experiment, out_dir, overwrite=overwrite, executor=executor, redo=redo,
                                 build_root=Path(build_dir) if build_dir else None, log=log,
                                 command_line=command_line, quick_run=quick, skip_memory_check=skip_memory_check)


@arg.checked(model=arg.text, values=arg.mapping, out_dir=arg.optional(arg.path), backend=arg.text,
           threads=arg.optional(arg.count(1)), precision=arg.text, peers=arg.text_list, duration=arg.time,
           repeats=arg.count(1, 10_000), seed=arg.seed, overwrite=arg.flag, redo=arg.flag,
           build_dir=arg.optional(arg.path), scheduler=arg.optional(arg.text), workers=arg.optional(arg.count(1, 1024)),
           log=arg.optional(arg.function), command_line=arg.text, skip_memory_check=arg.flag)
def sweep(model: str, values: dict, *, out_dir: Optional[PathLike] = None, backend: str = "cpp",
          threads: Optional[int] = None, precision: str = "double", peers: Sequence[str] = (),
          duration="1s", repeats: int = 1, seed: int = 1, overwrite: bool = False, redo: bool = False,
          build_dir: Optional[PathLike] = None, scheduler: Optional[str] = None, workers: Optional[int] = None,
          log: Optional[Callable[[str], None]] = None, command_line: str = "",
          skip_memory_check: bool = False) -> dict:
    """Run ``model`` at every combination of ``values`` (option -> list of values, ``neurons`` among them) and
    summarise the scaling; ``out_dir`` defaults to ``runs/sweep/<model>-<UTC time>`` (give it to resume).
    ``scheduler``, ``workers`` and ``redo`` as for :func:`run_experiment`."""
    import datetime

    from simnet.bench.experiment_file import check_size, sweep_experiment

    # counted before anything is made from the values (each point is built and checked when the experiment is)
    check_size(1 + len(peers), repeats, 1, {name: len(v) if isinstance(v, (list, tuple)) else 1
                                            for name, v in values.items()},
               lambda message: UsageError(message, parameter="values"))
    if not isinstance(duration, str):  # experiment files take times as text
        duration = f"{as_seconds(duration, 'duration')!r}s"
    experiment = sweep_experiment(model, values, backend=backend, threads=threads, precision=precision,
                                  peers=tuple(peers), duration=duration, repeats=repeats, seed=seed)
    if out_dir is None:
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        out_dir = Path("runs") / "sweep" / f"{model}-{stamp}"
    return run_experiment(experiment, out_dir=out_dir, overwrite=overwrite, redo=redo, build_dir=build_dir,
                          scheduler=scheduler, workers=workers, log=log, command_line=command_line,
                          skip_memory_check=skip_memory_check)


@arg.checked(levels=arg.optional(arg.text), scale=arg.optional(arg.number(positive=True)),
           k_scale=arg.optional(arg.number(positive=True)), synapse_model=arg.optional(arg.text), duration=arg.time,
           discard=arg.time, backend=arg.text, threads=arg.optional(arg.count(1)), precision=arg.text,
           seed=arg.seed, out_dir=arg.path, from_dir=arg.optional(arg.path), overwrite=arg.flag,
           progress=arg.flag, figures_dir=arg.optional(arg.path), scheduler=arg.optional(arg.text),
           workers=arg.optional(arg.count(1, 1024)), on_level=arg.optional(arg.function), command_line=arg.text,
           skip_memory_check=arg.flag)
def fidelity(levels: Optional[str] = None, *, scale: Optional[float] = None, k_scale: Optional[float] = None,
             synapse_model: Optional[str] = None, duration="1.5s", discard="500ms", backend: str = "cpp",
             threads: Optional[int] = None, precision: str = "double", seed: int = 1,
             out_dir: PathLike = "runs/fidelity", from_dir: Optional[PathLike] = None, overwrite: bool = False,
             progress: bool = False, figures_dir: Optional[PathLike] = None, scheduler: Optional[str] = None,
             workers: Optional[int] = None, on_level: Optional[Callable[[str, Path], None]] = None,
             command_line: str = "", skip_memory_check: bool = False) -> dict:
    """The fidelity ladder's table: the column run at each neuron level (``levels``, comma-separated; the
    reference level always included), or, with ``from_dir``, recomputed from records already there.
    ``scheduler`` or ``workers`` run the levels on a Dask cluster, as for :func:`run_experiment`."""
    from simnet.bench import fidelity_ladder as ladder
    from simnet.bench.executors import open_executor
    from simnet.report import fidelity_table
    from simnet.simulation.settings import RunSettings

    discard_s = as_seconds(discard, "discard", allow_zero=True)
    if figures_dir is not None:  # checked before hours of simulation, not after
        from simnet.base import atomic_files

        atomic_files.check_directory(figures_dir, "figures_dir", what="figures directory", create=False)
    if from_dir is not None:
        records, sources = ladder.read_level_records(Path(from_dir), ladder.parse_levels(levels) if levels else None)
    else:
        duration_s = as_seconds(duration, "duration")
        ladder.check_window(duration_s, discard_s)
        settings = RunSettings(precision=precision, threads=threads, progress=progress)
        runs = ladder.level_runs(ladder.parse_levels(levels), duration_s=duration_s, backend=backend,
                                 settings=settings, seed=seed, command_line=command_line,
                                 skip_memory_check=skip_memory_check,
                                 options={"scale": scale, "k_scale": k_scale, "synapse_model": synapse_model})
        sources = ladder.run_levels(runs, out_dir=Path(out_dir), overwrite=overwrite,
                                    executor=open_executor(scheduler, workers), on_level=on_level)
        records = {level: files.read(path) for level, path in sources.items()}
    table = fidelity_table.fidelity_table(records, discard_s=discard_s, sources=sources)
    if figures_dir is not None:
        from simnet.report.figures import plot_cost_vs_fidelity

        table["figures"] = [str(p) for p in plot_cost_vs_fidelity(
            **fidelity_table.figure_inputs(table), out_stem=Path(figures_dir) / fidelity_table.FIGURE_STEM)]
    return table
