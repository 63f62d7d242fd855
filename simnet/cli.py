"""The ``simnet`` command: subcommands that parse, call the library and print. No science in here.

Bad input ends with one line on stderr and exit status 2; Ctrl-C ends with exit status 130 and writes nothing.
"""
from __future__ import annotations

import json
import math
import shlex
import sys
from pathlib import Path
from typing import Optional

import click

from simnet.errors import UsageError
from simnet.units import parse_positive, parse_positive_list, parse_time_s, parse_wall_duration_s

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

def _emit(as_json: bool, data, text: str) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, default=_json_default))
    else:
        click.echo(text)


def _json_default(value):
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot serialise {type(value).__name__}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="simnet", message="simnet %(version)s")
def cli():
    """simnet: spiking-network simulations on Brian2 with cost accounting."""


@cli.command()
@click.argument("model")
@click.option("--neurons", type=int, help="Number of neurons (cobahh).")
@click.option("--mode", type=str, help="cobahh connectivity: classic or benchmark.")
@click.option("--plasticity", type=str, help="Synaptic plasticity: none or stdp.")
@click.option("--scale", type=float, help="microcircuit: fraction of PD14's neurons, in (0, 1] (default 0.1).")
@click.option("--k-scale", type=float, help="microcircuit: fraction of PD14's in-degrees, in (0, 1] (default 1).")
@click.option("--neuron-model", type=str, help="microcircuit: neuron level (lif_exp, lif_cond, adex, ...).")
@click.option("--synapse-model", type=str, help="microcircuit: static, stdp or triplet.")
@click.option("--background", type=str, help="microcircuit: poisson or dc.")
@click.option("--dt", type=str, help="microcircuit: integration time step (e.g. 0.1ms).")
@click.option("--duration", default="1s", show_default=True, help="Biological time to simulate (e.g. 1s, 500ms).")
@click.option("--pre-run", default="0s", show_default=True,
              help="Biological time simulated first and excluded from the loop time (start-up transient).")
@click.option("--backend", "backend_name", default="cpp", show_default=True,
              help="runtime, cpp, cuda, genn, genn-cpu or auto.")
@click.option("--threads", type=int, help="OpenMP threads for cpp (default: every logical CPU).")
@click.option("--precision", default="double", show_default=True, help="single or double.")
@click.option("--seed", default=1, show_default=True, type=int, help="Random seed.")
@click.option("--out", "out_path", type=click.Path(dir_okay=True, path_type=Path),
              help="Results file (default: runs/<model>-<backend>-<seed>.h5).")
@click.option("--overwrite", is_flag=True, help="Replace an existing results file.")
@click.option("--record-spikes/--no-record-spikes", default=None,
              help="Store every spike (default: on when neurons x seconds <= 1e6).")
@click.option("--keep-build", is_flag=True, help="Keep the generated standalone project.")
@click.option("--reuse-build", is_flag=True,
              help="Build in a directory named after the network and keep it, so the next run of the same "
                   "network recompiles only what changed (cpp).")
@click.option("--build-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where standalone projects are built (default: the system's temporary directory; with "
                   "--reuse-build, $XDG_CACHE_HOME/simnet/builds or ~/.cache/simnet/builds).")
