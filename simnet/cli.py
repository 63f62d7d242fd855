"""The ``simnet`` command: subcommands that parse, call the library and print. No science in here.

Bad input ends with one line on stderr and exit status 2; Ctrl-C ends with exit status 130 and writes nothing.
"""
from __future__ import annotations

import json
import math
import re
import shlex
import sys
from pathlib import Path
from typing import Optional

import click

from simnet.errors import UsageError

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

_TIME_UNITS = {"s": 1.0, "sec": 1.0, "second": 1.0, "seconds": 1.0, "ms": 1e-3, "msecond": 1e-3,
               "us": 1e-6, "usecond": 1e-6, "min": 60.0, "minute": 60.0, "minutes": 60.0, "h": 3600.0}
_TIME_PATTERN = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z]*)\s*$")


def parse_time_s(text: str, option: str, allow_zero: bool = False) -> float:
    """A biological time such as ``1s``, ``500ms`` or ``0.5 second``, in seconds."""
    match = _TIME_PATTERN.match(text)
    if not match or match.group(2) not in _TIME_UNITS:
        raise UsageError(f"{option} {text!r} is not a time: write e.g. 1s or 500ms")
    seconds = float(match.group(1)) * _TIME_UNITS[match.group(2)]
    if not math.isfinite(seconds) or seconds < 0 or (seconds == 0 and not allow_zero):
        raise UsageError(f"{option} must be {'non-negative' if allow_zero else 'positive'}, got {text!r}")
    return seconds


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
@click.option("--build-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where standalone projects are built (default: the system's temporary directory).")
@click.option("--progress/--no-progress", default=True, help="Brian2's progress reports on stderr.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON document.")
def run(model, neurons, mode, plasticity, duration, pre_run, backend_name, threads, precision, seed, out_path,
        overwrite, record_spikes, keep_build, build_dir, progress, as_json):
    """Simulate MODEL and write its results file."""
    import brian2

    from simnet import results
    from simnet.backends import RunSettings, get_backend
    from simnet.models import get_model
    from simnet.simulate import run_model
    from simnet.summary import format_summary, run_summary

    entry = get_model(model)
    params = entry.parameters(neurons=neurons, mode=mode, plasticity=plasticity)
    duration_s = parse_time_s(duration, "--duration")
    pre_run_s = parse_time_s(pre_run, "--pre-run", allow_zero=True)
    settings = RunSettings(precision=precision, threads=threads, build_root=build_dir, keep_build=keep_build,
                           progress=progress)
    backend = get_backend(backend_name)
    available = backend.availability()
    if not available.usable:
        raise UsageError(available.reason)
    out_path = out_path or Path("runs") / f"{model}-{backend.name}-seed{seed}.h5"
    results.check_writable(out_path, overwrite)

    spec = entry.build_spec(params)
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
    from simnet import results
    from simnet.cost.account import cost_table, format_cost

    record = results.read(path)
    if not record.cost:
        raise UsageError(f"{path} has no cost section (written by an older simnet)")
    table = cost_table(record)
    _emit(as_json, table, format_cost(table))


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

# --- bench and sweep commands (issue 6) ---

# --- fidelity command (issue 5) ---


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
