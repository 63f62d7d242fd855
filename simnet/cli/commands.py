"""The ``simnet`` command: each subcommand parses its options, makes one call to :mod:`simnet.api` and prints.

How a command ends (exit status and its one line on stderr) is :mod:`simnet.cli.outcome`'s.
"""
from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Optional

import click

from simnet.base.errors import SimulationFailed, UsageError
from simnet.base.units import parse_positive, parse_positive_list, parse_wall_duration_s
from simnet.cli import outcome

__all__ = ["MODEL", "BACKEND", "PRECISION", "cli", "run", "account", "show", "plot", "cost", "roofline", "compare",
           "backends", "reproduce", "backtest", "extrapolate", "bench", "sweep", "fidelity", "main"]


def _scalar(text: Optional[str]):
    """An option's text as a number when it reads as one, else the text (the library says what it must be)."""
    if text is None:
        return None
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            continue
    return text


def _command_line() -> str:
    return shlex.join(["simnet", *sys.argv[1:]])


def _executor_options(command):
    """--scheduler and --workers: where the points run (default: here, one after another)."""
    command = click.option("--workers", type=int, help="Run the points on a local Dask cluster of this many "
                           "single-threaded workers (needs simnet[dask]).")(command)
    return click.option("--scheduler", metavar="ADDRESS", help="Run the points on the Dask cluster whose scheduler "
                        "is at ADDRESS, e.g. tcp://host:8786 (workers need --resources machine=1).")(command)


class _Choice(click.Choice):
    """A ``click.Choice`` whose values are read when first needed (checking a value, --help, shell completion):
    they come from the model library and the backends, which import Brian2, and ``simnet`` should not wait for
    that before it must."""

    def __init__(self, load):
        self._load, self._choices, self.case_sensitive = load, None, True

    @property
    def choices(self):
        if self._choices is None:
            self._choices = tuple(self._load())
        return self._choices

    @choices.setter
    def choices(self, values):
        self._choices = tuple(values)


def _models():
    from simnet.models import model_names

    return model_names()


def _backends():
    from simnet.simulation.backends import BACKENDS

    return [*BACKENDS, "auto"]


def _precisions():
    from simnet.simulation.settings import PRECISIONS

    return list(PRECISIONS)


def _model_choices(module: str, name: str):
    def load():
        import importlib

        return list(getattr(importlib.import_module(f"simnet.models.{module}"), name))
    return _Choice(load)


def _peers():
    from simnet.peers import PEERS

    return list(PEERS)


MODEL = _Choice(_models)
BACKEND = _Choice(_backends)
PRECISION = _Choice(_precisions)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="simnet", message="simnet %(version)s")
def cli():
    """simnet: spiking-network simulations on Brian2 with cost accounting."""


@cli.command()
@click.argument("model", type=MODEL, metavar="MODEL")
@click.option("--neurons", help="Number of neurons (cobahh).")
@click.option("--mode", type=_model_choices("cobahh", "MODES"), help="cobahh connectivity.")
@click.option("--plasticity", type=_model_choices("cobahh", "PLASTICITY"), help="cobahh: synaptic plasticity.")
@click.option("--scale", help="microcircuit: fraction of PD14's neurons, in (0, 1] (default 0.1).")
@click.option("--k-scale", help="microcircuit: fraction of PD14's in-degrees, in (0, 1] (default 1).")
@click.option("--neuron-model", type=_model_choices("neurons", "NEURON_MODELS"), help="microcircuit: neuron level.")
@click.option("--synapse-model", type=_model_choices("microcircuit", "SYNAPSE_MODELS"),
              help="microcircuit: synapse model (plasticity on E -> E).")
@click.option("--background", type=_model_choices("microcircuit", "BACKGROUNDS"), help="microcircuit: background.")
@click.option("--dt", type=str, help="microcircuit: integration time step (e.g. 0.1ms).")
@click.option("--level", type=_model_choices("cells", "CELL_LEVELS"), help="cells: the compartmental cell.")
@click.option("--exc", help="cells: excitatory cells (default 1).")
@click.option("--inh", help="cells: inhibitory cells (default 0).")
@click.option("--duration", default="1s", show_default=True, help="Biological time to simulate (e.g. 1s, 500ms).")
@click.option("--pre-run", default="0s", show_default=True,
              help="Biological time simulated first and excluded from the loop time (start-up transient).")
