"""Reader for the published Brian2 / Brian2GeNN benchmark data (Stimberg, Goodman & Nowotny 2020).

The raw files live in ``data/brian2genn_benchmarks/<machine>/benchmarks_<model>.txt`` (installed as
``simnet.data``); ``data/brian2genn_benchmarks/README.md`` describes the seventeen fields of a line. Each
line becomes one frozen :class:`BenchmarkRun`; the phases of a run (simulation, synapse creation, ...) are
derived properties, computed exactly as the upstream plotting scripts do, so that a figure quoted from the
paper can be traced to the lines behind it.

:func:`fastest` takes the minimum over repeats, which is what the published figures show.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Iterable, Sequence

from simnet.base.data_tables import data_path

__all__ = ["BENCHMARK_FOLDER", "MODELS", "FIELDS_PER_LINE", "US_PER_S", "BenchmarkRun", "CONFIGURATION_FIELDS",
           "benchmark_root", "parse_line", "load_benchmarks", "select", "fastest", "configurations"]

#: Folder of ``data/`` that holds one sub-folder per benchmarked machine.
BENCHMARK_FOLDER = "brian2genn_benchmarks"

#: Models with result files.
MODELS = ("COBAHH", "Mbody_example")

#: Number of tab-separated fields in a result line.
FIELDS_PER_LINE = 17

#: Microseconds per second: the time stamps inside the generated program are in microseconds.
US_PER_S = 1e6


@dataclass(frozen=True)
class BenchmarkRun:
    """One line of a published benchmark file: one run of one configuration.

    The eight ``t_*_us`` fields are time stamps taken inside the generated program, in microseconds since
    it started; ``total_wall_s`` was measured in Python around ``run()`` and so also contains code
    generation and compilation.
    """

    machine: str
    gpu_name: str | None
    cpu_name: str | None
    model: str
    device: str
    #: GeNN's synapse parallelisation, ``"pre"`` or ``"post"``; None for C++ standalone (``N/A`` in the file).
    strategy: str | None
    #: C++: OpenMP threads (0 = single-threaded code); GeNN: 0 = GPU, -1 = CPU.
    threads: int
    neurons: int
    synapses: int
    bio_time_s: float
    monitors: bool
    dtype: str
    total_wall_s: float
    t_after_load_us: int
    t_before_synapses_us: int
    t_after_synapses_us: int
    t_after_init_us: int
    t_before_run_us: int
    t_after_run_us: int
    t_before_end_us: int
    t_after_end_us: int
    #: Where the line came from: file name relative to the benchmark folder, and 1-based line number.
    source_file: str
    source_line: int

    @property
    def simulation_s(self) -> float:
        """Seconds spent in the simulation loop (what scales with biological time)."""
        return (self.t_after_run_us - self.t_before_run_us) / US_PER_S

    @property
    def sim_wall_s_per_bio_s(self) -> float:
        """Simulation wall-clock seconds per simulated biological second."""
        return self.simulation_s / self.bio_time_s

    @property
    def synapse_creation_s(self) -> float:
        """Seconds spent creating synapses."""
        return (self.t_after_synapses_us - self.t_before_synapses_us) / US_PER_S

    @property
    def initialization_s(self) -> float:
        """Seconds spent initialising state variables after synapse creation."""
        return (self.t_after_init_us - self.t_after_synapses_us) / US_PER_S

    @property
    def overhead_before_s(self) -> float:
        """Seconds before the loop that are neither synapse creation nor initialisation.

        Loading arrays from disk, plus whatever happens between initialisation and the loop (for
        Brian2GeNN: converting and copying data to the GPU).
        """
        return (self.t_after_load_us + self.t_before_run_us - self.t_after_init_us) / US_PER_S

    @property
    def overhead_after_s(self) -> float:
        """Seconds after the loop: copying results back and writing them to disk."""
        return (self.t_after_end_us - self.t_after_run_us) / US_PER_S

    @property
    def program_s(self) -> float:
        """Seconds the generated program ran, from its start to its last time stamp."""
        return self.t_after_end_us / US_PER_S

    @property
    def codegen_and_compile_s(self) -> float:
        """Seconds of the Python-measured total not spent inside the generated program."""
        return self.total_wall_s - self.program_s

    @property
    def synapses_per_neuron(self) -> float:
        """Mean number of synapses per neuron in this run."""
        return self.synapses / self.neurons


#: The fields that define a configuration; runs that agree on all of them are repeats of one another
#: (the synapse count is not among them: connectivity is random and changes between repeats).
CONFIGURATION_FIELDS = ("machine", "model", "device", "strategy", "threads", "neurons", "bio_time_s",
                        "monitors", "dtype")


def benchmark_root() -> Path:
    """Folder that holds the machine folders (``data/brian2genn_benchmarks``)."""
    return data_path(BENCHMARK_FOLDER)


def _read_name(folder: Path, file_name: str) -> str | None:
    """First line of a one-line name file, or None when the file is absent or empty."""
    path = folder / file_name
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8").strip()
    return text.splitlines()[0].strip() if text else None


def parse_line(line: str, *, machine: str, model: str, gpu_name: str | None, cpu_name: str | None,
               source_file: str, source_line: int) -> BenchmarkRun:
    """Turn one tab-separated result line into a :class:`BenchmarkRun`.

    Raises
    ------
    ValueError
        When the line does not have 17 fields or a field does not parse; the message names the file and
        line so that the bad line can be found.
    """
    parts = line.rstrip("\n").split("\t")
    where = f"{source_file}:{source_line}"
    if len(parts) != FIELDS_PER_LINE:
        raise ValueError(f"{where}: expected {FIELDS_PER_LINE} tab-separated fields, found {len(parts)}")
    try:
        time_points = [int(value) for value in parts[9:17]]
        return BenchmarkRun(
            machine=machine, gpu_name=gpu_name, cpu_name=cpu_name, model=model,
            device=parts[0],
            strategy=None if parts[1] in ("N/A", "-", "") else parts[1],
            threads=int(parts[2]),
            neurons=int(parts[3]),
            synapses=int(parts[4]),
            bio_time_s=float(parts[5]),
            monitors=bool(int(parts[6])),
            dtype=parts[7],
            total_wall_s=float(parts[8]),
            t_after_load_us=time_points[0],
            t_before_synapses_us=time_points[1],
            t_after_synapses_us=time_points[2],
            t_after_init_us=time_points[3],
            t_before_run_us=time_points[4],
            t_after_run_us=time_points[5],
            t_before_end_us=time_points[6],
            t_after_end_us=time_points[7],
            source_file=source_file,
            source_line=source_line,
        )
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None


def _result_files(folder: Path, model: str) -> list[Path]:
    """The main result file of a model and any ``..._additional*`` files beside it, in a fixed order."""
    main = folder / f"benchmarks_{model}.txt"
    extra = sorted(folder.glob(f"benchmarks_{model}_additional*.txt"))
    return ([main] if main.is_file() else []) + extra


def load_benchmarks(model: str = "COBAHH", root: Path | str | None = None) -> list[BenchmarkRun]:
    """All published runs of one model, on every machine.

    Parameters
    ----------
    model : str
        ``"COBAHH"`` or ``"Mbody_example"``.
    root : path, optional
        Folder holding the machine folders; the installed ``data/brian2genn_benchmarks`` by default.

    Returns
    -------
    list of BenchmarkRun
        In machine-folder order, then file order, then line order. The machine's GPU and CPU names come
        from its ``gpu_name.txt`` and ``cpu_name.txt`` (None where a file is missing).

    Raises
    ------
    ValueError
        For an unknown model, or a malformed line (the message names file and line).
    FileNotFoundError
        When ``root`` does not exist.
    """
    if model not in MODELS:
        raise ValueError(f"unknown benchmark model {model!r}; choose one of {', '.join(MODELS)}")
    root_path = Path(root) if root is not None else benchmark_root()
    if not root_path.is_dir():
        raise FileNotFoundError(f"no benchmark folder at {root_path}")
    runs: list[BenchmarkRun] = []
    for folder in sorted(path for path in root_path.iterdir() if path.is_dir()):
        gpu_name = _read_name(folder, "gpu_name.txt")
        cpu_name = _read_name(folder, "cpu_name.txt")
        for path in _result_files(folder, model):
            relative = f"{folder.name}/{path.name}"
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if not line.strip():
                    continue
                runs.append(parse_line(line, machine=folder.name, model=model, gpu_name=gpu_name,
                                       cpu_name=cpu_name, source_file=relative, source_line=number))
    return runs


_FIELD_NAMES = frozenset(field.name for field in fields(BenchmarkRun))


def select(runs: Iterable[BenchmarkRun], **filters) -> list[BenchmarkRun]:
    """Runs whose fields equal every given filter, e.g. ``select(runs, device="genn", dtype="float32")``.

    Raises
    ------
    TypeError
        For a filter that is not a field of :class:`BenchmarkRun` (a typo would otherwise match nothing).
    """
    unknown = sorted(set(filters) - _FIELD_NAMES)
    if unknown:
        raise TypeError(f"not a BenchmarkRun field: {', '.join(unknown)}")
    return [run for run in runs if all(getattr(run, name) == value for name, value in filters.items())]


def fastest(runs: Sequence[BenchmarkRun], by: str = "simulation_s", **filters) -> BenchmarkRun:
    """The run with the smallest ``by`` among the runs matching ``filters``: the minimum over repeats.

    Filter down to one configuration (see :data:`CONFIGURATION_FIELDS`) to get the figure the paper
    reports for it. Filters that leave several configurations (e.g. both GeNN strategies) give the
    minimum over those too, as the paper's detailed-runtime figure does across ``pre`` and ``post``.

    Parameters
    ----------
    runs : sequence of BenchmarkRun
    by : str
        Attribute to minimise: ``"simulation_s"`` (default), ``"total_wall_s"``, or any other numeric
        field or property.
    **filters
        Field values to keep, as in :func:`select`.

    Raises
    ------
    ValueError
        When no run matches (the message lists the filters).
    """
    matching = select(runs, **filters)
    if not matching:
        described = ", ".join(f"{name}={value!r}" for name, value in sorted(filters.items()))
        raise ValueError(f"no published run matches {described or 'the (empty) filters'}")
    return min(matching, key=lambda run: getattr(run, by))


def configurations(runs: Iterable[BenchmarkRun]) -> dict[tuple, list[BenchmarkRun]]:
    """Runs grouped by configuration (key: the values of :data:`CONFIGURATION_FIELDS`, in that order)."""
    groups: dict[tuple, list[BenchmarkRun]] = {}
    for run in runs:
        key = tuple(getattr(run, name) for name in CONFIGURATION_FIELDS)
        groups.setdefault(key, []).append(run)
    return groups
