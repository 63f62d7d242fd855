"""Tests for simnet.cost.energy: RAPL counters, power-sample integration, estimates and per-unit figures."""
from __future__ import annotations

import os
import shutil
import stat
import sys
import time

import pytest

from simnet.base.data_tables import read_table
from simnet.cost.energy import (
    Energy,
    EnergyMeter,
    RaplCounters,
    counter_delta_uj,
    cumulative_between,
    integrate_power,
    per_unit,
    rapl_domains,
)
from simnet.machine.describe import describe_machine
from simnet.machine.hardware import Peak, peak_throughput

needs_nvidia_smi = pytest.mark.skipif(shutil.which("nvidia-smi") is None, reason="needs nvidia-smi")


def _rapl_zone(root, entry: str, name: str, energy_uj: int, max_range_uj: int):
    zone = root / entry
    zone.mkdir(parents=True)
    (zone / "name").write_text(name + "\n")
    (zone / "energy_uj").write_text(f"{energy_uj}\n")
    (zone / "max_energy_range_uj").write_text(f"{max_range_uj}\n")
    return zone


@pytest.fixture
def fake_powercap(tmp_path):
    """A powercap tree like a two-domain Intel server's, plus zones that must not be summed."""
    root = tmp_path / "powercap"
    _rapl_zone(root, "intel-rapl:0", "package-0", 4_000_000, 5_000_000)
    _rapl_zone(root, "intel-rapl:0:0", "core", 1_000, 5_000_000)
    _rapl_zone(root, "intel-rapl:0:1", "dram", 10, 1_000_000)
    _rapl_zone(root, "intel-rapl:1", "psys", 7_000, 5_000_000)
    _rapl_zone(root, "intel-rapl-mmio:0", "package-0", 4_000_000, 5_000_000)
    return root


def _set_uj(root, entry: str, value: int) -> None:
    (root / entry / "energy_uj").write_text(f"{value}\n")


def _fake_nvidia_smi(tmp_path, monkeypatch, watts: str = "150.00", used_mib: str = "2048") -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "nvidia-smi"
    exe.write_text(f'#!/bin/sh\ncase "$*" in *--query-gpu=power.draw,memory.used*) '
                   f'echo "{watts}, {used_mib}";; *) exit 9;; esac\n')
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(bin_dir))
    # A None entry makes "import pynvml" fail, so the nvidia-smi path is the one exercised.
    monkeypatch.setitem(sys.modules, "pynvml", None)


# --- RAPL -----------------------------------------------------------------------------------------

def test_counter_delta_handles_wrap_around():
    assert counter_delta_uj(100, 900, 1000) == 800
    assert counter_delta_uj(900, 100, 1000) == 200


def test_rapl_domains_are_package_and_dram_only(fake_powercap):
    domains, why = rapl_domains(str(fake_powercap))
    assert why == ""
    assert [d.name for d in domains] == ["intel-rapl:0 (package-0)", "intel-rapl:0:1 (dram)"]


def test_missing_powercap_says_why(tmp_path):
    domains, why = rapl_domains(str(tmp_path / "absent"))
    assert domains == [] and "does not exist" in why


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_rapl_counter_says_why(tmp_path):
    zone = _rapl_zone(tmp_path, "intel-rapl:0", "package-0", 5, 100)
    (zone / "energy_uj").chmod(0)
    domains, why = rapl_domains(str(tmp_path))
    assert domains == [] and "not readable" in why


def test_rapl_counters_add_increments_across_several_wraps(fake_powercap):
    domains, _ = rapl_domains(str(fake_powercap))
    counters = RaplCounters(domains)
    # package-0 range 5 J: 4.0 J -> 1.0 J (wrapped, +2 J) -> 4.5 J (+3.5 J) -> 0.5 J (wrapped, +1 J)
    for value in (1_000_000, 4_500_000, 500_000):
        _set_uj(fake_powercap, "intel-rapl:0", value)
        counters.read()
    assert counters.total_uj[0] == 6_500_000
    assert counters.total_uj[1] == 0  # dram did not move