@click.option("--backend", "backend_name", type=BACKEND, default="cpp", show_default=True,
              help="Where to run (simnet backends says which are usable here).")
@click.option("--threads", type=int, help="OpenMP threads for cpp (default: every logical CPU).")
@click.option("--precision", type=PRECISION, default="double", show_default=True, help="Floating-point precision.")
@click.option("--seed", default=1, show_default=True, type=int, help="Random seed.")
@click.option("--out", "out_path", help="Results file (default: runs/<model>-<backend>-seed<seed>.h5).")
@click.option("--overwrite", is_flag=True, help="Replace an existing results file.")
@click.option("--record-spikes/--no-record-spikes", default=None,
              help="Store every spike (default: on when neurons x seconds <= 1e6).")
@click.option("--record-connectivity/--no-record-connectivity", default=None,
              help="Store the network (every synapse's ids, weight, delay) for 'simnet export' (default: on up "
                   "to 5e6 synapses).")
@click.option("--keep-build", is_flag=True, help="Keep the generated standalone project.")
@click.option("--reuse-build", is_flag=True,
              help="Build in a directory named after the network and keep it, so the next run of the same "
                   "network recompiles only what changed (cpp).")
@click.option("--build-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where standalone projects are built (default: the system's temporary directory; with "
                   "--reuse-build, $XDG_CACHE_HOME/simnet/builds or ~/.cache/simnet/builds).")
@click.option("--progress/--no-progress", default=True, help="Brian2's progress reports on stderr.")
@click.option("--compile-only", is_flag=True,
              help="Generate and compile the standalone project, do not run it (no results file).")
@click.option("--compute-capability", type=float,
              help="cuda with --compile-only: the GPU to compile for (e.g. 9.0, an H100), so none need be here.")
@click.option("--skip-memory-check", is_flag=True,
              help="Build even when the memory the network needs (estimated before building) exceeds what is "
                   "available.")
@click.option("--profile/--no-profile", default=None,
              help="Time every code object of the loop (runtime, cpp); shown by 'simnet cost' (default: "
                   "off, see docs/guide/cost.md).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON document.")
def run(model, neurons, mode, plasticity, scale, k_scale, neuron_model, synapse_model, background, dt, level, exc,
        inh, duration, pre_run, backend_name, threads, precision, seed, out_path, overwrite, record_spikes,
        record_connectivity, keep_build, reuse_build, build_dir, progress, compile_only, compute_capability,
        skip_memory_check, profile, as_json):
    """Simulate MODEL and write its results file."""
    from simnet import api
    from simnet.report.run_summary import format_build, format_run_summary, run_summary

    outcome.warnings_as_lines()
    if compile_only and (out_path is not None or overwrite):
        raise UsageError("--compile-only runs nothing and writes no results file: drop --out/--overwrite")
    run_plan = api.plan(model, neurons=_scalar(neurons), mode=mode, plasticity=plasticity, scale=_scalar(scale),
                        k_scale=_scalar(k_scale), neuron_model=neuron_model, synapse_model=synapse_model,
                        background=background, dt=dt, level=level, exc=_scalar(exc), inh=_scalar(inh),
                        duration=duration, pre_run=pre_run, backend=backend_name,
                        threads=threads, precision=precision, seed=seed, record_spikes=record_spikes,
                        build_dir=build_dir, keep_build=keep_build, reuse_build=reuse_build, progress=progress,
                        compile_only=compile_only, compute_capability=compute_capability,
                        skip_memory_check=skip_memory_check, profile=profile,
                        record_connectivity=record_connectivity)
    if compile_only:
        built = api.compile_project(run_plan)
        outcome.emit(as_json, built, format_build(built))
        return
    out_path = out_path if out_path is not None else str(run_plan.default_out_path)
    try:
        record = api.execute(run_plan, out=out_path, overwrite=overwrite, command_line=_command_line())
    except SimulationFailed as err:
        raise SimulationFailed(f"{err} (rerun with --keep-build to inspect the project)") from None
    summary = run_summary(record, out_path)
    outcome.emit(as_json, summary, format_run_summary(summary), written=out_path)


