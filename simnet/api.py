"""simnet from Python: run a model, read a record, account for its cost, project it, benchmark.

The command line is a thin layer over these functions; each takes the library's parameters (times as text such as
``"1s"`` or as seconds) and returns data, never prints. Bad input raises :class:`~simnet.errors.UsageError`;
a simulation that cannot complete raises :class:`~simnet.errors.SimulationFailed`.

    >>> import simnet
    >>> record = simnet.run("cobahh", neurons=4000, duration="1s", backend="cpp")   # doctest: +SKIP
    >>> simnet.cost_table(record)["counted_flops_per_neuron_per_bio_s"]            # doctest: +SKIP
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence, Union

from simnet import results
from simnet.errors import UsageError
from simnet.results import RunRecord
from simnet.units import SECONDS_PER_YEAR, as_seconds, parse_wall_duration_s

PathLike = Union[str, Path]


# --------------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------------

def plan(model: str, *, duration="1s", pre_run="0s", backend: str = "cpp", threads: Optional[int] = None,
         precision: str = "double", seed: int = 1, record_spikes: Optional[bool] = None,
         build_dir: Optional[PathLike] = None, keep_build: bool = False, reuse_build: bool = False,
         progress: bool = True, compile_only: bool = False, compute_capability: Optional[float] = None,
         skip_memory_check: bool = False, profile: Optional[bool] = None, tuning: Optional[dict] = None,
         **options):
    """A run of ``model`` with its ``options`` (e.g. ``neurons=4000``), checked; nothing is built.

    See :func:`simnet.simulate.plan_run` for the parameters; ``duration`` and ``pre_run`` are times (``"1s"``,
    ``"500ms"`` or seconds). With ``compile_only`` the plan is for :func:`compile_project` (for ``cuda``,
    ``compute_capability`` names the GPU to compile for, so none need be present). ``profile`` times every code
    object of the loop and ``tuning`` sets how the program is made (``synapse_order``, ``poisson_sampler``,
    ``simd_math``); left out, each takes the default of :class:`simnet.sessions.RunSettings`.
    """
    from simnet.sessions import RunSettings
    from simnet.simulate import plan_run

    settings = RunSettings(precision=precision, threads=threads, build_root=Path(build_dir) if build_dir else None,
                           keep_build=keep_build, reuse_build=reuse_build, progress=progress,
                           compile_only=compile_only, compute_capability=compute_capability,
                           **({} if profile is None else {"profile": bool(profile)}), **_tuning(tuning))
    return plan_run(model, options, duration_s=as_seconds(duration, "duration"),
                    pre_run_s=as_seconds(pre_run, "pre_run", allow_zero=True), backend=backend,
                    settings=settings, seed=seed, record_spikes=record_spikes, skip_memory_check=skip_memory_check)


def execute(run_plan, *, out: Optional[PathLike] = None, overwrite: bool = False,
            command_line: str = "") -> RunRecord:
    """Simulate a plan of :func:`plan`; with ``out``, write the record there (checked, and held against a second
    writer, before simulating)."""
    from simnet.simulate import execute as execute_plan

    if out is None:
        return execute_plan(run_plan, command_line=command_line)
    with results.reserved(out, overwrite) as path:
        record = execute_plan(run_plan, command_line=command_line)
        results.write(record, path, overwrite=overwrite)
    return record


def compile_project(run_plan) -> dict:
    """Generate and compile a compile-only plan's project without running it (:func:`simnet.simulate.compile_project`)."""
    from simnet.simulate import compile_project as compile_plan

    return compile_plan(run_plan)


def run(model: str, *, out: Optional[PathLike] = None, overwrite: bool = False, **kwargs) -> RunRecord:
    """Simulate ``model`` and return its record: :func:`plan` then :func:`execute`."""
    return execute(plan(model, **kwargs), out=out, overwrite=overwrite)


