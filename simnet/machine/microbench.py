"""Short micro-benchmarks of this machine: measured peak FLOP rate, fork-join cost, GPU launch latency.

A device missing from ``data/hardware.csv`` still needs a peak (for the peak-equivalent and the roofline), so it
gets a *measured peak*: a fused multiply-add loop built with the compiler the run uses (the same flags Brian2
gives it), run on the threads the run uses, in fp32 and fp64. The figure is labelled "measured peak" wherever it
appears; it is what this code reaches on this machine, at whatever clock the machine ran it, and so can sit below
(turbo off, throttling, shared cores) or above (turbo) the datasheet's base-clock peak.

The same programs measure the per-step costs the performance model needs (:mod:`simnet.projection.model`): the
cost of one OpenMP fork-join (one parallel region, which Brian2's C++ standalone code pays once per code object
per step) and, on a GPU, the launch latency of an empty kernel and the throughput of scattered atomic additions
(what a synaptic event does to its target).

Nothing here raises on a machine without a compiler or a GPU: each function returns None with the reason. The
compiler and the programs run as :mod:`simnet.base.child_processes` children, so an interrupted simnet leaves none running.
"""
from __future__ import annotations

import datetime
import functools
import os
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional, Sequence

from simnet.base import child_processes

__all__ = ["DEFAULT_CXX_FLAGS", "TARGET_SECONDS", "REPEATS", "TIMEOUT_S", "SCATTER_EVENTS", "COPY_DOUBLES",
           "Measured", "default_cxx", "cpu_peak", "cpu_forkjoin", "cpu_bandwidth", "GPU_FIGURES", "gpu_measurements"]

#: Brian2's default C++ flags (prefs.codegen.cpp.extra_compile_args_gcc), used when the caller gives none.
DEFAULT_CXX_FLAGS = ("-w", "-O3", "-ffast-math", "-fno-finite-math-only", "-march=native", "-std=c++11")
#: Seconds one timed repetition should last; the best of :data:`REPEATS` is kept.
TARGET_SECONDS = 0.2
REPEATS = 3
#: Never wait longer than this for a compiler or a benchmark program.
TIMEOUT_S = 120.0
#: Synaptic events of the GPU scatter benchmark (into SCATTER_EVENTS / 16 target floats: 16 MiB, about the size
#: of a GPU's L2 cache, as a network's postsynaptic variables of a few million neurons would be).
SCATTER_EVENTS = 2**26
#: Doubles per array of the CPU copy benchmark (two arrays of 512 MiB: far beyond any cache).
COPY_DOUBLES = 2**26

