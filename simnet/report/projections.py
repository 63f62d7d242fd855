"""Measured runs projected to human scale, the performance model's back-test, and the documents' audit, put
together from the records and reference tables they read (the projection itself is :mod:`simnet.projection`'s
pure functions).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence, Union

from simnet.base.errors import UsageError
from simnet.base.units import SECONDS_PER_YEAR, as_seconds, parse_wall_duration_s
from simnet.record import files
from simnet.record.run_record import RunRecord

__all__ = ["Extrapolation", "extrapolate", "model_projection", "cell_levels", "RUNS_COLUMNS", "HARDWARE_COLUMNS", "model_rates", "backtest", "intra_node_latency", "shipped_run_rows", "Audit",
           "reproduce"]

PathLike = Union[str, Path]


@dataclass
class Extrapolation:
    """Runs projected to human scale: one :class:`~simnet.projection.extrapolate.Projection` per record."""

    projections: list = field(default_factory=list)  # (label, Projection)
    figures: list = field(default_factory=list)
    #: (label, [ClusterProjection]) per record: the back-tested performance model at human scale
    model_projections: list = field(default_factory=list)
    #: the model's sustained rates (with sources) and its back-test summary, which the projections rest on
    model_basis: dict = field(default_factory=dict)
    #: label -> why the performance model was not applied to that record
    model_notes: dict = field(default_factory=dict)
    #: the compartmental cell levels (data/cell_costs.csv) at the same sizes and biological time
    #: (:func:`simnet.projection.cells.cell_level_projection`)
    cell_levels: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"projections": [{"record": label, **p.to_dict()} for label, p in self.projections],
                "performance_model": {"basis": {"rates": {kind: r.to_dict() for kind, r in
                                                          self.model_basis.get("rates", {}).items()},
                                                "backtest_summary": self.model_basis.get("backtest_summary")},
                                      "projections": [{"record": label, "clusters": [
                                          c.to_dict(self.model_basis.get("backtest_summary") or {})
                                          for c in clusters]}
                                                      for label, clusters in self.model_projections],
                                      "notes": self.model_notes},
                "cell_levels": self.cell_levels,
                "figures": [str(f) for f in self.figures]}


def extrapolate(records: Sequence[tuple[str, RunRecord]], *,
                neurons: Sequence[float] = (1.3e9, 1.3e10),
                years: float = 15.0, synapses_per_neuron: Sequence[float] = (1000.0, 7000.0), target_wall="1y",
                usd_per_kwh: Optional[float] = None, scaling: Optional[PathLike] = None,
                figures_dir: Optional[PathLike] = None, min_delay=None) -> Extrapolation:
    """Project measured runs (``(label, record)`` pairs) to ``neurons`` for ``years`` of biological time
    (:mod:`simnet.projection`).

    ``scaling`` is a sweep or bench summary: the loop time's exponent against neurons is fitted to it and used
    beside the linear assumption. ``figures_dir`` receives the ladder figure (and the scaling fit, and the
    performance model's time to solution against devices). ``min_delay`` (a time; default: the run's time step) is
    the communication interval the performance model assumes on a cluster.
    """
    from simnet.base.data_tables import read_table
    from simnet.cost.account import cost_table
    from simnet.machine.hardware import find_hardware_row
    from simnet.projection import extrapolate as ex
    from simnet.projection.fits import choose_fit, scaling_fits, scaling_series

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
        summary = files.read_summary(Path(scaling), scaling_points_only=True)
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
    for label, record in records:
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
        if (record.cost or {}).get("cells"):
            from simnet.projection.cells import BAND_NONE

            # compartmental cells: the model would price them as point neurons without their cable work
            done.model_notes[label] = f"performance model not applied to compartmental cells; band: {BAND_NONE}"
            done.model_projections.append((label, []))
            continue
        done.model_projections.append((label, model_projection(record, label, assumptions, min_delay, done)))
    done.cell_levels = cell_levels(assumptions.neurons, assumptions.bio_seconds)
    if figures_dir is not None:
        done.figures = _projection_figures(done, ml_runs, series, fits, Path(figures_dir), scaling)
    return done


def cell_levels(neurons, bio_seconds: float) -> list:
    """The fidelity ladder's compartmental levels (``data/cell_costs.csv``, measured on single cells) projected to
    ``neurons`` for ``bio_seconds`` (:func:`simnet.projection.cells.cell_level_projection`)."""
    from simnet.base.data_tables import read_table
    from simnet.projection.cells import cell_level_projection

    return [cell_level_projection(row, tuple(neurons), bio_seconds) for row in read_table("cell_costs.csv").rows]


#: The longest communication interval a projection may assume: far beyond any synaptic delay (milliseconds).
MAX_MIN_DELAY_S = 1.0


def model_projection(record: RunRecord, label: str, assumptions, min_delay, done: Extrapolation) -> list:
    """The run's network (its own per-element costs, rate, step and precision) on each reference cluster."""
    from simnet.base.data_tables import read_table
    from simnet.cost.elements import element_costs
    from simnet.projection.backtest import backtest as run_backtest
    from simnet.projection.human_scale import human_scale
    from simnet.projection.model import Machine, Network

    if not done.model_basis:
        rates = model_rates()
        result = run_backtest(shipped_run_rows(), read_table("hardware.csv").rows,
                              read_table("element_costs.csv").rows, rates, intra_node_latency_s=intra_node_latency()[0],
                              calibration_rows=read_table("published_runs.csv").rows)
        done.model_basis = {"rates": rates, "backtest_summary": result.summary}
    min_delay_s = as_seconds(min_delay, "min_delay", allow_zero=True) if min_delay is not None else record.dt_s
    if min_delay_s > MAX_MIN_DELAY_S:  # the exchange's volume grows with it until every figure is infinite
        raise UsageError(f"min_delay must be at most {MAX_MIN_DELAY_S:g} s (synaptic delays are milliseconds), got "
                         f"{min_delay_s:g} s", parameter="min_delay")
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
    from simnet.audit import reproduce_all
    from simnet.projection.ladder import LADDER_PROJECTION, LadderEntry, ladder_entries
    from simnet.report.figures import plot_ladder, plot_scaling, plot_time_to_solution

    entries = ladder_entries(reproduce_all(), [p for _, p in done.projections], ml_runs)
    entries = sorted(entries + [LadderEntry(f"cell level {c['level']} counted, {size['neurons']:.2g} cells, "
                                            f"{c['bio_seconds'] / SECONDS_PER_YEAR:.3g} y", size["counted_flops"],
                                            LADDER_PROJECTION)
                                for c in done.cell_levels for size in c["sizes"] if size["counted_flops"]],
                     key=lambda e: e.flops)
    written = list(plot_ladder(entries, figures_dir / "ladder"))
    for index, (label, clusters) in enumerate(done.model_projections):
        if not clusters:
            continue
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
    from simnet.base.data_tables import read_csv

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