def test_meter_reads_rapl_with_wrap_around(fake_powercap):
    # A long interval: only the readings at start and stop are taken.
    meter = EnergyMeter("cpu", sample_interval_s=3600, powercap_root=str(fake_powercap)).start()
    _set_uj(fake_powercap, "intel-rapl:0", 1_000_000)   # wrapped: 1 J + (5 J - 4 J) = 2 J
    _set_uj(fake_powercap, "intel-rapl:0:1", 500_010)   # +0.5 J
    _set_uj(fake_powercap, "intel-rapl:1", 9_999_999)   # psys must not count
    energy = meter.stop()
    assert energy.method == "rapl"
    assert energy.joules == pytest.approx(2.5)
    assert energy.samples == 2
    assert "all processes" in energy.note


def test_cumulative_between_by_hand():
    timeline = [(0.0, 0.0), (1.0, 10.0), (3.0, 14.0)]
    assert cumulative_between(timeline, 0.0, 3.0) == pytest.approx(14.0)
    assert cumulative_between(timeline, 0.5, 2.0) == pytest.approx(12.0 - 5.0)
    # clipped to the read span, never extrapolated
    assert cumulative_between(timeline, -5.0, 10.0) == pytest.approx(14.0)
    assert cumulative_between(timeline[:1], 0.0, 1.0) is None


def test_rapl_window_cuts_a_part_of_the_metered_span(fake_powercap):
    meter = EnergyMeter("cpu", sample_interval_s=3600, powercap_root=str(fake_powercap)).start()
    time.sleep(0.2)
    _set_uj(fake_powercap, "intel-rapl:0", 1_000_000)  # +2 J over the span (wrapped)
    meter.stop()
    # The counters were read twice, just before the span opened and just after it closed; how far outside the
    # span depends on the machine's load, so the expected joules come from those readings' own times: 2 J spread
    # linearly over the time between them.
    (r0, _), (r1, total) = meter._rapl.timeline
    assert total == pytest.approx(2.0)
    t0, t1 = meter._t_start, meter._t_stop
    assert r0 <= t0 < t1 <= r1
    rate = 2.0 / (r1 - r0)
    whole = meter.window(t0, t1, what="all")
    assert whole.joules == pytest.approx(rate * (t1 - t0), rel=1e-9)
    assert whole.joules > 1.0  # the span is most of the time between the readings (0.2 s of sleep inside it)
    middle = meter.window(t0 + 0.25 * (t1 - t0), t0 + 0.75 * (t1 - t0), what="the middle half")
    assert middle.joules == pytest.approx(0.5 * whole.joules, rel=1e-9)  # linear between the two readings
    assert middle.wall_s == pytest.approx(0.5 * (t1 - t0))
    assert "the middle half" in middle.note
    assert meter.window(t0 - 10.0, t1, what="outside") is None  # a window the meter did not see


# --- power samples --------------------------------------------------------------------------------

def test_integrate_power_by_hand():
    assert integrate_power([(0.0, 100.0), (1.0, 200.0)], 0.0, 1.0) == pytest.approx(150.0)
    # Held flat beyond the samples: 0.5 s at 100 W, 1 s averaging 200 W, 0.5 s at 300 W.
    assert integrate_power([(0.5, 100.0), (1.5, 300.0)], 0.0, 2.0) == pytest.approx(400.0)
    # Samples just outside the interval still give the power inside it.
    assert integrate_power([(-1.0, 50.0), (3.0, 50.0)], 0.0, 2.0) == pytest.approx(100.0)
    assert integrate_power([], 0.0, 1.0) is None


def test_meter_samples_nvidia_smi_power_on_gpu(tmp_path, monkeypatch):
    _fake_nvidia_smi(tmp_path, monkeypatch, watts="150.00", used_mib="2048")
    meter = EnergyMeter("gpu", sample_interval_s=0.05).start()
    time.sleep(0.3)
    energy = meter.stop()
    assert energy.method == "nvidia-smi power.draw samples"
    assert energy.samples >= 2
    assert energy.joules == pytest.approx(150.0 * energy.wall_s)
    assert meter.gpu_memory_peak_mib == 2048.0
    start, stop = meter._t_start, meter._t_stop
    loop = meter.window(start + 0.1 * (stop - start), stop, what="the loop")
    assert loop.joules == pytest.approx(150.0 * 0.9 * (stop - start))
    assert "pynvml" in energy.note