@cli.command()
@click.argument("script", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--duration", default="1s", show_default=True, help="Biological time to simulate (e.g. 1s, 500ms).")
@click.option("--pre-run", default="0s", show_default=True,
              help="Biological time simulated first and excluded from the loop time (start-up transient).")
@click.option("--backend", "backend_name", type=BACKEND, default="cpp", show_default=True,
              help="Where to run (genn refuses a network made by code: it cannot be checked before it is built).")
@click.option("--threads", type=int, help="OpenMP threads for cpp (default: every logical CPU).")
@click.option("--precision", type=PRECISION, default="double", show_default=True, help="Floating-point precision.")
@click.option("--seed", default=1, show_default=True, type=int, help="Random seed (Brian2's, set before the script).")
@click.option("--out", "out_path", help="Results file (default: runs/<script>-<backend>-seed<seed>.h5).")
@click.option("--overwrite", is_flag=True, help="Replace an existing results file.")
@click.option("--record-spikes/--no-record-spikes", default=None,
              help="Store every spike (default: on when neurons x seconds <= 1e6).")
@click.option("--keep-build", is_flag=True, help="Keep the generated standalone project.")
@click.option("--build-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where standalone projects are built (default: the system's temporary directory).")
@click.option("--progress/--no-progress", default=True, help="Progress reports on stderr.")
@click.option("--timeout", default="10min", show_default=True,
              help="The longest the script's own code may take to make its network (e.g. 30s, 10min, 1h).")
@click.option("--json", "as_json", is_flag=True, help="Print the cost table as one JSON document.")
def account(script, duration, pre_run, backend_name, threads, precision, seed, out_path, overwrite, record_spikes,
            keep_build, build_dir, progress, timeout, as_json):
    """Cost of a network SCRIPT builds with plain Brian2 (simnet runs it: put its run() under __main__)."""
    from simnet import api
    from simnet.cost.account import format_cost

    outcome.warnings_as_lines()
    out_path = out_path if out_path is not None else str(Path("runs") / f"{script.stem}-{backend_name}-seed{seed}.h5")
    record = api.account(script, duration=duration, pre_run=pre_run, backend=backend_name, threads=threads,
                         precision=precision, seed=seed, record_spikes=record_spikes, build_dir=build_dir,
                         keep_build=keep_build, progress=progress, out=out_path, overwrite=overwrite,
                         command_line=_command_line(), timeout=timeout)
    table = record.cost
    outcome.emit(as_json, table, format_cost(table) + f"\n  results        {out_path}", written=out_path)


@cli.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON document.")
def show(path, as_json):
    """Print the summary of a results file (with a start-up transient it sees, and the column's regime)."""
    from simnet import api
    from simnet.report.run_summary import format_run_summary

    summary = api.summary(path)
    outcome.emit(as_json, summary, format_run_summary(summary))


@cli.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--out", "out_stem", type=click.Path(path_type=Path),
              help="Figure path without suffix (default: beside the file, <name>_activity).")
@click.option("--overwrite", is_flag=True, help="Replace existing figures.")
def plot(path, out_stem, overwrite):
    """Draw a run's raster (per population) and population rates, as PNG and SVG."""
    from simnet import api
    from simnet.report.figures import figure_paths

    out_stem = out_stem if out_stem is not None else path.with_name(path.stem + "_activity")
    api.plot(path, out_stem, overwrite=overwrite)
    for written in figure_paths(out_stem):
        click.echo(str(written))


@cli.command()
@click.argument("record", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path),
              help="Folder for the SONATA circuit (created; files in it are replaced).")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as one JSON document.")
def export(record, out_dir, as_json):
    """Write a run's network as a SONATA circuit (nodes, edges, configs) that NEST and bmtk read."""
    from simnet import api

    written = api.export(record, out_dir)
    text = "\n".join([f"{written['edges']:,} edges between {len(written['populations'])} populations in {out_dir}",
                      f"  circuit    {written['circuit_config']}", f"  simulation {written['simulation_config']}",
                      *[f"  note: {note}" for note in written["notes"]]])
    outcome.emit(as_json, written, text)


