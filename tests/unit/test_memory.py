"""Tests for simnet.cost.memory: state bytes from Brian2 variables, peak RSS, GPU memory."""
from __future__ import annotations

import shutil
import stat
import subprocess
import sys

import pytest

brian2 = pytest.importorskip("brian2")
from brian2 import ms  # noqa: E402

from simnet.cost.memory import gpu_memory_used_mib, peak_rss_bytes, state_bytes  # noqa: E402

needs_nvidia_smi = pytest.mark.skipif(shutil.which("nvidia-smi") is None, reason="needs nvidia-smi")


@pytest.fixture
def numpy_runtime():
    """Brian2 runtime mode with the numpy target, restored afterwards."""
    old_target = brian2.prefs.codegen.target
    brian2.prefs.codegen.target = "numpy"
    brian2.set_device("runtime")
    yield
    brian2.prefs.codegen.target = old_target


def _lif_group(n: int):
    return brian2.NeuronGroup(n, "dv/dt = -v / (10*ms) : 1", threshold="v > 1", reset="v = 0",
                              refractory=2 * ms, method="exact")


def _by_variable(result, obj_name):
    return {row["variable"]: row for row in result["by_variable"] if row["object"] == obj_name}


def test_neuron_group_bytes_match_the_hand_count(numpy_runtime):
    group = _lif_group(10)
    brian2.Network(group).run(0.1 * ms)
    result = state_bytes([group])
    # v, lastspike: float64 (8 B); not_refractory: bool (1 B); index i: int32 (4 B) -> 21 B per neuron,
    # plus the int32 _spikespace of N+1 entries (44 B for 10 neurons): 254 B in all.
    assert result["n_neurons"] == 10
    assert result["neuron_bytes"] == 10 * (8 + 8 + 1 + 4) + 11 * 4
    assert result["bytes_per_neuron"] == pytest.approx(25.4)
    rows = _by_variable(result, group.name)
    assert set(rows) == {"v", "lastspike", "not_refractory", "i", "_spikespace"}
    assert rows["not_refractory"]["bytes"] == 10 and rows["v"]["dtype"] == "float64"
    # The clock's t and dt belong to the clock, not to the group.
    assert "t" not in rows and "dt" not in rows


def test_shared_variables_are_reported_but_not_per_neuron(numpy_runtime):
    group = brian2.NeuronGroup(4, "v : 1\nbias : 1 (shared)")
    brian2.Network(group).run(0.1 * ms)
    result = state_bytes([group])
    assert result["by_object"][group.name]["bytes_by_kind"]["shared"] == 8
    # v (float64) and i (int32); without a threshold there is no _spikespace.
    assert result["neuron_bytes"] == 4 * (8 + 4)


def test_synapse_bytes_match_the_hand_count(numpy_runtime):
    group = _lif_group(10)
    heterogeneous = brian2.Synapses(group, group, "w : 1", on_pre="v += w")
    heterogeneous.connect(i=[0, 1, 2, 3], j=[1, 2, 3, 4])
    heterogeneous.delay = "1*ms + i*0.1*ms"
    homogeneous = brian2.Synapses(group, group, "w : 1", on_pre="v += w", delay=1 * ms)
    homogeneous.connect(i=[0, 1], j=[2, 3])
    brian2.Network(group, heterogeneous, homogeneous).run(0.1 * ms)

    result = state_bytes([group, heterogeneous, homogeneous])
    # Per synapse: _synaptic_pre + _synaptic_post (int32) + w (float64), plus a float64 delay when
    # delays differ between synapses; a single delay is one shared value.
    assert result["n_synapses"] == 6
    assert result["synapse_bytes"] == 4 * (4 + 4 + 8 + 8) + 2 * (4 + 4 + 8)
    assert result["bytes_per_synapse"] == pytest.approx(128 / 6)
    rows = _by_variable(result, heterogeneous.name)
    # i, j and _presynaptic_idx are the same array as _synaptic_pre: counted once.
    assert "i" not in rows and "_presynaptic_idx" not in rows
    assert rows[f"{heterogeneous.name}_pre.delay"]["kind"] == "per_synapse"
    assert _by_variable(result, homogeneous.name)[f"{homogeneous.name}_pre.delay"]["kind"] == "shared"
    # N_incoming/N_outgoing are per neuron of the Synapses object, not per synapse.
    assert rows["N_incoming"]["kind"] == "per_neuron_of_synapses"