#: Numeric columns of a user's runs and hardware files: a cell there must be empty or a number.
RUNS_NUMBERS = ("neurons", "synapses", "plastic_synapses", "mean_rate_hz", "dt_ms", "min_delay_ms", "devices",
                "wall_s_per_bio_s")
HARDWARE_NUMBERS = ("fp32_tflops", "fp64_tflops", "mem_bandwidth_gb_s", "memory_gb", "board_power_w", "cores",
                    "injection_bandwidth_gb_s", "internode_latency_us")


def _with_workloads(rows, path):
    """A user's runs with the rows that name a workload completed from it; one line naming the first row and column
    whose ``workload`` is not one of ``data/network_workloads.csv``."""
    from simnet.projection.workloads import apply_workloads, unknown_workload

    workloads = shipped_workloads()
    for index, row in enumerate(rows, start=1):
        name = unknown_workload(row, workloads)
        if name:
            label = row.get("id") or ""
            raise UsageError(f"runs {path}: row {index}{f' ({label})' if label else ''}, column workload: '{name}' is "
                             f"not a workload of data/network_workloads.csv (known: {', '.join(sorted(workloads))}; "
                             "or leave the cell empty)", parameter="runs")
    return apply_workloads(rows, workloads)


def _check_numbers(rows, path, parameter: str, columns: Sequence[str]) -> None:
    """One line naming the first row and column whose cell is not a number a run or machine can have: in a
    hardware file a positive one (a zero peak, bandwidth, memory or power would give zero, infinite or undefined
    projections), in a runs file a non-negative one (zero is a real figure there: no plastic synapses, a minimum
    delay the source leaves at zero)."""
    for index, row in enumerate(rows, start=1):
        for column in columns:
            text = (row.get(column) or "").strip().replace(",", "")
            if not text:
                continue
            try:
                value = float(text)
            except ValueError:
                value = float("nan")
            zero_allowed = parameter != "hardware"
            if not (value >= 0 if zero_allowed else value > 0) or value == float("inf"):
                label = row.get("id") or row.get("name") or ""
                raise UsageError(f"{parameter} {path}: row {index}{f' ({label})' if label else ''}, column {column}: "
                                 f"'{row.get(column)}' is not a {'non-negative' if zero_allowed else 'positive'} "
                                 "number", parameter=parameter)


def intra_node_latency() -> tuple[Optional[float], str]:
    """The measured latency of a 2-rank allgather of 8 bytes on simnet's machine (``data/mpi_microbench.csv``),
    the figure the model uses for an exchange among the ranks of one node, and where it came from."""
    from simnet.base.data_tables import read_table

    try:
        rows = read_table("mpi_microbench.csv").rows
    except (OSError, ValueError):
        return None, "no data/mpi_microbench.csv"
    row = next((r for r in rows if r["collective"] == "allgather" and r["ranks"] == "2"
                and r["bytes_per_rank"] == "8"), None)
    if row is None:
        return None, "data/mpi_microbench.csv has no 2-rank allgather of 8 bytes"
    return float(row["median_s"]), (f"2-rank allgather of 8 B, median {float(row['median_s']) * 1e6:.3g} us on "
                                    f"{row['machine']} ({row['mpi']}; {row['date']}, load {row['loadavg_1min']})")


