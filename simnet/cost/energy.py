"""Energy drawn during the simulation loop: measured where the machine allows it, otherwise estimated.

:class:`EnergyMeter` picks, in order:

* GPU backends: NVML power samples (``pynvml``), else ``nvidia-smi --query-gpu=power.draw`` samples, taken
  in a background thread (about 10 Hz) and integrated over time (trapezoid rule);
* CPU backends: the RAPL energy counters under ``/sys/class/powercap`` (package and DRAM domains), read
  in the same way so that counter wrap-around is caught;
* otherwise an estimate, ``board power (or pro-rated TDP) from data/hardware.csv x wall time``, labelled
  ``method="estimate: ..."``; or ``method="unavailable"`` with ``joules=None`` when no power figure is
  known.

:func:`per_unit` turns the result into joules per biological second and per synaptic event, the units of
``data/published_microcircuit_rtf.csv``. The meter wraps a whole simulate call (a standalone program cannot be
metered from inside); :meth:`EnergyMeter.window` then cuts the loop out of it, using the loop's start and end on
the same monotonic clock (``time.monotonic``; the generated C++ marks use ``std::chrono::steady_clock``, which is
CLOCK_MONOTONIC on Linux as well).
"""
from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import asdict, dataclass
from typing import Callable

from simnet.machine.describe import nvidia_smi_query
from simnet.machine.hardware import Peak

__all__ = ["POWERCAP_ROOT", "DEFAULT_SAMPLE_INTERVAL_S", "Energy", "cumulative_between", "integrate_power",
           "RaplDomain", "rapl_domains", "counter_delta_uj", "RaplCounters", "EnergyMeter", "per_unit"]

POWERCAP_ROOT = "/sys/class/powercap"
DEFAULT_SAMPLE_INTERVAL_S = 0.1


@dataclass(frozen=True)
class Energy:
    """Energy over one measured interval and how it was obtained.

    Attributes
    ----------
    joules : float or None
        None when no measurement or power figure was available.
    method : str
        ``"nvml power samples"``, ``"nvidia-smi power.draw samples"``, ``"rapl"``,
        ``"estimate: <power> W (<source>) x <wall> s"`` or ``"unavailable"``.
    samples : int
        Power or counter readings taken (0 for an estimate).
    wall_s : float
        Wall-clock seconds between start and stop.
    note : str
        Scope and caveats (what the figure covers, why a method was not used).
    """

    joules: float | None
    method: str
    samples: int
    wall_s: float
    note: str = ""

    def to_dict(self) -> dict:
        """Plain dict of every field (JSON-safe)."""
        return asdict(self)


def _value_at(points: list[tuple[float, float]], t: float) -> float:
    """Linear interpolation in sorted ``(time_s, value)`` points, held at the end values outside their span."""
    if t <= points[0][0]:
        return points[0][1]
    if t >= points[-1][0]:
        return points[-1][1]
    for (t0, v0), (t1, v1) in zip(points, points[1:]):
        if t0 <= t <= t1:
            return v0 if t1 == t0 else v0 + (v1 - v0) * (t - t0) / (t1 - t0)
    raise AssertionError("unreachable: t lies within the points' span")


def cumulative_between(timeline: list[tuple[float, float]], t_start: float, t_stop: float) -> float | None:
    """Joules between two times from ``(time_s, cumulative joules)`` readings, interpolated linearly.

    Outside the read span the first/last rate is not extrapolated: the window is clipped to the span, so the
    result is never more than the counters saw. None with fewer than two readings.
    """
    points = sorted(timeline)
    if len(points) < 2:
        return None
    return _value_at(points, t_stop) - _value_at(points, t_start)


def integrate_power(samples: list[tuple[float, float]], t_start: float, t_stop: float) -> float | None:
    """Joules from ``(time_s, watts)`` samples over ``[t_start, t_stop]`` (trapezoid rule).

    Power between samples is interpolated linearly; before the first and after the last sample it is
    held at that sample's value, so readings taken just outside the interval (the meter reads once as it
    starts and once as it stops) still count and a loop shorter than the sampling period is covered.
    None when there are no samples.
    """
    points = sorted(samples)
    if not points:
        return None
    knots = [(t_start, _value_at(points, t_start))]
    knots += [(t, w) for t, w in points if t_start < t < t_stop]
    knots.append((t_stop, _value_at(points, t_stop)))
    return sum(0.5 * (w0 + w1) * (t1 - t0) for (t0, w0), (t1, w1) in zip(knots, knots[1:]))


