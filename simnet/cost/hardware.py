"""What hardware a run used, and that hardware's peak throughput, bandwidth and power.

:func:`describe_machine` identifies the CPU and GPUs (JSON-safe, for run provenance).
:func:`peak_throughput` looks the identified device up in ``data/hardware.csv`` (GPUs and CPU parts) and
``data/cpu_flops_per_cycle.csv`` (CPU micro-architectures) and returns a :class:`Peak` that says where each
figure came from. A device the tables do not know gives ``flops_per_s=None`` and a note starting
``"unknown peak:"``; nothing is guessed.

:func:`peak_equivalent` applies the method of the seed document (``shared/seeds/003_*``): the compute a run
*could* have done is ``cores x clock x flop/cycle x wall seconds``, divided by neurons and biological
seconds; :func:`utilisation` compares the counted FLOPs with it.
"""
from __future__ import annotations

import csv
import io
import os
import platform
import re
import shutil
import socket
import subprocess
from dataclasses import asdict, dataclass
from typing import Sequence

from simnet.reference import read_table

#: SIMD flags that decide the peak floating-point rate of an x86 core.
SIMD_FLAGS = ("sse2", "avx", "avx2", "fma", "avx512f")

#: Seconds to wait for ``nvidia-smi``; a wedged driver must not hang a run.
NVIDIA_SMI_TIMEOUT_S = 10.0

HARDWARE_TABLE = "hardware.csv"
CPU_FLOPS_TABLE = "cpu_flops_per_cycle.csv"


# --------------------------------------------------------------------------------------------------
# Identification
# --------------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------------
# Peak throughput
# --------------------------------------------------------------------------------------------------

PRECISION_COLUMNS = {"single": ("fp32_tflops", "fp32_flops_per_cycle"),
                     "double": ("fp64_tflops", "fp64_flops_per_cycle")}


@dataclass(frozen=True)
class Peak:
    """Peak capability of the device (or the part of it) a run used, with where each figure came from.

    Attributes
    ----------
    device : str
        ``"cpu"`` or ``"gpu"``.
    precision : str
        ``"single"`` or ``"double"``.
    flops_per_s : float or None
        Peak floating-point rate; None when the device or a needed figure is not known.
    mem_bandwidth_bytes_per_s : float or None
        Peak memory bandwidth of the device (for a CPU: of the whole socket); None when not known.
    board_power_w : float or None
        Board power (GPU) or socket TDP pro-rated to the cores used (CPU); None when not known.
    source : str
        How the known figures were obtained (table rows and their sources, or the derivation).
    note : str
        What is not known and why; starts with ``"unknown peak:"`` when ``flops_per_s`` is None.
    device_name, microarchitecture : str
        The table row or micro-architecture that matched ("" when none did).
    cores_used : int or None
        Physical cores counted (CPU only).
    clock_ghz, flops_per_cycle : float or None
        The factors of a derived CPU peak.
    """

    device: str
    precision: str
    flops_per_s: float | None
    mem_bandwidth_bytes_per_s: float | None = None
    board_power_w: float | None = None
    source: str = ""
    note: str = ""
    device_name: str = ""
    microarchitecture: str = ""
    cores_used: int | None = None
    clock_ghz: float | None = None
    flops_per_cycle: float | None = None

    def to_dict(self) -> dict:
        """Plain dict of every field (JSON-safe)."""
        return asdict(self)


def normalise_device_name(name: str) -> str:
    """Device name as table patterns see it: leading "NVIDIA " dropped, spaces collapsed."""
    text = " ".join(str(name).split())
    return re.sub(r"^NVIDIA\s+", "", text, flags=re.IGNORECASE)


def _float_or_none(text: str) -> float | None:
    return float(text) if text not in ("", None) else None