@click.option("--progress/--no-progress", default=True, help="Brian2's progress reports on stderr.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON document.")
def run(model, neurons, mode, plasticity, scale, k_scale, neuron_model, synapse_model, background, dt, duration,
        pre_run, backend_name, threads, precision, seed, out_path,
        overwrite, record_spikes, keep_build, reuse_build, build_dir, progress, as_json):
    """Simulate MODEL and write its results file."""
    import brian2

    from simnet import results
    from simnet.backends import RunSettings, resolve_backend
    from simnet.models import get_model
    from simnet.simulate import run_model
    from simnet.summary import format_summary, run_summary

    entry = get_model(model)
    dt_quantity = parse_time_s(dt, "--dt") * brian2.second if dt is not None else None
    params = entry.parameters(neurons=neurons, mode=mode, plasticity=plasticity, scale=scale, k_scale=k_scale,
                              neuron_model=neuron_model, synapse_model=synapse_model, background=background,
                              dt=dt_quantity)
    duration_s = parse_time_s(duration, "--duration")
    pre_run_s = parse_time_s(pre_run, "--pre-run", allow_zero=True)
    settings = RunSettings(precision=precision, threads=threads, build_root=build_dir, keep_build=keep_build,
                           reuse_build=reuse_build, progress=progress)
    spec = entry.build_spec(params)
    backend = resolve_backend(backend_name, spec, pre_run=pre_run_s > 0)
    out_path = out_path or Path("runs") / f"{model}-{backend.name}-seed{seed}.h5"
    results.check_writable(out_path, overwrite)

    if record_spikes is None:
        record_spikes = spec.n_neurons * duration_s <= 1e6
    try:
        record = run_model(
            spec, backend, settings, duration_s * brian2.second, seed=seed, record_spikes=record_spikes,
            pre_run=pre_run_s * brian2.second if pre_run_s else None,
            command_line=shlex.join(["simnet", *sys.argv[1:]]),
        )
    except RuntimeError as err:
        # Brian2 reports a standalone project that failed to compile or run this way (also after a Ctrl-C
        # that reached the compiler); there is no result to write.
        if str(err).startswith("Project "):
            raise SimulationFailed(f"{err} (rerun with --keep-build to inspect the project)") from None
        raise
    results.write(record, out_path, overwrite=overwrite)
    summary = run_summary(record, str(out_path))
    _emit(as_json, summary, format_summary(summary))


@cli.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON document.")
def show(path, as_json):
    """Print the summary of a results file."""
    from simnet import results
    from simnet.summary import format_summary, run_summary

    record = results.read(path)
    summary = run_summary(record, str(path))
    _emit(as_json, summary, format_summary(summary))


@cli.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the cost table as one JSON document.")
def cost(path, as_json):
    """Print the full cost table of a results file."""
    from simnet.cost.account import cost_table, format_cost

    table = cost_table(_read_costed_record(path))
    _emit(as_json, table, format_cost(table))


@cli.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--bandwidth-gb-s", type=float,
              help="Memory bandwidth to use (GB/s); default: the device's table row, else measured here.")
@click.option("--launch-latency-us", type=float, default=5.0, show_default=True,
              help="GPU runs: assumed latency of one kernel launch.")
@click.option("--json", "as_json", is_flag=True, help="Print the bounds as one JSON document.")
def roofline(path, bandwidth_gb_s, launch_latency_us, as_json):
    """How far a run's loop was from the hardware's limit (compute, memory, kernel launches)."""
    from simnet.cost.hardware import measure_copy_bandwidth
    from simnet.cost.roofline import format_roofline, record_roofline

    record = _read_costed_record(path)
    if bandwidth_gb_s is not None and not (bandwidth_gb_s > 0 and math.isfinite(bandwidth_gb_s)):
        raise UsageError(f"--bandwidth-gb-s must be positive, got {bandwidth_gb_s}")
    if launch_latency_us is not None and not launch_latency_us >= 0:
        raise UsageError(f"--launch-latency-us must be non-negative, got {launch_latency_us}")
    bandwidth, source = None, ""
    if bandwidth_gb_s is not None:
        bandwidth, source = bandwidth_gb_s * 1e9, "given on the command line"
    elif not record.cost.get("peak", {}).get("mem_bandwidth_bytes_per_s"):
        if record.provenance.get("machine", {}).get("hostname") == _hostname():
            bandwidth, source = measure_copy_bandwidth()
    bound = record_roofline(record, bandwidth_bytes_per_s=bandwidth, bandwidth_source=source,
                            launch_latency_s=launch_latency_us * 1e-6 if launch_latency_us else None)
    _emit(as_json, {"file": str(path), **bound.to_dict()}, format_roofline(bound, record))


def _read_costed_record(path: Path):
    """The record at ``path``; a record without a cost section is a usage error."""
    from simnet import results

    record = results.read(path)
    if not record.cost:
        raise UsageError(f"{path} has no cost section (written by an older simnet)")
    return record


