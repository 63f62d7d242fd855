"""The neuron-fidelity ladder: the cortical column run once per level of neuron detail.

:func:`level_runs` makes and checks every level's run before anything is built; :func:`run_levels` simulates each
(every spike recorded) through the one run pipeline (:mod:`simnet.pipeline`), in this process or on a cluster
(:mod:`simnet.bench.executors`), and writes one record per level; :func:`read_level_records` reads them back.
The table comparing the levels is :mod:`simnet.report.fidelity_table`'s.
"""
from __future__ import annotations

import signal
from contextlib import ExitStack
from pathlib import Path
from typing import Callable, Iterable, Mapping, Optional

from simnet.analysis import spike_statistics
from simnet.analysis.column import MODEL_NAME, level_of, neuron_levels
from simnet.base.errors import Interrupted, SimulationFailed, UsageError
from simnet.bench.executors import Failure, SerialExecutor
from simnet.bench.points import PointJob, SimnetRun, deliver, marked_out_dir, point_resources, run_point
from simnet.record import files
from simnet.simulation.settings import RunSettings

__all__ = ["DEFAULT_LEVELS", "parse_levels", "check_window", "level_runs", "record_paths", "run_levels",
           "read_level_records"]

#: Levels run when none are named, cheapest first (the two-compartment level is opt-in: not every backend has it).
DEFAULT_LEVELS = ("lif_exp", "lif_cond", "adex", "izhikevich", "hh_traub")


def parse_levels(text: Optional[str]) -> list[str]:
    """Level names from comma-separated text; the reference level is put first if it is missing.

    Raises
    ------
    UsageError
        For an empty list, an unknown or a repeated level.
    """
    known, reference = neuron_levels()
    if text is None:
        names = [name for name in DEFAULT_LEVELS if name in known]
    else:
        names = [name.strip() for name in text.split(",") if name.strip()]
        if not names:
            raise UsageError("levels is empty: name one or more of " + ", ".join(known), parameter="levels")
    for name in names:
        if name not in known:
            raise UsageError(f"unknown level {name!r}; choose from {', '.join(known)}")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise UsageError(f"level {repeated[0]!r} is named more than once in levels", parameter="levels")
    if reference not in names:
        # Every other level is compared with the reference, so it is always run.
        names.insert(0, reference)
    return names


def check_window(duration_s: float, discard_s: float) -> None:
    """The simulated time must leave an analysis window after the discarded transient."""
    window_ms = (duration_s - discard_s) * 1e3
    if window_ms <= 0:
        raise UsageError(f"duration ({duration_s:g} s) must exceed discard ({discard_s:g} s), "
                         "which is cut off before any statistic is computed", parameter="duration")
    shortest_ms = 2 * max(spike_statistics.SYNCHRONY_BIN_MS, spike_statistics.CORRELATION_BIN_MS)
    if window_ms < shortest_ms:
        raise UsageError(f"duration minus discard is {window_ms:g} ms; the statistics need at least "
                         f"{shortest_ms:g} ms", parameter="duration")


def level_runs(levels: Iterable[str], *, duration_s: float, backend: str = "cpp",
               settings: RunSettings = RunSettings(), seed: int = 1, options: Optional[Mapping] = None,
               command_line: str = "", skip_memory_check: bool = False) -> dict[str, SimnetRun]:
    """Every level's run of the column, each planned here first so that bad options fail before anything runs.

    ``options`` are the column's other options (scale, k_scale, synapse_model, ...; None means the default).
    The whole duration is simulated in the measured loop (no pre-run), so the loop time and the activity
    counts behind the cost figures cover the same biological time; the transient is cut from the spike
    statistics only.
    """
    runs = {level: SimnetRun(model=MODEL_NAME, options={**dict(options or {}), "neuron_model": level},
                             duration_s=duration_s, backend=backend, settings=settings, seed=seed,
                             record_spikes=True, command_line=command_line, skip_memory_check=skip_memory_check)
            for level in levels}
    for run in runs.values():
        run.plan()
    return runs