def account(network, *, duration="1s", pre_run="0s", backend: str = "cpp", threads: Optional[int] = None,
            precision: str = "double", seed: int = 1, record_spikes: Optional[bool] = None,
            build_dir: Optional[PathLike] = None, keep_build: bool = False, progress: bool = True,
            out: Optional[PathLike] = None, overwrite: bool = False, namespace: Optional[dict] = None,
            command_line: str = "", tuning: Optional[dict] = None) -> RunRecord:
    """Run a Brian2 network simnet did not write, with simnet's instrumentation, and return its record.

    ``network`` is a path to a script that builds Brian2 objects (``simnet account my_model.py``), a function
    that builds and returns them (any backend), or a ``brian2.Network`` / objects already made (runtime backend
    only); ``namespace`` holds the names their equations use, where the objects do not carry them (a script's
    globals, and a function's when it returns ``locals()``, are used by themselves). The user's objects are run
    as they are; simnet adds its own monitors beside them and measures phases, counted FLOPs per code object,
    activity, memory and energy as for its own models (``record.cost``). See :mod:`simnet.usernet` for what the
    code may and may not do. ``tuning`` is :func:`plan`'s.
    """
    from simnet import usernet
    from simnet.sessions import RunSettings
    from simnet.simulate import plan_network

    user = usernet.from_script(network) if isinstance(network, (str, Path)) else \
        usernet.from_python(network, namespace)
    settings = RunSettings(precision=precision, threads=threads, build_root=Path(build_dir) if build_dir else None,
                           keep_build=keep_build, progress=progress, **_tuning(tuning))
    run_plan = plan_network(user, duration_s=as_seconds(duration, "duration"),
                            pre_run_s=as_seconds(pre_run, "pre_run", allow_zero=True), backend=backend,
                            settings=settings, seed=seed, record_spikes=record_spikes)
    return execute(run_plan, out=out, overwrite=overwrite, command_line=command_line)


def _tuning(tuning: Optional[dict]) -> dict:
    """The :class:`simnet.sessions.RunSettings` fields of ``tuning``, checked by name (values by RunSettings)."""
    from simnet.sessions import TUNING_CHOICES

    unknown = sorted(set(tuning or {}) - set(TUNING_CHOICES))
    if unknown:
        raise UsageError(f"unknown tuning setting(s) {', '.join(unknown)}; choose {', '.join(TUNING_CHOICES)}",
                         parameter="tuning")
    return dict(tuning or {})


def read(path: PathLike) -> RunRecord:
    """The record in a results file written by simnet."""
    return results.read(Path(path))


def summary(record: Union[RunRecord, PathLike]) -> dict:
    """A run's summary (:func:`simnet.summary.run_summary`): size, activity, time by phase, a start-up transient
    seen in its rates and, for the column, its regime (:mod:`simnet.activity`)."""
    from simnet.summary import run_summary

    path = None if isinstance(record, RunRecord) else str(record)
    return run_summary(record if isinstance(record, RunRecord) else read(record), path)


def plot(record: Union[RunRecord, PathLike], out: Optional[PathLike] = None) -> list:
    """Draw a run's raster and population rates as ``<out>.png`` and ``<out>.svg`` (default: beside the file,
    ``<name>_activity``); returns the paths written."""
    from simnet.plots import plot_activity

    if out is None:
        if isinstance(record, RunRecord):
            raise UsageError("give out (a path without suffix) to plot a record that is not read from a file",
                             parameter="out")
        out = Path(record).with_name(Path(record).stem + "_activity")
    record = record if isinstance(record, RunRecord) else read(record)
    try:
        return plot_activity(record, Path(out))
    except OSError as err:
        raise UsageError(f"cannot write figures at {out}: {err.strerror or err}", parameter="out") from None


def compare(a: Union[RunRecord, PathLike], b: Union[RunRecord, PathLike], *,
            fail_above: Optional[float] = None) -> dict:
    """Two runs' cost figures and population rates side by side, with ratios B / A
    (:func:`simnet.comparison.compare_records`); with ``fail_above``, ``regressed`` says whether B's loop time
    per biological second exceeds A's by more than that factor."""
    from simnet.comparison import compare_records

    labels = tuple(str(x) if not isinstance(x, RunRecord) else x.model for x in (a, b))
    return compare_records(_record(a), _record(b), labels=labels, fail_above=fail_above)


def _record(record_or_path: Union[RunRecord, PathLike]) -> RunRecord:
    """A costed record, given or read from a path."""
    record = record_or_path if isinstance(record_or_path, RunRecord) else read(record_or_path)
    if not record.cost_detail:
        where = record_or_path if not isinstance(record_or_path, RunRecord) else f"the {record.model} record"
        raise UsageError(f"{where} has no cost section (written by an older simnet)")
    return record