def _hostname() -> str:
    import socket

    return socket.gethostname()


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the table as one JSON document.")
def backends(as_json):
    """List the backends and whether each is usable here."""
    from simnet.backends import BACKENDS, get_backend

    rows = []
    for name in BACKENDS:
        backend = get_backend(name)
        available = backend.availability()
        rows.append({"name": name, "usable": available.usable, "summary": backend.summary,
                     "reason": available.reason})
    auto = get_backend("auto").name
    width = max(len(r["name"]) for r in rows)
    text = [f"{r['name']:<{width}}  {'usable' if r['usable'] else 'unusable':<8}  "
            f"{r['summary'] if r['usable'] else r['reason']}" for r in rows]
    text.append(f"{'auto':<{width}}  -> {auto}")
    _emit(as_json, {"backends": rows, "auto": auto}, "\n".join(text))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the audit as one JSON document.")
def reproduce(as_json):
    """Recompute every quantitative claim of the seed documents and say which hold."""
    from simnet.documents import format_table, reproduce_all

    reproductions = reproduce_all()
    _emit(as_json, {"reproductions": [r.to_dict() for r in reproductions]}, format_table(reproductions))


# --- extrapolate command (issue 4) ---

def _read_scaling_summary(path: Path) -> dict:
    if not path.is_file():
        raise UsageError(f"no such scaling summary: {path}")
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise UsageError(f"{path} is not a readable JSON scaling summary ({err.__class__.__name__})") from None
    if not isinstance(summary, dict) or "points" not in summary:
        raise UsageError(f"{path} is not a scaling summary: expected a JSON object with a 'points' list")
    return summary


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
@click.option("--figures", "figures_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write the ladder (and with --scaling the scaling fit) as PNG and SVG here.")
@click.option("--json", "as_json", is_flag=True, help="Print the projections as one JSON document.")
def extrapolate(records, neurons_text, years_text, synapses_text, target_text, price_text, scaling_path,
                figures_dir, as_json):
    """Project measured runs (RECORDS) to human scale: FLOPs, wall-clock, memory, devices, energy, cost."""
    from simnet import extrapolate as ex
    from simnet.cost.account import cost_table
    from simnet.cost.hardware import find_hardware_row
    from simnet.reference import read_table

    price_kw = {}
    if price_text is not None:
        price_kw = {"usd_per_kwh": parse_positive(price_text, "--price-per-kwh"),
                    "price_source": "given with --price-per-kwh"}
    assumptions = ex.Assumptions(
        neurons=parse_positive_list(neurons_text, "--neurons"),
        bio_seconds=parse_positive(years_text, "--years") * ex.SECONDS_PER_YEAR,
        synapses_per_neuron=parse_positive_list(synapses_text, "--synapses-per-neuron"),
        target_wall_s=parse_wall_duration_s(target_text, "--target-wall"), **price_kw)
    series, fits = {}, {}
    if scaling_path is not None:
        try:
            series = ex.scaling_series(_read_scaling_summary(scaling_path)["points"])
            fits = ex.scaling_fits(series)
        except ValueError as err:
            raise UsageError(f"{scaling_path}: {err}") from None
        if not fits:
            raise UsageError(f"{scaling_path}: no runner was measured at two or more distinct sizes, so no "
                             "scaling can be fitted")
    hardware_rows = read_table("hardware.csv").rows
    ml_runs = ex.ml_runs_from_rows(read_table("ml_training_compute.csv").rows)
    projections = []
    for path in records:
        record = _read_costed_record(path)
        try:
            measurement = ex.measurement_from_cost_table(cost_table(record), record.cost.get("peak"),
                                                         label=None)
        except ValueError as err:
            raise UsageError(f"{path}: {err}") from None
        peak = record.cost.get("peak") or {}
        row, _ = find_hardware_row(peak.get("device_name") or measurement.measured_on, peak.get("device", "gpu"))
        device_memory = float(row["memory_gb"]) * 1e9 if row and row.get("memory_gb") else None
        fit, fit_label = None, ""
        if fits:
            runner, why = ex.choose_fit(fits, measurement.backend)
            fit, fit_label = fits[runner], f"{why}, from {scaling_path}"
        projections.append((path, ex.project(
            measurement, assumptions, ex.reference_devices_from_rows(hardware_rows, measurement.precision),
            ml_runs, fit=fit, fit_label=fit_label, measured_device_memory_bytes=device_memory)))

    written = []
    if figures_dir is not None:
        from simnet.documents import reproduce_all
        from simnet.plots import plot_ladder, plot_scaling

        entries = ex.ladder_entries(reproduce_all(), [p for _, p in projections], ml_runs)
        try:
            written += plot_ladder(entries, figures_dir / "ladder")
            if series:
                written += plot_scaling(series, fits, "neurons", "loop wall-clock s per biological s",
                                        f"Measured scaling ({scaling_path.name})", figures_dir / "scaling")
        except OSError as err:
            raise UsageError(f"cannot write figures in {figures_dir}: {err.strerror or err}") from None
    data = {"projections": [{"record": str(path), **p.to_dict()} for path, p in projections],
            "figures": [str(w) for w in written]}
    text = "\n\n".join(f"== {path} ==\n{ex.format_projection(p)}" for path, p in projections)
    if written:
        text += "\n\nfigures written: " + ", ".join(str(w) for w in written)
    _emit(as_json, data, text)