@cli.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--bandwidth-gb-s", type=float,
              help="Profiled runs: memory bandwidth for each code object's bound (GB/s); default as roofline's.")
@click.option("--json", "as_json", is_flag=True, help="Print the cost table as one JSON document.")
def cost(path, bandwidth_gb_s, as_json):
    """Print the full cost table of a results file."""
    from simnet import api
    from simnet.cost.account import format_cost

    table = api.cost_table(path, bandwidth_gb_s=bandwidth_gb_s)
    outcome.emit(as_json, table, format_cost(table))


@cli.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--bandwidth-gb-s", type=float,
              help="Memory bandwidth to use (GB/s); default: the device's table row, else measured here.")
@click.option("--launch-latency-us", type=float, default=5.0, show_default=True,
              help="GPU runs: assumed latency of one kernel launch.")
@click.option("--json", "as_json", is_flag=True, help="Print the bounds as one JSON document.")
def roofline(path, bandwidth_gb_s, launch_latency_us, as_json):
    """How far a run's loop was from the hardware's limit (compute, memory, kernel launches)."""
    from simnet import api
    from simnet.cost.roofline import format_roofline

    record = api.read(path)
    bound = api.roofline(record, bandwidth_gb_s=bandwidth_gb_s, launch_latency_us=launch_latency_us)
    outcome.emit(as_json, {"file": str(path), **bound.to_dict()}, format_roofline(bound, record))


@cli.command()
@click.argument("a", type=click.Path(path_type=Path))
@click.argument("b", type=click.Path(path_type=Path))
@click.option("--fail-above", type=float, metavar="RATIO",
              help="Exit with status 1 when B's loop time per biological second exceeds A's by more than RATIO.")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as one JSON document.")
@click.pass_context
def compare(ctx, a, b, fail_above, as_json):
    """Two runs side by side: cost figures and population rates, with ratios B / A."""
    from simnet import api
    from simnet.report.comparison import format_comparison

    comparison = api.compare(a, b, fail_above=fail_above)
    outcome.emit(as_json, comparison, format_comparison(comparison))
    if comparison["regressed"]:
        ctx.exit(outcome.EXIT_FAILED)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the table as one JSON document.")
def backends(as_json):
    """List the backends and whether each is usable here."""
    from simnet import api

    table = api.backends()
    rows = table["backends"]
    width = max(len(r["name"]) for r in rows)
    text = [f"{r['name']:<{width}}  {'usable' if r['usable'] else 'unusable':<8}  "
            f"{r['summary'] if r['usable'] else r['reason']}"
            + ("" if r["usable"] or not r["compiles_here"] else " [compiles here: run --compile-only]")
            for r in rows]
    text.append(f"{'auto':<{width}}  -> {table['auto']}")
    outcome.emit(as_json, table, "\n".join(text))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the audit as one JSON document.")
def reproduce(as_json):
    """Recompute every quantitative claim of the seed documents and say which hold."""
    from simnet import api
    from simnet.audit import format_table
    from simnet.audit.blue_brain_road import format_blue_brain_road
    from simnet.audit.table import format_model_checks

    audit = api.reproduce()
    text = format_table(audit.reproductions) + "\n" + format_model_checks(audit.model_checks)
    if audit.blue_brain_road:
        text += "\n\n" + "\n".join(format_blue_brain_road(audit.blue_brain_road))
    outcome.emit(as_json, audit.to_dict(), text)


@cli.command()
@click.option("--runs", "runs_path", type=click.Path(path_type=Path),
              help="Runs to predict, in the schema of data/published_runs.csv (default: that file).")
@click.option("--hardware", "hardware_path", type=click.Path(path_type=Path),
              help="Hardware table in the schema of data/hardware.csv (default: that file).")
@click.option("--json", "as_json", is_flag=True, help="Print the back-test as one JSON document.")
@click.option("--leave-one-study-out", "loso", is_flag=True,
              help="Add the table of each study predicted by a model calibrated without it.")
