"""The per-run choices a backend is given: precision, threads, where and how the program is built.

:class:`RunSettings` is plain data (it travels to a Dask worker with a benchmark point); the choices that change how
the program is made but not what it simulates are :data:`TUNING_CHOICES`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from simnet.base.errors import UsageError
from simnet.simulation.synapse_order import SYNAPSE_ORDERS

__all__ = ["PRECISIONS", "POISSON_SAMPLERS", "TUNING_CHOICES", "BRIAN2_WAY", "RunSettings"]

PRECISIONS = {"single": np.float32, "double": np.float64}
#: PoissonInput samplers in generated C++: simnet's tabulated inversion, or Brian2's own.
POISSON_SAMPLERS = ("table", "brian2")
#: The RunSettings fields that choose how the program is made (not what it simulates) -> the values each takes.
TUNING_CHOICES = {"synapse_order": SYNAPSE_ORDERS, "poisson_sampler": POISSON_SAMPLERS, "simd_math": (True, False),
                  "parallel_delivery": (True, False)}
#: The settings that change the generated code, as Brian2 itself has them: with them, a network Brian2 connects
#: itself (``connect(p=...)``, which simnet does not reorder) runs the code a plain Brian2 script runs.
BRIAN2_WAY = {"poisson_sampler": "brian2", "simd_math": False, "parallel_delivery": False}


@dataclass(frozen=True)
class RunSettings:
    """Per-run backend settings."""

    precision: str = "double"
    #: OpenMP threads for ``cpp`` (None: every logical CPU of this machine).
    threads: Optional[int] = None
    #: Where build directories are made (None: the system's temporary directory; with ``reuse_build``,
    #: :func:`simnet.simulation.build_cache.default_build_cache`).
    build_root: Optional[Path] = None
    keep_build: bool = False
    #: Build a standalone project in a directory named after the network's code and keep it, so the next run
    #: of the same network recompiles only changed sources (see :class:`StandaloneSession`).
    reuse_build: bool = False
    #: Progress on stderr: the phase under way and its elapsed time while the run is built (on a terminal only,
    #: :mod:`simnet.base.progress`), and Brian2's progress reports during the simulation loop.
    progress: bool = True
    #: Time every code object of the measured loop (Brian2's ``profile``; on backends that support it).
    profile: bool = False
    report_period_s: float = 10.0
    #: Generate and compile the standalone project, do not run it (:meth:`StandaloneSession.compile_only`).
    compile_only: bool = False
    #: cuda: the GPU's compute capability to compile for (e.g. 9.0 for an H100), so no GPU need be present.
    compute_capability: Optional[float] = None
    #: How the program is made, not what it simulates (each shown equivalent in docs/results/performance.md):
    #: synapses stored by source and delay, or as drawn (:mod:`simnet.simulation.synapse_order`);
    synapse_order: str = "source_delay"
    #: PoissonInput's binomial sampler in C++: tabulated, or Brian2's own loop (:mod:`simnet.simulation.poisson_table`);
    poisson_sampler: str = "table"
    #: ``cpp``: let the compiler call the C library's vector exp/log/pow/sin/cos in loops (:mod:`simnet.simulation.backends`)
    #: and use a ``timestep`` it can vectorise without AVX-512 (:mod:`simnet.simulation.timestep_function`).
    simd_math: bool = True
    #: ``cpp`` on more than one thread: each thread's spike queue holds the synapses of the neurons it owns and it
    #: delivers them (:mod:`simnet.simulation.parallel_delivery`), where Brian2 delivers every spike on one thread.
    #: On by default since its spike queues are split by owner (docs/results/performance.md, "Threads"). On one
    #: thread its templates give Brian2's delivery and order, and a run on the same synapses as the last keeps
    #: the queues instead of filling them again.
    parallel_delivery: bool = True

    def __post_init__(self):
        if self.precision not in PRECISIONS:
            raise UsageError(f"unknown precision {self.precision!r}; choose single or double", parameter="precision")
        if self.threads is not None and (isinstance(self.threads, bool) or not isinstance(self.threads, int)):
            raise UsageError(f"threads must be a whole number, got {self.threads!r}", parameter="threads")
        if self.threads is not None and self.threads < 1:
            raise UsageError(f"threads must be at least 1, got {self.threads}", parameter="threads")
        if self.compute_capability is not None and not 1.0 <= self.compute_capability < 100.0:
            raise UsageError(f"compute_capability must be a CUDA compute capability such as 9.0, got "
                             f"{self.compute_capability}", parameter="compute_capability")
        for name, choices in TUNING_CHOICES.items():
            value = getattr(self, name)
            if value not in choices or type(value) is not type(choices[0]):
                raise UsageError(f"unknown {name} {value!r}; choose {' or '.join(map(str, choices))}",
                                 parameter=name)

    @property
    def float_dtype(self):
        return PRECISIONS[self.precision]