_CPU_SOURCE = r"""
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#ifdef _OPENMP
#include <omp.h>
#endif
// Independent FMA chains, enough to hide the FMA latency on two vector pipes; vectors as wide as the target's
// widest registers (32 accumulators of 512 bits would not fit the 16 AVX2 registers, so fewer there).
#ifdef __AVX512F__
#define VEC_BYTES 64
#define CHAINS 12
#else
#define VEC_BYTES 32
#define CHAINS 10
#endif
template <typename T> static double fma_loop(long iterations, double seed, volatile T* sink) {
    typedef T vec __attribute__((vector_size(VEC_BYTES)));
    const int lanes = VEC_BYTES / sizeof(T);
    vec acc[CHAINS], m, c;
    for (int l = 0; l < lanes; ++l) { m[l] = (T)0.999999; c[l] = (T)(seed * 1e-3); }
    for (int i = 0; i < CHAINS; ++i) for (int l = 0; l < lanes; ++l) acc[i][l] = (T)(seed + i + l);
    for (long it = 0; it < iterations; ++it) {
#pragma GCC unroll 16
        for (int i = 0; i < CHAINS; ++i) acc[i] = acc[i] * m + c;
    }
    T s = 0;
    for (int i = 0; i < CHAINS; ++i) for (int l = 0; l < lanes; ++l) s += acc[i][l];
    *sink = s;
    return 2.0 * CHAINS * lanes * (double)iterations;
}
static double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
template <typename T> static void peak(const char* name, int threads, long iterations) {
    double flops = 0.0, started = now();
    volatile T sink[256];
#ifdef _OPENMP
#pragma omp parallel num_threads(threads) reduction(+:flops)
    flops += fma_loop<T>(iterations, 1.0 + omp_get_thread_num(), &sink[omp_get_thread_num() % 256]);
#else
    flops += fma_loop<T>(iterations, 1.0, &sink[0]);
#endif
    double elapsed = now() - started;
    std::printf("%s %.9g %.9g\n", name, flops, elapsed);
}
int main(int argc, char** argv) {
    const char* what = argv[1];
    int threads = std::atoi(argv[2]);
    long count = std::atol(argv[3]);
    if (!std::strcmp(what, "fp32")) peak<float>("fp32", threads, count);
    else if (!std::strcmp(what, "fp64")) peak<double>("fp64", threads, count);
    else if (!std::strcmp(what, "copy")) {  // STREAM Copy: count doubles copied, 2 x 8 bytes moved per element
        double* a = (double*)std::malloc(sizeof(double) * count);
        double* b = (double*)std::malloc(sizeof(double) * count);
#pragma omp parallel for num_threads(threads) schedule(static)
        for (long i = 0; i < count; ++i) { a[i] = 1.0; b[i] = 0.0; }
        double best = 1e30;
        for (int r = 0; r < 5; ++r) {
            double started = now();
#pragma omp parallel for num_threads(threads) schedule(static)
            for (long i = 0; i < count; ++i) b[i] = a[i];
            double elapsed = now() - started;
            if (elapsed < best) best = elapsed;
        }
        std::printf("copy %.9g %.9g %g\n", 16.0 * count, best, b[count / 2]);
        std::free(a); std::free(b);
    }
    else {  // fork-join: one parallel region per repetition, as a Brian2 code object per step
        double started = now(), x = 0.0;
        for (long r = 0; r < count; ++r) {
#ifdef _OPENMP
#pragma omp parallel num_threads(threads) reduction(+:x)
            x += 1e-9 * omp_get_thread_num();
#endif
        }
        std::printf("forkjoin %.9g %.9g %g\n", (double)count, now() - started, x);
    }
    return 0;
}
"""