def backtest(runs_path, hardware_path, as_json, loso):
    """Predict published runs (and simnet's own) with the performance model and compare."""
    from simnet import api
    from simnet.projection.format import format_backtest

    result = api.backtest(runs=runs_path, hardware=hardware_path, leave_one_study_out=loso)
    outcome.emit(as_json, result.to_dict(), format_backtest(result))


@cli.command()
@click.argument("records", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--neurons", "neurons_text", default="1.3e9,1.3e10", show_default=True,
              help="Sizes to project to (comma-separated).")
@click.option("--years", "years_text", default="15", show_default=True,
              help="Biological years to simulate (x 3.154e7 s).")
@click.option("--synapses-per-neuron", "synapses_text", default="1000,7000", show_default=True,
              help="Synapses per neuron assumed for memory and rescaled FLOPs (comma-separated).")
@click.option("--target-wall", "target_text", default="1y", show_default=True,
              help="Time-to-solution target for devices-by-time (e.g. 1y, 30d, 12h, or seconds).")
@click.option("--price-per-kwh", "price_text", default=None,
              help="Electricity price in USD/kWh (default 0.10, document 001's figure, an assumption).")
@click.option("--scaling", "scaling_path", type=click.Path(path_type=Path),
              help="Sweep summary JSON (simnet sweep/bench) to fit wall per bio-s against neurons.")
@click.option("--min-delay", "min_delay", default=None,
              help="Communication interval the performance model assumes on a cluster (default: the run's time step).")
@click.option("--figures", "figures_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write the ladder, the time to solution against devices (and with --scaling the scaling fit) "
                   "as PNG and SVG here.")
@click.option("--json", "as_json", is_flag=True, help="Print the projections as one JSON document.")
def extrapolate(records, neurons_text, years_text, synapses_text, target_text, price_text, scaling_path, min_delay,
                figures_dir, as_json):
    """Project measured runs (RECORDS) to human scale: FLOPs, wall-clock, memory, devices, energy, cost."""
    from simnet import api
    from simnet.projection.cells import format_cell_levels
    from simnet.projection.format import format_human_scale, format_projection

    done = api.extrapolate(
        records, neurons=parse_positive_list(neurons_text, "--neurons"),
        years=parse_positive(years_text, "--years"),
        synapses_per_neuron=parse_positive_list(synapses_text, "--synapses-per-neuron"),
        target_wall=parse_wall_duration_s(target_text, "--target-wall"),
        usd_per_kwh=parse_positive(price_text, "--price-per-kwh") if price_text is not None else None,
        scaling=scaling_path, figures_dir=figures_dir, min_delay=min_delay)
    model = dict(done.model_projections)
    text = "\n\n".join(f"== {label} ==\n{format_projection(p)}\n"
                       f"{format_human_scale(model[label], done.model_basis) or done.model_notes.get(label, '')}"
                       for label, p in done.projections)
    if done.cell_levels:
        text += "\n\n" + format_cell_levels(done.cell_levels)
    if done.figures:
        text += "\n\nfigures written: " + ", ".join(str(w) for w in done.figures)
    outcome.emit(as_json, done.to_dict(), text)


@cli.command()
@click.argument("experiment_path", metavar="EXPERIMENT.toml", type=click.Path(path_type=Path))
@click.option("--out-dir", type=click.Path(path_type=Path),
              help="Folder for the point records, summary.json and figures (default: runs/bench/<name>).")
@click.option("--repeats", type=int, help="Repeats per runner and point (default: the experiment's).")
@click.option("--quick", is_flag=True, help="Smallest size, one repeat, first seed only (a smoke test).")
@click.option("--overwrite", is_flag=True, help="Replace a summary of another experiment in the output folder.")
@click.option("--redo", is_flag=True, help="Run every point again, even those already recorded in the output folder.")
@click.option("--build-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where standalone projects are built (default: the system's temporary directory).")
@click.option("--skip-memory-check", is_flag=True, help="Run points whose estimated memory exceeds what is available.")
@_executor_options
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON document.")
def bench(experiment_path, out_dir, repeats, quick, overwrite, redo, build_dir, skip_memory_check, scheduler, workers,
          as_json):
    """Run an experiment file: every point with every runner (simnet backends and peers), then summarise.

    Rerun into the same output folder, points already recorded there are skipped."""
    from simnet import api
    from simnet.report.experiment_summary import format_experiment_summary

    outcome.warnings_as_lines()
    summary = api.run_experiment(experiment_path, out_dir=out_dir, repeats=repeats, quick=quick, overwrite=overwrite,
                                 redo=redo, build_dir=build_dir, scheduler=scheduler, workers=workers, log=outcome.log,
                                 command_line=_command_line(), skip_memory_check=skip_memory_check)
    outcome.emit(as_json, summary, format_experiment_summary(summary))