def record_paths(out_dir: Path, levels: Iterable[str]) -> dict[str, Path]:
    """Where the record of each level is written: ``OUT_DIR/<level>.h5``."""
    return {level: Path(out_dir) / f"{level}.h5" for level in levels}


def run_levels(runs: Mapping[str, SimnetRun], *, out_dir: Path, overwrite: bool, executor=None,
               on_level: Optional[Callable[[str, Path], None]] = None) -> dict[str, Path]:
    """Simulate every level's run and write its record; every output file is checked (and held against a second
    writer) before the first run.

    ``executor`` (:mod:`simnet.bench.executors`, entered here once the files are checked; default: serially here)
    runs the levels. A level that fails does not stop the others; afterwards
    :class:`~simnet.base.errors.SimulationFailed` names every failed level and why (the other levels' records are kept).
    An interruption says which levels' records were written before it.
    """
    paths = record_paths(out_dir, runs)
    written, failed = [], {}
    try:
        with ExitStack() as held:
            for path in paths.values():
                held.enter_context(files.reserved(path, overwrite))
            folder = Path(out_dir).resolve()
            with marked_out_dir(folder) as token, executor or SerialExecutor() as running:
                jobs = [PointJob(name=level, run=run, out_dir=str(folder), out_dir_token=token,
                                 resources=point_resources(run)) for level, run in runs.items()]
                for job, outcome in running.map(run_point, jobs):
                    if not isinstance(outcome, Failure):
                        outcome = deliver(outcome, folder)
                    if isinstance(outcome, Failure) or not outcome["ok"]:
                        failed[job.name] = outcome.reason if isinstance(outcome, Failure) else outcome["reason"]
                    else:
                        written.append(job.name)
                        if on_level is not None:
                            on_level(job.name, paths[job.name])
    except KeyboardInterrupt as err:
        kept = f"the records of {', '.join(written)} are in {out_dir}" if written else ""
        raise Interrupted(getattr(err, "signal_number", signal.SIGINT), kept) from None
    if failed:
        raise SimulationFailed("; ".join(f"level {level} failed: {why}" for level, why in failed.items()),
                               kept=f"the other levels' records are in {out_dir}" if written else "")
    return paths


def read_level_records(directory: Path, levels: Optional[list[str]] = None) -> tuple[dict, dict]:
    """Records of a fidelity run: ``DIR/<level>.h5`` for the named levels, else every ``*.h5`` in DIR.

    Returns
    -------
    (dict, dict)
        level -> RunRecord and level -> path, in the order of ``levels`` (or of the library's levels, then by
        name). A record found by globbing is named by its ``neuron_model`` parameter, else by its file name.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise UsageError(f"{directory} is not a directory of fidelity records", parameter="from_dir")
    if levels:
        paths = record_paths(directory, levels)
        missing = [level for level, path in paths.items() if not path.exists()]
        if missing:
            raise UsageError(f"no record for level {missing[0]!r} in {directory} (expected {paths[missing[0]]}); "
                             "run `simnet fidelity` first")
        return {level: files.read(path) for level, path in paths.items()}, paths
    found_paths = sorted(directory.glob("*.h5"))
    if not found_paths:
        raise UsageError(f"{directory} holds no records (*.h5): run the ladder with its records written there first")
    found = {}
    for path in found_paths:
        record = files.read(path)
        level = level_of(record, path.stem)
        if level in found:
            raise UsageError(f"{found[level][0]} and {path} both hold level {level}; name the levels to read", parameter="levels")
        found[level] = (path, record)
    order = neuron_levels()[0]
    ordered = sorted(found, key=lambda level: (order.index(level) if level in order else len(order), level))
    return {level: found[level][1] for level in ordered}, {level: found[level][0] for level in ordered}