_GPU_SOURCE = r"""
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cuda_runtime.h>
template <typename T> __global__ void fma_kernel(long iterations, T* out) {
    T a0 = threadIdx.x, a1 = a0 + 1, a2 = a0 + 2, a3 = a0 + 3, a4 = a0 + 4, a5 = a0 + 5, a6 = a0 + 6, a7 = a0 + 7;
    const T m = (T)0.999999, c = (T)1e-3;
    for (long it = 0; it < iterations; ++it) {
        a0 = a0 * m + c; a1 = a1 * m + c; a2 = a2 * m + c; a3 = a3 * m + c;
        a4 = a4 * m + c; a5 = a5 * m + c; a6 = a6 * m + c; a7 = a7 * m + c;
    }
    out[blockIdx.x * blockDim.x + threadIdx.x] = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
}
__global__ void empty_kernel() {}
__global__ void scatter_kernel(const int* target, const float* weight, float* state, long events) {
    for (long e = blockIdx.x * (long)blockDim.x + threadIdx.x; e < events; e += (long)gridDim.x * blockDim.x)
        atomicAdd(&state[target[e]], weight[e]);
}
static float ms_between(cudaEvent_t a, cudaEvent_t b) { float ms; cudaEventElapsedTime(&ms, a, b); return ms; }
template <typename T> static void peak(const char* name, long iterations, int blocks, int threads) {
    T* out; cudaMalloc(&out, sizeof(T) * blocks * threads);
    cudaEvent_t a, b; cudaEventCreate(&a); cudaEventCreate(&b);
    fma_kernel<T><<<blocks, threads>>>(iterations / 10 + 1, out); cudaDeviceSynchronize();
    cudaEventRecord(a); fma_kernel<T><<<blocks, threads>>>(iterations, out); cudaEventRecord(b);
    cudaEventSynchronize(b);
    std::printf("%s %.9g %.9g\n", name, 16.0 * iterations * blocks * threads, ms_between(a, b) * 1e-3);
    cudaFree(out);
}
int main(int argc, char** argv) {
    const char* what = argv[1];
    long count = std::atol(argv[2]);
    int sms = 0; cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0);
    if (!std::strcmp(what, "fp32")) peak<float>("fp32", count, sms * 8, 256);
    else if (!std::strcmp(what, "fp64")) peak<double>("fp64", count, sms * 8, 256);
    else if (!std::strcmp(what, "launch")) {  // one empty kernel launched and waited for, count times (a step's sync)
        cudaEvent_t a, b; cudaEventCreate(&a); cudaEventCreate(&b);
        empty_kernel<<<1, 1>>>(); cudaDeviceSynchronize();
        cudaEventRecord(a);
        for (long i = 0; i < count; ++i) { empty_kernel<<<1, 1>>>(); cudaDeviceSynchronize(); }
        cudaEventRecord(b); cudaEventSynchronize(b);
        std::printf("launch_sync %.9g %.9g\n", (double)count, ms_between(a, b) * 1e-3);
        cudaEventRecord(a);
        for (long i = 0; i < count; ++i) empty_kernel<<<1, 1>>>();
        cudaEventRecord(b); cudaEventSynchronize(b);
        std::printf("launch_queued %.9g %.9g\n", (double)count, ms_between(a, b) * 1e-3);
    } else {  // scattered atomic additions: count events into a state array of count/16 floats
        long n_state = count / 16;
        int* target; float* weight; float* state;
        cudaMalloc(&target, sizeof(int) * count); cudaMalloc(&weight, sizeof(float) * count);
        cudaMalloc(&state, sizeof(float) * n_state);
        int* host = (int*)std::malloc(sizeof(int) * count);
        unsigned long long x = 88172645463325252ULL;
        for (long e = 0; e < count; ++e) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; host[e] = (int)(x % n_state); }
        cudaMemcpy(target, host, sizeof(int) * count, cudaMemcpyHostToDevice);
        cudaMemset(weight, 0, sizeof(float) * count); cudaMemset(state, 0, sizeof(float) * n_state);
        cudaEvent_t a, b; cudaEventCreate(&a); cudaEventCreate(&b);
        scatter_kernel<<<sms * 8, 256>>>(target, weight, state, count); cudaDeviceSynchronize();
        float best = 1e30f;
        for (int r = 0; r < 5; ++r) {
            cudaEventRecord(a); scatter_kernel<<<sms * 8, 256>>>(target, weight, state, count); cudaEventRecord(b);
            cudaEventSynchronize(b);
            if (ms_between(a, b) < best) best = ms_between(a, b);
        }
        std::printf("scatter %.9g %.9g\n", (double)count, best * 1e-3);
    }
    cudaError_t err = cudaGetLastError();
    if (err != cudaSuccess) { std::fprintf(stderr, "%s\n", cudaGetErrorString(err)); return 1; }
    return 0;
}
"""


@dataclass(frozen=True)
class Measured:
    """One micro-benchmark figure: ``value`` in ``unit``, with how it was obtained (machine, program, date)."""

    what: str
    value: float
    unit: str
    method: str
    date_utc: str

    def to_dict(self) -> dict:
        return asdict(self)


def _today() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def default_cxx() -> str:
    """The C++ compiler simnet's cpp backend uses: ``$CXX``, else ``g++``."""
    return os.environ.get("CXX") or "g++"


