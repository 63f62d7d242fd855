"""What machine this is: CPU, memory and GPUs, read from the operating system and nvidia-smi.

Used wherever a run or a figure needs to know the hardware (backends check for a GPU and nvcc, the cost modules
look up peaks and meter energy, results record provenance). Nothing here raises on a machine that lacks a
file or a tool: what cannot be read is None or empty.
"""
from __future__ import annotations

import csv
import functools
import importlib.metadata
import io
import os
import platform
import re
import shutil
import socket
import subprocess
from pathlib import Path
from typing import Optional, Sequence

__all__ = ["SIMD_FLAGS", "NVIDIA_SMI_TIMEOUT_S", "nvidia_smi_query", "describe_gpus", "cpus_available",
           "available_memory", "cpu_load", "describe_machine", "host_kind", "nvidia_gpu_names", "nvcc_path", "package_version",
           "hostname", "measure_copy_bandwidth"]

#: SIMD flags that decide the peak floating-point rate of an x86 core.
SIMD_FLAGS = ("sse2", "avx", "avx2", "fma", "avx512f")

#: Seconds to wait for ``nvidia-smi``; a wedged driver must not hang a run.
NVIDIA_SMI_TIMEOUT_S = 10.0



def nvidia_smi_query(fields: Sequence[str], gpu_index: int | None = None,
                     timeout_s: float = NVIDIA_SMI_TIMEOUT_S) -> list[dict[str, str]] | None:
    """Query ``nvidia-smi --query-gpu`` for some fields of each GPU.

    Parameters
    ----------
    fields : sequence of str
        ``nvidia-smi --help-query-gpu`` field names, e.g. ``("name", "memory.used")``.
    gpu_index : int, optional
        Only this GPU (``-i``); all GPUs when None.
    timeout_s : float
        Give up after this many seconds.

    Returns
    -------
    list of dict or None
        One ``{field: text}`` per GPU (units stripped), or None when ``nvidia-smi`` is absent, fails, times
        out or prints something unparseable. Never raises.
    """
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return None
    cmd = [exe, "--query-gpu=" + ",".join(fields), "--format=csv,noheader,nounits"]
    if gpu_index is not None:
        cmd += ["-i", str(gpu_index)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    rows = []
    for record in csv.reader(io.StringIO(proc.stdout)):
        if not record:
            continue
        if len(record) != len(fields):
            return None
        rows.append({field: value.strip() for field, value in zip(fields, record)})
    return rows


def _nvidia_smi_cuda_version() -> str | None:
    """CUDA version the driver supports, from the banner of plain ``nvidia-smi`` (not a query field)."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return None
    try:
        proc = subprocess.run([exe], capture_output=True, text=True, timeout=NVIDIA_SMI_TIMEOUT_S,
                              check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"CUDA Version:\s*([0-9.]+)", proc.stdout)
    return match.group(1) if match else None


def describe_gpus() -> list[dict]:
    """GPUs visible to ``nvidia-smi``: index, name, memory_total_mib, driver, cuda_version, pci_bus_id.

    An empty list when ``nvidia-smi`` is absent or fails.
    """
    fields = ("index", "name", "memory.total", "driver_version", "pci.bus_id")
    rows = nvidia_smi_query(fields)
    if not rows:
        return []
    cuda_version = _nvidia_smi_cuda_version()
    gpus = []
    for row in rows:
        gpus.append({
            "index": _to_int(row["index"]),
            "name": row["name"],
            "memory_total_mib": _to_float(row["memory.total"]),
            "driver": row["driver_version"],
            "cuda_version": cuda_version,
            "pci_bus_id": row["pci.bus_id"],
        })
    return gpus


def _to_int(text: str | None) -> int | None:
    try:
        return int(str(text).strip())
    except (TypeError, ValueError):
        return None


def _to_float(text: str | None) -> float | None:
    try:
        return float(str(text).strip())
    except (TypeError, ValueError):
        return None


def _read_text(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def _parse_cpuinfo(text: str) -> list[dict[str, str]]:
    """``/proc/cpuinfo`` as one ``{key: value}`` per logical processor."""
    processors: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if current:
                processors.append(current)
                current = {}
            continue
        key, _, value = line.partition(":")
        current[key.strip()] = value.strip()
    if current:
        processors.append(current)
    return processors


def _clock_ghz(first: dict[str, str]) -> tuple[float | None, str, dict[str, float]]:
    """Nominal clock in GHz, which source it came from, and every candidate seen.

    The nominal (base) clock is what the document's ``cores x clock x flop/cycle`` uses; in order of
    preference: the ``@ x.xxGHz`` in an Intel model name (the rated base clock), the cpufreq
    ``base_frequency`` the intel_pstate driver exposes, and last ``cpu MHz`` from /proc/cpuinfo, which on
    bare metal is core 0's clock at the moment of reading and under a hypervisor is the TSC rate the host
    exposes.
    """
    candidates: dict[str, float] = {}
    match = re.search(r"@\s*([0-9.]+)\s*GHz", first.get("model name", ""))
    if match:
        candidates["model name"] = round(float(match.group(1)), 4)
    base_khz = _to_float(_read_text("/sys/devices/system/cpu/cpu0/cpufreq/base_frequency"))
    if base_khz:
        candidates["cpufreq base_frequency"] = round(base_khz / 1e6, 4)
    max_khz = _to_float(_read_text("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq"))
    if max_khz:
        candidates["cpufreq cpuinfo_max_freq (boost)"] = round(max_khz / 1e6, 4)
    mhz = _to_float(first.get("cpu MHz"))
    if mhz:
        candidates["/proc/cpuinfo cpu MHz"] = round(mhz / 1e3, 4)
    for source, note in (
            ("model name", "nominal base clock from the CPU model name"),
            ("cpufreq base_frequency", "nominal base clock from cpufreq base_frequency"),
            ("/proc/cpuinfo cpu MHz", "/proc/cpuinfo 'cpu MHz' (under a hypervisor the TSC rate the host "
                                      "exposes; on bare metal the current clock of cpu0, not a rating)")):
        if source in candidates:
            return candidates[source], note, candidates
    return None, "unknown: no clock in the CPU model name, cpufreq or /proc/cpuinfo", candidates


def _memory_total_bytes() -> int | None:
    meminfo = _read_text("/proc/meminfo") or ""
    match = re.search(r"^MemTotal:\s*(\d+)\s*kB", meminfo, re.MULTILINE)
    if match:
        return int(match.group(1)) * 1024
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def _cpus_available() -> int | None:
    """Logical CPUs this process may run on (affinity mask, which containers and taskset narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count()


def cpus_available() -> int:
    """Logical CPUs this process may run on (at least 1)."""
    return _cpus_available() or 1


def cpu_load(sample_s: float = 0.2) -> dict:
    """How busy this machine's CPUs are now, as a run's thread count should be judged against.

    ``loadavg_1min`` (from /proc/loadavg: runnable and waiting processes, a minute's average, slow to follow a
    change), ``busy_cpus`` (from two reads of /proc/stat ``sample_s`` apart: the non-idle share of all CPUs'
    time times the CPU count, i.e. how many CPUs others kept busy in that moment, this process sleeping
    meanwhile), ``cpus`` (:func:`cpus_available`) and ``free_cpus`` (cpus less busy_cpus, rounded, at least 0).
    Where /proc/stat cannot be read (not Linux), ``busy_cpus`` and ``free_cpus`` are None.
    """
    import time

    def totals():
        line = (_read_text("/proc/stat") or "").split("\n", 1)[0].split()
        if not line or line[0] != "cpu":
            return None
        ticks = [int(value) for value in line[1:]]
        idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
        return sum(ticks), idle

    try:
        loadavg = float((_read_text("/proc/loadavg") or "").split()[0])
    except (IndexError, ValueError):
        loadavg = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    cpus = cpus_available()
    first = totals()
    time.sleep(sample_s)
    second = totals()
    busy = None
    if first and second and second[0] > first[0]:
        all_cpus = os.cpu_count() or cpus  # /proc/stat sums every CPU of the machine
        busy = round(all_cpus * (1.0 - (second[1] - first[1]) / (second[0] - first[0])), 2)
    return {"loadavg_1min": loadavg, "busy_cpus": busy, "cpus": cpus, "sample_s": sample_s,
            "free_cpus": None if busy is None else max(0, int(round(cpus - min(busy, cpus))))}


def available_memory() -> tuple[int | None, str]:
    """Bytes this process could still allocate, and which limit says so (None, "" when none is known).

    The smallest of: ``MemAvailable`` in /proc/meminfo; the memory cgroup's limit less its usage (v2 or v1); and
    the address-space limit (``ulimit -v``) less this process's size, which a child program inherits too.
    """
    candidates = []
    meminfo = _read_text("/proc/meminfo") or ""
    match = re.search(r"^MemAvailable:\s*(\d+)\s*kB", meminfo, re.MULTILINE)
    if match:
        candidates.append((int(match.group(1)) * 1024, "available memory (MemAvailable)"))
    cgroup = _cgroup_memory_left()
    if cgroup is not None:
        candidates.append((cgroup, "the memory cgroup's limit less its usage"))
    try:
        import resource

        limit = resource.getrlimit(resource.RLIMIT_AS)[0]
        if limit != resource.RLIM_INFINITY:
            status = _read_text("/proc/self/status") or ""
            size = re.search(r"^VmSize:\s*(\d+)\s*kB", status, re.MULTILINE)
            candidates.append((max(0, limit - (int(size.group(1)) * 1024 if size else 0)),
                               "the address-space limit (ulimit -v) less this process's size"))
    except (ImportError, ValueError, OSError):
        pass
    return min(candidates) if candidates else (None, "")


def _cgroup_memory_left() -> int | None:
    """The memory cgroup's limit less its usage, in bytes (None: no limit, or not found)."""
    for line in (_read_text("/proc/self/cgroup") or "").splitlines():
        hierarchy, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if hierarchy == "0" and not controllers:  # cgroup v2
            files = (f"/sys/fs/cgroup{path}/memory.max", f"/sys/fs/cgroup{path}/memory.current")
        elif "memory" in controllers.split(","):  # cgroup v1
            files = (f"/sys/fs/cgroup/memory{path}/memory.limit_in_bytes",
                     f"/sys/fs/cgroup/memory{path}/memory.usage_in_bytes")
        else:
            continue
        limit, usage = (_to_int((_read_text(name) or "").strip()) for name in files)
        if limit is not None and usage is not None and limit < 2**60:  # v1 writes "no limit" as ~2**63
            return max(0, limit - usage)
    return None


def describe_machine() -> dict:
    """Identify the machine a run executes on; JSON-safe and never raises.

    Returns
    -------
    dict
        ``cpu_model`` (model name string), ``cpu_vendor`` (e.g. ``AuthenticAMD``), ``cpu_family`` and
        ``cpu_model_id`` and ``cpu_stepping`` (CPUID numbers, None off x86), ``logical_cores``,
        ``physical_cores`` (distinct (socket, core) pairs), ``sockets``, ``threads_per_core``,
        ``cpus_available`` (affinity), ``clock_ghz`` with ``clock_source`` saying what it is and
        ``clock_candidates_ghz`` (every clock reading found), ``simd`` (flag -> bool for
        :data:`SIMD_FLAGS`), ``hypervisor`` (bool), ``memory_total_bytes``, ``os``, ``kernel``,
        ``arch``, ``hostname``, and ``gpus`` (see :func:`describe_gpus`; empty without nvidia-smi).
    """
    processors = _parse_cpuinfo(_read_text("/proc/cpuinfo") or "")
    first = processors[0] if processors else {}
    # x86 says "model name"; POWER says "cpu"; some ARM kernels say "Processor" or nothing.
    cpu_model = (first.get("model name") or first.get("cpu") or first.get("Processor")
                 or platform.processor() or platform.machine() or "unknown")
    flags = set(first.get("flags", first.get("Features", "")).split())
    core_ids = {(p.get("physical id", "0"), p.get("core id", p.get("processor"))) for p in processors
                if "core id" in p}
    sockets = {p.get("physical id") for p in processors if "physical id" in p}
    logical = os.cpu_count() or len(processors) or None
    physical = len(core_ids) or None
    clock_ghz, clock_source, clock_candidates = _clock_ghz(first)
    return {
        "cpu_model": cpu_model,
        "cpu_vendor": first.get("vendor_id") or first.get("CPU implementer") or platform.machine(),
        "cpu_family": _to_int(first.get("cpu family")),
        "cpu_model_id": _to_int(first.get("model")) if "vendor_id" in first else None,
        "cpu_stepping": _to_int(first.get("stepping")),
        "logical_cores": logical,
        "physical_cores": physical,
        "sockets": len(sockets) or None,
        "threads_per_core": (logical // physical) if logical and physical else None,
        "cpus_available": _cpus_available(),
        "clock_ghz": clock_ghz,
        "clock_source": clock_source,
        "clock_candidates_ghz": clock_candidates,
        "simd": {flag: flag in flags for flag in SIMD_FLAGS},
        "hypervisor": "hypervisor" in flags,
        "memory_total_bytes": _memory_total_bytes(),
        "os": platform.platform(),
        "kernel": platform.release(),
        "arch": platform.machine(),
        "hostname": socket.gethostname(),
        "gpus": describe_gpus(),
    }


def host_kind(machine: dict) -> str:
    """What kind of machine a :func:`describe_machine` result is: CPU model, logical CPUs and GPUs.

    Loop times measured on hosts of one kind are comparable (given the same load); a scaling law fitted across
    kinds would mix machines.
    """
    gpus = sorted(str(g.get("name")) for g in machine.get("gpus") or [])
    kind = f"{machine.get('cpu_model') or 'unknown CPU'}, {machine.get('logical_cores') or '?'} logical CPUs"
    return kind + (f", GPUs: {', '.join(gpus)}" if gpus else "")


def nvidia_gpu_names() -> list[str]:
    """GPU names reported by nvidia-smi (empty when there is no driver or no GPU)."""
    return [row["name"] for row in nvidia_smi_query(("name",)) or []]


def nvcc_path() -> Optional[str]:
    """The CUDA compiler: ``$CUDA_PATH/bin/nvcc`` when that exists, else ``nvcc`` on PATH, else None."""
    cuda_path = os.environ.get("CUDA_PATH")
    if cuda_path and Path(cuda_path, "bin", "nvcc").exists():
        return str(Path(cuda_path, "bin", "nvcc"))
    return shutil.which("nvcc")


def package_version(name: str) -> Optional[str]:
    """The installed version of a distribution, or None when it is not installed."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def hostname() -> str:
    return socket.gethostname()


@functools.lru_cache(maxsize=None)
def measure_copy_bandwidth(n_bytes: int = 2**28, repeats: int = 5) -> tuple[float, str]:
    """Sustained memory bandwidth of this machine, measured: the best of ``repeats`` copies of an array (once
    per process: ``simnet cost`` and ``simnet roofline`` of the same run then use the same figure).

    A copy reads and writes ``n_bytes`` each (counted as ``2 x n_bytes`` moved, as STREAM's Copy kernel counts
    it; McCalpin, STREAM benchmark). One thread (numpy's copy is not parallel), so on a multi-core socket this
    is below the socket's peak; the array (256 MiB by default) is far larger than any cache.

    Returns
    -------
    (bytes per second, description of how it was measured)
    """
    import time

    import numpy as np

    source = np.ones(n_bytes // 8)
    target = np.empty_like(source)
    np.copyto(target, source)  # touch both arrays once so page faults are not timed
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        np.copyto(target, source)
        best = min(best, time.perf_counter() - started)
    moved = 2.0 * source.nbytes
    return moved / best, (f"measured: best of {repeats} numpy copies of {source.nbytes / 2**20:.0f} MiB "
                          f"(STREAM Copy counting, one thread) on this machine")