def test_spike_queue_is_estimated_or_listed_as_not_counted(numpy_runtime):
    group = _lif_group(10)
    synapses = brian2.Synapses(group, group, "w : 1", on_pre="v += w", delay=1 * ms)
    synapses.connect(i=[0, 1, 2], j=[1, 2, 3])
    brian2.Network(group, synapses).run(0.1 * ms)
    result = state_bytes([group, synapses])
    (queue,) = result["spike_queues"]
    if queue["lower_bound_bytes"] is None:
        assert any("spike queue" in item for item in result["not_counted"])
    else:
        # 3 synapse indices + 1 homogeneous delay (int32) + one vector header per source neuron.
        assert queue["lower_bound_bytes"] == 4 * 3 + 4 * 1 + 24 * 10
        assert queue["basis"].startswith("estimate (lower bound)")
    assert any("capacity" in item for item in result["not_counted"])


@pytest.mark.slow
def test_standalone_sizes_come_from_the_results_files(tmp_path):
    brian2.set_device("cpp_standalone", build_on_run=False, directory=str(tmp_path / "standalone"))
    try:
        group = _lif_group(20)
        synapses = brian2.Synapses(group, group, "w : 1", on_pre="v += w")
        synapses.connect(i=[0, 1, 2, 3, 4], j=[5, 6, 7, 8, 9])
        network = brian2.Network(group, synapses)
        network.run(0.5 * ms)
        brian2.device.build(run=True, with_output=False)
        result = state_bytes([group, synapses])
        assert result["n_synapses"] == 5
        assert result["synapse_bytes"] == 5 * (4 + 4 + 8 + 8)
        assert _by_variable(result, synapses.name)["w"]["size_from"] == "standalone results file"
    finally:
        brian2.device.reinit()
        brian2.set_device("runtime")


def test_peak_rss_is_in_bytes_and_covers_children():
    # A child that touches 80 MB: its peak must show up in bytes (ru_maxrss is KiB on Linux).
    subprocess.run([sys.executable, "-c", "b = bytearray(80_000_000); b[::4096] = b'x' * len(b[::4096])"],
                   check=True)
    rss = peak_rss_bytes()
    with open("/proc/self/status", encoding="ascii") as handle:
        status = dict(line.split(":", 1) for line in handle if ":" in line)
    high_water_bytes = int(status["VmHWM"].split()[0]) * 1024  # the kernel's own peak RSS, in kB
    # The two are kept by the kernel separately and may differ slightly, never by a factor of 1024.
    assert rss["self_bytes"] == pytest.approx(high_water_bytes, rel=0.1)
    assert rss["children_bytes"] >= 80_000_000
    assert rss["children_bytes"] < 64 * 2**30


def test_gpu_memory_without_nvidia_smi_is_none(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert gpu_memory_used_mib() is None


def test_gpu_memory_is_read_from_nvidia_smi(tmp_path, monkeypatch):
    exe = tmp_path / "nvidia-smi"
    exe.write_text('#!/bin/sh\ncase "$*" in *--query-gpu=memory.used*) echo "1234";; *) exit 9;; esac\n')
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert gpu_memory_used_mib() == 1234.0


@pytest.mark.needs_gpu
@needs_nvidia_smi
def test_real_gpu_memory_is_a_number():
    used = gpu_memory_used_mib()
    assert used is not None and used >= 0


@pytest.mark.parametrize("model, options", [
    ("cobahh", {"neurons": 40, "plasticity": "stdp"}),
    ("microcircuit", {"scale": 0.005, "k_scale": 0.05, "synapse_model": "triplet"}),
])
def test_the_estimate_before_building_counts_what_the_run_counts(model, options):
    """The memory guard's per-neuron and per-synapse bytes, from probe objects before anything is built, are the
    bytes state_bytes counts per element in the network once it has run."""
    import dataclasses
    import warnings

    from simnet.cost.memory import estimate_state_bytes
    from simnet.pipeline import execute, plan_run
    from simnet.simulation.backends import RuntimeBackend
    from simnet.simulation.settings import RunSettings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tiny column's scaling warning
        plan = plan_run(model, options, duration_s=0.002, backend="runtime", settings=RunSettings(progress=False))
    estimate = estimate_state_bytes(plan.spec, float_bytes=8, n_steps=20)
    measured = execute(dataclasses.replace(plan, backend=RuntimeBackend("numpy"))).cost_detail["memory"]["state"]
    for name, entry in measured["by_object"].items():
        kind = "per_neuron" if entry["type"] == "NeuronGroup" else "per_synapse"
        spike_space = 4 if kind == "per_neuron" else 0  # the spike buffer holds N + 1 entries
        assert entry["bytes_by_kind"][kind] == estimate["per_element_bytes"][name] * entry["elements"] + spike_space
