"""MPI micro-benchmark: allgather and alltoall latency and bandwidth against message size and rank count.

Run under the pip-installed MPICH (``mpich`` wheel) with mpi4py, e.g. ``mpiexec -n 2 python
experiments/mpi_microbench.py --out data/mpi_microbench.csv``; rank 0 appends one row per (collective, ranks, bytes
per rank) with the median over repeats, the machine, the versions, the date and the load average at the time. The
performance model takes the intra-node collective latency from the smallest message at 2 ranks
(:mod:`simnet.projection.model`). Oversubscribed runs (more ranks than cores) are labelled so in ``note``.
"""
from __future__ import annotations

import argparse
import csv
import datetime
import os
import platform
import statistics
import sys
import time

import numpy as np
from mpi4py import MPI

SIZES = (8, 64, 512, 4096, 32768, 262144, 1048576)
COLUMNS = ("collective", "ranks", "bytes_per_rank", "median_s", "min_s", "repeats", "bandwidth_bytes_per_s",
           "machine", "cores", "mpi", "mpi4py", "python", "date", "loadavg_1min", "note", "source")


def timed(op, repeats: int, comm) -> list[float]:
    for _ in range(3):
        op()
    times = []
    for _ in range(repeats):
        comm.Barrier()
        start = time.perf_counter()
        op()
        times.append(time.perf_counter() - start)
    return [max(comm.allreduce(t, op=MPI.MAX), 0.0) for t in times]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    comm = MPI.COMM_WORLD
    ranks, rank = comm.Get_size(), comm.Get_rank()
    cores = os.cpu_count() or 1
    rows = []
    for size in SIZES:
        send = np.ones(size, dtype=np.uint8)
        gathered = np.empty(size * ranks, dtype=np.uint8)
        to_all = np.ones(size * ranks, dtype=np.uint8)
        from_all = np.empty(size * ranks, dtype=np.uint8)
        repeats = args.repeats if size <= 32768 else max(20, args.repeats // 10)
        for name, op in (("allgather", lambda: comm.Allgather(send, gathered)),
                         ("alltoall", lambda: comm.Alltoall(to_all, from_all))):
            times = timed(op, repeats, comm)
            median = statistics.median(times)
            moved = size * (ranks - 1)  # bytes each rank receives from the others
            rows.append({"collective": name, "ranks": ranks, "bytes_per_rank": size, "median_s": f"{median:.4g}",
                         "min_s": f"{min(times):.4g}", "repeats": repeats,
                         "bandwidth_bytes_per_s": f"{moved / median:.4g}" if moved else "",
                         "note": "oversubscribed: more ranks than cores" if ranks > cores else ""})
    if rank == 0:
        common = {"machine": f"{platform.node()} ({platform.processor() or platform.machine()}; "
                             f"{_cpu_model()})", "cores": cores,
                  "mpi": MPI.Get_library_version().splitlines()[0].strip(), "mpi4py": __import__("mpi4py").__version__,
                  "python": platform.python_version(), "date": datetime.date.today().isoformat(),
                  "loadavg_1min": f"{os.getloadavg()[0]:.2f}", "source": "experiments/mpi_microbench.py"}
        new = not os.path.exists(args.out)
        with open(args.out, "a", newline="") as handle:
            if new:
                handle.write("# MPI collective micro-benchmark on simnet's machine (experiments/mpi_microbench.py): median "
                             "wall time of one collective over repeats,\n# timed per repeat as the slowest rank's; "
                             "bandwidth = bytes each rank receives from the others / median time.\n")
            writer = csv.DictWriter(handle, COLUMNS)
            if new:
                writer.writeheader()
            for row in rows:
                writer.writerow({**row, **common})
    return 0


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            return next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        return "unknown CPU"


if __name__ == "__main__":
    sys.exit(main())