# --------------------------------------------------------------------------------------------------
# RAPL
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RaplDomain:
    """One RAPL energy counter: its sysfs directory, name and wrap-around range (microjoules)."""

    path: str
    name: str
    max_energy_range_uj: int

    def read_uj(self) -> int:
        with open(os.path.join(self.path, "energy_uj"), encoding="ascii") as handle:
            return int(handle.read().strip())


def rapl_domains(root: str = POWERCAP_ROOT) -> tuple[list[RaplDomain], str]:
    """Readable RAPL package and DRAM domains under ``root``, and why none were found if so.

    Package domains (``package-N``) and DRAM subdomains (``dram``, counted apart from the package) are
    summed; ``core``/``uncore`` are parts of the package and ``psys`` covers the package too, so they are
    left out to avoid counting energy twice.
    """
    if not os.path.isdir(root):
        return [], f"{root} does not exist (no RAPL exposed, e.g. inside a VM)"
    domains = []
    unreadable = []
    for entry in sorted(os.listdir(root)):
        if not re.fullmatch(r"intel-rapl:\d+(:\d+)?", entry):
            continue
        path = os.path.join(root, entry)
        try:
            with open(os.path.join(path, "name"), encoding="ascii") as handle:
                name = handle.read().strip()
            if not (name.startswith("package") or name == "dram"):
                continue
            with open(os.path.join(path, "max_energy_range_uj"), encoding="ascii") as handle:
                max_range = int(handle.read().strip())
            domain = RaplDomain(path=path, name=f"{entry} ({name})", max_energy_range_uj=max_range)
            domain.read_uj()
        except PermissionError:
            unreadable.append(entry)
            continue
        except (OSError, ValueError):
            continue
        domains.append(domain)
    if domains:
        return domains, ""
    if unreadable:
        return [], (f"RAPL energy_uj not readable in {', '.join(unreadable)} "
                    f"(root-only since Linux 5.10, CVE-2020-8694)")
    return [], f"no RAPL package or dram domain under {root}"


def counter_delta_uj(before: int, after: int, max_energy_range_uj: int) -> int:
    """Energy between two readings of a counter that wraps to 0 after ``max_energy_range_uj``."""
    if after >= before:
        return after - before
    return after + (max_energy_range_uj - before)


class RaplCounters:
    """Sums counter increments across readings, so each wrap between two readings is caught."""

    def __init__(self, domains: list[RaplDomain]):
        self.domains = domains
        self.last = [domain.read_uj() for domain in domains]
        self.total_uj = [0] * len(domains)
        self.readings = 1
        #: (time.monotonic(), joules summed over domains since the first reading), one per reading
        self.timeline: list[tuple[float, float]] = [(time.monotonic(), 0.0)]

    def read(self) -> None:
        for k, domain in enumerate(self.domains):
            try:
                value = domain.read_uj()
            except (OSError, ValueError):
                continue
            self.total_uj[k] += counter_delta_uj(self.last[k], value, domain.max_energy_range_uj)
            self.last[k] = value
        self.readings += 1
        self.timeline.append((time.monotonic(), sum(self.total_uj) / 1e6))


# --------------------------------------------------------------------------------------------------
# GPU power readers
# --------------------------------------------------------------------------------------------------

def _nvml_reader(gpu_index: int) -> Callable[[], tuple[float | None, float | None]] | None:
    """A function returning (watts, memory used MiB) via NVML, or None when pynvml is unusable."""
    try:
        import pynvml
        pynvml.nvmlInit()
        handle = pynvml.nvmlDeviceGetHandleByIndex(gpu_index)
        pynvml.nvmlDeviceGetPowerUsage(handle)
    except Exception:  # noqa: BLE001 - ImportError, NVMLError and driver faults all mean "not usable"
        return None

    def read() -> tuple[float | None, float | None]:
        try:
            watts = pynvml.nvmlDeviceGetPowerUsage(handle) / 1000.0  # NVML reports milliwatts
        except Exception:  # noqa: BLE001
            watts = None
        try:
            used_mib = pynvml.nvmlDeviceGetMemoryInfo(handle).used / 2**20
        except Exception:  # noqa: BLE001
            used_mib = None
        return watts, used_mib

    return read


def _nvidia_smi_reader(gpu_index: int) -> Callable[[], tuple[float | None, float | None]] | None:
    """A function returning (watts, memory used MiB) via nvidia-smi, or None when it gives no power."""

    def read() -> tuple[float | None, float | None]:
        rows = nvidia_smi_query(("power.draw", "memory.used"), gpu_index=gpu_index, timeout_s=5.0)
        if not rows:
            return None, None
        values = []
        for field in ("power.draw", "memory.used"):
            try:
                values.append(float(rows[0][field]))
            except ValueError:  # "[N/A]" on boards without a power sensor
                values.append(None)
        return values[0], values[1]

    return read if read()[0] is not None else None