# --- bench and sweep commands (issue 6) ---

@cli.command()
@click.argument("experiment_path", metavar="EXPERIMENT.toml", type=click.Path(path_type=Path))
@click.option("--out-dir", type=click.Path(path_type=Path),
              help="Folder for the point records, summary.json and figures (default: runs/bench/<name>).")
@click.option("--repeats", type=int, help="Repeats per runner and point (default: the experiment's).")
@click.option("--quick", is_flag=True, help="Smallest size, one repeat, first seed only (a smoke test).")
@click.option("--overwrite", is_flag=True, help="Replace an existing summary in the output folder.")
@click.option("--build-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where standalone projects are built (default: the system's temporary directory).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON document.")
def bench(experiment_path, out_dir, repeats, quick, overwrite, build_dir, as_json):
    """Run an experiment file: every point with every runner (simnet backends and peers), then summarise."""
    from simnet import bench as benchmarks

    experiment = benchmarks.load_experiment(experiment_path)
    if quick:
        experiment = benchmarks.quick(experiment)
    if repeats is not None:
        experiment = benchmarks.with_repeats(experiment, repeats)
    _run_benchmark(benchmarks, experiment, out_dir or Path("runs") / "bench" / experiment.name, overwrite,
                   build_dir, as_json, quick)


@cli.command()
@click.argument("model")
@click.option("--neurons", required=True, help="Comma-separated sizes, e.g. 1000,2000,4000.")
@click.option("--mode", help="cobahh connectivity (comma-separated values are swept).")
@click.option("--plasticity", help="none or stdp (comma-separated values are swept).")
@click.option("--option", "extra_options", multiple=True, metavar="NAME=V1[,V2...]",
              help="Another model option; several values are swept. Repeatable.")
@click.option("--backend", "backend_name", default="cpp", show_default=True, help="The simnet backend.")
@click.option("--threads", type=int, help="OpenMP threads (default: every logical CPU).")
@click.option("--precision", default="double", show_default=True, help="single or double.")
@click.option("--peer", "peers", multiple=True,
              help="Also run a peer at every point (brian2-plain, nest), with the same threads. Repeatable.")
@click.option("--duration", default="1s", show_default=True, help="Biological time per run.")
@click.option("--repeats", default=1, show_default=True, type=int, help="Repeats per runner and point.")
@click.option("--seed", default=1, show_default=True, type=int, help="Random seed.")
@click.option("--out-dir", type=click.Path(path_type=Path),
              help="Output folder (default: runs/sweep/<model>-<UTC time>).")