def shipped_workloads() -> dict:
    """The named benchmark networks of ``data/network_workloads.csv`` (:mod:`simnet.projection.workloads`)."""
    from simnet.base.data_tables import read_table
    from simnet.projection.workloads import workloads_from_rows

    return workloads_from_rows(read_table("network_workloads.csv").rows)


def shipped_run_rows() -> list:
    """The shipped runs: ``data/published_runs.csv`` and ``data/published_multinode_runs.csv``, rows that name a
    workload completed from it (:func:`simnet.projection.workloads.apply_workloads`)."""
    from simnet.base.data_tables import read_table
    from simnet.projection.workloads import apply_workloads

    return apply_workloads(read_table("published_runs.csv").rows + read_table("published_multinode_runs.csv").rows,
                           shipped_workloads())


def model_rates() -> dict:
    """The performance model's sustained rates per device kind (:func:`simnet.projection.backtest.calibrated_rates`):
    per-step costs from ``data/microbench.csv``, fractions calibrated on the stated single-node subset."""
    from simnet.base.data_tables import read_table
    from simnet.projection.backtest import calibrated_rates

    return calibrated_rates(read_table("published_runs.csv").rows, read_table("hardware.csv").rows,
                            read_table("element_costs.csv").rows, read_table("microbench.csv").rows,
                            intra_node_latency_s=intra_node_latency()[0])


def backtest(runs: Optional[PathLike] = None, hardware: Optional[PathLike] = None,
             leave_one_study_out: bool = False):
    """Predict every run of a runs table with the performance model and compare (:mod:`simnet.projection.backtest`).

    ``runs`` and ``hardware`` are files in the schemas of ``data/published_runs.csv`` and ``data/hardware.csv``
    (default: the shipped runs, single- and multi-node, and hardware). The model is calibrated on the shipped
    single-node calibration subset whatever files are given, so that a user's runs are predicted, never fitted.
    ``leave_one_study_out`` adds the table of each study predicted by a model calibrated without it.
    """
    from simnet.base.data_tables import read_table
    from simnet.projection import scoring
    from simnet.projection.backtest import backtest as run_backtest, calibration_cases

    if runs is not None:
        run_rows = _user_table(runs, "runs", RUNS_COLUMNS)
        _check_numbers(run_rows, runs, "runs", RUNS_NUMBERS)
        run_rows = _with_workloads(run_rows, runs)
    else:
        run_rows = shipped_run_rows()
    if hardware is not None:
        hardware_rows = _user_table(hardware, "hardware", HARDWARE_COLUMNS)
        _check_numbers(hardware_rows, hardware, "hardware", HARDWARE_NUMBERS)
    else:
        hardware_rows = read_table("hardware.csv").rows
    shipped = (read_table("published_runs.csv").rows, read_table("hardware.csv").rows,
               read_table("element_costs.csv").rows, read_table("microbench.csv").rows)
    intra, intra_source = intra_node_latency()
    rates = model_rates()
    result = run_backtest(run_rows, hardware_rows, shipped[2], rates, intra_node_latency_s=intra,
                          calibration_rows=shipped[0],
                          runs_source=str(runs) if runs is not None else
                          "data/published_runs.csv + data/published_multinode_runs.csv",
                          hardware_source=str(hardware) if hardware is not None else "data/hardware.csv")
    result.calibration["intra-node exchange"] = {"rule": "measured", "what": intra_source}
    cases = {kind: calibration_cases(shipped[0], shipped[1], shipped[2], kind) for kind in rates}
    result.identification = scoring.identification(cases, rates, intra)
    result.moved_runs = scoring.moved_runs(result, *shipped, intra)
    if leave_one_study_out:
        result.leave_one_study_out = scoring.leave_one_study_out(run_rows, hardware_rows, shipped[2], shipped[3],
                                                                 shipped[0], rates, intra)
    return result


@dataclass
class Audit:
    """The seed documents' claims recomputed, and the performance model's prediction for each chain that projects
    a simulation."""

    reproductions: list
    model_checks: list
    #: 003's 3.83e15 beside simnet's measured detailed cells (:func:`simnet.audit.blue_brain_road.blue_brain_road`)
    blue_brain_road: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"reproductions": [r.to_dict() for r in self.reproductions],
                "model_checks": [c.to_dict() for c in self.model_checks],
                "blue_brain_road": self.blue_brain_road}


def reproduce() -> Audit:
    """The seed documents' calculations, recomputed and checked (:func:`simnet.audit.reproduce_all`), and what
    the back-tested performance model predicts for their simulation configurations
    (:func:`simnet.audit.model_check.model_checks`)."""
    from simnet.audit import reproduce_all
    from simnet.audit.blue_brain_road import blue_brain_road
    from simnet.audit.model_check import model_checks
    from simnet.base.data_tables import read_table
    from simnet.projection.backtest import element_costs_by_name

    return Audit(reproduce_all(), model_checks(model_rates(), read_table("hardware.csv").rows,
                                               element_costs_by_name(read_table("element_costs.csv").rows)),
                 blue_brain_road(read_table("cell_costs.csv").rows))