def find_hardware_row(name: str, kind: str) -> tuple[dict[str, str] | None, str]:
    """The one ``data/hardware.csv`` row of ``kind`` whose ``match_pattern`` (or name) matches ``name``.

    Matching is a whole-string, case-insensitive regular-expression match on the normalised name, so
    that e.g. "Tesla V100S-PCIE-32GB" does not borrow the V100 PCIe figures. A name matched by more than
    one row is treated as not found.

    Returns
    -------
    (row, reason)
        The row, or None with a one-line reason.
    """
    wanted = normalise_device_name(name)
    matches = []
    for row in read_table(HARDWARE_TABLE).rows:
        if row["kind"] != kind:
            continue
        pattern = row["match_pattern"]
        by_pattern = bool(pattern) and re.fullmatch(pattern, wanted, flags=re.IGNORECASE) is not None
        by_name = normalise_device_name(row["name"]).lower() == wanted.lower()
        if by_pattern or by_name:
            matches.append(row)
    if len(matches) == 1:
        return matches[0], ""
    if not matches:
        return None, f"{kind} '{name}' is not in data/{HARDWARE_TABLE}"
    names = ", ".join(row["name"] for row in matches)
    return None, f"{kind} '{name}' matches several rows of data/{HARDWARE_TABLE} ({names})"


def _model_ids_match(spec: str, model_id: int | None) -> bool:
    if not spec:
        return True
    if model_id is None:
        return False
    for part in spec.split():
        low, _, high = part.partition("-")
        if int(low, 16) <= model_id <= int(high or low, 16):
            return True
    return False


def find_cpu_microarchitecture(machine: dict) -> tuple[dict[str, str] | None, str]:
    """The ``data/cpu_flops_per_cycle.csv`` row for the CPU that :func:`describe_machine` described.

    Returns
    -------
    (row, reason)
        The row, or None with a one-line reason (no row, ambiguous rows, a row that says the rate is
        unknown for this SKU, or a required SIMD flag the CPU does not report).
    """
    vendor = machine.get("cpu_vendor") or ""
    family = machine.get("cpu_family")
    model_id = machine.get("cpu_model_id")
    model_name = machine.get("cpu_model") or ""
    simd = machine.get("simd") or {}
    described = (f"{vendor or 'unknown vendor'} family {family} model "
                 f"{'0x%02x' % model_id if isinstance(model_id, int) else model_id} ('{model_name}')")
    candidates = []
    for row in read_table(CPU_FLOPS_TABLE).rows:
        if row["vendor"] and row["vendor"] != vendor:
            continue
        if row["family"] and (family is None or int(row["family"]) != family):
            continue
        if not _model_ids_match(row["model_ids"], model_id):
            continue
        if row["name_pattern"] and not re.search(row["name_pattern"], model_name, flags=re.IGNORECASE):
            continue
        candidates.append(row)
    named = [row for row in candidates if row["name_pattern"]]
    if named:
        candidates = named
    if not candidates:
        return None, f"CPU {described} is not in data/{CPU_FLOPS_TABLE}"
    if len(candidates) > 1:
        names = ", ".join(row["microarchitecture"] for row in candidates)
        return None, f"CPU {described} matches several rows of data/{CPU_FLOPS_TABLE} ({names})"
    row = candidates[0]
    if not row["fp64_flops_per_cycle"]:
        return None, f"CPU {described} is {row['microarchitecture']}: {row['note']}"
    missing = [flag for flag in row["requires_flags"].split() if not simd.get(flag, False)]
    if missing:
        return None, (f"CPU {described} is {row['microarchitecture']} but does not report "
                      f"{' '.join(missing)} (masked by a hypervisor?), so its vector rate is not the "
                      f"tabulated one")
    return row, ""


def _cpu_model_row(machine: dict) -> dict[str, str] | None:
    """The CPU part's row in hardware.csv (for socket TDP and bandwidth), if the model name is known."""
    row, _ = find_hardware_row(machine.get("cpu_model") or "", "cpu")
    return row


def _default_cores_used(machine: dict) -> int | None:
    """Physical cores the process may use: the affinity mask, capped at the physical core count."""
    available = machine.get("cpus_available") or machine.get("logical_cores")
    physical = machine.get("physical_cores")
    if available and physical:
        return min(available, physical)
    return available or physical