def test_gpu_without_power_readings_falls_back_to_the_board_power_estimate(tmp_path, monkeypatch):
    _fake_nvidia_smi(tmp_path, monkeypatch, watts="[N/A]")
    machine = {"gpus": [{"index": 0, "name": "NVIDIA H100 80GB HBM3"}]}
    peak = peak_throughput(machine, "gpu", "single", cores_used=None)
    with EnergyMeter("gpu", peak=peak) as meter:
        time.sleep(0.05)
    energy = meter.energy
    assert energy.method.startswith("estimate: 700 W board power x ")
    assert energy.joules == pytest.approx(700.0 * energy.wall_s)
    assert "not a measurement" in energy.note


# --- estimates and unavailability -----------------------------------------------------------------

def test_cpu_without_rapl_uses_the_tdp_estimate(tmp_path):
    peak = Peak("cpu", "double", 1e9, board_power_w=8.75, source="derived: test")
    meter = EnergyMeter("cpu", peak=peak, powercap_root=str(tmp_path / "absent")).start()
    time.sleep(0.05)
    energy = meter.stop()
    assert energy.method.startswith("estimate: 8.75 W TDP x ")
    assert energy.joules == pytest.approx(8.75 * energy.wall_s)
    assert energy.samples == 0
    assert "does not exist" in energy.note
    start, stop = meter._t_start, meter._t_stop
    part = meter.window(start, start + 0.5 * (stop - start), what="the loop")
    assert part.joules == pytest.approx(8.75 * 0.5 * (stop - start))
    assert part.method.startswith("estimate: 8.75 W TDP x ") and f"{part.wall_s:.3f} s" in part.method


def test_no_power_figure_means_unavailable(tmp_path):
    unknown = Peak("cpu", "double", None, note="unknown peak: test")
    for peak in (None, unknown):
        energy = EnergyMeter("cpu", peak=peak, powercap_root=str(tmp_path / "absent")).start().stop()
        assert energy.method == "unavailable"
        assert energy.joules is None


def test_gpu_meter_without_nvidia_smi_or_nvml_is_unavailable(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setitem(sys.modules, "pynvml", None)
    energy = EnergyMeter("gpu").start().stop()
    assert energy.method == "unavailable" and energy.joules is None
    assert "nvidia-smi" in energy.note


def test_bad_device_is_rejected():
    with pytest.raises(ValueError, match="device"):
        EnergyMeter("tpu")


# --- per unit -------------------------------------------------------------------------------------

def test_per_unit_by_hand():
    figures = per_unit(Energy(10.0, "rapl", 3, 1.0), bio_duration_s=2.0, synaptic_events=1e6)
    assert figures["joules_per_bio_s"] == pytest.approx(5.0)
    assert figures["joules_per_synaptic_event"] == pytest.approx(1e-5)
    assert figures["uJ_per_synaptic_event"] == pytest.approx(10.0)
    assert figures["method"] == "rapl"


def test_per_unit_is_none_safe():
    assert per_unit(None, 1.0, 10)["joules_per_bio_s"] is None
    unavailable = per_unit(Energy(None, "unavailable", 0, 1.0), 1.0, 10)
    assert unavailable["joules_per_bio_s"] is None and unavailable["uJ_per_synaptic_event"] is None
    no_events = per_unit(Energy(3.0, "rapl", 2, 1.0), 1.0, 0)
    assert no_events["joules_per_bio_s"] == pytest.approx(3.0)
    assert no_events["joules_per_synaptic_event"] is None


def test_published_comparison_table_is_shipped_with_its_source():
    table = read_table("published_microcircuit_rtf.csv")
    assert "Source:" in table.source
    golosio = [row for row in table.rows if row["study"] == "Golosio 2023" and row["simulator"] == "GeNN"]
    assert golosio and float(golosio[0]["uJ_per_synaptic_event"]) == pytest.approx(0.074)


# --- on a GPU machine -----------------------------------------------------------------------------

@pytest.mark.needs_gpu
@needs_nvidia_smi
def test_real_gpu_energy_is_measured():
    peak = peak_throughput(describe_machine(), "gpu", "single", cores_used=None)
    with EnergyMeter("gpu", peak=peak, sample_interval_s=0.1) as meter:
        time.sleep(1.0)
    energy = meter.energy
    assert energy.method in ("nvml power samples", "nvidia-smi power.draw samples"), energy.note
    # An idle H100-class board draws tens of watts; above 2 kW would mean a unit error.
    assert 1.0 < energy.joules / energy.wall_s < 2000.0
    assert meter.gpu_memory_peak_mib is not None
