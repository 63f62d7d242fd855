"""Wall-clock time by phase.

Two clocks mark the same phase boundaries. In runtime mode the Python process executes every step, so
:class:`PythonMarks` reads ``time.perf_counter`` at each boundary. In standalone modes the steps execute later,
inside the generated program, so :func:`standalone_mark_code` returns a C++ statement that the backend inserts
into that program at the boundary (``device.insert_code``, the method brian2genn_benchmarks used for its
published timings); it appends ``<name> <seconds>`` to a file that :func:`read_standalone_marks` reads back.

:func:`phase_durations` turns either set of marks into the phases simnet reports; every phase a backend
cannot observe is absent rather than zero.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

__all__ = ["MARKS_FILE", "PROGRAM_START", "SYNAPSES_START", "SYNAPSES_END", "INIT_END", "LOOP_START", "LOOP_END",
           "PROGRAM_END", "PROGRAM_PEAK_RSS", "PythonMarks", "standalone_mark_code", "standalone_peak_rss_code",
           "read_standalone_marks", "program_peak_rss_bytes", "phase_durations", "per_biological_second"]

#: Name of the file the generated program appends its marks to (in its working directory).
MARKS_FILE = "simnet_phase_marks.txt"

#: Mark names, in the order a run passes them.
PROGRAM_START = "program_start"
SYNAPSES_START = "synapses_start"
SYNAPSES_END = "synapses_end"
INIT_END = "init_end"
LOOP_START = "loop_start"
LOOP_END = "loop_end"
PROGRAM_END = "program_end"
#: Not a time: the generated program's own peak resident set size (``ru_maxrss``, in the platform's unit).
PROGRAM_PEAK_RSS = "program_peak_rss"

#: Reported phases: (name, opening mark, closing mark).
_MARKED_PHASES = (
    ("startup_s", PROGRAM_START, SYNAPSES_START),
    ("synapse_creation_s", SYNAPSES_START, SYNAPSES_END),
    ("initialisation_s", SYNAPSES_END, INIT_END),
    ("pre_run_s", INIT_END, LOOP_START),
    ("simulation_loop_s", LOOP_START, LOOP_END),
    ("teardown_s", LOOP_END, PROGRAM_END),
)


class PythonMarks:
    """Phase marks taken in this process."""

    def __init__(self):
        self.marks: dict[str, float] = {}

    def mark(self, name: str) -> None:
        self.marks[name] = time.perf_counter()


def standalone_mark_code(name: str) -> str:
    """C++ statement appending ``name`` and a monotonic time in seconds to :data:`MARKS_FILE`.

    Needs ``<chrono>`` and ``<fstream>`` among the program's headers.
    """
    return (
        "{ std::ofstream _simnet_marks(\"" + MARKS_FILE + "\", std::ios::app); "
        "_simnet_marks.precision(17); "
        "_simnet_marks << \"" + name + " \" << std::chrono::duration<double>("
        "std::chrono::steady_clock::now().time_since_epoch()).count() << std::endl; }"
    )


def standalone_peak_rss_code() -> str:
    """C++ statement appending the program's own peak resident set size (``getrusage(RUSAGE_SELF)``) to
    :data:`MARKS_FILE` as :data:`PROGRAM_PEAK_RSS`, so that it is told apart from the compiler's, which the
    parent's ``RUSAGE_CHILDREN`` mixes in. Needs ``<sys/resource.h>`` and ``<fstream>``."""
    return (
        "{ struct rusage _simnet_usage; getrusage(RUSAGE_SELF, &_simnet_usage); "
        "std::ofstream _simnet_marks(\"" + MARKS_FILE + "\", std::ios::app); "
        "_simnet_marks << \"" + PROGRAM_PEAK_RSS + " \" << _simnet_usage.ru_maxrss << std::endl; }"
    )


def program_peak_rss_bytes(marks: dict[str, float], unit_bytes: int) -> Optional[int]:
    """The program's peak RSS in bytes from its marks (``unit_bytes``: bytes per ``ru_maxrss`` unit), if written."""
    return int(marks[PROGRAM_PEAK_RSS] * unit_bytes) if PROGRAM_PEAK_RSS in marks else None


def read_standalone_marks(directory: Path) -> dict[str, float]:
    """Marks written by the generated program in ``directory`` (empty if it wrote none)."""
    path = Path(directory) / MARKS_FILE
    if not path.exists():
        return {}
    marks = {}
    for line in path.read_text().splitlines():
        name, _, seconds = line.partition(" ")
        if seconds:
            marks[name] = float(seconds)
    return marks


def phase_durations(marks: dict[str, float]) -> dict[str, float]:
    """Durations of the phases whose opening and closing marks are both present."""
    return {
        phase: marks[end] - marks[start]
        for phase, start, end in _MARKED_PHASES
        if start in marks and end in marks
    }


def per_biological_second(timings: dict[str, Optional[float]], bio_duration_s: float) -> dict[str, float]:
    """The derived rates: loop wall and total wall per biological second."""
    derived = {}
    if timings.get("simulation_loop_s") is not None:
        derived["sim_wall_s_per_bio_s"] = timings["simulation_loop_s"] / bio_duration_s
    if timings.get("total_s") is not None:
        derived["total_wall_s_per_bio_s"] = timings["total_s"] / bio_duration_s
    return derived