@cli.command()
@click.argument("model", type=MODEL, metavar="MODEL")
@click.option("--neurons", required=True, help="Comma-separated sizes, e.g. 1000,2000,4000.")
@click.option("--mode", help="cobahh connectivity (comma-separated values are swept).")
@click.option("--plasticity", help="none or stdp (comma-separated values are swept).")
@click.option("--option", "extra_options", multiple=True, metavar="NAME=V1[,V2...]",
              help="Another model option; several values are swept. Repeatable.")
@click.option("--backend", "backend_name", type=BACKEND, default="cpp", show_default=True, help="The simnet backend.")
@click.option("--threads", type=int, help="OpenMP threads (default: every logical CPU).")
@click.option("--precision", type=PRECISION, default="double", show_default=True, help="Floating-point precision.")
@click.option("--peer", "peers", multiple=True, type=_Choice(_peers),
              help="Also run a peer at every point (brian2-plain, nest), with the same threads. Repeatable.")
@click.option("--duration", default="1s", show_default=True, help="Biological time per run.")
@click.option("--repeats", default=1, show_default=True, type=int, help="Repeats per runner and point.")
@click.option("--seed", default=1, show_default=True, type=int, help="Random seed.")
@click.option("--out-dir", type=click.Path(path_type=Path),
              help="Output folder (default: runs/sweep/<model>-<UTC time>; give it to resume a sweep).")
@click.option("--overwrite", is_flag=True, help="Replace a summary of another experiment in the output folder.")
@click.option("--redo", is_flag=True, help="Run every point again, even those already recorded in the output folder.")
@click.option("--build-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where standalone projects are built (default: the system's temporary directory).")
@click.option("--skip-memory-check", is_flag=True, help="Run sizes whose estimated memory exceeds what is available.")
@_executor_options
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON document.")
def sweep(model, neurons, mode, plasticity, extra_options, backend_name, threads, precision, peers, duration,
          repeats, seed, out_dir, overwrite, redo, build_dir, skip_memory_check, scheduler, workers, as_json):
    """Sweep MODEL over sizes (an experiment built from the command line) and summarise the scaling."""
    from simnet import api
    from simnet.report.experiment_summary import format_experiment_summary

    outcome.warnings_as_lines()

    values = {"neurons": _option_values("--neurons", neurons)}
    for name, text in (("mode", mode), ("plasticity", plasticity)):
        if text is not None:
            values[name] = _option_values(f"--{name}", text)
    for item in extra_options:
        name, sep, text = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--option {item!r}: write NAME=VALUE or NAME=V1,V2")
        key = name.strip().replace("-", "_")
        if key in values:  # --neurons (always given, with its default) or --mode set it already
            raise UsageError(f"--option {item!r} sets {key}, which --{key.replace('_', '-')} sets already; give "
                             f"--{key.replace('_', '-')} {text} instead")
        values[key] = _option_values(f"--option {name}", text)
    summary = api.sweep(model, values, out_dir=out_dir, backend=backend_name, threads=threads,
                        precision=precision, peers=peers, duration=duration, repeats=repeats, seed=seed,
                        overwrite=overwrite, redo=redo, build_dir=build_dir, scheduler=scheduler, workers=workers,
                        log=outcome.log, command_line=_command_line(), skip_memory_check=skip_memory_check)
    outcome.emit(as_json, summary, format_experiment_summary(summary))


def _option_values(option: str, text: str) -> list:
    """Comma-separated option values: integers, then numbers, then true/false, else strings."""
    values = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            raise UsageError(f"{option} {text!r} has an empty value")
        value = _scalar(item)
        values.append({"true": True, "false": False}.get(value.lower(), value) if isinstance(value, str) else value)
    return values