@click.option("--overwrite", is_flag=True, help="Replace an existing summary in the output folder.")
@click.option("--build-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where standalone projects are built (default: the system's temporary directory).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON document.")
def sweep(model, neurons, mode, plasticity, extra_options, backend_name, threads, precision, peers, duration,
          repeats, seed, out_dir, overwrite, build_dir, as_json):
    """Sweep MODEL over sizes (an experiment built from the command line) and summarise the scaling."""
    import datetime

    from simnet import bench as benchmarks
    from simnet.peers import PEERS

    values = {"neurons": _option_values("--neurons", neurons)}
    for name, text in (("mode", mode), ("plasticity", plasticity)):
        if text is not None:
            values[name] = _option_values(f"--{name}", text)
    for item in extra_options:
        name, sep, text = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--option {item!r}: write NAME=VALUE or NAME=V1,V2")
        values[name.strip().replace("-", "_")] = _option_values(f"--option {name}", text)
    runners = [{"kind": "simnet", "backend": backend_name, "precision": precision}]
    for peer_name in peers:
        if peer_name not in PEERS:
            raise UsageError(f"unknown peer {peer_name!r}; choose one of {', '.join(PEERS)}")
        peer = {"kind": "peer", "peer": peer_name, "precision": precision}
        if PEERS[peer_name].devices:
            matching = [d for d, b in PEERS[peer_name].same_code_path_as.items() if b == backend_name]
            if not matching:
                raise UsageError(f"peer {peer_name} has no device that matches backend {backend_name}")
            peer["device"] = matching[0]
        runners.append(peer)
    if threads is not None:
        for runner in runners:
            if runner.get("device") != "runtime":  # Brian2's runtime device has one thread
                runner["threads"] = threads
    experiment = benchmarks.experiment_from_dict({
        "name": f"sweep-{model}", "model": model, "duration": duration, "repeats": repeats, "seeds": [seed],
        "options": {k: v[0] for k, v in values.items() if len(v) == 1 and k != "neurons"},
        "sweep": {k: v for k, v in values.items() if len(v) > 1 or k == "neurons"},
        "runners": runners,
    }, source="command line")
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    _run_benchmark(benchmarks, experiment, out_dir or Path("runs") / "sweep" / f"{model}-{stamp}", overwrite,
                   build_dir, as_json, False)


def _option_values(option: str, text: str) -> list:
    """Comma-separated option values: integers, then numbers, then true/false, else strings."""
    values = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            raise UsageError(f"{option} {text!r} has an empty value")
        for convert in (int, float):
            try:
                values.append(convert(item))
                break
            except ValueError:
                continue
        else:
            values.append({"true": True, "false": False}.get(item.lower(), item))
    return values


def _run_benchmark(benchmarks, experiment, out_dir, overwrite, build_dir, as_json, quick_run):
    benchmarks.prepare_out_dir(out_dir, overwrite)
    summary = benchmarks.run_experiment(
        experiment, out_dir, build_root=build_dir, log=lambda line: click.echo(line, err=True),
        command_line=shlex.join(["simnet", *sys.argv[1:]]), quick_run=quick_run)
    _emit(as_json, summary, benchmarks.format_summary(summary))

# --- fidelity command (issue 5) ---

#: Options that choose what is simulated; with --from-dir nothing is simulated, so they are refused there.
_FIDELITY_RUN_OPTIONS = ("scale", "k_scale", "synapse_model", "duration", "backend_name", "threads", "precision",
                         "seed", "out_dir", "overwrite")


@cli.command()
@click.option("--levels", help="Comma-separated neuron models, e.g. lif_exp,izhikevich (default: "
              "lif_exp,lif_cond,adex,izhikevich,hh_traub); the reference level is always included.")
@click.option("--scale", type=float, help="Neuron-number scale of the column (default 0.1).")
@click.option("--k-scale", "k_scale", type=float, help="In-degree scale of the column (default 1.0).")
@click.option("--synapse-model", help="static, stdp or triplet (default static).")
@click.option("--duration", help="Biological time simulated per level (default 1.5s).")
@click.option("--discard", default="500ms", show_default=True,
              help="Start-up transient cut before the spike statistics.")
@click.option("--backend", "backend_name", help="runtime, cpp, cuda, genn, genn-cpu or auto (default cpp).")
@click.option("--threads", type=int, help="OpenMP threads for cpp (default: every logical CPU).")
@click.option("--precision", help="single or double (default double).")
@click.option("--seed", type=int, help="Random seed of every level's run (default 1).")
@click.option("--out-dir", type=click.Path(path_type=Path), default=Path("runs/fidelity"), show_default=True,
              help="Where each level's record is written, as <level>.h5.")
@click.option("--from-dir", type=click.Path(path_type=Path),
              help="Recompute the table (and figure) from the records in this directory; simulates nothing.")
