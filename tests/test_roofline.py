"""Roofline bounds from a run's counts: hand arithmetic on a small synthetic record."""
import pytest

from simnet.cost.roofline import bytes_moved, roofline

STATE = {
    "total_bytes": 1000.0,
    "by_object": {
        "neurons": {"type": "NeuronGroup", "elements": 10, "bytes": 400, "bytes_by_kind": {"per_neuron": 400}},
        "syn": {"type": "Synapses", "elements": 20, "bytes": 640,
                "bytes_by_kind": {"per_synapse": 600, "per_neuron_of_synapses": 40}},
    },
}
COUNTS = {
    "n_steps": 100,
    "populations": {
        "neurons": {"size": 10, "neuron_steps": 1000, "spikes": 5},
        "exc": {"size": 8, "neuron_steps": 800, "spikes": 4, "part_of": "neurons"},
    },
    "projections": {"syn": {"synaptic_events_pre": 50, "synaptic_events_post": 30, "plastic": True}},
}


def test_bytes_moved_by_hand():
    parts = bytes_moved(COUNTS, STATE, float_bytes=8)
    # 40 B per neuron read + written each of 1000 neuron-steps; the subpopulation is not counted again
    assert parts["neuron_update"] == 2 * 40 * 1000
    # 30 B per synapse read + target conductance read and written (2 x 8 B) per event
    assert parts["synaptic_events"] == 50 * (30 + 16)
    # plastic: written back on each pre event, read and written on each post event
    assert parts["plasticity"] == 50 * 30 + 30 * 2 * 30
    static = dict(COUNTS, projections={"syn": dict(COUNTS["projections"]["syn"], plastic=False)})
    assert bytes_moved(static, STATE, float_bytes=4)["plasticity"] == 0
    assert bytes_moved(static, STATE, float_bytes=4)["synaptic_events"] == 50 * (30 + 8)


def test_roofline_picks_the_larger_bound():
    total = 2 * 40 * 1000 + 50 * 46 + 50 * 30 + 30 * 60
    memory_bound = roofline(measured_loop_s=1.0, flops=1e3, counts=COUNTS, state=STATE, precision="double",
                            peak_flops_per_s=1e6, bandwidth_bytes_per_s=1e6, bandwidth_source="test")
    assert memory_bound.bytes_moved == total
    assert memory_bound.compute_bound_s == pytest.approx(1e-3)
    assert memory_bound.memory_bound_s == pytest.approx(total / 1e6)
    assert memory_bound.binding == "memory"
    assert memory_bound.measured_over_bound == pytest.approx(1.0 / (total / 1e6))
    compute_bound = roofline(measured_loop_s=1.0, flops=1e9, counts=COUNTS, state=STATE, precision="double",
                             peak_flops_per_s=1e9, bandwidth_bytes_per_s=1e9, bandwidth_source="test")
    assert compute_bound.binding == "compute" and compute_bound.measured_over_bound == pytest.approx(1.0)


def test_unknown_peaks_leave_their_bound_out_and_say_so():
    bound = roofline(measured_loop_s=2.0, flops=1e6, counts=COUNTS, state=STATE, precision="single",
                     peak_flops_per_s=None, bandwidth_bytes_per_s=None, bandwidth_source="unknown")
    assert bound.bound_s is None and bound.measured_over_bound is None and bound.binding == "unknown"
    assert any("compute bound left out" in n for n in bound.notes)
    assert any("memory bound left out" in n for n in bound.notes)


def test_gpu_launch_bound():
    bound = roofline(measured_loop_s=1.0, flops=1.0, counts=COUNTS, state=STATE, precision="single",
                     peak_flops_per_s=1e12, bandwidth_bytes_per_s=1e12, bandwidth_source="test",
                     kernels_per_step=3, launch_latency_s=5e-6)
    assert bound.launch_bound_s == pytest.approx(100 * 3 * 5e-6)
    assert bound.binding == "kernel launch"