def _build(source: str, compiler: Sequence[str], flags: Sequence[str], suffix: str, workdir: Path) -> Path:
    src = workdir / f"bench{suffix}"
    src.write_text(source)
    exe = workdir / "bench"
    proc = child_processes.output([*compiler, *flags, str(src), "-o", str(exe)], timeout=TIMEOUT_S)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(compiler)} failed: {(proc.stderr or proc.stdout).strip()[:300]}")
    return exe


def _run(exe: Path, *args) -> tuple[float, float]:
    proc = child_processes.output([str(exe), *map(str, args)], timeout=TIMEOUT_S)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark program failed: {(proc.stderr or proc.stdout).strip()[:300]}")
    fields = proc.stdout.split()
    return float(fields[1]), float(fields[2])


def _rate(exe: Path, what: str, count: int, *args) -> tuple[float, float]:
    """(work per second, seconds of the best repetition), with ``count`` grown until a run lasts long enough."""
    work, elapsed = _run(exe, what, *args, count)
    while elapsed < TARGET_SECONDS / 4 and count < 2**40:
        count = int(count * max(2.0, TARGET_SECONDS / max(elapsed, 1e-6)))
        work, elapsed = _run(exe, what, *args, count)
    best = elapsed
    for _ in range(REPEATS - 1):
        best = min(best, _run(exe, what, *args, count)[1])
    return work / best, best


@functools.lru_cache(maxsize=None)
def _cpu_figures(compiler: str, flags: tuple[str, ...], threads: int) -> dict:
    if shutil.which(compiler.split()[0]) is None:
        return {"error": f"no C++ compiler '{compiler}' on this machine"}
    try:
        with tempfile.TemporaryDirectory(prefix="simnet-microbench-") as tmp:
            exe = _build(_CPU_SOURCE, compiler.split(), [*flags, "-fopenmp"], ".cpp", Path(tmp))
            out = {}
            for precision, key in (("single", "fp32"), ("double", "fp64")):
                out[precision], _ = _rate(exe, key, 10**6, threads)
            per_region, _ = _rate(exe, "forkjoin", 1000, threads)
            out["forkjoin_s"] = 1.0 / per_region
            moved, seconds = _run(exe, "copy", threads, COPY_DOUBLES)
            out["copy_bytes_per_s"] = moved / seconds
            return out
    except (OSError, RuntimeError, subprocess.SubprocessError, ValueError, IndexError) as err:
        return {"error": str(err)}


def cpu_peak(threads: int, precision: str, compiler: Optional[str] = None,
             flags: Sequence[str] = DEFAULT_CXX_FLAGS) -> tuple[Optional[Measured], str]:
    """Measured peak FLOP rate of this CPU on ``threads`` threads at ``precision`` ("single"/"double").

    An FMA loop (independent vector FMA chains, 2 FLOPs per lane) built with ``compiler`` and ``flags`` plus
    ``-fopenmp``; the best of :data:`REPEATS` runs of about :data:`TARGET_SECONDS` s. Cached per process.

    Returns
    -------
    (Measured or None, reason when None)
    """
    compiler = compiler or default_cxx()
    figures = _cpu_figures(compiler, tuple(flags), int(threads))
    if "error" in figures:
        return None, f"no measured peak: {figures['error']}"
    return Measured(f"peak {precision} FLOP rate, {threads} thread(s)", figures[precision], "FLOP/s",
                    f"measured peak: FMA micro-benchmark built with {compiler} {' '.join(flags)} -fopenmp, "
                    f"{threads} thread(s), {'fp32' if precision == 'single' else 'fp64'}, best of {REPEATS} "
                    f"on this machine", _today()), ""


def cpu_forkjoin(threads: int, compiler: Optional[str] = None,
                 flags: Sequence[str] = DEFAULT_CXX_FLAGS) -> tuple[Optional[Measured], str]:
    """Measured seconds of one OpenMP parallel region (fork and join) on ``threads`` threads."""
    compiler = compiler or default_cxx()
    figures = _cpu_figures(compiler, tuple(flags), int(threads))
    if "error" in figures:
        return None, f"not measured: {figures['error']}"
    return Measured(f"OpenMP fork-join, {threads} thread(s)", figures["forkjoin_s"], "s",
                    f"measured: empty '#pragma omp parallel' regions built with {compiler} {' '.join(flags)} "
                    f"-fopenmp, {threads} thread(s), best of {REPEATS} on this machine", _today()), ""