# --------------------------------------------------------------------------------------------------
# Cost
# --------------------------------------------------------------------------------------------------

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


def roofline(record: Union[RunRecord, PathLike], *, bandwidth_gb_s: Optional[float] = None,
             launch_latency_us: float = 5.0):
    """How far a run's loop was from the hardware's limits (:func:`simnet.cost.roofline.record_roofline`).

    The memory bandwidth is ``bandwidth_gb_s`` when given, else the device's row in ``data/hardware.csv``, else,
    for a record made on this machine, measured here (a copy benchmark); otherwise unknown.
    """
    from simnet.cost.roofline import record_roofline

    record = _record(record)
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

    from simnet import system

    if bandwidth_gb_s is not None:
        if not (bandwidth_gb_s > 0 and math.isfinite(bandwidth_gb_s)):
            raise UsageError(f"bandwidth_gb_s must be positive, got {bandwidth_gb_s}", parameter="bandwidth_gb_s")
        return bandwidth_gb_s * 1e9, "given by the user"
    if (not record.cost_detail.get("peak", {}).get("mem_bandwidth_bytes_per_s")
            and record.provenance.get("machine", {}).get("hostname") == system.hostname()):
        return system.measure_copy_bandwidth()
    return None, ""


# --------------------------------------------------------------------------------------------------
# Projection
# --------------------------------------------------------------------------------------------------

@dataclass
class Extrapolation:
    """Runs projected to human scale: one :class:`~simnet.projection.extrapolate.Projection` per record."""

    projections: list = field(default_factory=list)  # (label, Projection)
    figures: list = field(default_factory=list)
    #: (label, [ClusterProjection]) per record: the back-tested performance model at human scale
    model_projections: list = field(default_factory=list)
    #: the model's sustained rates (with sources) and its back-test summary, which the projections rest on
    model_basis: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"projections": [{"record": label, **p.to_dict()} for label, p in self.projections],
                "performance_model": {"basis": {"rates": {kind: r.to_dict() for kind, r in
                                                          self.model_basis.get("rates", {}).items()},
                                                "backtest_summary": self.model_basis.get("backtest_summary")},
                                      "projections": [{"record": label, "clusters": [c.to_dict() for c in clusters]}
                                                      for label, clusters in self.model_projections]},
                "figures": [str(f) for f in self.figures]}


