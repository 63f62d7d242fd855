"""What hardware a run used, and that hardware's peak throughput, bandwidth and power.

:func:`peak_throughput` looks the device a run used (as :func:`simnet.machine.describe.describe_machine` identified
it) up in ``data/hardware.csv`` (GPUs and CPU parts) and
``data/cpu_flops_per_cycle.csv`` (CPU micro-architectures) and returns a :class:`Peak` that says where each
figure came from. A device the tables do not know gives ``flops_per_s=None`` and a note starting
``"unknown peak:"``; nothing is guessed.

:func:`peak_equivalent` applies the method of seed document 003: the compute a run *could* have done is ``cores x clock x flop/cycle x wall seconds``, divided by neurons and biological
seconds; :func:`utilisation` compares the counted FLOPs with it.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace

from simnet.base.data_tables import read_table

__all__ = ["HARDWARE_TABLE", "CPU_FLOPS_TABLE", "PRECISION_COLUMNS", "Peak", "normalise_device_name",
           "find_hardware_row", "find_cpu_microarchitecture", "peak_throughput", "with_measured_peak",
           "peak_equivalent", "utilisation"]

HARDWARE_TABLE = "hardware.csv"
CPU_FLOPS_TABLE = "cpu_flops_per_cycle.csv"


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
    nominal_flops_per_s : float or None
        The tabulated (datasheet or derived) peak, when the tables know the device.
    measured_flops_per_s, measured_source : float or None, str
        A measured peak (:func:`with_measured_peak`) and how it was measured; ``flops_per_s`` is the measured
        figure only where no nominal one is known.
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
    nominal_flops_per_s: float | None = None
    measured_flops_per_s: float | None = None
    measured_source: str = ""

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
    """The ``data/cpu_flops_per_cycle.csv`` row for the CPU that :func:`simnet.machine.describe.describe_machine` described.

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
        As returned by :func:`simnet.machine.describe.describe_machine` (or a hand-made dict with the same keys).
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
        nominal_flops_per_s=tflops * 1e12 if tflops is not None else None,
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
        nominal_flops_per_s=cores_used * clock * 1e9 * per_cycle,
        mem_bandwidth_bytes_per_s=bandwidth, board_power_w=power,
        source=source, note="; ".join(notes),
        device_name=part_row["name"] if part_row else machine.get("cpu_model", ""),
        microarchitecture=uarch_row["microarchitecture"],
        cores_used=cores_used, clock_ghz=clock, flops_per_cycle=per_cycle,
    )


def with_measured_peak(peak: Peak, measured_flops_per_s: float | None, method: str) -> Peak:
    """``peak`` with a measured peak beside it (:mod:`simnet.machine.microbench`).

    Where the tables give no nominal peak, the measured one becomes the peak the run is charged with, and its
    source says "measured peak"; where they do, the nominal peak stays and the measured one is shown beside it.
    A failed measurement (``measured_flops_per_s`` None) is added to the note.
    """
    if measured_flops_per_s is None:
        return replace(peak, note="; ".join(filter(None, [peak.note, method])))
    if peak.flops_per_s is not None:
        return replace(peak, measured_flops_per_s=measured_flops_per_s, measured_source=method)
    note = peak.note.replace("unknown peak:", "no nominal peak:", 1)
    return replace(peak, flops_per_s=measured_flops_per_s, measured_flops_per_s=measured_flops_per_s,
                   measured_source=method, source="; ".join(filter(None, [method, peak.source])), note=note)


# --------------------------------------------------------------------------------------------------
# The document's peak-equivalent measure
# --------------------------------------------------------------------------------------------------

def peak_equivalent(peak: Peak, loop_wall_s: float, n_neurons: int, bio_duration_s: float) -> dict:
    """Compute the hardware could have done during the loop, per neuron and biological second.

    The method of seed document 003: ``flops = cores x clock x flop/cycle x wall
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