#: Options that choose what is simulated; with --from-dir nothing is simulated, so they are refused there.
_FIDELITY_RUN_OPTIONS = ("scale", "k_scale", "synapse_model", "duration", "backend_name", "threads", "precision",
                         "seed", "out_dir", "overwrite", "scheduler", "workers", "skip_memory_check")


@cli.command()
@click.option("--levels", help="Comma-separated neuron models, e.g. lif_exp,izhikevich (default: "
              "lif_exp,lif_cond,adex,izhikevich,hh_traub); the reference level is always included.")
@click.option("--scale", type=float, help="Neuron-number scale of the column (default 0.1).")
@click.option("--k-scale", "k_scale", type=float, help="In-degree scale of the column (default 1.0).")
@click.option("--synapse-model", help="static, stdp or triplet (default static).")
@click.option("--duration", help="Biological time simulated per level (default 1.5s).")
@click.option("--discard", default="500ms", show_default=True,
              help="Start-up transient cut before the spike statistics.")
@click.option("--backend", "backend_name", type=BACKEND, help="Where to run (default cpp).")
@click.option("--threads", type=int, help="OpenMP threads for cpp (default: every logical CPU).")
@click.option("--precision", type=PRECISION, help="Floating-point precision (default double).")
@click.option("--seed", type=int, help="Random seed of every level's run (default 1).")
@click.option("--out-dir", type=click.Path(path_type=Path), default=Path("runs/fidelity"), show_default=True,
              help="Where each level's record is written, as <level>.h5.")
@click.option("--from-dir", type=click.Path(path_type=Path),
              help="Recompute the table (and figure) from the records in this directory; simulates nothing.")
@click.option("--figures", "figures_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Also draw the cost-versus-fidelity figure (PNG and SVG) into this directory.")
@click.option("--overwrite", is_flag=True, help="Replace existing records.")
@click.option("--progress/--no-progress", default=False, help="Brian2's progress reports on stderr.")
@click.option("--skip-memory-check", is_flag=True, help="Run levels whose estimated memory exceeds what is available.")
@_executor_options
@click.option("--json", "as_json", is_flag=True, help="Print the table as one JSON document.")
@click.pass_context
def fidelity(ctx, levels, scale, k_scale, synapse_model, duration, discard, backend_name, threads, precision, seed,
             out_dir, from_dir, figures_dir, overwrite, progress, skip_memory_check, scheduler, workers, as_json):
    """Run the cortical column at each neuron-fidelity level and compare cost and dynamics."""
    from click.core import ParameterSource

    from simnet import api
    from simnet.report.fidelity_table import format_fidelity

    outcome.warnings_as_lines()
    if from_dir is not None:
        for param in ctx.command.params:
            if param.name in _FIDELITY_RUN_OPTIONS and \
                    ctx.get_parameter_source(param.name) == ParameterSource.COMMANDLINE:
                raise UsageError(f"--from-dir recomputes the table from existing records; it takes no {param.opts[0]}")
    table = api.fidelity(levels, scale=scale, k_scale=k_scale, synapse_model=synapse_model,
                         duration=duration or "1.5s", discard=discard, backend=backend_name or "cpp",
                         threads=threads, precision=precision or "double", seed=1 if seed is None else seed,
                         out_dir=out_dir, from_dir=from_dir, overwrite=overwrite, progress=progress,
                         figures_dir=figures_dir, scheduler=scheduler, workers=workers, command_line=_command_line(),
                         skip_memory_check=skip_memory_check,
                         on_level=lambda level, path: outcome.log(f"simnet: {level} written to {path}"))
    text = format_fidelity(table)
    if table.get("figures"):
        text += "\nfigures: " + ", ".join(table["figures"])
    outcome.emit(as_json, table, text)


def main(argv: Optional[list[str]] = None) -> int:
    """Entry point of the ``simnet`` console script (how it ends: :mod:`simnet.cli.outcome`)."""
    return outcome.run(cli, argv)


if __name__ == "__main__":
    sys.exit(main())
