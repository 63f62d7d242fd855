"""Do this machine's logical CPUs 0 and 1 share one physical core? Timed from inside, since a VM guest may not say.

A kernel that keeps a core's floating-point units busy (many independent fused multiply-adds, no memory traffic)
runs alone on CPU 0, then as two copies at once on CPUs 0 and 1. On two physical cores each copy keeps its speed
(ratio near 1); on the two hardware threads of one core they share its units (ratio near 0.5). A kernel bound by
the latency of one dependent chain is the control: it leaves units free, so two threads of one core barely slow it.
That bounds what two threads can gain on compute-bound work (issue 25's 1.8x target). Writes a JSON file with the
machine, load and date.

    python experiments/vcpu_pairing.py [--rounds 3] [--out experiments/results/vcpu-pairing_<machine>_<date>.json]
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from simnet.machine.describe import cpu_load

KERNEL = r"""
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
/* throughput: 10 independent chains of 4-wide FMAs, in registers; latency: one chain. Prints giga-FMA lanes/s. */
#define STEP(x) x = _mm256_fmadd_pd(x, m, a)
int main(int argc, char **argv) {
    const long steps = atol(argv[2]);
    const int wide = argv[1][0] == 't';
    const __m256d m = _mm256_set1_pd(0.999999), a = _mm256_set1_pd(1e-7);
    __m256d x0 = _mm256_set1_pd(1), x1 = _mm256_set1_pd(2), x2 = _mm256_set1_pd(3), x3 = _mm256_set1_pd(4),
            x4 = _mm256_set1_pd(5), x5 = _mm256_set1_pd(6), x6 = _mm256_set1_pd(7), x7 = _mm256_set1_pd(8),
            x8 = _mm256_set1_pd(9), x9 = _mm256_set1_pd(10);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (wide)
        for (long s = 0; s < steps; s++) {
            STEP(x0); STEP(x1); STEP(x2); STEP(x3); STEP(x4); STEP(x5); STEP(x6); STEP(x7); STEP(x8); STEP(x9);
        }
    else
        for (long s = 0; s < steps; s++) {
            STEP(x0); STEP(x0); STEP(x0); STEP(x0); STEP(x0); STEP(x0); STEP(x0); STEP(x0); STEP(x0); STEP(x0);
        }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    __m256d sum = _mm256_add_pd(_mm256_add_pd(_mm256_add_pd(x0, x1), _mm256_add_pd(x2, x3)),
                                _mm256_add_pd(_mm256_add_pd(x4, x5), _mm256_add_pd(_mm256_add_pd(x6, x7),
                                                                                  _mm256_add_pd(x8, x9))));
    double out[4];
    _mm256_storeu_pd(out, sum);
    double seconds = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
    printf("%.6f %.3f\n", 40.0 * steps / seconds / 1e9, out[0]);
    return 0;
}
"""


def rate(binary: Path, kind: str, steps: int, cpus: list[int]) -> list[float]:
    """Giga-FMA lanes per second of one copy per CPU in ``cpus``, all started together."""
    copies = [subprocess.Popen(["taskset", "-c", str(cpu), str(binary), kind, str(steps)], stdout=subprocess.PIPE,
                               text=True) for cpu in cpus]
    return [float(copy.communicate()[0].split()[0]) for copy in copies]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=400_000_000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if (os.cpu_count() or 1) < 2:
        print("vcpu_pairing: needs two logical CPUs", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        source, binary = Path(folder, "kernel.c"), Path(folder, "kernel")
        source.write_text(KERNEL)
        subprocess.run(["gcc", "-O2", "-mavx2", "-mfma", str(source), "-o", str(binary)], check=True)
        rounds, load_before = [], cpu_load()
        for _ in range(args.rounds):
            for kind in ("throughput", "latency"):
                alone = rate(binary, kind[0], args.steps, [0])[0]
                paired = rate(binary, kind[0], args.steps, [0, 1])
                rounds.append({"kernel": kind, "alone_gfma_s": alone, "paired_gfma_s": paired,
                               "ratio": min(paired) / alone})
                time.sleep(1)
    result = {
        "what": __doc__.splitlines()[0], "date_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "machine": {"cpu_model": _cpu_model(), "logical_cpus": os.cpu_count()},
        "load_before": load_before, "load_after": cpu_load(), "rounds": rounds,
    }
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    for row in rounds:
        print(f"{row['kernel']:10s} alone {row['alone_gfma_s']:.2f}  paired {row['paired_gfma_s'][0]:.2f}, "
              f"{row['paired_gfma_s'][1]:.2f}  ratio {row['ratio']:.2f}")
    return 0


def _cpu_model() -> str:
    fields = {}
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    return f"{fields.get('model name', '?')} (family {fields.get('cpu family', '?')}, model {fields.get('model', '?')})"


if __name__ == "__main__":
    sys.exit(main())
