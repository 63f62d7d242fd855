"""Tests for simnet.machine.hardware: machine description, table lookups and the peak arithmetic."""
from __future__ import annotations

import json
import os
import shutil
import stat

import pytest

from simnet.base.data_tables import read_table
from simnet.machine.describe import describe_machine
from simnet.machine.hardware import Peak, find_hardware_row, peak_equivalent, peak_throughput, utilisation

needs_nvidia_smi = pytest.mark.skipif(shutil.which("nvidia-smi") is None, reason="needs nvidia-smi")

FAKE_NVIDIA_SMI = """#!/bin/sh
case "$*" in
  *--query-gpu=index,name,memory.total,driver_version,pci.bus_id*)
    echo "0, NVIDIA H100 80GB HBM3, 81559, 550.54.15, 00000000:01:00.0"
    echo "1, Tesla V100-SXM2-16GB, 16384, 550.54.15, 00000000:02:00.0" ;;
  "") echo "| NVIDIA-SMI 550.54.15    Driver Version: 550.54.15    CUDA Version: 12.4 |" ;;
  *) exit 9 ;;
esac
"""


def _install_nvidia_smi(tmp_path, monkeypatch, script: str) -> None:
    """Put an executable ``nvidia-smi`` with the given body first (and alone) on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "nvidia-smi"
    exe.write_text(script)
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(bin_dir))


def zen3_machine(**overrides) -> dict:
    machine = {
        "cpu_model": "AMD EPYC", "cpu_vendor": "AuthenticAMD", "cpu_family": 25, "cpu_model_id": 1,
        "logical_cores": 2, "physical_cores": 2, "cpus_available": 2,
        "clock_ghz": 2.45, "clock_source": "test",
        "simd": {"sse2": True, "avx": True, "avx2": True, "fma": True, "avx512f": False},
        "gpus": [],
    }
    machine.update(overrides)
    return machine


def skylake_sp_machine(model_name: str, avx512f: bool = True) -> dict:
    return zen3_machine(cpu_model=model_name, cpu_vendor="GenuineIntel", cpu_family=6, cpu_model_id=0x55,
                        simd={"avx": True, "avx2": True, "fma": True, "avx512f": avx512f})


def gpu_machine(name: str) -> dict:
    return zen3_machine(gpus=[{"index": 0, "name": name, "memory_total_mib": 1.0}])


# --- describe_machine -----------------------------------------------------------------------------

def test_describe_machine_counts_the_processors_listed_in_proc_cpuinfo():
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        text = handle.read()
    processors = sum(1 for line in text.splitlines() if line.startswith("processor"))
    model_names = {line.split(":", 1)[1].strip() for line in text.splitlines()
                   if line.startswith("model name")}
    machine = describe_machine()
    assert machine["logical_cores"] == processors
    assert machine["cpu_model"] and machine["cpu_model"] != "unknown"
    if model_names:
        assert machine["cpu_model"] in model_names
    assert 1 <= machine["physical_cores"] <= machine["logical_cores"]
    assert machine["cpus_available"] == len(os.sched_getaffinity(0))


def test_describe_machine_is_json_safe_and_states_its_clock_source():
    machine = describe_machine()
    assert json.loads(json.dumps(machine)) == machine
    assert machine["clock_ghz"] is None or 0.1 < machine["clock_ghz"] < 10
    assert machine["clock_source"]
    assert set(machine["simd"]) >= {"avx", "avx2", "fma", "avx512f"}
    assert machine["memory_total_bytes"] > 2**20


def test_describe_machine_without_nvidia_smi_lists_no_gpus(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert describe_machine()["gpus"] == []


def test_failing_nvidia_smi_gives_no_gpus(tmp_path, monkeypatch):
    _install_nvidia_smi(tmp_path, monkeypatch, "#!/bin/sh\necho 'NVIDIA-SMI has failed' >&2\nexit 9\n")
    assert describe_machine()["gpus"] == []


def test_gpus_are_parsed_from_nvidia_smi(tmp_path, monkeypatch):
    _install_nvidia_smi(tmp_path, monkeypatch, FAKE_NVIDIA_SMI)
    gpus = describe_machine()["gpus"]
    assert [gpu["name"] for gpu in gpus] == ["NVIDIA H100 80GB HBM3", "Tesla V100-SXM2-16GB"]
    assert gpus[0]["memory_total_mib"] == 81559.0
    assert gpus[0]["driver"] == "550.54.15"
    assert gpus[0]["cuda_version"] == "12.4"
    assert gpus[1]["index"] == 1


# --- CPU peaks ------------------------------------------------------------------------------------

def test_zen3_peak_is_cores_times_clock_times_flops_per_cycle():
    double = peak_throughput(zen3_machine(), "cpu", "double", cores_used=2)
    single = peak_throughput(zen3_machine(), "cpu", "single", cores_used=2)
    # 2 cores x 2.45e9 Hz x 16 DP (32 SP) flop/cycle for Zen 3's two 256-bit FMA pipes.
    assert double.flops_per_s == pytest.approx(78.4e9)
    assert single.flops_per_s == pytest.approx(156.8e9)
    assert double.source.startswith("derived: 2 cores x 2.45 GHz x 16 flop/cycle (Zen 3, ")
    assert double.microarchitecture == "Zen 3"
    assert "unknown peak" not in double.note


def test_cpu_peak_counts_only_the_cores_used():
    one = peak_throughput(zen3_machine(), "cpu", "double", cores_used=1)
    assert one.flops_per_s == pytest.approx(39.2e9)
    assert one.cores_used == 1


def test_cpu_peak_defaults_to_available_cores_and_caps_threads_at_physical_cores():
    machine = zen3_machine(logical_cores=4, physical_cores=2, cpus_available=4)
    assert peak_throughput(machine, "cpu", "double").cores_used == 2
    capped = peak_throughput(machine, "cpu", "double", cores_used=4)
    assert capped.cores_used == 2
    assert "capped" in capped.note


def test_known_cpu_part_brings_bandwidth_and_prorated_tdp():
    machine = zen3_machine(cpu_model="AMD EPYC 7763 64-Core Processor")
    peak = peak_throughput(machine, "cpu", "double", cores_used=2)
    assert peak.mem_bandwidth_bytes_per_s == pytest.approx(204.8e9)
    assert peak.board_power_w == pytest.approx(280 * 2 / 64)
    assert "pro-rated" in peak.note


@pytest.mark.parametrize("model_name, fp64_per_cycle", [
    ("Intel(R) Xeon(R) Platinum 8180 CPU @ 2.50GHz", 32),
    ("Intel(R) Xeon(R) Gold 6230R CPU @ 2.10GHz", 32),
    ("Intel(R) Xeon(R) Gold 5122 CPU @ 3.60GHz", 32),
    ("Intel(R) Xeon(R) Gold 5118 CPU @ 2.30GHz", 16),
    ("Intel(R) Xeon(R) Silver 4114 CPU @ 2.20GHz", 16),
])
def test_skylake_sp_fma_units_follow_the_sku(model_name, fp64_per_cycle):
    peak = peak_throughput(skylake_sp_machine(model_name), "cpu", "double", cores_used=1)
    assert peak.flops_per_cycle == fp64_per_cycle


def test_skylake_sp_with_an_anonymous_model_name_is_unknown():
    peak = peak_throughput(skylake_sp_machine("Intel Xeon Processor (Skylake, IBRS)"), "cpu", "double", 2)
    assert peak.flops_per_s is None
    assert peak.note.startswith("unknown peak:")
    assert "SKU" in peak.note


def test_masked_avx512_is_unknown_not_the_tabulated_rate():
    machine = skylake_sp_machine("Intel(R) Xeon(R) Platinum 8180 CPU @ 2.50GHz", avx512f=False)
    peak = peak_throughput(machine, "cpu", "double", cores_used=1)
    assert peak.flops_per_s is None
    assert "avx512f" in peak.note


def test_unknown_cpu_gives_unknown_peak():
    machine = zen3_machine(cpu_vendor="HygonGenuine", cpu_family=24, cpu_model="Hygon C86 7185")
    peak = peak_throughput(machine, "cpu", "double", cores_used=2)
    assert peak.flops_per_s is None
    assert peak.note.startswith("unknown peak:")
    assert "not in data/cpu_flops_per_cycle.csv" in peak.note


def test_cpu_without_a_clock_gives_unknown_peak():
    peak = peak_throughput(zen3_machine(clock_ghz=None), "cpu", "single", cores_used=2)
    assert peak.flops_per_s is None
    assert "clock" in peak.note


def test_powerpc_a2_uses_the_documents_8_flops_per_cycle():
    machine = {"cpu_model": "A2 (Blue Gene/Q)", "cpu_vendor": "ppc64", "cpu_family": None,
               "cpu_model_id": None, "physical_cores": 16, "cpus_available": 16, "clock_ghz": 1.6,
               "simd": {}, "gpus": []}
    peak = peak_throughput(machine, "cpu", "double", cores_used=16)
    assert peak.flops_per_s == pytest.approx(204.8e9)  # the table's BlueGene/Q node figure


# --- GPU peaks ------------------------------------------------------------------------------------

@pytest.mark.parametrize("smi_name, row_name", [
    ("NVIDIA H100 80GB HBM3", "NVIDIA H100 SXM5 80GB"),
    ("NVIDIA H100 PCIe", "NVIDIA H100 PCIe 80GB"),
    ("Tesla V100-SXM2-16GB", "NVIDIA Tesla V100 SXM2"),
    ("Tesla V100-SXM2-32GB", "NVIDIA Tesla V100 SXM2"),
    ("Tesla V100-PCIE-16GB", "NVIDIA Tesla V100 PCIe"),
    ("NVIDIA A100-SXM4-80GB", "NVIDIA A100 SXM 80GB"),
    ("NVIDIA H200", "NVIDIA H200 SXM 141GB"),
    ("NVIDIA GeForce RTX 4090", "NVIDIA GeForce RTX 4090"),
    ("NVIDIA TITAN Xp", "NVIDIA TITAN Xp"),
    ("  nvidia   h100 80gb hbm3 ", "NVIDIA H100 SXM5 80GB"),
])
def test_nvidia_smi_names_find_their_row(smi_name, row_name):
    row, reason = find_hardware_row(smi_name, "gpu")
    assert row is not None, reason
    assert row["name"] == row_name


@pytest.mark.parametrize("smi_name", [
    "Tesla V100S-PCIE-32GB",     # a faster part than the V100 PCIe
    "NVIDIA H100 NVL",
    "NVIDIA H200 NVL",
    "NVIDIA A100-PCIE-40GB",     # 250 W, not the SXM row's 400 W
    "NVIDIA GeForce RTX 4090 D",
    "NVIDIA GeForce RTX 4090 Laptop GPU",
    "NVIDIA TITAN X (Pascal)",
])
def test_similar_but_different_gpus_are_not_matched(smi_name):
    row, reason = find_hardware_row(smi_name, "gpu")
    assert row is None
    assert "not in data/hardware.csv" in reason


def test_h100_peak_from_the_table():
    single = peak_throughput(gpu_machine("NVIDIA H100 80GB HBM3"), "gpu", "single", cores_used=None)
    double = peak_throughput(gpu_machine("NVIDIA H100 80GB HBM3"), "gpu", "double", cores_used=None)
    assert single.flops_per_s == pytest.approx(66.9e12)
    assert double.flops_per_s == pytest.approx(33.5e12)
    assert single.mem_bandwidth_bytes_per_s == pytest.approx(3350e9)
    assert single.board_power_w == 700
    assert "datasheet" in single.source


def test_v100_peak_from_the_table():
    peak = peak_throughput(gpu_machine("Tesla V100-SXM2-16GB"), "gpu", "single", cores_used=None)
    assert peak.flops_per_s == pytest.approx(15.7e12)


def test_unknown_gpu_gives_unknown_peak():
    peak = peak_throughput(gpu_machine("NVIDIA B200"), "gpu", "single", cores_used=None)
    assert peak.flops_per_s is None and peak.board_power_w is None
    assert peak.note.startswith("unknown peak:")
    assert "NVIDIA B200" in peak.note


def test_gpu_peak_without_any_gpu_is_unknown():
    peak = peak_throughput(zen3_machine(), "gpu", "single", cores_used=None)
    assert peak.flops_per_s is None
    assert "unknown peak" in peak.note


def test_bad_device_or_precision_is_rejected():
    with pytest.raises(ValueError, match="precision"):
        peak_throughput(zen3_machine(), "cpu", "half", cores_used=None)
    with pytest.raises(ValueError, match="device"):
        peak_throughput(zen3_machine(), "tpu", "single", cores_used=None)


def test_every_table_row_states_its_source():
    for table in ("hardware.csv", "cpu_flops_per_cycle.csv"):
        loaded = read_table(table)
        assert "ource" in loaded.source
        for row in loaded.rows:
            assert row["source"].strip(), row


# --- the document's measure -----------------------------------------------------------------------

def test_peak_equivalent_reproduces_the_documents_blue_gene_figures():
    # Seed document 003: 2048 nodes x 16 cores x 1.6 GHz x 8 flop/cycle for 2e3 s simulating
    # 2.19e5 neurons for 1 ms -> 8.39e17 flop, 3.83e12 flop/neuron, 3.83e15 flop/neuron/bio s.
    peak = Peak("cpu", "double", flops_per_s=2048 * 16 * 1.6e9 * 8, source="document")
    result = peak_equivalent(peak, loop_wall_s=2e3, n_neurons=219_000, bio_duration_s=1e-3)
    assert result["peak_equivalent_flops"] == pytest.approx(8.39e17, rel=1e-3)
    assert result["peak_equivalent_flops_per_neuron_per_bio_s"] == pytest.approx(3.83e15, rel=2e-3)


def test_peak_equivalent_of_an_unknown_peak_is_none():
    result = peak_equivalent(Peak("gpu", "single", None, note="unknown peak: x"), 1.0, 10, 1.0)
    assert result["peak_equivalent_flops"] is None
    assert result["peak_equivalent_flops_per_neuron_per_bio_s"] is None
    assert result["source"] == "unknown peak: x"


def test_utilisation():
    assert utilisation(1e9, 1e10) == pytest.approx(0.1)
    assert utilisation(None, 1e10) is None
    assert utilisation(1e9, None) is None
    assert utilisation(1e9, 0.0) is None


# --- on a GPU machine -----------------------------------------------------------------------------

@pytest.mark.needs_gpu
@needs_nvidia_smi
def test_real_gpu_is_described_and_in_the_table():
    machine = describe_machine()
    assert machine["gpus"], "nvidia-smi is on PATH but listed no GPU"
    assert machine["gpus"][0]["memory_total_mib"] > 1000
    peak = peak_throughput(machine, "gpu", "single", cores_used=None)
    assert peak.flops_per_s is not None, peak.note