@click.option("--figures", "figures_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Also draw the cost-versus-fidelity figure (PNG and SVG) into this directory.")
@click.option("--overwrite", is_flag=True, help="Replace existing records.")
@click.option("--progress/--no-progress", default=False, help="Brian2's progress reports on stderr.")
@click.option("--json", "as_json", is_flag=True, help="Print the table as one JSON document.")
@click.pass_context
def fidelity(ctx, levels, scale, k_scale, synapse_model, duration, discard, backend_name, threads, precision, seed,
             out_dir, from_dir, figures_dir, overwrite, progress, as_json):
    """Run the cortical column at each neuron-fidelity level and compare cost and dynamics."""
    from simnet import fidelity as ladder

    discard_s = parse_time_s(discard, "--discard", allow_zero=True)
    if from_dir is not None:
        from click.core import ParameterSource

        for param in ctx.command.params:
            if param.name in _FIDELITY_RUN_OPTIONS and \
                    ctx.get_parameter_source(param.name) == ParameterSource.COMMANDLINE:
                raise UsageError(f"--from-dir recomputes the table from existing records; it takes no {param.opts[0]}")
        records, sources = ladder.read_level_records(from_dir, ladder.parse_levels(levels) if levels else None)
    else:
        records, sources = _run_fidelity_levels(
            levels, scale, k_scale, synapse_model, duration or "1.5s", discard_s, backend_name or "cpp", threads,
            precision or "double", 1 if seed is None else seed, out_dir, overwrite, progress)
    table = ladder.fidelity_table(records, discard_s=discard_s, sources=sources)
    if figures_dir is not None:
        from simnet.plots import plot_cost_vs_fidelity

        table["figures"] = [str(p) for p in plot_cost_vs_fidelity(
            **ladder.figure_inputs(table), out_stem=figures_dir / ladder.FIGURE_STEM)]
    text = ladder.format_fidelity(table)
    if table.get("figures"):
        text += "\nfigures: " + ", ".join(table["figures"])
    _emit(as_json, table, text)


def _run_fidelity_levels(levels, scale, k_scale, synapse_model, duration, discard_s, backend_name, threads,
                         precision, seed, out_dir, overwrite, progress):
    """Check everything, then simulate each level and write its record; returns (records, paths)."""
    from simnet import fidelity as ladder
    from simnet import results
    from simnet.backends import RunSettings, resolve_backend

    duration_s = parse_time_s(duration, "--duration")
    ladder.check_window(duration_s, discard_s)
    names = ladder.parse_levels(levels)
    settings = RunSettings(precision=precision, threads=threads, progress=progress)
    specs = ladder.level_specs(names, scale=scale, k_scale=k_scale, synapse_model=synapse_model)
    backend = resolve_backend(backend_name, *specs.values())

    def done(level, path):
        click.echo(f"simnet: {level} written to {path}", err=True)

    try:
        paths = ladder.run_levels(specs, backend, settings, duration_s, seed=seed, out_dir=out_dir,
                                  overwrite=overwrite, command_line=shlex.join(["simnet", *sys.argv[1:]]),
                                  on_level=done)
    except RuntimeError as err:
        if str(err).startswith("Project "):
            raise SimulationFailed(f"{err}") from None
        raise
    return {level: results.read(path) for level, path in paths.items()}, paths


class SimulationFailed(Exception):
    """The simulation could not be completed; nothing was written."""


def main(argv: Optional[list[str]] = None) -> int:
    """Entry point of the ``simnet`` console script."""
    try:
        cli.main(args=argv, prog_name="simnet", standalone_mode=False)
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.exceptions.Abort:
        click.echo("simnet: interrupted; no results written", err=True)
        return EXIT_INTERRUPTED
    except click.ClickException as err:
        click.echo(f"simnet: error: {err.format_message()}", err=True)
        return EXIT_USAGE
    except UsageError as err:
        click.echo(f"simnet: error: {err}", err=True)
        return EXIT_USAGE
    except SimulationFailed as err:
        click.echo(f"simnet: error: {err}; no results written", err=True)
        return EXIT_FAILED
    except KeyboardInterrupt:
        click.echo("simnet: interrupted; no results written", err=True)
        return EXIT_INTERRUPTED
    return 0


if __name__ == "__main__":
    sys.exit(main())