def extrapolate(records: Union[RunRecord, PathLike, Sequence[Union[RunRecord, PathLike]]], *,
                neurons: Sequence[float] = (1.3e9, 1.3e10),
                years: float = 15.0, synapses_per_neuron: Sequence[float] = (1000.0, 7000.0), target_wall="1y",
                usd_per_kwh: Optional[float] = None, scaling: Optional[PathLike] = None,
                figures_dir: Optional[PathLike] = None, min_delay=None) -> Extrapolation:
    """Project measured runs (one record or path, or several) to ``neurons`` for ``years`` of biological time
    (:mod:`simnet.projection`).

    ``scaling`` is a sweep or bench summary: the loop time's exponent against neurons is fitted to it and used
    beside the linear assumption. ``figures_dir`` receives the ladder figure (and the scaling fit, and the
    performance model's time to solution against devices). ``min_delay`` (a time; default: the run's time step) is
    the communication interval the performance model assumes on a cluster.
    """
    from simnet.cost.account import cost_table
    from simnet.cost.hardware import find_hardware_row
    from simnet.projection import extrapolate as ex
    from simnet.projection.fits import choose_fit, scaling_fits, scaling_series
    from simnet.reference import read_table

    if isinstance(records, (RunRecord, str, Path)):
        records = [records]
    price = {} if usd_per_kwh is None else {"usd_per_kwh": usd_per_kwh, "price_source": "given by the user"}
    try:
        assumptions = ex.Assumptions(neurons=tuple(neurons), bio_seconds=years * SECONDS_PER_YEAR,
                                     synapses_per_neuron=tuple(synapses_per_neuron),
                                     target_wall_s=parse_wall_duration_s(target_wall, "target_wall")
                                     if isinstance(target_wall, str) else float(target_wall), **price)
    except ValueError as err:
        raise UsageError(str(err)) from None
    series, fits = {}, {}
    if scaling is not None:
        summary = results.read_summary(Path(scaling), scaling_points_only=True)
        try:
            series = scaling_series(summary.get("points"))
        except ValueError as err:
            raise UsageError(f"{scaling}: {err}") from None
        fits = scaling_fits(series)
        if not fits:
            raise UsageError(f"{scaling}: no runner was measured at two or more distinct sizes on hosts of one "
                             "kind, so no scaling can be fitted")
    # the peak-ratio table lists the single devices it always listed; the cluster rows are the performance model's
    hardware_rows = [row for row in read_table("hardware.csv").rows if row.get("projection_role") == "device"]
    ml_runs = ex.ml_runs_from_rows(read_table("ml_training_compute.csv").rows)
    done = Extrapolation()
    for item in records:
        record = _record(item)
        label = str(item) if not isinstance(item, RunRecord) else record.model
        try:
            measurement = ex.measurement_from_cost_table(cost_table(record), record.cost_detail.get("peak"), label=None)
        except ValueError as err:
            raise UsageError(f"{label}: {err}") from None
        peak = record.cost_detail.get("peak") or {}
        row, _ = find_hardware_row(peak.get("device_name") or measurement.measured_on, peak.get("device", "gpu"))
        device_memory = float(row["memory_gb"]) * 1e9 if row and row.get("memory_gb") else None
        fit, fit_label = None, ""
        if fits:
            runner, why = choose_fit(fits, measurement.backend)
            fit, fit_label = fits[runner], f"{why}, from {scaling}"
        done.projections.append((label, ex.project(
            measurement, assumptions, ex.reference_devices_from_rows(hardware_rows, measurement.precision),
            ml_runs, fit=fit, fit_label=fit_label, measured_device_memory_bytes=device_memory)))
        done.model_projections.append((label, _model_projection(record, label, assumptions, min_delay, done)))
    if figures_dir is not None:
        done.figures = _projection_figures(done, ml_runs, series, fits, Path(figures_dir), scaling)
    return done


def _model_projection(record: RunRecord, label: str, assumptions, min_delay, done: Extrapolation) -> list:
    """The run's network (its own per-element costs, rate, step and precision) on each reference cluster."""
    from simnet.cost.elements import element_costs
    from simnet.projection.backtest import backtest as run_backtest
    from simnet.projection.human_scale import human_scale
    from simnet.projection.model import Machine, Network
    from simnet.reference import read_table

    if not done.model_basis:
        rates = model_rates()
        result = run_backtest(read_table("published_runs.csv").rows, read_table("hardware.csv").rows,
                              read_table("element_costs.csv").rows, rates)
        done.model_basis = {"rates": rates, "backtest_summary": result.summary}
    min_delay_s = as_seconds(min_delay, "min_delay", allow_zero=True) if min_delay is not None else record.dt_s
    synapses = float(record.n_synapses)
    plastic = sum(p["synapses"] for p in record.counts.get("projections", {}).values() if p.get("plastic"))
    network = Network(label=label, neurons=float(record.n_neurons), synapses=synapses,
                      mean_rate_hz=record.n_spikes / record.n_neurons / record.duration_s, dt_s=record.dt_s,
                      min_delay_s=min_delay_s,
                      costs=element_costs(record.cost_detail, record.counts, record.model,
                                          f"counted by simnet from {label}"),
                      plastic_synapses=float(plastic), precision=record.backend.get("precision", "double"))
    machines = [Machine.from_row(row) for row in read_table("hardware.csv").rows
                if row.get("projection_role") == "cluster"]
    return human_scale(network, assumptions.neurons, assumptions.synapses_per_neuron, machines,
                       done.model_basis["rates"], assumptions.bio_seconds)


def _projection_figures(done: Extrapolation, ml_runs, series: dict, fits: dict, figures_dir: Path,
                        scaling: Optional[PathLike]) -> list:
    from simnet.documents import reproduce_all
    from simnet.plots import plot_ladder, plot_scaling, plot_time_to_solution
    from simnet.projection.ladder import ladder_entries

    entries = ladder_entries(reproduce_all(), [p for _, p in done.projections], ml_runs)
    written = list(plot_ladder(entries, figures_dir / "ladder"))
    for index, (label, clusters) in enumerate(done.model_projections):
        stem = "time_to_solution" + (f"_{index + 1}" if len(done.model_projections) > 1 else "")
        written += plot_time_to_solution(clusters, figures_dir / stem,
                                         f"Time to solution against devices, performance model: {Path(label).name}")
    if series:
        written += plot_scaling({name: s["neurons"] for name, s in series.items()}, fits, "neurons",
                                "loop wall-clock s per biological s",
                                f"Measured scaling ({Path(scaling).name})", figures_dir / "scaling")
    return written