# --------------------------------------------------------------------------------------------------
# The meter
# --------------------------------------------------------------------------------------------------

class EnergyMeter:
    """Measure (or, failing that, estimate) the energy of the code run between start and stop.

    Parameters
    ----------
    device : {"cpu", "gpu"}
        The device that runs the simulation loop.
    peak : Peak, optional
        From :func:`simnet.machine.hardware.peak_throughput`; its ``board_power_w`` is the figure an
        estimate uses when nothing can be measured.
    gpu_index : int
        Which GPU to sample.
    sample_interval_s : float
        Time between power or counter readings.
    powercap_root : str
        Where the RAPL counters are (a fake tree in tests).

    Examples
    --------
    >>> with EnergyMeter("cpu") as meter:          # doctest: +SKIP
    ...     network.run(duration)
    >>> meter.energy.to_dict()                      # doctest: +SKIP
    """

    def __init__(self, device: str = "cpu", peak: Peak | None = None, gpu_index: int = 0,
                 sample_interval_s: float = DEFAULT_SAMPLE_INTERVAL_S,
                 powercap_root: str = POWERCAP_ROOT):
        if device not in ("cpu", "gpu"):
            raise ValueError(f"device must be 'cpu' or 'gpu', not {device!r}")
        self.device = device
        self.peak = peak
        self.gpu_index = gpu_index
        self.sample_interval_s = sample_interval_s
        self.powercap_root = powercap_root
        self.energy: Energy | None = None
        #: Highest GPU memory use (MiB, all processes) seen while sampling a GPU; None otherwise.
        self.gpu_memory_peak_mib: float | None = None
        self._method = "unavailable"
        self._why_not: list[str] = []
        self._power_reader = None
        self._rapl: RaplCounters | None = None
        self._samples: list[tuple[float, float]] = []
        self._stop_event = threading.Event()
        self._thread: threading.Thread | None = None
        self._t_start = self._t_stop = 0.0

    # -- selection -------------------------------------------------------------------------------
    def _choose(self) -> None:
        if self.device == "gpu":
            reader = _nvml_reader(self.gpu_index)
            if reader is not None:
                self._power_reader, self._method = reader, "nvml power samples"
                return
            self._why_not.append("pynvml not importable or NVML not usable")
            reader = _nvidia_smi_reader(self.gpu_index)
            if reader is not None:
                self._power_reader, self._method = reader, "nvidia-smi power.draw samples"
                return
            self._why_not.append("nvidia-smi absent or reports no power.draw")
        else:
            domains, why = rapl_domains(self.powercap_root)
            if domains:
                self._rapl, self._method = RaplCounters(domains), "rapl"
                return
            self._why_not.append(why)
        power = self.peak.board_power_w if self.peak is not None else None
        if power is None:
            self._method = "unavailable"
            self._why_not.append("no board power or TDP known for this device in data/hardware.csv")
        else:
            self._method = "estimate"

    # -- sampling --------------------------------------------------------------------------------
    def _read_once(self) -> None:
        if self._rapl is not None:
            self._rapl.read()
            return
        before = time.monotonic()
        watts, used_mib = self._power_reader()
        stamp = 0.5 * (before + time.monotonic())  # a slow reading belongs to its midpoint
        if watts is not None:
            self._samples.append((stamp, watts))
        if used_mib is not None:
            self.gpu_memory_peak_mib = max(self.gpu_memory_peak_mib or 0.0, used_mib)

    def _run(self) -> None:
        while not self._stop_event.wait(self.sample_interval_s):
            self._read_once()

    def start(self) -> EnergyMeter:
        """Choose the method and start sampling; returns self."""
        self._choose()
        sampling = self._rapl is not None or self._power_reader is not None
        if self._power_reader is not None:
            self._read_once()  # one reading at the start, so even a short loop has two
        self._t_start = time.monotonic()
        if sampling:
            self._stop_event.clear()
            self._thread = threading.Thread(target=self._run, name="simnet-energy", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> Energy:
        """Stop sampling and return (and keep in ``self.energy``) the :class:`Energy`."""
        self._t_stop = time.monotonic()
        if self._thread is not None:
            self._stop_event.set()
            self._thread.join()
            self._thread = None
        wall_s = self._t_stop - self._t_start
        skipped = "; ".join(self._why_not)
        if self._rapl is not None:
            self._rapl.read()
            joules = sum(self._rapl.total_uj) / 1e6
            names = ", ".join(domain.name for domain in self._rapl.domains)
            self.energy = Energy(joules, "rapl", self._rapl.readings, wall_s,
                                 note=f"RAPL domains {names}: whole sockets and their DRAM, all processes "
                                      f"and cores, not only those of the run")
        elif self._power_reader is not None:
            self._read_once()
            joules = integrate_power(self._samples, self._t_start, self._t_stop)
            note = (f"GPU {self.gpu_index} board power, all processes on it, integrated over the metered span"
                    + (f"; not used: {skipped}" if skipped else ""))
            if joules is None:
                self.energy = Energy(None, "unavailable", 0, wall_s,
                                     note=f"{self._method} gave no readings; {note}")
            else:
                self.energy = Energy(joules, self._method, len(self._samples), wall_s, note=note)
        elif self._method == "estimate":
            power = self.peak.board_power_w
            what = "board power" if self.device == "gpu" else "TDP"
            source = self.peak.source or self.peak.device_name or "data/hardware.csv"
            self.energy = Energy(
                power * wall_s,
                f"estimate: {power:g} W {what} x {wall_s:.3f} s wall ({source})",
                0, wall_s,
                note=f"not a measurement: assumes the rated power was drawn throughout; not measured "
                     f"because {skipped}" + (f"; {self.peak.note}" if self.peak.note else ""))
        else:
            self.energy = Energy(None, "unavailable", 0, wall_s, note=skipped)
        return self.energy

    def window(self, t_start: float, t_stop: float, what: str) -> Energy | None:
        """The energy of a part ``[t_start, t_stop]`` (``time.monotonic()`` seconds) of the metered span.

        None when the window does not lie within the metered span (a clock mismatch: the caller should keep
        the whole-span figure) or before :meth:`stop`. ``what`` names the window in the note.
        """
        if self.energy is None or not (self._t_start <= t_start <= t_stop <= self._t_stop):
            return None
        wall_s = t_stop - t_start
        whole = self.energy
        if self._rapl is not None:
            joules = cumulative_between(self._rapl.timeline, t_start, t_stop)
            samples = sum(1 for t, _ in self._rapl.timeline if t_start <= t <= t_stop)
        elif self._power_reader is not None and whole.joules is not None:
            joules = integrate_power(self._samples, t_start, t_stop)
            samples = sum(1 for t, _ in self._samples if t_start <= t <= t_stop)
        elif whole.joules is not None:  # an estimate: rated power x the window's wall time
            power = whole.joules / whole.wall_s if whole.wall_s > 0 else 0.0
            return Energy(power * wall_s, whole.method.replace(f"x {whole.wall_s:.3f} s", f"x {wall_s:.3f} s"),
                          0, wall_s, note=f"{what}; {whole.note}")
        else:
            return Energy(None, whole.method, 0, wall_s, note=f"{what}; {whole.note}")
        if joules is None:
            return None
        return Energy(joules, whole.method, samples, wall_s,
                      note=f"{what} ({samples} readings inside it, {self.sample_interval_s:g} s apart, "
                           f"interpolated at its ends); {whole.note}")

    def __enter__(self) -> EnergyMeter:
        return self.start()

    def __exit__(self, exc_type, exc, tb) -> None:
        self.stop()


def per_unit(energy: Energy | None, bio_duration_s: float | None,
             synaptic_events: float | None) -> dict:
    """Joules per biological second and per synaptic event (None wherever an input is missing).

    Parameters
    ----------
    energy : Energy or None
        From :meth:`EnergyMeter.stop`.
    bio_duration_s : float or None
        Biological seconds simulated in the measured loop.
    synaptic_events : float or None
        Spikes delivered to synapses during the loop (presynaptic spikes x their outgoing synapses).

    Returns
    -------
    dict
        ``joules_per_bio_s``, ``joules_per_synaptic_event``, ``uJ_per_synaptic_event`` (the unit of
        ``data/published_microcircuit_rtf.csv``) and ``method`` (the energy's method).
    """
    joules = energy.joules if energy is not None else None
    per_bio = joules / bio_duration_s if joules is not None and bio_duration_s else None
    per_event = joules / synaptic_events if joules is not None and synaptic_events else None
    return {
        "joules_per_bio_s": per_bio,
        "joules_per_synaptic_event": per_event,
        "uJ_per_synaptic_event": per_event * 1e6 if per_event is not None else None,
        "method": energy.method if energy is not None else "unavailable",
    }