def peak_throughput(machine: dict, device: str, precision: str, cores_used: int | None = None,
                    gpu_index: int = 0) -> Peak:
    """Peak FLOP rate, memory bandwidth and board power of the hardware a run used.

    Parameters
    ----------
    machine : dict
        As returned by :func:`describe_machine` (or a hand-made dict with the same keys).
    device : {"cpu", "gpu"}
        Which device ran the simulation loop.
    precision : {"single", "double"}
        Floating-point precision the run used.
    cores_used : int, optional
        CPU only: physical cores (threads) the run used. Counts above the physical core count are capped
        there, since SMT threads share a core's FMA units. Default: the cores the process may run on.
        Ignored for a GPU, whose peak is that of the whole device.
    gpu_index : int
        GPU only: which entry of ``machine["gpus"]``.

    Returns
    -------
    Peak
        For a CPU, ``flops_per_s = cores_used x clock x flop/cycle/core`` (the seed document's method),
        with the flop/cycle figure looked up by micro-architecture; for a GPU, the datasheet figures of the
        matching ``data/hardware.csv`` row. Unknown hardware gives ``flops_per_s=None`` and a note that
        starts with ``"unknown peak:"``.
    """
    if precision not in PRECISION_COLUMNS:
        raise ValueError(f"precision must be 'single' or 'double', not {precision!r}")
    tflops_column, per_cycle_column = PRECISION_COLUMNS[precision]
    if device == "gpu":
        return _gpu_peak(machine, precision, tflops_column, gpu_index)
    if device == "cpu":
        return _cpu_peak(machine, precision, per_cycle_column, cores_used)
    raise ValueError(f"device must be 'cpu' or 'gpu', not {device!r}")


def _gpu_peak(machine: dict, precision: str, tflops_column: str, gpu_index: int) -> Peak:
    gpus = machine.get("gpus") or []
    if gpu_index >= len(gpus):
        return Peak("gpu", precision, None,
                    note=f"unknown peak: no GPU number {gpu_index} was found (nvidia-smi lists {len(gpus)})")
    name = gpus[gpu_index].get("name") or ""
    row, reason = find_hardware_row(name, "gpu")
    if row is None:
        return Peak("gpu", precision, None, note=f"unknown peak: {reason}", device_name=name)
    tflops = _float_or_none(row[tflops_column])
    bandwidth = _float_or_none(row["mem_bandwidth_gb_s"])
    power = _float_or_none(row["board_power_w"])
    return Peak(
        device="gpu", precision=precision,
        flops_per_s=tflops * 1e12 if tflops is not None else None,
        mem_bandwidth_bytes_per_s=bandwidth * 1e9 if bandwidth is not None else None,
        board_power_w=power,
        source=f"datasheet: '{name}' = {row['name']} in data/{HARDWARE_TABLE} ({row['source']})",
        note="" if tflops is not None else f"unknown peak: no {precision}-precision figure for {row['name']}",
        device_name=row["name"],
    )


def _cpu_peak(machine: dict, precision: str, per_cycle_column: str, cores_used: int | None) -> Peak:
    notes = []
    physical = machine.get("physical_cores")
    if cores_used is None:
        cores_used = _default_cores_used(machine)
    elif physical and cores_used > physical:
        notes.append(f"{cores_used} threads capped at the {physical} physical cores "
                     f"(SMT threads share a core's FMA units)")
        cores_used = physical
    clock = machine.get("clock_ghz")
    uarch_row, reason = find_cpu_microarchitecture(machine)

    part_row = _cpu_model_row(machine)
    bandwidth = power = None
    part_source = ""
    if part_row is not None:
        gb_s = _float_or_none(part_row["mem_bandwidth_gb_s"])
        bandwidth = gb_s * 1e9 if gb_s is not None else None
        tdp = _float_or_none(part_row["board_power_w"])
        socket_cores = _float_or_none(part_row["cores"])
        if tdp is not None and socket_cores and cores_used:
            power = tdp * cores_used / socket_cores
            notes.append(f"board power: {tdp:g} W socket TDP x {cores_used}/{socket_cores:g} cores "
                         f"(pro-rated by cores; uncore power is not pro-rated in reality)")
        notes.append("memory bandwidth is that of a whole socket with every channel populated")
        part_source = f"; part {part_row['name']} ({part_row['source']})"
    else:
        notes.append(f"memory bandwidth and TDP unknown: CPU model '{machine.get('cpu_model')}' "
                     f"is not in data/{HARDWARE_TABLE}")

    missing = []
    if uarch_row is None:
        missing.append(reason)
    if not clock:
        missing.append("the clock of this CPU is not known")
    if not cores_used:
        missing.append("the number of cores used is not known")
    if missing:
        return Peak("cpu", precision, None, mem_bandwidth_bytes_per_s=bandwidth, board_power_w=power,
                    source=part_source.lstrip("; "),
                    note="; ".join([f"unknown peak: {'; '.join(missing)}"] + notes),
                    microarchitecture=uarch_row["microarchitecture"] if uarch_row else "",
                    cores_used=cores_used, clock_ghz=clock)
    per_cycle = float(uarch_row[per_cycle_column])
    source = (f"derived: {cores_used} cores x {clock:g} GHz x {per_cycle:g} flop/cycle "
              f"({uarch_row['microarchitecture']}, {uarch_row['source']}); clock: "
              f"{machine.get('clock_source', 'unstated')}{part_source}")
    return Peak(
        device="cpu", precision=precision,
        flops_per_s=cores_used * clock * 1e9 * per_cycle,
        mem_bandwidth_bytes_per_s=bandwidth, board_power_w=power,
        source=source, note="; ".join(notes),
        device_name=part_row["name"] if part_row else machine.get("cpu_model", ""),
        microarchitecture=uarch_row["microarchitecture"],
        cores_used=cores_used, clock_ghz=clock, flops_per_cycle=per_cycle,
    )