#: Columns a runs file and a hardware file must have (``simnet backtest --runs/--hardware``).
RUNS_COLUMNS = ("id", "cost_model", "neurons", "synapses", "mean_rate_hz", "dt_ms", "min_delay_ms", "hardware",
                "devices", "wall_s_per_bio_s")
HARDWARE_COLUMNS = ("name", "kind", "fp32_tflops", "fp64_tflops", "mem_bandwidth_gb_s", "memory_gb")


def _user_table(path: PathLike, parameter: str, columns: Sequence[str]):
    from simnet.reference import read_csv

    try:
        table = read_csv(Path(path))
    except OSError as err:
        raise UsageError(f"{parameter} {path}: {err.strerror or err}", parameter=parameter) from None
    except ValueError as err:
        raise UsageError(f"{parameter}: {err}", parameter=parameter) from None
    missing = [c for c in columns if not table.rows or c not in table.rows[0]]
    if missing:
        raise UsageError(f"{parameter} {path} lacks the column(s) {', '.join(missing)} (see the header of "
                         f"data/{'published_runs' if parameter == 'runs' else 'hardware'}.csv)", parameter=parameter)
    return table.rows


def model_rates() -> dict:
    """The performance model's sustained rates per device kind (:func:`simnet.projection.backtest.calibrated_rates`):
    per-step costs from ``data/microbench.csv``, fractions calibrated on the stated subset of the shipped runs."""
    from simnet.projection.backtest import calibrated_rates
    from simnet.reference import read_table

    return calibrated_rates(read_table("published_runs.csv").rows, read_table("hardware.csv").rows,
                            read_table("element_costs.csv").rows, read_table("microbench.csv").rows)


def backtest(runs: Optional[PathLike] = None, hardware: Optional[PathLike] = None):
    """Predict every run of a runs table with the performance model and compare (:mod:`simnet.projection.backtest`).

    ``runs`` and ``hardware`` are files in the schemas of ``data/published_runs.csv`` and ``data/hardware.csv``
    (default: those). The model is calibrated on the shipped tables' calibration subset whatever files are given,
    so that a user's runs are predicted, never fitted.
    """
    from simnet.projection.backtest import backtest as run_backtest
    from simnet.reference import read_table

    run_rows = _user_table(runs, "runs", RUNS_COLUMNS) if runs is not None else read_table("published_runs.csv").rows
    hardware_rows = (_user_table(hardware, "hardware", HARDWARE_COLUMNS) if hardware is not None
                     else read_table("hardware.csv").rows)
    return run_backtest(run_rows, hardware_rows, read_table("element_costs.csv").rows, model_rates(),
                        runs_source=str(runs) if runs is not None else "data/published_runs.csv",
                        hardware_source=str(hardware) if hardware is not None else "data/hardware.csv")


@dataclass
class Audit:
    """The seed documents' claims recomputed, and the performance model's prediction for each chain that projects
    a simulation."""

    reproductions: list
    model_checks: list

    def to_dict(self) -> dict:
        return {"reproductions": [r.to_dict() for r in self.reproductions],
                "model_checks": [c.to_dict() for c in self.model_checks]}


def reproduce() -> Audit:
    """The seed documents' calculations, recomputed and checked (:func:`simnet.documents.reproduce_all`), and what
    the back-tested performance model predicts for their simulation configurations
    (:func:`simnet.documents.model_check.model_checks`)."""
    from simnet.documents import reproduce_all
    from simnet.documents.model_check import model_checks
    from simnet.projection.backtest import element_costs_by_name
    from simnet.reference import read_table

    return Audit(reproduce_all(), model_checks(model_rates(), read_table("hardware.csv").rows,
                                               element_costs_by_name(read_table("element_costs.csv").rows)))


def backends() -> dict:
    """Every backend, whether it is usable here (and if not, why), and what ``auto`` chooses."""
    from simnet.backends import BACKENDS, get_backend

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