def cpu_bandwidth(threads: int, compiler: Optional[str] = None,
                  flags: Sequence[str] = DEFAULT_CXX_FLAGS) -> tuple[Optional[Measured], str]:
    """Measured memory bandwidth of this machine on ``threads`` threads: STREAM Copy over two arrays of 512 MiB
    (2 x 8 bytes counted per element, as STREAM counts it; McCalpin), the best of 5 copies."""
    compiler = compiler or default_cxx()
    figures = _cpu_figures(compiler, tuple(flags), int(threads))
    if "error" in figures:
        return None, f"not measured: {figures['error']}"
    return Measured(f"copy bandwidth, {threads} thread(s)", figures["copy_bytes_per_s"], "B/s",
                    f"measured: STREAM Copy of 2 x {COPY_DOUBLES * 8 / 2**20:.0f} MiB built with {compiler} "
                    f"{' '.join(flags)} -fopenmp, {threads} thread(s), best of 5 on this machine", _today()), ""


@functools.lru_cache(maxsize=None)
def _gpu_figures(nvcc: str) -> dict:
    try:
        with tempfile.TemporaryDirectory(prefix="simnet-microbench-") as tmp:
            exe = _build(_GPU_SOURCE, [nvcc], ["-O3", "-std=c++17"], ".cu", Path(tmp))
            out = {"single": _rate(exe, "fp32", 10**4)[0], "double": _rate(exe, "fp64", 10**3)[0]}
            for what, count in (("launch", "20000"), ("scatter", str(SCATTER_EVENTS))):
                done = child_processes.output([str(exe), what, count], timeout=TIMEOUT_S)
                done.check_returncode()
                for line in done.stdout.splitlines():
                    name, work, seconds = line.split()
                    if name == "scatter":
                        out["scatter_events_per_s"] = float(work) / float(seconds)
                    else:
                        out[name + "_s"] = float(seconds) / float(work)
            return out
    except (OSError, RuntimeError, subprocess.SubprocessError, ValueError, IndexError) as err:
        return {"error": str(err)}


GPU_FIGURES = {
    "single": ("peak single FLOP rate", "FLOP/s", "FMA kernel, 8 independent chains per thread, 8 blocks per SM"),
    "double": ("peak double FLOP rate", "FLOP/s", "FMA kernel, 8 independent chains per thread, 8 blocks per SM"),
    "launch_sync_s": ("empty kernel launched and waited for", "s", "cudaDeviceSynchronize after each launch"),
    "launch_queued_s": ("empty kernel launched back to back", "s", "launches queued, one wait at the end"),
    "scatter_events_per_s": ("scattered atomicAdd of a float", "events/s",
                             "int32 target + float weight read per event, random targets among 4 Mi floats, best of 5"),
}


def gpu_measurements(nvcc: Optional[str]) -> tuple[dict[str, Measured], str]:
    """Every GPU figure of :data:`GPU_FIGURES` measured on GPU 0 (nvcc -O3), or ({}, reason)."""
    if not nvcc:
        return {}, "no CUDA compiler (nvcc) on this machine"
    figures = _gpu_figures(nvcc)
    if "error" in figures:
        return {}, f"not measured: {figures['error']}"
    date = _today()
    return {key: Measured(what, figures[key], unit,
                          f"{'measured peak' if unit == 'FLOP/s' else 'measured'}: {how} (nvcc -O3, GPU 0, best of "
                          f"{REPEATS}) on this machine", date)
            for key, (what, unit, how) in GPU_FIGURES.items()}, ""