# --------------------------------------------------------------------------------------------------
# The document's peak-equivalent measure
# --------------------------------------------------------------------------------------------------

def peak_equivalent(peak: Peak, loop_wall_s: float, n_neurons: int, bio_duration_s: float) -> dict:
    """Compute the hardware could have done during the loop, per neuron and biological second.

    The seed document's method (``shared/seeds/003_*``): ``flops = cores x clock x flop/cycle x wall
    seconds``, then divided by the number of neurons and by the biological seconds simulated. It charges
    the run for the whole peak of what it occupied, whatever it actually computed.

    Parameters
    ----------
    peak : Peak
        From :func:`peak_throughput` for the device, precision and cores the run used.
    loop_wall_s : float
        Wall-clock seconds of the simulation loop.
    n_neurons : int
        Neurons simulated.
    bio_duration_s : float
        Biological seconds simulated.

    Returns
    -------
    dict
        ``peak_flops_per_s``, ``loop_wall_s``, ``n_neurons``, ``bio_duration_s``,
        ``peak_equivalent_flops`` and ``peak_equivalent_flops_per_neuron_per_bio_s`` (both None when the
        peak is unknown), ``method`` and ``source`` (the peak's derivation, or why it is unknown).
    """
    if loop_wall_s < 0 or n_neurons <= 0 or bio_duration_s <= 0:
        raise ValueError("peak_equivalent needs loop_wall_s >= 0, n_neurons > 0 and bio_duration_s > 0; "
                         f"got {loop_wall_s}, {n_neurons}, {bio_duration_s}")
    total = peak.flops_per_s * loop_wall_s if peak.flops_per_s is not None else None
    return {
        "peak_flops_per_s": peak.flops_per_s,
        "loop_wall_s": loop_wall_s,
        "n_neurons": n_neurons,
        "bio_duration_s": bio_duration_s,
        "peak_equivalent_flops": total,
        "peak_equivalent_flops_per_neuron_per_bio_s":
            total / n_neurons / bio_duration_s if total is not None else None,
        "method": "peak flop/s x loop wall s / neurons / biological s (seed document 003)",
        "source": peak.source if peak.flops_per_s is not None else peak.note,
    }


def utilisation(counted_flops: float | None, peak_equivalent_flops: float | None) -> float | None:
    """Fraction of the peak-equivalent compute that the counted FLOPs account for.

    None when either figure is unknown or the peak-equivalent is zero (a zero-length loop).
    """
    if counted_flops is None or peak_equivalent_flops is None or peak_equivalent_flops <= 0:
        return None
    return counted_flops / peak_equivalent_flops


def measure_copy_bandwidth(n_bytes: int = 2**28, repeats: int = 5) -> tuple[float, str]:
    """Sustained memory bandwidth of this machine, measured: the best of ``repeats`` copies of an array.

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