def run_experiment(experiment, *, out_dir: Optional[PathLike] = None, repeats: Optional[int] = None,
                   quick: bool = False, overwrite: bool = False, redo: bool = False,
                   build_dir: Optional[PathLike] = None, scheduler: Optional[str] = None,
                   workers: Optional[int] = None, log: Optional[Callable[[str], None]] = None,
                   command_line: str = "", skip_memory_check: bool = False) -> dict:
    """Run an experiment (a file path or a :class:`simnet.bench.spec.Experiment`) and return its summary.

    ``out_dir`` (default ``runs/bench/<name>``) receives every run's record and ``summary.json``; rerun into the
    same folder, the runs already recorded there are skipped (``redo`` runs them again), while ``overwrite``
    first removes an earlier experiment's summary, points and figures there. The runs are made in this process,
    one after another, or on a Dask cluster: ``scheduler`` (an address such as ``tcp://host:8786``) or
    ``workers`` (a local cluster of that many single-threaded workers). When every run fails the summary is
    written and :class:`~simnet.errors.SimulationFailed` raised.
    """
    from simnet.bench import execute as runner
    from simnet.bench import spec
    from simnet.bench.executors import open_executor

    if not isinstance(experiment, spec.Experiment):
        experiment = spec.load_experiment(Path(experiment))
    if quick:
        experiment = spec.quick(experiment)
    if repeats is not None:
        experiment = spec.with_repeats(experiment, repeats)
    out_dir = Path(out_dir) if out_dir is not None else Path("runs") / "bench" / experiment.name
    executor = open_executor(scheduler, workers)  # checks its arguments; starts nothing yet
    return runner.run_experiment(experiment, out_dir, overwrite=overwrite, executor=executor, redo=redo,
                                 build_root=Path(build_dir) if build_dir else None, log=log,
                                 command_line=command_line, quick_run=quick, skip_memory_check=skip_memory_check)


def sweep(model: str, values: dict, *, out_dir: Optional[PathLike] = None, backend: str = "cpp",
          threads: Optional[int] = None, precision: str = "double", peers: Sequence[str] = (),
          duration: str = "1s", repeats: int = 1, seed: int = 1, overwrite: bool = False, redo: bool = False,
          build_dir: Optional[PathLike] = None, scheduler: Optional[str] = None, workers: Optional[int] = None,
          log: Optional[Callable[[str], None]] = None, command_line: str = "",
          skip_memory_check: bool = False) -> dict:
    """Run ``model`` at every combination of ``values`` (option -> list of values, ``neurons`` among them) and
    summarise the scaling; ``out_dir`` defaults to ``runs/sweep/<model>-<UTC time>`` (give it to resume).
    ``scheduler``, ``workers`` and ``redo`` as for :func:`run_experiment`."""
    import datetime

    from simnet.bench.spec import sweep_experiment

    experiment = sweep_experiment(model, values, backend=backend, threads=threads, precision=precision,
                                  peers=tuple(peers), duration=duration, repeats=repeats, seed=seed)
    if out_dir is None:
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        out_dir = Path("runs") / "sweep" / f"{model}-{stamp}"
    return run_experiment(experiment, out_dir=out_dir, overwrite=overwrite, redo=redo, build_dir=build_dir,
                          scheduler=scheduler, workers=workers, log=log, command_line=command_line,
                          skip_memory_check=skip_memory_check)


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
    from simnet.bench import fidelity as ladder
    from simnet.bench import fidelity_table
    from simnet.bench.executors import open_executor
    from simnet.sessions import RunSettings

    discard_s = as_seconds(discard, "discard", allow_zero=True)
    if figures_dir is not None:  # checked before hours of simulation, not after
        from simnet import atomicfile

        atomicfile.check_directory(figures_dir, "figures_dir", what="figures directory", create=False)
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
        records = {level: results.read(path) for level, path in sources.items()}
    table = fidelity_table.fidelity_table(records, discard_s=discard_s, sources=sources)
    if figures_dir is not None:
        from simnet.plots import plot_cost_vs_fidelity

        table["figures"] = [str(p) for p in plot_cost_vs_fidelity(
            **fidelity_table.figure_inputs(table), out_stem=Path(figures_dir) / fidelity_table.FIGURE_STEM)]
    return table
